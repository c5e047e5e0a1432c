package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// client speaks Parley's public API (and the relay's copy of it).
type client struct {
	base   string       // http://host:port
	wsBase string       // ws://host:port
	api    *http.Client // set-up calls and message sends, with keep-alive
	ws     *http.Client // WebSocket handshakes (each connection is then taken over)
}

func newClient(base string, keepAlive, sourceIPs int) *client {
	base = strings.TrimRight(base, "/")
	dial := dialer(sourceIPs)
	api := &http.Transport{
		DialContext:         dial,
		MaxIdleConns:        keepAlive,
		MaxIdleConnsPerHost: keepAlive, // the default (2) would open a new connection per send
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	ws := &http.Transport{DialContext: dial, DisableKeepAlives: true}
	return &client{
		base:   base,
		wsBase: "ws" + strings.TrimPrefix(base, "http"),
		api:    &http.Client{Transport: api, Timeout: time.Minute},
		ws:     &http.Client{Transport: ws, Timeout: 30 * time.Second}, // bounds the handshake only
	}
}

// dialer spreads client sockets over the source addresses 127.0.0.2, 127.0.0.3…: one
// source address has only ~28,000 ephemeral ports towards one server port.
func dialer(sourceIPs int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	base := &net.Dialer{Timeout: 30 * time.Second}
	if sourceIPs <= 1 {
		return base.DialContext
	}
	dialers := make([]*net.Dialer, sourceIPs)
	for i := range dialers {
		dialers[i] = &net.Dialer{Timeout: 30 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))}}
	}
	var next atomic.Uint64
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialers[next.Add(1)%uint64(len(dialers))].DialContext(ctx, network, addr)
	}
}

func (c *client) close() {
	c.api.CloseIdleConnections()
	c.ws.CloseIdleConnections()
}

// apiError is an answer other than the one expected; its kind names it for the report.
type apiError struct {
	Op     string
	Status int
	Code   string
	Msg    string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s %s", e.Op, e.Status, e.Code, e.Msg)
}

// errorKind names an error for the report's errors by kind, without the details that
// differ from one occurrence to the next.
func errorKind(op string, err error) string {
	var ae *apiError
	switch {
	case err == nil:
		return ""
	case asAPIError(err, &ae):
		return fmt.Sprintf("%s: HTTP %d %s", op, ae.Status, ae.Code)
	case isTimeout(err):
		return op + ": timeout"
	default:
		return op + ": " + networkKind(err)
	}
}

func asAPIError(err error, target **apiError) bool { return errors.As(err, target) }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

// networkKind keeps the last, stable part of a network error ("connection refused",
// "connection reset by peer", "EOF").
func networkKind(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// call sends one JSON request and decodes the answer into out when its status is want.
func (c *client) call(ctx context.Context, op, method, path, token string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.api.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if resp.StatusCode != want {
		return decodeAPIError(op, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s: decode answer: %w", op, err)
		}
	}
	return nil
}

func decodeAPIError(op string, status int, data []byte) *apiError {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal(data, &e)
	return &apiError{Op: op, Status: status, Code: e.Error.Code, Msg: e.Error.Message}
}

// health returns the body of /healthz: the relay names itself there.
func (c *client) health(ctx context.Context) (map[string]any, error) {
	var out map[string]any
	err := c.call(ctx, "health", "GET", "/healthz", "", nil, http.StatusOK, &out)
	return out, err
}

type session struct {
	Token string `json:"token"`
	User  struct {
		ID int64 `json:"id"`
	} `json:"user"`
}

func (c *client) login(ctx context.Context, login, password string) (session, error) {
	var s session
	err := c.call(ctx, "log in", "POST", "/api/session", "", map[string]string{"login": login, "password": password}, http.StatusOK, &s)
	return s, err
}

func (c *client) createOperator(ctx context.Context, admin, login, password, chatName string) error {
	return c.call(ctx, "create operator", "POST", "/api/users", admin, map[string]any{
		"login": login, "password": password, "name": "Load " + login, "role": "operator", "chat_name": chatName,
	}, http.StatusCreated, nil)
}

func (c *client) createChannel(ctx context.Context, admin, name string, capacity int) (int64, error) {
	var ch struct {
		ID int64 `json:"id"`
	}
	err := c.call(ctx, "create channel", "POST", "/api/channels", admin, map[string]any{
		"name": name, "max_ongoing_per_operator": capacity,
	}, http.StatusCreated, &ch)
	return ch.ID, err
}

func (c *client) join(ctx context.Context, token string, channel int64) error {
	return c.call(ctx, "join channel", "POST", fmt.Sprintf("/api/channels/%d/join", channel), token, nil, http.StatusOK, nil)
}

type started struct {
	VisitorToken string `json:"visitor_token"`
	Conversation struct {
		ID       int64  `json:"id"`
		Status   string `json:"status"`
		Operator *struct {
			Name string `json:"name"`
		} `json:"operator"`
	} `json:"conversation"`
}

func (c *client) start(ctx context.Context, channel int64, visitorName, clientID string) (started, error) {
	var s started
	err := c.call(ctx, "start conversation", "POST", fmt.Sprintf("/livechat/channels/%d/conversations", channel), "", map[string]any{
		"body": "Hello, I have a question.", "visitor_name": visitorName, "languages": []string{"en"},
		"page_url": "https://load.invalid/pricing", "client_id": clientID,
	}, http.StatusCreated, &s)
	return s, err
}

// listed is one conversation of GET /api/conversations.
type listed struct {
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	Status    string `json:"status"`
	Operator  *struct {
		ID int64 `json:"id"`
	} `json:"operator"`
}

func (c *client) conversations(ctx context.Context, token string) ([]listed, error) {
	var out []listed
	err := c.call(ctx, "list conversations", "GET", "/api/conversations", token, nil, http.StatusOK, &out)
	return out, err
}

// dial opens a WebSocket: the operator's console (token in the Authorization header, as
// API.md allows) or a visitor's widget (token in the query, as a browser must).
func (c *client) dial(ctx context.Context, path, bearer string) (*websocket.Conn, error) {
	opts := &websocket.DialOptions{HTTPClient: c.ws}
	if bearer != "" {
		opts.HTTPHeader = http.Header{"Authorization": {"Bearer " + bearer}}
	}
	conn, resp, err := websocket.Dial(ctx, c.wsBase+path, opts)
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, &apiError{Op: "websocket", Status: resp.StatusCode}
		}
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	return conn, nil
}

// errorCounts counts errors by kind.
type errorCounts struct {
	mu sync.Mutex
	m  map[string]int64
}

func (e *errorCounts) add(kind string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.m == nil {
		e.m = map[string]int64{}
	}
	e.m[kind]++
}

func (e *errorCounts) snapshot() map[string]int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int64, len(e.m))
	for k, v := range e.m {
		out[k] = v
	}
	return out
}

// parallel runs fn(0…n-1) with at most conc at a time; it stops at the first error.
func parallel(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, conc) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}
