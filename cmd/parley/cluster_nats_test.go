package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Clients that stay connected through a restart of NATS end with every message and every
// conversation: the operator's console on A and the visitors' widgets on B (clients
// that do what web/static/console/ and web/static/widget.js do) keep sending while NATS
// is killed and started again, a visitor starts a conversation while it is down and
// another as it comes back; at the end each client has every stored message of its
// conversations (by seq, none missing, none seen with two contents) and the operator
// every conversation. The servers' /healthz fails while NATS is down and passes after,
// and each server sees the operator online again.
func TestClusterClientsThroughNATSRestart(t *testing.T) {
	n := startNATS(t)
	c := mustClusterOn(t, n.URL)
	a, b := c.servers[0], c.servers[1]
	admin := c.lb.adminToken(t)
	_, alice := c.lb.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	ch := c.lb.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": 10})
	c.lb.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)

	op := newConsoleModel(a.URL, alice)
	t.Cleanup(op.close)
	waitAvailable(t, c, ch)

	stop := make(chan struct{})
	var senders sync.WaitGroup
	var widgets []*widgetModel
	// visit starts a widget on B, which starts its conversation with its first message
	// and then, unless it is to wait quietly for an answer, sends one message after the
	// other, as a visitor typing does.
	visit := func(name string, quiet bool) {
		w := newWidgetModel(b.URL, ch, name, fmt.Sprintf("203.0.113.%d", len(widgets)+1))
		widgets = append(widgets, w)
		t.Cleanup(w.close)
		senders.Go(func() {
			for i := 0; i == 0 || !quiet; i++ {
				w.deliver(fmt.Sprintf("%s-%d", name, i))
				select {
				case <-stop:
					return
				case <-time.After(300 * time.Millisecond):
				}
			}
		})
	}
	visit("v1", false)
	deadline := time.Now().Add(5 * time.Second)
	for len(op.known()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the operator's console never saw the first conversation")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The operator answers in every conversation she has, without waiting for answers.
	senders.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(150 * time.Millisecond):
			}
			convs := op.active()
			if len(convs) == 0 {
				continue
			}
			id := convs[i%len(convs)]
			senders.Go(func() { op.sendMessage(id, fmt.Sprintf("op-%d", i)) })
		}
	})
	time.Sleep(time.Second)

	killed := time.Now()
	n.kill(t)
	for _, s := range c.servers {
		waitHealth(t, s, http.StatusServiceUnavailable, 5*time.Second)
	}
	// A visitor starts a conversation while NATS is down, and waits for an answer: only
	// the conversation's event (or the list, fetched again) can tell the operator.
	visit("v2", true)
	time.Sleep(2 * time.Second)
	restarted := time.Now()
	n.start(t)
	visit("v3", false) // and another as it comes back
	for _, s := range c.servers {
		waitHealth(t, s, http.StatusOK, 20*time.Second)
	}
	waitAvailable(t, c, ch)
	time.Sleep(2 * time.Second)
	close(stop)
	senders.Wait()

	// What the store holds is what every client must end with.
	want := map[int64][]map[string]any{}
	for _, w := range widgets {
		id := w.conversation()
		if id == 0 {
			t.Fatalf("widget %s never started its conversation", w.name)
		}
		want[id] = allMessages(t, c.lb, fmt.Sprintf("/api/conversations/%d/messages", id), alice)
	}
	duringOutage := 0
	for _, msgs := range want {
		for _, m := range msgs {
			at, err := time.Parse(time.RFC3339Nano, m["created_at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if at.After(killed) && at.Before(restarted) {
				duringOutage++
			}
		}
	}
	if duringOutage == 0 {
		t.Fatal("no message was stored while NATS was down: the test cannot see the outage")
	}
	var problems []string
	deadline = time.Now().Add(20 * time.Second)
	for {
		problems = nil
		known := op.known()
		for id, msgs := range want {
			if !known[id] {
				problems = append(problems, fmt.Sprintf("the operator's console does not know conversation %d", id))
				continue
			}
			problems = append(problems, compareMessages(fmt.Sprintf("operator, conversation %d", id), op.messages(id), msgs)...)
		}
		for _, w := range widgets {
			problems = append(problems, compareMessages("widget "+w.name, w.messages(), want[w.conversation()])...)
		}
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	problems = append(problems, op.conflicts()...)
	for _, w := range widgets {
		problems = append(problems, w.conflicts()...)
	}
	for _, p := range problems {
		t.Error(p)
	}
	total := 0
	for _, msgs := range want {
		total += len(msgs)
	}
	t.Logf("%d messages in %d conversations, %d while NATS was down; the console opened its socket %d times, the widgets %v",
		total, len(want), duringOutage, op.openings(), func() (o []int) {
			for _, w := range widgets {
				o = append(o, w.openings())
			}
			return o
		}())
}

// compareMessages lists how got (a client's messages by seq) differs from want (the
// stored messages, in seq order).
func compareMessages(who string, got map[int64]map[string]any, want []map[string]any) []string {
	var problems []string
	var missing []int64
	for _, m := range want {
		seq := num(m["seq"])
		g, ok := got[seq]
		if !ok {
			missing = append(missing, seq)
		} else if g["body"] != m["body"] {
			problems = append(problems, fmt.Sprintf("%s: seq %d is %q, stored %q", who, seq, g["body"], m["body"]))
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("%s: %d of %d messages missing, seq %v", who, len(missing), len(want), missing))
	}
	if len(got) > len(want)-len(missing) {
		problems = append(problems, fmt.Sprintf("%s: has %d messages, %d are stored", who, len(got), len(want)))
	}
	return problems
}

// allMessages pages through a conversation's stored messages with ?after=.
func allMessages(t *testing.T, s *testServer, path, token string) []map[string]any {
	t.Helper()
	var all []map[string]any
	var after int64
	for {
		var page []map[string]any
		s.must(t, 200, "GET", fmt.Sprintf("%s?after=%d", path, after), token, nil).decode(t, &page)
		if len(page) == 0 {
			return all
		}
		for i, m := range page {
			if num(m["seq"]) != after+int64(i)+1 {
				t.Fatalf("%s: seq %v after %d: a gap or a duplicate in the store", path, m["seq"], after)
			}
		}
		all = append(all, page...)
		after = num(page[len(page)-1]["seq"])
	}
}

// waitHealth waits until the server's /healthz answers status.
func waitHealth(t *testing.T, s *clusterServer, status int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(s.URL + "/healthz")
		got := 0
		if err == nil {
			got = resp.StatusCode
			resp.Body.Close()
		}
		if got == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz answered %d (%v), not %d, within %s", s.URL, got, err, status, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// natsServer is a NATS server of the test's own, with JetStream keeping its store in a
// directory, so that the test can kill it and start it again on the same port and store.
type natsServer struct {
	bin, dir string
	port     int
	URL      string

	mu  sync.Mutex
	cmd *exec.Cmd
	out *readyWriter
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin = "/usr/sbin/nats-server"
		if _, err := os.Stat(bin); err != nil {
			t.Skip("nats-server not found: this test runs and restarts a NATS of its own")
		}
	}
	port := freePort(t)
	n := &natsServer{bin: bin, dir: t.TempDir(), port: port, URL: fmt.Sprintf("nats://127.0.0.1:%d", port)}
	t.Cleanup(func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.cmd != nil {
			n.cmd.Process.Kill()
			n.cmd.Wait()
		}
		if t.Failed() && n.out != nil {
			t.Logf("nats-server output: %s", n.out.String())
		}
	})
	n.start(t)
	return n
}

// start runs the server and waits until it is ready, JetStream included.
func (n *natsServer) start(t *testing.T) {
	t.Helper()
	out := &readyWriter{ready: make(chan struct{})}
	cmd := exec.Command(n.bin, "-a", "127.0.0.1", "-p", strconv.Itoa(n.port), "-js", "-sd", n.dir)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.mu.Lock()
	n.cmd, n.out = cmd, out
	n.mu.Unlock()
	select {
	case <-out.ready:
	case <-time.After(15 * time.Second):
		t.Fatalf("nats-server not ready within 15 s: %s", out.String())
	}
}

// kill ends the server as a crash would.
func (n *natsServer) kill(t *testing.T) {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	n.cmd.Wait()
	n.cmd = nil
}

// readyWriter keeps a process's output and closes ready once it says it is ready.
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), "Server is ready") {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// errNoAnswer is what the faces call status 0: the server could not be reached, or gave
// no answer; the send is tried again, with the same client_id.
var errNoAnswer = errors.New("no answer")

// apiError is a refusal from the server.
type apiError struct{ status int }

func (e *apiError) Error() string { return fmt.Sprintf("status %d", e.status) }

// call makes a request as the faces' request functions do: a bearer token, JSON in and
// out, errNoAnswer when the server could not be reached.
func call(method, url, token, forwardedFor string, body, out any) error {
	var rd io.Reader
	if body != nil {
		rd = jsonBody(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return errNoAnswer
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return errNoAnswer
	}
	if resp.StatusCode >= 300 {
		return &apiError{resp.StatusCode}
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// errorStatus is the HTTP status of an error frame's code, as the faces map it.
var errorStatus = map[string]int{"EINVALID": 400, "EUNAUTHORIZED": 401, "EFORBIDDEN": 403, "ENOTFOUND": 404, "ECONFLICT": 409, "ETOOLARGE": 413, "ETOOMANY": 429}

// answer is what a send frame was answered with: its message, or an error frame.
type answer struct {
	msg map[string]any
	err error
}

// socket is the part both faces share: one WebSocket at a time, and the send frames
// waiting for their answers (the message event carrying their client_id, or an error
// frame naming it).
type socket struct {
	mu       sync.Mutex
	conn     *websocket.Conn
	sends    map[string]chan answer
	opens    int
	stopped  bool
	stop     chan struct{} // closed by close
	done     chan struct{}
	bodies   map[string]map[int64]string // conversation → seq → body, every time a message was seen
	conflict []string
}

func newSocket() socket {
	return socket{sends: map[string]chan answer{}, stop: make(chan struct{}), done: make(chan struct{}), bodies: map[string]map[int64]string{}}
}

// remember records a message as seen, and a message seen again with another body.
func (s *socket) remember(who string, m map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := fmt.Sprintf("%s, conversation %d", who, num(m["conversation_id"]))
	seen := s.bodies[key]
	if seen == nil {
		seen = map[int64]string{}
		s.bodies[key] = seen
	}
	body, _ := m["body"].(string)
	seq := num(m["seq"])
	if prev, ok := seen[seq]; ok && prev != body {
		s.conflict = append(s.conflict, fmt.Sprintf("%s: seq %d seen as %q and as %q", key, seq, prev, body))
	}
	seen[seq] = body
}

func (s *socket) conflicts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.conflict...)
}

func (s *socket) openings() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens
}

// opened makes conn the socket, unless the client was stopped meanwhile.
func (s *socket) opened(conn *websocket.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		conn.CloseNow()
		return false
	}
	s.conn = conn
	s.opens++
	return true
}

// closedConn forgets conn and fails the sends waiting on it (status 0).
func (s *socket) closedConn(conn *websocket.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == conn {
		s.conn = nil
	}
	for id, ch := range s.sends {
		ch <- answer{err: errNoAnswer}
		delete(s.sends, id)
	}
}

// answerSend settles the send an event answers, if any.
func (s *socket) answerSend(ev map[string]any) {
	var id string
	var a answer
	switch ev["type"] {
	case "message":
		id, _ = path(ev, "message", "client_id").(string)
		a.msg, _ = ev["message"].(map[string]any)
	case "error":
		id, _ = ev["client_id"].(string)
		code, _ := path(ev, "error", "code").(string)
		st := errorStatus[code]
		if st == 0 {
			st = 500
		}
		a.err = &apiError{st}
	}
	if id == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.sends[id]; ok {
		ch <- a
		delete(s.sends, id)
	}
}

// sendFrame sends a message as a send frame and waits up to ten seconds for its answer;
// errNoAnswer when the socket is not open, closes, or stays silent.
func (s *socket) sendFrame(conv int64, body, clientID string) (map[string]any, error) {
	s.mu.Lock()
	conn := s.conn
	if conn == nil {
		s.mu.Unlock()
		return nil, errNoAnswer
	}
	ch := make(chan answer, 1)
	s.sends[clientID] = ch
	s.mu.Unlock()
	frame, _ := json.Marshal(map[string]any{"type": "send", "conversation_id": conv, "body": body, "client_id": clientID})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := conn.Write(ctx, websocket.MessageText, frame)
	cancel()
	if err == nil {
		select {
		case a := <-ch:
			return a.msg, a.err
		case <-time.After(10 * time.Second): // ANSWER_WAIT
		}
	}
	s.mu.Lock()
	delete(s.sends, clientID)
	s.mu.Unlock()
	return nil, errNoAnswer
}

// withRetry resends when no answer came, after 1, 2 and 4 seconds, as both faces do.
func withRetry(send func() (map[string]any, error)) (map[string]any, error) {
	for attempt := 0; ; attempt++ {
		m, err := send()
		if !errors.Is(err, errNoAnswer) || attempt >= 3 {
			return m, err
		}
		time.Sleep(time.Second << attempt)
	}
}

func (s *socket) close() {
	s.mu.Lock()
	if !s.stopped {
		s.stopped = true
		close(s.stop)
	}
	conn := s.conn
	s.mu.Unlock()
	if conn != nil {
		conn.CloseNow()
	}
}

// wait waits d before reconnecting; false when the client was stopped meanwhile.
func (s *socket) wait(d time.Duration) bool {
	select {
	case <-s.stop:
		return false
	case <-time.After(d):
		return true
	}
}

// read hands each event of conn to f until conn closes, and returns the close status.
func read(conn *websocket.Conn, f func(ev map[string]any)) websocket.StatusCode {
	for {
		_, data, err := conn.Read(context.Background())
		if err != nil {
			return websocket.CloseStatus(err)
		}
		var ev map[string]any
		if json.Unmarshal(data, &ev) == nil {
			f(ev)
		}
	}
}

func newClientID() string { return strings.ToLower(rand.Text()) }

// consoleModel does what the operator's console does with its conversations and its
// live connection (web/static/console/ws.js and actions.js): the socket is reopened
// after 1, 2, 4… s (at most 15) once /api/me still answers; each opening after the first
// reloads the conversation list, opens a window on each active conversation with unread
// messages that it did not know, and catches up every window with ?after= from the seq
// up to which it misses nothing; a message event past a gap catches up too. A window loads its whole history
// once. Messages are kept by seq, so a message seen twice counts once.
type consoleModel struct {
	socket
	base, token string

	state      sync.Mutex // the console's state, as store.js holds it
	convs      map[int64]map[string]any
	msgs       map[int64]map[int64]map[string]any
	complete   map[int64]bool
	listLoaded bool
}

func newConsoleModel(base, token string) *consoleModel {
	c := &consoleModel{socket: newSocket(), base: base, token: token,
		convs: map[int64]map[string]any{}, msgs: map[int64]map[int64]map[string]any{}, complete: map[int64]bool{}}
	c.loadConversations(false)
	go c.run()
	return c
}

func (c *consoleModel) close() {
	c.socket.close()
	<-c.done
}

func (c *consoleModel) run() {
	defer close(c.done)
	opened := false
	for attempt := 0; ; {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.base, "http")+"/api/ws",
			&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + c.token}}})
		cancel()
		if err == nil {
			if !c.opened(conn) {
				return
			}
			attempt = 0
			c.refresh(opened)
			opened = true
			code := read(conn, c.handleEvent)
			c.closedConn(conn)
			if code == 4001 { // SESSION_ENDED
				return
			}
		}
		delay := min(15*time.Second, time.Second<<attempt)
		attempt++
		if !c.wait(delay) {
			return
		}
		if err := call("GET", c.base+"/api/me", c.token, "", nil, nil); err != nil {
			var e *apiError
			if errors.As(err, &e) && e.status == 401 {
				return
			}
		}
	}
}

// refresh catches up once the socket opens.
func (c *consoleModel) refresh(reconnected bool) {
	c.loadConversations(reconnected)
	if reconnected {
		c.state.Lock()
		var ids []int64
		for id := range c.msgs {
			ids = append(ids, id)
		}
		c.state.Unlock()
		for _, id := range ids {
			c.catchUp(id)
		}
	}
}

func seqOf(conv map[string]any) int64 { return num(path(conv, "last_message", "seq")) }

func (c *consoleModel) loadConversations(reconnected bool) {
	var list []map[string]any
	if call("GET", c.base+"/api/conversations", c.token, "", nil, &list) != nil {
		return
	}
	c.state.Lock()
	before := map[int64]bool{}
	for id := range c.convs {
		before[id] = true
	}
	hadList := c.listLoaded
	for _, cv := range list {
		id := num(cv["id"])
		if known := c.convs[id]; known != nil && seqOf(cv) < seqOf(known) {
			continue
		}
		c.convs[id] = cv
	}
	c.listLoaded = true
	c.state.Unlock()
	if reconnected && hadList {
		for _, cv := range list {
			if !before[num(cv["id"])] && cv["status"] == "active" && num(cv["unread"]) > 0 {
				c.openWindow(num(cv["id"]))
			}
		}
	}
}

func (c *consoleModel) fetchConversation(id int64) bool {
	var cv map[string]any
	if call("GET", fmt.Sprintf("%s/api/conversations/%d", c.base, id), c.token, "", nil, &cv) != nil {
		return false
	}
	c.state.Lock()
	defer c.state.Unlock()
	if seqOf(c.convs[id]) <= seqOf(cv) {
		c.convs[id] = cv
	}
	return true
}

// openWindow shows a conversation: its window loads the history.
func (c *consoleModel) openWindow(id int64) { c.ensureHistory(id) }

func (c *consoleModel) ensureHistory(id int64) {
	c.state.Lock()
	done := c.complete[id]
	c.state.Unlock()
	if done {
		return
	}
	if list, err := c.fetchAfter(id, 0); err == nil {
		c.merge(id, list, true)
	}
}

// fetchAfter pages through the messages after seq with ?after=.
func (c *consoleModel) fetchAfter(id, after int64) ([]map[string]any, error) {
	var out []map[string]any
	for {
		u := fmt.Sprintf("%s/api/conversations/%d/messages", c.base, id)
		if after > 0 {
			u += fmt.Sprintf("?after=%d", after)
		}
		var page []map[string]any
		if err := call("GET", u, c.token, "", nil, &page); err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return out, nil
		}
		out = append(out, page...)
		after = num(page[len(page)-1]["seq"])
		c.state.Lock()
		last := seqOf(c.convs[id])
		c.state.Unlock()
		if last > 0 && after >= last {
			return out, nil
		}
	}
}

func (c *consoleModel) merge(id int64, list []map[string]any, complete bool) {
	for _, m := range list {
		c.remember("operator", m)
	}
	c.state.Lock()
	defer c.state.Unlock()
	cur := c.msgs[id]
	if cur == nil {
		cur = map[int64]map[string]any{}
		c.msgs[id] = cur
	}
	for _, m := range list {
		if _, ok := cur[num(m["seq"])]; !ok {
			cur[num(m["seq"])] = m
		}
	}
	c.complete[id] = c.complete[id] || complete
}

// caughtUpSeq is the seq up to which a window's list misses no message.
func (c *consoleModel) caughtUpSeq(id int64) int64 {
	c.state.Lock()
	defer c.state.Unlock()
	var seq int64
	for c.msgs[id][seq+1] != nil {
		seq++
	}
	return seq
}

// lastLoadedSeq is the seq of the last message of a window's list.
func (c *consoleModel) lastLoadedSeq(id int64) int64 {
	c.state.Lock()
	defer c.state.Unlock()
	var last int64
	for seq := range c.msgs[id] {
		last = max(last, seq)
	}
	return last
}

func (c *consoleModel) catchUp(id int64) {
	c.state.Lock()
	done := c.complete[id]
	c.state.Unlock()
	if !done {
		c.ensureHistory(id)
		return
	}
	if list, err := c.fetchAfter(id, c.caughtUpSeq(id)); err == nil {
		c.merge(id, list, false)
	}
}

// applyMessage records a message, from an event or from the answer to a send.
func (c *consoleModel) applyMessage(id int64, m map[string]any) bool {
	c.state.Lock()
	gap := c.complete[id] && len(c.msgs[id]) > 0
	c.state.Unlock()
	gap = gap && num(m["seq"]) > c.lastLoadedSeq(id)+1
	c.merge(id, []map[string]any{m}, false)
	if gap {
		c.catchUp(id)
	}
	c.state.Lock()
	defer c.state.Unlock()
	conv := c.convs[id]
	if conv == nil || num(m["seq"]) <= seqOf(conv) {
		return false
	}
	next := map[string]any{}
	for k, v := range conv {
		next[k] = v
	}
	next["last_message"] = m
	if path(m, "author", "kind") != "operator" {
		next["unread"] = float64(num(conv["unread"]) + 1)
	}
	c.convs[id] = next
	return true
}

func (c *consoleModel) handleEvent(ev map[string]any) {
	c.answerSend(ev)
	switch ev["type"] {
	case "message":
		m, _ := ev["message"].(map[string]any)
		if m == nil {
			return
		}
		id := num(ev["conversation_id"])
		c.state.Lock()
		known := c.convs[id] != nil
		c.state.Unlock()
		isNew := c.applyMessage(id, m)
		if path(m, "author", "kind") != "visitor" {
			return
		}
		if !known {
			if c.fetchConversation(id) {
				c.openWindow(id)
			}
		} else if isNew {
			c.openWindow(id)
		}
	case "conversation":
		cv, _ := ev["conversation"].(map[string]any)
		if cv == nil {
			return
		}
		id := num(cv["id"])
		c.state.Lock()
		known := c.convs[id]
		next := cv
		if known != nil && seqOf(known) > seqOf(cv) {
			next = map[string]any{}
			for k, v := range cv {
				next[k] = v
			}
			next["last_message"], next["unread"] = known["last_message"], known["unread"]
		}
		c.convs[id] = next
		c.state.Unlock()
		if known == nil && cv["status"] == "active" {
			c.openWindow(id) // the test's operator is the only one: every conversation is hers
		}
	}
}

// sendMessage sends on the socket when it is open, by HTTP when it is not or gave no
// answer, with one client_id however often it is resent.
func (c *consoleModel) sendMessage(id int64, body string) {
	clientID := newClientID()
	m, err := withRetry(func() (map[string]any, error) {
		m, err := c.sendFrame(id, body, clientID)
		if !errors.Is(err, errNoAnswer) {
			return m, err
		}
		err = call("POST", fmt.Sprintf("%s/api/conversations/%d/messages", c.base, id), c.token, "",
			map[string]string{"body": body, "client_id": clientID}, &m)
		return m, err
	})
	if err == nil && m != nil {
		c.applyMessage(id, m)
	}
}

// known lists the conversations in the console's state.
func (c *consoleModel) known() map[int64]bool {
	c.state.Lock()
	defer c.state.Unlock()
	ids := map[int64]bool{}
	for id := range c.convs {
		ids[id] = true
	}
	return ids
}

// active lists the active conversations, in order.
func (c *consoleModel) active() []int64 {
	c.state.Lock()
	defer c.state.Unlock()
	var ids []int64
	for id, cv := range c.convs {
		if cv["status"] == "active" {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (c *consoleModel) messages(id int64) map[int64]map[string]any {
	c.state.Lock()
	defer c.state.Unlock()
	out := map[int64]map[string]any{}
	for seq, m := range c.msgs[id] {
		out[seq] = m
	}
	return out
}

// widgetModel does what the widget (web/static/widget.js) does: its first message starts
// the conversation by HTTP, then its socket is opened, and reopened after about 1, 2,
// 4… s (at most 30) when it closes; each opening fetches the messages after lastSeq (the
// seq up to which it misses nothing), then the conversation. Messages are sent one after the other, each on the socket when it is
// open, else (or without an answer within 10 s) by HTTP with the same client_id.
type widgetModel struct {
	socket
	base, name, forwardedFor string
	channel                  int64

	state   sync.Mutex
	token   string
	conv    map[string]any
	msgs    map[int64]map[string]any
	lastSeq int64
	started bool
}

// newWidgetModel makes a widget whose visitor comes from forwardedFor (told to the
// server as nginx would: the rate limits count per address).
func newWidgetModel(base string, channel int64, name, forwardedFor string) *widgetModel {
	return &widgetModel{socket: newSocket(), base: base, name: name, channel: channel,
		forwardedFor: forwardedFor, msgs: map[int64]map[string]any{}}
}

func (w *widgetModel) close() {
	w.socket.close()
	w.state.Lock()
	started := w.started
	w.state.Unlock()
	if started {
		<-w.done
	}
}

func (w *widgetModel) conversation() int64 {
	w.state.Lock()
	defer w.state.Unlock()
	return num(w.conv["id"])
}

// deliver sends one message: the first starts the conversation.
func (w *widgetModel) deliver(body string) {
	clientID := newClientID()
	w.state.Lock()
	first := w.conv == nil
	w.state.Unlock()
	if first {
		var res struct {
			Token        string         `json:"visitor_token"`
			Conversation map[string]any `json:"conversation"`
			Message      map[string]any `json:"message"`
		}
		_, err := withRetry(func() (map[string]any, error) {
			return nil, call("POST", fmt.Sprintf("%s/livechat/channels/%d/conversations", w.base, w.channel), "", w.forwardedFor,
				map[string]any{"body": body, "client_id": clientID}, &res)
		})
		if err != nil {
			return
		}
		w.state.Lock()
		w.token, w.conv = res.Token, res.Conversation
		w.state.Unlock()
		w.addMessage(res.Message)
		w.ensureSocket()
		return
	}
	id := w.conversation()
	m, err := withRetry(func() (map[string]any, error) {
		m, err := w.sendFrame(id, body, clientID)
		if !errors.Is(err, errNoAnswer) {
			return m, err
		}
		err = call("POST", fmt.Sprintf("%s/livechat/conversations/%d/messages", w.base, id), w.token, w.forwardedFor,
			map[string]string{"body": body, "client_id": clientID}, &m)
		return m, err
	})
	if err == nil && m != nil {
		w.addMessage(m)
	}
}

func (w *widgetModel) addMessage(m map[string]any) {
	if m == nil || num(m["conversation_id"]) != w.conversation() {
		return
	}
	w.remember("widget "+w.name, m)
	w.state.Lock()
	defer w.state.Unlock()
	seq := num(m["seq"])
	if _, ok := w.msgs[seq]; ok {
		return // seen already
	}
	w.msgs[seq] = m
	for w.msgs[w.lastSeq+1] != nil {
		w.lastSeq++
	}
}

func (w *widgetModel) ensureSocket() {
	w.state.Lock()
	defer w.state.Unlock()
	if !w.started {
		w.started = true
		go w.run()
	}
}

func (w *widgetModel) run() {
	defer close(w.done)
	for retry := 0; ; {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(w.base, "http")+"/livechat/ws?token="+w.token,
			&websocket.DialOptions{HTTPHeader: http.Header{"X-Forwarded-For": {w.forwardedFor}}})
		cancel()
		if err == nil {
			if !w.opened(conn) {
				return
			}
			retry = 0
			w.resync()
			read(conn, w.onEvent)
			w.closedConn(conn)
		}
		delay := time.Duration(float64(min(30*time.Second, time.Second<<retry)) * (0.75 + mrand.Float64()/2))
		retry = min(retry+1, 10)
		if !w.wait(delay) {
			return
		}
	}
}

// resync catches up after (re)connecting: the messages after lastSeq, then the
// conversation.
func (w *widgetModel) resync() {
	id := w.conversation()
	w.state.Lock()
	after := w.lastSeq
	w.state.Unlock()
	for {
		var list []map[string]any
		if call("GET", fmt.Sprintf("%s/livechat/conversations/%d/messages?after=%d", w.base, id, after), w.token, w.forwardedFor, nil, &list) != nil {
			return
		}
		for _, m := range list {
			w.addMessage(m)
		}
		if len(list) < 1000 { // PAGE_SIZE
			break
		}
		after = num(list[len(list)-1]["seq"])
	}
	var cv map[string]any
	if call("GET", fmt.Sprintf("%s/livechat/conversations/%d", w.base, id), w.token, w.forwardedFor, nil, &cv) == nil {
		w.setConversation(cv)
	}
}

func (w *widgetModel) setConversation(cv map[string]any) {
	w.state.Lock()
	defer w.state.Unlock()
	if num(cv["id"]) == num(w.conv["id"]) {
		w.conv = cv
	}
}

func (w *widgetModel) onEvent(ev map[string]any) {
	w.answerSend(ev)
	switch ev["type"] {
	case "message":
		if num(ev["conversation_id"]) == w.conversation() {
			m, _ := ev["message"].(map[string]any)
			w.addMessage(m)
		}
	case "conversation":
		if cv, _ := ev["conversation"].(map[string]any); cv != nil {
			w.setConversation(cv)
		}
	}
}

func (w *widgetModel) messages() map[int64]map[string]any {
	w.state.Lock()
	defer w.state.Unlock()
	out := map[int64]map[string]any{}
	for seq, m := range w.msgs {
		out[seq] = m
	}
	return out
}
