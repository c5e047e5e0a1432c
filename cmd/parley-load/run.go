package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// operator is one operator the run created, with its console.
type operator struct {
	index    int
	login    string
	chatName string
	token    string
	id       int64
	conn     *websocket.Conn
}

// conversation is one conversation the run started, with its visitor's WebSocket.
type conversation struct {
	index        int
	id           int64
	visitorToken string
	status       string
	operatorName string
	op           *operator // nil while queued
	conn         *websocket.Conn
}

// runner holds one run's state: what it created on the server and what it measured.
type runner struct {
	cfg    Config
	ctx    context.Context // the run's: readers live as long as it
	cl     *client
	log    io.Writer
	runID  string
	rep    *Report
	errs   errorCounts
	admin  string
	chanID int64

	ops        []*operator
	opsByName  map[string]*operator
	convs      []*conversation
	held       atomic.Int64 // WebSockets open now
	peakHeld   atomic.Int64
	stopping   atomic.Bool
	readers    sync.WaitGroup
	cur        atomic.Pointer[traffic] // the traffic whose deliveries the readers count
	serverProc bool                    // the server's /proc can be read
}

// Run runs one scenario and returns its report; the report is returned (partly filled)
// with the error when the run fails midway.
func Run(ctx context.Context, cfg Config, log io.Writer) (*Report, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	if cfg.Baseline {
		child, err := startRelayChild(ctx, cfg.BaselineCPU, log)
		if err != nil {
			return nil, err
		}
		defer child.stop()
		cfg.URL = child.url
		if cfg.ServerPID == 0 {
			cfg.ServerPID = child.pid
		}
	}
	r := &runner{
		cfg:       cfg,
		ctx:       ctx,
		cl:        newClient(cfg.URL, cfg.Workers+cfg.Concurrency, cfg.SourceIPs),
		log:       log,
		runID:     newRunID(),
		opsByName: map[string]*operator{},
	}
	defer r.cl.close()
	r.rep = newReport(cfg, r.runID)
	wallStart := time.Now()
	health, err := r.cl.health(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s does not answer /healthz: %w", cfg.URL, err)
	}
	r.rep.Target = "parley"
	if health["server"] == relayName {
		r.rep.Target = "relay"
	}
	if cfg.ServerPID != 0 {
		if _, err := readProc(cfg.ServerPID); err != nil {
			r.rep.Warnings = append(r.rep.Warnings, err.Error())
		} else {
			r.serverProc = true
			r.rep.Server.PID = cfg.ServerPID
		}
	}
	r.logf("run %s: scenario %s against %s (%s)", r.runID, cfg.Scenario, cfg.URL, r.rep.Target)

	switch cfg.Scenario {
	case ScenarioIdle:
		err = r.idle(ctx)
	case ScenarioSteady:
		err = r.steady(ctx)
	case ScenarioMax:
		err = r.max(ctx)
	case ScenarioConnect:
		err = r.connect(ctx)
	case ScenarioAssign:
		err = r.assign(ctx)
	}
	r.closeAll()
	r.rep.Connections.Held = int(r.peakHeld.Load())
	r.rep.Errors = r.errs.snapshot()
	r.rep.WallSeconds = time.Since(wallStart).Seconds()
	r.rep.finish()
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("%w (the run's --timeout %s passed)", err, cfg.Timeout)
	}
	return r.rep, err
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(r.log, "parley-load: "+format+"\n", args...)
}

func newRunID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return strconv.FormatUint(uint64(b[0])<<24|uint64(b[1])<<16|uint64(b[2])<<8|uint64(b[3]), 36)
}

// setupConcurrency bounds the set-up calls that hash a password on the server (creating
// and logging in operators): more at a time would not go faster on a small server.
const setupConcurrency = 4

// setUp logs in as admin, creates the channel and the operators, logs each in, joins
// the channel and connects their consoles.
func (r *runner) setUp(ctx context.Context, capacity int) error {
	s, err := r.cl.login(ctx, r.cfg.AdminLogin, r.cfg.AdminPassword)
	if err != nil {
		return fmt.Errorf("log in as %s (--admin-login, --admin-password): %w", r.cfg.AdminLogin, err)
	}
	r.admin = s.Token
	if r.chanID, err = r.cl.createChannel(ctx, r.admin, "load-"+r.runID, capacity); err != nil {
		return err
	}
	t0 := time.Now()
	password := "load-" + r.runID + "-secret"
	r.ops = make([]*operator, r.cfg.Operators)
	for i := range r.ops {
		name := fmt.Sprintf("load-%s-%d", r.runID, i)
		r.ops[i] = &operator{index: i, login: name, chatName: name}
		r.opsByName[name] = r.ops[i]
	}
	err = parallel(ctx, len(r.ops), setupConcurrency, func(ctx context.Context, i int) error {
		op := r.ops[i]
		if err := r.cl.createOperator(ctx, r.admin, op.login, password, op.chatName); err != nil {
			return err
		}
		s, err := r.cl.login(ctx, op.login, password)
		if err != nil {
			return err
		}
		op.token, op.id = s.Token, s.User.ID
		return r.cl.join(ctx, op.token, r.chanID)
	})
	if err != nil {
		return fmt.Errorf("create operators: %w", err)
	}
	err = parallel(ctx, len(r.ops), r.cfg.Concurrency, func(ctx context.Context, i int) error {
		op := r.ops[i]
		conn, err := r.cl.dial(ctx, "/api/ws", op.token)
		if err != nil {
			return fmt.Errorf("connect console: %w", err)
		}
		op.conn = conn
		r.opened()
		r.readers.Add(1)
		go r.read(conn, sideOperator, op)
		return nil
	})
	if err != nil {
		return err
	}
	r.rep.Connections.Operators = len(r.ops)
	r.logf("%d operators created, logged in, joined and connected in %.1f s", len(r.ops), time.Since(t0).Seconds())
	return nil
}

// startConversations starts n conversations, conc at a time, and returns how long it took.
func (r *runner) startConversations(ctx context.Context, n, conc int) (time.Duration, error) {
	r.convs = make([]*conversation, n)
	t0 := time.Now()
	err := parallel(ctx, n, conc, func(ctx context.Context, i int) error {
		s, err := r.cl.start(ctx, r.chanID, fmt.Sprintf("Visitor %d", i), fmt.Sprintf("%s-start-%d", r.runID, i))
		if err != nil {
			return err
		}
		c := &conversation{index: i, id: s.Conversation.ID, visitorToken: s.VisitorToken, status: s.Conversation.Status}
		if s.Conversation.Operator != nil {
			c.operatorName = s.Conversation.Operator.Name
			c.op = r.opsByName[c.operatorName]
		}
		r.convs[i] = c
		return nil
	})
	elapsed := time.Since(t0)
	if err != nil {
		return elapsed, fmt.Errorf("start conversations: %w", err)
	}
	return elapsed, nil
}

// connectVisitors opens every conversation's visitor WebSocket, conc at a time, and
// records how fast the server accepted them.
func (r *runner) connectVisitors(ctx context.Context, conc int) error {
	d, hs, err := r.openVisitors(ctx, r.convs, conc)
	if err != nil {
		return err
	}
	r.recordConnect(d, hs)
	return nil
}

// openVisitors opens the visitor WebSockets of convs and returns how long it took and
// each handshake's duration.
func (r *runner) openVisitors(ctx context.Context, convs []*conversation, conc int) (time.Duration, []int64, error) {
	handshakes := make([]int64, len(convs))
	t0 := time.Now()
	err := parallel(ctx, len(convs), conc, func(ctx context.Context, i int) error {
		c := convs[i]
		h0 := time.Now()
		conn, err := r.cl.dial(ctx, "/livechat/ws?token="+c.visitorToken, "")
		if err != nil {
			return fmt.Errorf("connect visitor: %w", err)
		}
		handshakes[i] = int64(time.Since(h0))
		c.conn = conn
		r.opened()
		r.readers.Add(1)
		go r.read(conn, sideVisitor, c)
		return nil
	})
	return time.Since(t0), handshakes, err
}

// recordConnect reports the visitor sockets opened in d.
func (r *runner) recordConnect(d time.Duration, handshakes []int64) {
	cs := &r.rep.Connections
	cs.Visitors += len(handshakes)
	cs.Opened += len(handshakes)
	cs.OpenSeconds += d.Seconds()
	cs.PerSecond = float64(cs.Opened) / cs.OpenSeconds
	cs.HandshakeMs = percentiles(handshakes)
	r.logf("%d visitor WebSockets opened in %.2f s (%.0f/s)", cs.Opened, cs.OpenSeconds, cs.PerSecond)
}

func (r *runner) opened() {
	n := r.held.Add(1)
	for {
		p := r.peakHeld.Load()
		if n <= p || r.peakHeld.CompareAndSwap(p, n) {
			return
		}
	}
}

// closeAll closes every WebSocket and waits for the readers.
func (r *runner) closeAll() {
	r.stopping.Store(true)
	for _, op := range r.ops {
		if op != nil && op.conn != nil {
			op.conn.CloseNow()
		}
	}
	for _, c := range r.convs {
		if c != nil && c.conn != nil {
			c.conn.CloseNow()
		}
	}
	r.readers.Wait()
}

// Sides of a WebSocket.
const (
	sideVisitor  = "visitor"
	sideOperator = "operator"
)

// read counts the messages that reach one WebSocket until closeAll closes it. The owner
// is the *operator or the *conversation the socket belongs to. It reads without a
// deadline: one per read costs the tool a timer each time, which adds up over 20,000
// frames a second on a single core.
func (r *runner) read(conn *websocket.Conn, side string, owner any) {
	defer r.readers.Done()
	defer r.held.Add(-1)
	for {
		_, data, err := conn.Read(context.Background())
		if err != nil {
			if !r.stopping.Load() && r.ctx.Err() == nil {
				r.errs.add(fmt.Sprintf("%s websocket closed: %s", side, websocket.CloseStatus(err)))
			}
			return
		}
		if t := r.cur.Load(); t != nil {
			t.receive(data, side, owner)
		}
	}
}

// Parts of a message event read without decoding the whole frame: both Parley and the
// relay encode the event's fields in this order.
var (
	messagePrefix = []byte(`{"type":"message","conversation_id":`)
	clientIDKey   = []byte(`"client_id":"`)
)

// parseDelivery finds the conversation and the client_id of a message event; ok is false
// for any other frame.
func parseDelivery(data []byte) (conv int64, clientID []byte, ok bool) {
	if !bytes.HasPrefix(data, messagePrefix) {
		return 0, nil, false
	}
	rest := data[len(messagePrefix):]
	end := bytes.IndexByte(rest, ',')
	if end < 0 {
		return 0, nil, false
	}
	conv, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	if err != nil {
		return 0, nil, false
	}
	i := bytes.LastIndex(rest, clientIDKey)
	if i < 0 {
		return 0, nil, false
	}
	id := rest[i+len(clientIDKey):]
	end = bytes.IndexByte(id, '"')
	if end < 0 {
		return 0, nil, false
	}
	return conv, id[:end], true
}

var (
	errorPrefix = []byte(`{"type":"error"`)
	codeKey     = []byte(`"code":"`)
)

// parseRefusal finds the client_id and the error code of an error frame that answers a
// send frame; ok is false for any other frame.
func parseRefusal(data []byte) (clientID, code []byte, ok bool) {
	if !bytes.HasPrefix(data, errorPrefix) {
		return nil, nil, false
	}
	clientID, ok = quotedAfter(data, clientIDKey)
	if !ok {
		return nil, nil, false
	}
	code, _ = quotedAfter(data, codeKey)
	return clientID, code, true
}

// quotedAfter returns the string that follows key (which ends with its opening quote).
func quotedAfter(data, key []byte) ([]byte, bool) {
	i := bytes.Index(data, key)
	if i < 0 {
		return nil, false
	}
	s := data[i+len(key):]
	end := bytes.IndexByte(s, '"')
	if end < 0 {
		return nil, false
	}
	return s[:end], true
}

// clientID is how a message names itself: the traffic's prefix, its sequence number and
// its scheduled send time (nanoseconds after the traffic started).
func clientID(dst []byte, prefix string, seq int, sched int64) []byte {
	dst = append(dst, prefix...)
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, int64(seq), 10)
	dst = append(dst, '-')
	return strconv.AppendInt(dst, sched, 10)
}

// parseClientID undoes clientID; ok is false for a client_id of another run or step.
func parseClientID(id []byte, prefix string) (seq int, sched int64, ok bool) {
	if !bytes.HasPrefix(id, []byte(prefix)) || len(id) <= len(prefix) || id[len(prefix)] != '-' {
		return 0, 0, false
	}
	seqPart, schedPart, found := strings.Cut(string(id[len(prefix)+1:]), "-")
	if !found {
		return 0, 0, false
	}
	s, err1 := strconv.Atoi(seqPart)
	t, err2 := strconv.ParseInt(schedPart, 10, 64)
	if err1 != nil || err2 != nil || s < 0 {
		return 0, 0, false
	}
	return s, t, true
}

// sample reads the server's /proc when its pid was given.
func (r *runner) sample() procSample {
	if !r.serverProc {
		return procSample{}
	}
	s, err := readProc(r.cfg.ServerPID)
	if err != nil {
		r.errs.add("read server /proc")
	}
	return s
}

// measure records the server's and the tool's CPU between two moments, and the server's
// memory.
type measure struct {
	r      *runner
	wall   time.Time
	tool   time.Duration
	server procSample
}

func (r *runner) beginMeasure() *measure {
	return &measure{r: r, wall: time.Now(), tool: selfCPU(), server: r.sample()}
}

// cpu returns the server's and the tool's CPU since m began, in percent of one core.
func (m *measure) cpu() (server, tool float64) {
	wall := time.Since(m.wall).Seconds()
	tool = 100 * (selfCPU() - m.tool).Seconds() / wall
	if m.r.serverProc {
		server = 100 * (m.r.sample().CPU - m.server.CPU).Seconds() / wall
	}
	return server, tool
}

// end fills the report's server and tool figures for the phase that began at m.
func (m *measure) end() {
	r := m.r
	wall := time.Since(m.wall)
	tool := selfCPU() - m.tool
	r.rep.Tool.CPUSeconds = tool.Seconds()
	r.rep.Tool.CPUPercent = 100 * tool.Seconds() / wall.Seconds()
	r.rep.MeasuredSeconds = wall.Seconds()
	if !r.serverProc {
		return
	}
	after := r.sample()
	s := &r.rep.Server
	s.CPUSeconds = (after.CPU - m.server.CPU).Seconds()
	s.CPUPercent = 100 * s.CPUSeconds / wall.Seconds()
	s.RSSBeforeKiB = m.server.RSSKiB
	s.RSSAfterKiB = after.RSSKiB
	s.PeakRSSKiB = after.HWMKiB
}

var errQueued = errors.New("a conversation was queued: this scenario needs every conversation assigned (is --cap too low?)")

// liveConversations sets up operators, conversations and visitor sockets: the common
// start of idle, steady, max and connect.
func (r *runner) liveConversations(ctx context.Context, needAssigned bool) error {
	if err := r.setUp(ctx, r.cfg.Cap); err != nil {
		return err
	}
	d, err := r.startConversations(ctx, r.cfg.Conversations, r.cfg.Concurrency)
	if err != nil {
		return err
	}
	r.logf("%d conversations started in %.1f s", len(r.convs), d.Seconds())
	if needAssigned {
		for _, c := range r.convs {
			if c.op == nil {
				return errQueued
			}
		}
	}
	return nil
}
