package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// relayName is how the relay names itself on /healthz.
const relayName = "parley-load relay"

// relay is the bare baseline: the few endpoints of Parley's API that the load tool uses,
// on the same WebSocket library, with nothing behind them but maps in memory. No storage,
// no password hashing (any login and password are accepted), no rules: a new
// conversation goes to the least loaded online member of the channel below its cap, the
// least a relay needs to know where to forward. Each message is encoded once and
// forwarded to both sides of its conversation, as Parley does (the sender's other tabs
// see it too). Each WebSocket has one reader, one writer and a bounded queue.
type relay struct {
	mu       sync.Mutex
	nextID   int64
	sessions map[string]*relayUser // by token
	users    map[string]*relayUser // by login
	channels map[int64]*relayChannel
	convs    map[int64]*relayConv
	visitors map[string]*relayVisitor // by token
	seq      map[int64]int64          // last message number per conversation
}

type relayUser struct {
	id       int64
	login    string
	chatName string
	sockets  map[*relaySocket]struct{}
	ongoing  int
}

type relayChannel struct {
	id      int64
	name    string
	cap     int
	members []*relayUser
}

type relayVisitor struct {
	id      int64
	sockets map[*relaySocket]struct{}
}

type relayConv struct {
	id       int64
	channel  int64
	visitor  *relayVisitor
	operator *relayUser
}

// relaySocket is one WebSocket: the writer drains send; a full queue drops the client.
type relaySocket struct {
	send   chan []byte
	cancel context.CancelFunc
}

const relayQueue = 64

func newRelay() *relay {
	return &relay{
		sessions: map[string]*relayUser{},
		users:    map[string]*relayUser{},
		channels: map[int64]*relayChannel{},
		convs:    map[int64]*relayConv{},
		visitors: map[string]*relayVisitor{},
		seq:      map[int64]int64{},
	}
}

func (rl *relay) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		relayJSON(w, http.StatusOK, map[string]string{"status": "ok", "server": relayName})
	})
	mux.HandleFunc("POST /api/session", rl.login)
	mux.HandleFunc("POST /api/users", rl.createUser)
	mux.HandleFunc("POST /api/channels", rl.createChannel)
	mux.HandleFunc("POST /api/channels/{id}/join", rl.join)
	mux.HandleFunc("GET /api/conversations", rl.conversations)
	mux.HandleFunc("POST /api/conversations/{id}/messages", rl.operatorSend)
	mux.HandleFunc("GET /api/ws", rl.operatorWS)
	mux.HandleFunc("POST /livechat/channels/{id}/conversations", rl.start)
	mux.HandleFunc("POST /livechat/conversations/{id}/messages", rl.visitorSend)
	mux.HandleFunc("GET /livechat/ws", rl.visitorWS)
	return mux
}

func relayJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func relayError(w http.ResponseWriter, status int, code, msg string) {
	relayJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func relayToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func bearer(r *http.Request) string {
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return t
	}
	return r.URL.Query().Get("token")
}

// user returns the caller, or answers 401.
func (rl *relay) user(w http.ResponseWriter, r *http.Request) *relayUser {
	rl.mu.Lock()
	u := rl.sessions[bearer(r)]
	rl.mu.Unlock()
	if u == nil {
		relayError(w, http.StatusUnauthorized, "EUNAUTHORIZED", "Log in first.")
	}
	return u
}

func (rl *relay) login(w http.ResponseWriter, r *http.Request) {
	var req struct{ Login, Password string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		relayError(w, http.StatusBadRequest, "EINVALID", "Bad JSON.")
		return
	}
	token := relayToken()
	rl.mu.Lock()
	u := rl.users[req.Login]
	if u == nil { // the admin, or anyone: the relay checks no password
		rl.nextID++
		u = &relayUser{id: rl.nextID, login: req.Login, chatName: req.Login, sockets: map[*relaySocket]struct{}{}}
		rl.users[req.Login] = u
	}
	rl.sessions[token] = u
	rl.mu.Unlock()
	relayJSON(w, http.StatusOK, map[string]any{"token": token, "user": map[string]any{"id": u.id, "login": u.login}})
}

func (rl *relay) createUser(w http.ResponseWriter, r *http.Request) {
	if rl.user(w, r) == nil {
		return
	}
	var req struct {
		Login    string `json:"login"`
		ChatName string `json:"chat_name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Login == "" {
		relayError(w, http.StatusBadRequest, "EINVALID", "A login is needed.")
		return
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.users[req.Login] != nil {
		relayError(w, http.StatusConflict, "ECONFLICT", "Login taken.")
		return
	}
	rl.nextID++
	u := &relayUser{id: rl.nextID, login: req.Login, chatName: cmp(req.ChatName, req.Login), sockets: map[*relaySocket]struct{}{}}
	rl.users[req.Login] = u
	relayJSON(w, http.StatusCreated, map[string]any{"id": u.id, "login": u.login, "chat_name": u.chatName})
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (rl *relay) createChannel(w http.ResponseWriter, r *http.Request) {
	if rl.user(w, r) == nil {
		return
	}
	var req struct {
		Name string `json:"name"`
		Cap  int    `json:"max_ongoing_per_operator"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		relayError(w, http.StatusBadRequest, "EINVALID", "Bad JSON.")
		return
	}
	rl.mu.Lock()
	rl.nextID++
	ch := &relayChannel{id: rl.nextID, name: req.Name, cap: req.Cap}
	rl.channels[ch.id] = ch
	rl.mu.Unlock()
	relayJSON(w, http.StatusCreated, map[string]any{"id": ch.id, "name": ch.name, "max_ongoing_per_operator": ch.cap})
}

func pathInt(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

func (rl *relay) join(w http.ResponseWriter, r *http.Request) {
	u := rl.user(w, r)
	if u == nil {
		return
	}
	rl.mu.Lock()
	ch := rl.channels[pathInt(r)]
	if ch != nil {
		ch.members = append(ch.members, u)
	}
	rl.mu.Unlock()
	if ch == nil {
		relayError(w, http.StatusNotFound, "ENOTFOUND", "No such channel.")
		return
	}
	relayJSON(w, http.StatusOK, map[string]any{"id": ch.id, "joined": true})
}

func (rl *relay) conversations(w http.ResponseWriter, r *http.Request) {
	u := rl.user(w, r)
	if u == nil {
		return
	}
	out := []map[string]any{}
	rl.mu.Lock()
	for _, c := range rl.convs {
		if c.operator == u {
			out = append(out, map[string]any{"id": c.id, "channel_id": c.channel, "status": "active",
				"operator": map[string]any{"id": u.id, "chat_name": u.chatName}})
		}
	}
	rl.mu.Unlock()
	relayJSON(w, http.StatusOK, out)
}

// start creates a visitor and a conversation, and hands it to the least loaded online
// member of the channel who is below the cap.
func (rl *relay) start(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Body     string `json:"body"`
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Body == "" {
		relayError(w, http.StatusBadRequest, "EINVALID", "A body is needed.")
		return
	}
	token := relayToken()
	rl.mu.Lock()
	ch := rl.channels[pathInt(r)]
	if ch == nil {
		rl.mu.Unlock()
		relayError(w, http.StatusNotFound, "ENOTFOUND", "No such channel.")
		return
	}
	rl.nextID++
	v := &relayVisitor{id: rl.nextID, sockets: map[*relaySocket]struct{}{}}
	rl.visitors[token] = v
	rl.nextID++
	c := &relayConv{id: rl.nextID, channel: ch.id, visitor: v}
	rl.convs[c.id] = c
	for _, m := range ch.members {
		if len(m.sockets) > 0 && (ch.cap == 0 || m.ongoing < ch.cap) && (c.operator == nil || m.ongoing < c.operator.ongoing) {
			c.operator = m
		}
	}
	status, operator := "queued", any(nil)
	if c.operator != nil {
		c.operator.ongoing++
		status, operator = "active", map[string]string{"name": c.operator.chatName}
	}
	rl.seq[c.id] = 1
	rl.mu.Unlock()
	event, msg := relayMessage(c.id, 1, "visitor", req.Body, req.ClientID)
	if c.operator != nil {
		rl.forward(nil, c.operator, event)
	}
	relayJSON(w, http.StatusCreated, map[string]any{
		"visitor_token": token,
		"conversation":  map[string]any{"id": c.id, "status": status, "operator": operator},
		"message":       json.RawMessage(msg),
	})
}

// relayMessage encodes a message, and its event as Parley encodes it (same fields in the
// same order), once.
func relayMessage(conv, seq int64, kind, body, clientID string) (event, message []byte) {
	message, _ = json.Marshal(struct {
		ConversationID int64             `json:"conversation_id"`
		Seq            int64             `json:"seq"`
		Author         map[string]string `json:"author"`
		Body           string            `json:"body"`
		CreatedAt      time.Time         `json:"created_at"`
		ClientID       string            `json:"client_id,omitempty"`
	}{conv, seq, map[string]string{"kind": kind, "name": kind}, body, time.Now().UTC(), clientID})
	event = append([]byte(`{"type":"message","conversation_id":`), strconv.FormatInt(conv, 10)...)
	event = append(append(append(event, `,"message":`...), message...), '}')
	return event, message
}

func (rl *relay) visitorSend(w http.ResponseWriter, r *http.Request) {
	rl.mu.Lock()
	v := rl.visitors[bearer(r)]
	c := rl.convs[pathInt(r)]
	rl.mu.Unlock()
	if v == nil || c == nil || c.visitor != v {
		relayError(w, http.StatusNotFound, "ENOTFOUND", "No such conversation.")
		return
	}
	rl.send(w, r, c, "visitor")
}

func (rl *relay) operatorSend(w http.ResponseWriter, r *http.Request) {
	u := rl.user(w, r)
	if u == nil {
		return
	}
	rl.mu.Lock()
	c := rl.convs[pathInt(r)]
	rl.mu.Unlock()
	if c == nil || c.operator != u {
		relayError(w, http.StatusNotFound, "ENOTFOUND", "No such conversation.")
		return
	}
	rl.send(w, r, c, "operator")
}

// send numbers the message, forwards it to both sides and answers 201 with it.
func (rl *relay) send(w http.ResponseWriter, r *http.Request, c *relayConv, kind string) {
	var req struct {
		Body     string `json:"body"`
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil || req.Body == "" {
		relayError(w, http.StatusBadRequest, "EINVALID", "A body is needed.")
		return
	}
	msg := rl.deliver(c, kind, req.Body, req.ClientID)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(msg)
}

// deliver numbers a message and forwards its event to both sides; it returns the message.
func (rl *relay) deliver(c *relayConv, kind, body, clientID string) []byte {
	rl.mu.Lock()
	rl.seq[c.id]++
	seq := rl.seq[c.id]
	rl.mu.Unlock()
	event, msg := relayMessage(c.id, seq, kind, body, clientID)
	rl.forward(c.visitor, c.operator, event)
	return msg
}

// frame serves a send frame as Parley does: the message event, which reaches the sender
// too, answers it; a refusal is an error frame naming its client_id. Other frames
// (typing, activity) are read and let go.
func (rl *relay) frame(s *relaySocket, data []byte, kind string, owns func(*relayConv) bool) {
	var f struct {
		Type           string `json:"type"`
		ConversationID int64  `json:"conversation_id"`
		Body           string `json:"body"`
		ClientID       string `json:"client_id"`
	}
	if json.Unmarshal(data, &f) != nil || f.Type != "send" {
		return
	}
	rl.mu.Lock()
	c := rl.convs[f.ConversationID]
	rl.mu.Unlock()
	if c == nil || !owns(c) || f.Body == "" {
		b, _ := json.Marshal(map[string]any{"type": "error", "conversation_id": f.ConversationID, "client_id": f.ClientID,
			"error": map[string]string{"code": "EINVALID", "message": "No such conversation, or no body."}})
		s.enqueue(b)
		return
	}
	rl.deliver(c, kind, f.Body, f.ClientID)
}

// forward queues the same bytes on every socket of the visitor and of the operator.
func (rl *relay) forward(v *relayVisitor, u *relayUser, msg []byte) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if v != nil {
		for s := range v.sockets {
			s.enqueue(msg)
		}
	}
	if u != nil {
		for s := range u.sockets {
			s.enqueue(msg)
		}
	}
}

func (s *relaySocket) enqueue(b []byte) {
	select {
	case s.send <- b:
	default:
		s.cancel() // too slow: dropped rather than allowed to stall the others
	}
}

func (rl *relay) operatorWS(w http.ResponseWriter, r *http.Request) {
	u := rl.user(w, r)
	if u == nil {
		return
	}
	rl.serveWS(w, r, u.sockets, func(s *relaySocket, data []byte) {
		rl.frame(s, data, "operator", func(c *relayConv) bool { return c.operator == u })
	})
}

func (rl *relay) visitorWS(w http.ResponseWriter, r *http.Request) {
	rl.mu.Lock()
	v := rl.visitors[r.URL.Query().Get("token")]
	rl.mu.Unlock()
	if v == nil {
		relayError(w, http.StatusUnauthorized, "EUNAUTHORIZED", "Unknown visitor.")
		return
	}
	rl.serveWS(w, r, v.sockets, func(s *relaySocket, data []byte) {
		rl.frame(s, data, "visitor", func(c *relayConv) bool { return c.visitor == v })
	})
}

// serveWS runs one socket: registered in sockets (under the lock) until it closes.
func (rl *relay) serveWS(w http.ResponseWriter, r *http.Request, sockets map[*relaySocket]struct{}, onFrame func(*relaySocket, []byte)) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	s := &relaySocket{send: make(chan []byte, relayQueue), cancel: cancel}
	rl.mu.Lock()
	sockets[s] = struct{}{}
	rl.mu.Unlock()
	defer func() {
		rl.mu.Lock()
		delete(sockets, s)
		rl.mu.Unlock()
	}()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(64 << 10) // as Parley: a send frame carries a message
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case b := <-s.send:
				wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
				err := conn.Write(wctx, websocket.MessageText, b)
				wcancel()
				if err != nil {
					return
				}
			}
		}
	}()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		onFrame(s, data)
	}
}

// relayCommand is "parley-load relay": it serves the relay until interrupted.
func relayCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley-load relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "address to listen on (loopback)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || checkLoopback("http://"+net.JoinHostPort(host, "1")) != nil {
		return fmt.Errorf("--addr %q: the relay listens on loopback only, e.g. 127.0.0.1:9090", *addr)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newRelay().handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(stdout, "%s listening on http://%s\n", relayName, ln.Addr())
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// relayChild is the relay run as a child process by --baseline.
type relayChild struct {
	cmd *exec.Cmd
	url string
	pid int
}

// startRelayChild runs this executable's relay command as a separate process (pinned to
// cpu with taskset when cpu >= 0), so that its CPU and memory are its own.
func startRelayChild(ctx context.Context, cpu int, log io.Writer) (*relayChild, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	name, args := self, []string{"relay", "--addr", "127.0.0.1:0"}
	if cpu >= 0 {
		taskset, err := exec.LookPath("taskset")
		if err != nil {
			return nil, fmt.Errorf("--baseline-cpu needs taskset: %w", err)
		}
		name, args = taskset, append([]string{"-c", strconv.Itoa(cpu), self}, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	child := &relayChild{cmd: cmd, pid: cmd.Process.Pid} // taskset execs the relay: same pid
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, url, ok := strings.Cut(sc.Text(), " listening on "); ok {
				found <- url
			}
		}
	}()
	select {
	case child.url = <-found:
		fmt.Fprintf(log, "parley-load: baseline relay (pid %d) at %s\n", child.pid, child.url)
		return child, nil
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
	}
	child.stop()
	return nil, errors.New("the baseline relay did not start within 10 s")
}

func (c *relayChild) stop() {
	c.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}
