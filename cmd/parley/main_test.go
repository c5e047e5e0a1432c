package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// testServer is a real Parley (Main) on 127.0.0.1:0 with a temporary database.
type testServer struct {
	*Main
	URL string
}

const adminPassword = "admin-secret-1"

// mustStart starts Parley on db (a new temporary file when empty).
func mustStart(tb testing.TB, db string, configure ...func(*Config)) *testServer {
	tb.Helper()
	if db == "" {
		db = filepath.Join(tb.TempDir(), "parley.db")
	}
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = db
	cfg.AdminPassword = adminPassword
	cfg.RateLimit = false
	for _, f := range configure {
		f(&cfg)
	}
	m := &Main{Config: cfg}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		tb.Fatalf("start parley: %v", err)
	}
	tb.Cleanup(func() { m.Close() })
	return &testServer{Main: m, URL: "http://" + m.Addr()}
}

// response is a decoded API answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Body, err)
	}
}

// object decodes a JSON object answer.
func (r response) object(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	r.decode(tb, &m)
	return m
}

// errorCode is the code of an error answer.
func (r response) errorCode(tb testing.TB) string {
	tb.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.decode(tb, &e)
	if e.Error.Message == "" {
		tb.Fatalf("error answer %s has no message", r.Body)
	}
	return e.Error.Code
}

// errorMessage is the message of an error answer.
func (r response) errorMessage(tb testing.TB) string {
	tb.Helper()
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	r.decode(tb, &e)
	return e.Error.Message
}

// call sends a request with an optional bearer token; body is JSON-encoded unless it is
// a string or []byte, which are sent as they are.
func (s *testServer) call(tb testing.TB, method, path, token string, body any) response {
	tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// must calls and fails the test unless the status is want.
func (s *testServer) must(tb testing.TB, want int, method, path, token string, body any) response {
	tb.Helper()
	r := s.call(tb, method, path, token, body)
	if r.Status != want {
		tb.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

func (s *testServer) login(tb testing.TB, login, password string) string {
	tb.Helper()
	var out struct {
		Token string `json:"token"`
	}
	s.must(tb, 200, "POST", "/api/session", "", map[string]string{"login": login, "password": password}).decode(tb, &out)
	return out.Token
}

func (s *testServer) adminToken(tb testing.TB) string {
	tb.Helper()
	return s.login(tb, "admin", adminPassword)
}

// mustOperator creates an operator and returns their id and session token.
func (s *testServer) mustOperator(tb testing.TB, admin, login string, extra map[string]any) (int64, string) {
	tb.Helper()
	body := map[string]any{"login": login, "password": "password-" + login, "name": strings.ToUpper(login[:1]) + login[1:] + " Doe", "role": "operator"}
	for k, v := range extra {
		body[k] = v
	}
	var u struct {
		ID int64 `json:"id"`
	}
	s.must(tb, 201, "POST", "/api/users", admin, body).decode(tb, &u)
	return u.ID, s.login(tb, login, "password-"+login)
}

func (s *testServer) mustChannel(tb testing.TB, admin string, body map[string]any) int64 {
	tb.Helper()
	var ch struct {
		ID int64 `json:"id"`
	}
	s.must(tb, 201, "POST", "/api/channels", admin, body).decode(tb, &ch)
	return ch.ID
}

// wsClient is a real WebSocket client that collects the events it receives.
type wsClient struct {
	conn   *websocket.Conn
	events chan map[string]any
	closed chan error
}

func (s *testServer) dial(tb testing.TB, path string, header http.Header) *wsClient {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+path, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		tb.Fatalf("dial %s: %v", path, err)
	}
	c := &wsClient{conn: conn, events: make(chan map[string]any, 1000), closed: make(chan error, 1)}
	go func() {
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				c.closed <- err
				return
			}
			var ev map[string]any
			if err := json.Unmarshal(data, &ev); err == nil {
				c.events <- ev
			}
		}
	}()
	tb.Cleanup(func() { conn.CloseNow() })
	return c
}

// console opens an operator's console WebSocket.
// mustAliceOnline makes the operator alice (chat name Alice) and a channel Website that
// she joined, and opens her console: the set-up of most conversation tests.
func (s *testServer) mustAliceOnline(tb testing.TB) (admin, alice string, ch int64, aliceWS *wsClient) {
	tb.Helper()
	admin = s.adminToken(tb)
	_, alice = s.mustOperator(tb, admin, "alice", map[string]any{"chat_name": "Alice"})
	ch = s.mustChannel(tb, admin, map[string]any{"name": "Website"})
	s.must(tb, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	return admin, alice, ch, s.console(tb, alice)
}

func (s *testServer) console(tb testing.TB, token string) *wsClient {
	tb.Helper()
	return s.dial(tb, "/api/ws", http.Header{"Authorization": {"Bearer " + token}})
}

func (c *wsClient) send(tb testing.TB, frame any) {
	tb.Helper()
	data, _ := json.Marshal(frame)
	if err := c.conn.Write(context.Background(), websocket.MessageText, data); err != nil {
		tb.Fatalf("write frame: %v", err)
	}
}

// expect waits for the first event of type typ that match accepts, skipping others.
func (c *wsClient) expect(tb testing.TB, typ string, match func(ev map[string]any) bool) map[string]any {
	tb.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-c.events:
			if ev["type"] == typ && (match == nil || match(ev)) {
				return ev
			}
		case err := <-c.closed:
			tb.Fatalf("websocket closed while waiting for a %s event: %v", typ, err)
		case <-deadline:
			tb.Fatalf("no %s event within 5s", typ)
		}
	}
}

// quiet fails if an event of type typ arrives within d.
func (c *wsClient) quiet(tb testing.TB, typ string, d time.Duration) {
	tb.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-c.events:
			if ev["type"] == typ {
				tb.Fatalf("unexpected %s event: %v", typ, ev)
			}
		case <-deadline:
			return
		}
	}
}

// path reads a nested field of a decoded JSON value: path(ev, "message", "body").
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func jsonBody(v any) io.Reader {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return bytes.NewReader(b)
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
