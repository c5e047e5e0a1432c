package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fromOrigin sends a visitor API request as a page of origin would.
func (s *testServer) fromOrigin(t *testing.T, method, path, origin, token string, body any) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(mustJSON(t, body))
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	if method == "OPTIONS" {
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Each channel lists the websites allowed to embed its widget: the visitor API (and its
// WebSocket) answers those, and refuses pages of any other site before doing anything.
func TestChannelAllowedOrigins(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	var shop struct {
		ID             int64    `json:"id"`
		AllowedOrigins []string `json:"allowed_origins"`
	}
	s.must(t, 201, "POST", "/api/channels", admin, map[string]any{"name": "Shop", "allowed_origins": []string{"https://Shop.Example/", "https://shop.example", "http://localhost:3000"}}).decode(t, &shop)
	if fmt.Sprint(shop.AllowedOrigins) != "[https://shop.example http://localhost:3000]" {
		t.Fatalf("allowed origins stored as %v", shop.AllowedOrigins)
	}
	open := s.mustChannel(t, admin, map[string]any{"name": "Open"})
	s.must(t, 400, "PATCH", fmt.Sprintf("/api/channels/%d", shop.ID), admin, map[string]any{"allowed_origins": []string{"shop.example/path"}})

	const good, evil = "https://shop.example", "https://evil.example"
	tests := []struct {
		name, method, path, origin string
		body                       any
		status                     int
		cors                       bool
	}{
		{"allowed site reads the channel", "GET", fmt.Sprintf("/livechat/channels/%d", shop.ID), good, nil, 200, true},
		{"allowed site, preflight", "OPTIONS", fmt.Sprintf("/livechat/channels/%d/conversations", shop.ID), good, nil, 204, true},
		{"other site reads the channel", "GET", fmt.Sprintf("/livechat/channels/%d", shop.ID), evil, nil, 403, false},
		{"other site, preflight", "OPTIONS", fmt.Sprintf("/livechat/channels/%d/conversations", shop.ID), evil, nil, 403, false},
		{"other site starts a chat", "POST", fmt.Sprintf("/livechat/channels/%d/conversations", shop.ID), evil, map[string]string{"body": "spam"}, 403, false},
		{"other site leaves a message", "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", shop.ID), evil, map[string]string{"name": "E", "email": "e@evil.example", "body": "spam"}, 403, false},
		{"any site on a channel without a list", "GET", fmt.Sprintf("/livechat/channels/%d", open), evil, nil, 200, true},
		{"unknown channel still answers 404 with CORS", "GET", "/livechat/channels/999999", evil, nil, 404, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.fromOrigin(t, tc.method, tc.path, tc.origin, "", tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			got := r.Header.Get("Access-Control-Allow-Origin")
			if tc.cors && got != tc.origin {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, tc.origin)
			}
			if !tc.cors && got != "" {
				t.Fatalf("Access-Control-Allow-Origin %q for a refused site", got)
			}
		})
	}

	// The refused start stored nothing: the first real visitor is first in line.
	start := s.fromOrigin(t, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", shop.ID), good, "", map[string]string{"body": "hello"})
	if start.Status != 201 {
		t.Fatalf("start from the allowed site: %d %s", start.Status, start.Body)
	}
	out := start.object(t)
	if num(path(out, "conversation", "queue_position")) != 1 {
		t.Fatalf("queue position %v: the refused start was stored", path(out, "conversation", "queue_position"))
	}
	token, conv := out["visitor_token"].(string), num(path(out, "conversation", "id"))
	if r := s.fromOrigin(t, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), evil, token, nil); r.Status != 403 {
		t.Fatalf("other site reads the conversation with a stolen token: %d", r.Status)
	}
	if r := s.fromOrigin(t, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), good, token, nil); r.Status != 200 {
		t.Fatalf("allowed site reads its conversation: %d", r.Status)
	}

	// The WebSocket checks the origin too.
	dial := func(origin string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/livechat/ws?token="+token,
			&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		if err == nil {
			conn.CloseNow()
		}
		return err
	}
	if err := dial(good); err != nil {
		t.Fatalf("WebSocket from the allowed site: %v", err)
	}
	if err := dial(evil); err == nil {
		t.Fatal("WebSocket from another site was accepted")
	}
}
