package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Every error case of the API answers its status and code, and changes nothing.
func TestAPIErrors(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	_, bob := s.mustOperator(t, admin, "bob", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	s.console(t, alice)
	start := func() (string, int64) {
		out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello"}).object(t)
		return out["visitor_token"].(string), num(path(out, "conversation", "id"))
	}
	visitor, conv := start()
	other, _ := start()
	_, endedConv := start()
	s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", endedConv), alice, nil)

	big := `{"body":"` + strings.Repeat("a", 70<<10) + `"}`
	long := strings.Repeat("é", 4001)
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"no credentials", "GET", "/api/me", "", nil, 401, "EUNAUTHORIZED"},
		{"bad token", "GET", "/api/conversations", "nope", nil, 401, "EUNAUTHORIZED"},
		{"wrong password", "POST", "/api/session", "", map[string]string{"login": "alice", "password": "wrong-password"}, 401, "EUNAUTHORIZED"},
		{"unknown login", "POST", "/api/session", "", map[string]string{"login": "nobody", "password": "whatever-123"}, 401, "EUNAUTHORIZED"},
		{"operator adds user", "POST", "/api/users", alice, map[string]string{"login": "eve", "password": "password-eve", "name": "Eve"}, 403, "EFORBIDDEN"},
		{"operator lists users", "GET", "/api/users", alice, nil, 403, "EFORBIDDEN"},
		{"operator creates channel", "POST", "/api/channels", alice, map[string]string{"name": "Mine"}, 403, "EFORBIDDEN"},
		{"operator edits channel", "PATCH", fmt.Sprintf("/api/channels/%d", ch), alice, map[string]string{"name": "Mine"}, 403, "EFORBIDDEN"},
		{"operator enables language", "PUT", "/api/languages/de", alice, map[string]bool{"enabled": true}, 403, "EFORBIDDEN"},
		{"login taken", "POST", "/api/users", admin, map[string]string{"login": "alice", "password": "password-x", "name": "Other Alice"}, 409, "ECONFLICT"},
		{"short password", "POST", "/api/users", admin, map[string]string{"login": "carol", "password": "short", "name": "Carol"}, 400, "EINVALID"},
		{"unknown role", "POST", "/api/users", admin, map[string]string{"login": "carol", "password": "password-carol", "name": "Carol", "role": "boss"}, 400, "EINVALID"},
		{"name too long", "POST", "/api/users", admin, map[string]string{"login": "carol", "password": "password-carol", "name": strings.Repeat("n", 101)}, 400, "EINVALID"},
		{"language not enabled", "PATCH", "/api/me/preferences", alice, map[string]any{"chat_languages": []string{"de"}}, 400, "EINVALID"},
		{"main language not enabled", "PATCH", "/api/me/preferences", alice, map[string]any{"main_language": "ja"}, 400, "EINVALID"},
		{"language not a tag", "PUT", "/api/languages/!!", admin, map[string]bool{"enabled": true}, 400, "EINVALID"},
		{"enabled missing", "PUT", "/api/languages/de", admin, map[string]any{}, 400, "EINVALID"},
		{"disable last language", "PUT", "/api/languages/en", admin, map[string]bool{"enabled": false}, 400, "EINVALID"},
		{"malformed JSON", "PATCH", "/api/me/preferences", alice, `{"chat_name":`, 400, "EINVALID"},
		{"not JSON", "PATCH", "/api/me/preferences", alice, `chat_name=x`, 400, "EINVALID"},
		{"wrong type", "PATCH", "/api/me/preferences", alice, `{"chat_name":42}`, 400, "EINVALID"},
		{"unknown field", "PATCH", "/api/me/preferences", alice, `{"nickname":"x"}`, 400, "EINVALID"},
		{"two JSON values", "PATCH", "/api/me/preferences", alice, `{} {}`, 400, "EINVALID"},
		{"empty body", "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, ``, 400, "EINVALID"},
		{"invalid UTF-8", "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, []byte("{\"body\":\"\xff\xfe\"}"), 400, "EINVALID"},
		{"body over 64 KiB", "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, big, 413, "EINVALID"},
		{"empty message", "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "  "}, 400, "EINVALID"},
		{"message over 4000 characters", "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": long}, 413, "EINVALID"},
		{"not assigned operator writes", "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), bob, map[string]string{"body": "hi"}, 403, "EFORBIDDEN"},
		{"outsider reads", "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), bob, nil, 403, "EFORBIDDEN"},
		{"ended conversation", "POST", fmt.Sprintf("/api/conversations/%d/messages", endedConv), alice, map[string]string{"body": "hi"}, 409, "ECONFLICT"},
		{"end twice", "POST", fmt.Sprintf("/api/conversations/%d/end", endedConv), alice, nil, 409, "ECONFLICT"},
		{"unknown conversation", "GET", "/api/conversations/999999/messages", alice, nil, 404, "ENOTFOUND"},
		{"bad id", "GET", "/api/conversations/abc", alice, nil, 400, "EINVALID"},
		{"bad after", "GET", fmt.Sprintf("/api/conversations/%d/messages?after=-1", conv), alice, nil, 400, "EINVALID"},
		{"read without seq", "POST", fmt.Sprintf("/api/conversations/%d/read", conv), alice, map[string]any{}, 400, "EINVALID"},
		{"unknown channel", "POST", "/api/channels/999999/join", alice, nil, 404, "ENOTFOUND"},
		{"channel cap negative", "POST", "/api/channels", admin, map[string]any{"name": "X", "max_ongoing_per_operator": -1}, 400, "EINVALID"},
		{"channel colour not a colour", "PATCH", fmt.Sprintf("/api/channels/%d", ch), admin, map[string]any{"button_color": "purple"}, 400, "EINVALID"},
		{"channel without name", "POST", "/api/channels", admin, map[string]any{"button_text": "Chat"}, 400, "EINVALID"},
		{"unknown route", "GET", "/api/nothing", alice, nil, 404, "ENOTFOUND"},

		{"widget: unknown channel", "GET", "/livechat/channels/999999", "", nil, 404, "ENOTFOUND"},
		{"widget: start on unknown channel", "POST", "/livechat/channels/999999/conversations", "", map[string]string{"body": "hi"}, 404, "ENOTFOUND"},
		{"widget: empty first message", "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]string{"body": ""}, 400, "EINVALID"},
		{"widget: first message too long", "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]string{"body": long}, 413, "EINVALID"},
		{"widget: visitor name too long", "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]string{"body": "hi", "visitor_name": strings.Repeat("v", 101)}, 400, "EINVALID"},
		{"widget: no token", "GET", fmt.Sprintf("/livechat/conversations/%d", conv), "", nil, 401, "EUNAUTHORIZED"},
		{"widget: unknown token", "GET", fmt.Sprintf("/livechat/conversations/%d", conv), "forged", nil, 401, "EUNAUTHORIZED"},
		{"widget: another visitor's conversation", "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), other, nil, 404, "ENOTFOUND"},
		{"widget: write to another visitor's conversation", "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), other, map[string]string{"body": "hijack"}, 404, "ENOTFOUND"},
		{"widget: end another visitor's conversation", "POST", fmt.Sprintf("/livechat/conversations/%d/end", conv), other, nil, 404, "ENOTFOUND"},
		{"widget: rate before the end", "POST", fmt.Sprintf("/livechat/conversations/%d/rating", conv), visitor, map[string]int{"score": 5}, 409, "ECONFLICT"},
		{"widget: bad score", "POST", fmt.Sprintf("/livechat/conversations/%d/rating", conv), visitor, map[string]int{"score": 4}, 400, "EINVALID"},
		{"widget: offline message without email", "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]string{"name": "Ann", "body": "call me"}, 400, "EINVALID"},
		{"widget: offline message bad email", "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]string{"name": "Ann", "email": "not-an-email", "body": "call me"}, 400, "EINVALID"},
	}
	before := s.snapshot(t, admin, alice, visitor, conv)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call(t, tc.method, tc.path, tc.token, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if got := r.errorCode(t); got != tc.code {
				t.Fatalf("code %s, want %s", got, tc.code)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}
	if after := s.snapshot(t, admin, alice, visitor, conv); after != before {
		t.Fatalf("refused requests changed the data:\nbefore %s\nafter  %s", before, after)
	}
}

// snapshot is what a user can read of the data, to prove refused requests changed nothing.
func (s *testServer) snapshot(t *testing.T, admin, operator, visitor string, conv int64) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{"/api/users", "/api/channels", "/api/languages", "/api/me"} {
		b.Write(s.must(t, http.StatusOK, "GET", p, admin, nil).Body)
	}
	b.Write(s.must(t, http.StatusOK, "GET", "/api/me", operator, nil).Body)
	b.Write(s.must(t, http.StatusOK, "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), operator, nil).Body)
	b.Write(s.must(t, http.StatusOK, "GET", fmt.Sprintf("/livechat/conversations/%d", conv), visitor, nil).Body)
	b.Write(s.must(t, http.StatusOK, "GET", fmt.Sprintf("/api/conversations/%d/visitor", conv), operator, nil).Body)
	return b.String()
}

// With rate limits on, repeated failed logins from one address are refused with 429 and
// Retry-After, and a flood of new conversations from one address too.
func TestRateLimits(t *testing.T) {
	s := mustStart(t, "", func(c *Config) { c.RateLimit = true })
	admin := s.login(t, "admin", adminPassword)
	var last response
	for range 20 {
		last = s.call(t, "POST", "/api/session", "", map[string]string{"login": "admin", "password": "wrong-password"})
		if last.Status == http.StatusTooManyRequests {
			break
		}
	}
	if last.Status != http.StatusTooManyRequests || last.errorCode(t) != "ETOOMANY" || last.Header.Get("Retry-After") == "" {
		t.Fatalf("after 20 failed logins: %d %s (Retry-After %q)", last.Status, last.Body, last.Header.Get("Retry-After"))
	}

	// The right password is refused too while the address is locked out.
	if r := s.call(t, "POST", "/api/session", "", map[string]string{"login": "admin", "password": adminPassword}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("login during the lockout: %d", r.Status)
	}
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	for range 40 {
		last = s.call(t, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]string{"body": "spam"})
		if last.Status == http.StatusTooManyRequests {
			break
		}
	}
	if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("after 40 conversations from one address: %d %s", last.Status, last.Body)
	}
}

// A page of another site cannot open an operator's console WebSocket, nor make them online.
func TestConsoleWebSocketRefusesOtherOrigins(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	id, alice := s.mustOperator(t, admin, "alice", nil)
	r, err := http.NewRequest("GET", s.URL+"/api/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+alice)
	r.Header.Set("Origin", "https://evil.example")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin upgrade: %d, want 403", resp.StatusCode)
	}
	if s.Service.Presence().Available(id) {
		t.Fatal("a refused cross-origin console made the operator available")
	}
}

// With rate limits on, one address cannot hold more than 200 WebSockets, and a client
// that floods frames is disconnected.
func TestWebSocketLimits(t *testing.T) {
	s := mustStart(t, "", func(c *Config) { c.RateLimit = true })
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hi"}).object(t)
	token, conv := out["visitor_token"].(string), num(path(out, "conversation", "id"))

	flood := s.console(t, admin)
	for range 100 {
		if err := flood.conn.Write(context.Background(), websocket.MessageText, []byte(fmt.Sprintf(`{"type":"typing","conversation_id":%d}`, conv))); err != nil {
			break
		}
	}
	select {
	case err := <-flood.closed:
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation {
			t.Fatalf("flooding client closed with %v, want 1008", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a client sending 100 frames at once was not disconnected")
	}

	// Fill the address's quota (the flooding console's place is freed as its handler ends).
	deadline := time.Now().Add(10 * time.Second)
	for opened := 0; opened < 200; {
		if time.Now().After(deadline) {
			t.Fatal("could not open 200 WebSockets from one address")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/livechat/ws?token="+token, nil)
		cancel()
		if err != nil {
			if opened < 199 {
				t.Fatalf("WebSocket %d refused: %v", opened+1, err)
			}
			time.Sleep(10 * time.Millisecond) // the last place frees when the flooder's handler ends
			continue
		}
		t.Cleanup(func() { conn.CloseNow() })
		opened++
	}
	r := s.call(t, "GET", "/livechat/ws?token="+token, "", nil)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("the 201st WebSocket of one address: %d %s", r.Status, r.Body)
	}
}

// X-Forwarded-For is believed only from a trusted proxy: behind one, each client has its
// own login limit; without one, a client cannot escape its limit by forging the header.
func TestTrustedProxies(t *testing.T) {
	loginFrom := func(s *testServer, forwardedFor, password string) int {
		req, _ := http.NewRequest("POST", s.URL+"/api/session", jsonBody(map[string]string{"login": "admin", "password": password}))
		req.Header.Set("X-Forwarded-For", forwardedFor)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	exhaust := func(s *testServer, forwardedFor func(i int) string) {
		for i := range 20 {
			if loginFrom(s, forwardedFor(i), "wrong-password") == http.StatusTooManyRequests {
				return
			}
		}
		t.Fatal("20 failed logins were never limited")
	}

	behind := mustStart(t, "", func(c *Config) {
		c.RateLimit = true
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	exhaust(behind, func(int) string { return "198.51.100.7" })
	if got := loginFrom(behind, "198.51.100.8", adminPassword); got != http.StatusOK {
		t.Fatalf("another client behind the proxy: %d, want 200", got)
	}

	direct := mustStart(t, "", func(c *Config) { c.RateLimit = true })
	exhaust(direct, func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) })
	if got := loginFrom(direct, "198.51.100.99", adminPassword); got != http.StatusTooManyRequests {
		t.Fatalf("a forged X-Forwarded-For escaped the limit: %d", got)
	}
}
