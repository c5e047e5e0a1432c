package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/parleychat/parley"
)

// WebSocket settings.
const (
	wsSendQueue    = 256              // events waiting per connection; a client that lets more wait is dropped
	wsKeptQueue    = 8                // queue slots a connection keeps between bursts; more are given back
	wsWriteTimeout = 10 * time.Second // a client that takes longer to take one frame may be dropped (corkedConn)
	wsReadLimit    = MaxBodyBytes     // a send frame carries a message: as large as a request body
)

// wsConn is one client WebSocket. Its reader is a goroutine for as long as the
// connection is open; its writer is a goroutine only while events wait in its queue.
// An idle connection thus costs one goroutine, a ping timer, and no queue.
type wsConn struct {
	conn    *websocket.Conn // set when the handshake is done
	netConn *corkedConn     // under conn: the writer corks it

	mu      sync.Mutex
	queue   [][]byte // events the writer has not taken yet
	spare   [][]byte // the writer's last batch, emptied, for the next one
	pending int      // events queued or being written: at most wsSendQueue
	writing bool     // a writer goroutine runs
	closing bool     // too slow, or closed: nothing more is queued
	ping    *time.Timer

	// A console's session: the connection closes when it ends (accountNotice).
	userID  int64
	session string // token hash; "" for a visitor
	onEnded func()
	done    atomic.Bool // accounted for as closed or ended: see finish
}

// finish marks the connection as over, once: it reports whether this call did, so
// that either its close or its session's end is accounted for, never both.
func (c *wsConn) finish() bool { return c.done.CompareAndSwap(false, true) }

// over reports whether the connection is over (its session ended): its frames are no
// longer served.
func (c *wsConn) over() bool { return c.done.Load() }

// enqueue is the bus subscriber: it never blocks, and drops a client too slow to keep up.
func (c *wsConn) enqueue(payload []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	if c.pending == wsSendQueue {
		c.closing, c.queue = true, nil
		if c.conn != nil {
			go c.conn.Close(websocket.StatusPolicyViolation, tooSlow)
		}
		return
	}
	c.queue = append(c.queue, payload)
	c.pending++
	c.startWriter()
}

const tooSlow = "Too slow to keep up; reconnect."

// startWriter starts a writer when events wait and none runs. c.mu is held.
func (c *wsConn) startWriter() {
	if !c.writing && len(c.queue) > 0 && c.conn != nil && !c.closing {
		c.writing = true
		go c.writeQueue()
	}
}

// writeQueue writes the waiting events, then ends. It takes them in batches, so that
// enqueue and the writer meet once per batch rather than once per event.
func (c *wsConn) writeQueue() {
	var batch [][]byte
	for {
		c.mu.Lock()
		if batch != nil {
			c.pending -= len(batch)
			if cap(batch) <= wsKeptQueue {
				clear(batch)
				c.spare = batch[:0]
			}
		}
		if len(c.queue) == 0 || c.closing {
			c.writing = false
			c.mu.Unlock()
			return
		}
		batch, c.queue, c.spare = c.queue, c.spare, nil
		c.mu.Unlock()
		// Several events go out in one system call: the connection is corked while
		// the library writes their frames. The writes take no context with a deadline
		// (it, and the callback coder/websocket registers on it, cost eleven allocations
		// per write): the connection has a write deadline of its own (corkedConn).
		corked := len(batch) > 1
		if corked {
			c.netConn.cork()
		}
		var err error
		for _, b := range batch {
			if err = c.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
				break
			}
		}
		if corked {
			err = errors.Join(err, c.netConn.uncork()) // also what the library wrote meanwhile
		}
		if err != nil {
			c.conn.CloseNow() // the reader sees it and ends the connection
			return
		}
	}
}

// keepAlive pings the client every interval, counted from the last pong, and closes the
// connection when a pong does not come within as long. It runs on a timer: no
// goroutine waits between pings.
func (c *wsConn) keepAlive(interval time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), interval)
	err := c.conn.Ping(ctx)
	cancel()
	if err != nil {
		c.conn.CloseNow()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closing {
		c.ping.Reset(interval)
	}
}

// open attaches the handshake's connection: it starts the writer for the events queued
// meanwhile, and the pings.
func (c *wsConn) open(conn *websocket.Conn, netConn *corkedConn, pingInterval time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn, c.netConn = conn, netConn
	if c.closing { // too slow already
		go conn.Close(websocket.StatusPolicyViolation, tooSlow)
		return
	}
	c.startWriter()
	c.ping = time.AfterFunc(pingInterval, func() { c.keepAlive(pingInterval) })
}

// close stops the queue and the pings.
func (c *wsConn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closing, c.queue, c.spare = true, nil, nil
	if c.ping != nil {
		c.ping.Stop()
	}
}

// clientFrame is what a client may send.
type clientFrame struct {
	Type           string `json:"type"`
	ConversationID int64  `json:"conversation_id"`
	Body           string `json:"body"`      // send
	ClientID       string `json:"client_id"` // send: the message's idempotency key
}

// parseFrame decodes a client frame: a JSON object with a known type.
func parseFrame(data []byte) (clientFrame, error) {
	var f clientFrame
	// The rules of request bodies (strictJSON). encoding/json/v2 is also quick where every
	// message sent is decoded: BenchmarkParseFrame compares it with encoding/json.
	if err := unmarshal("Frame", data, &f); err != nil {
		return f, err
	}
	switch f.Type {
	case "activity":
	case "typing":
		if f.ConversationID <= 0 {
			return f, parley.Errorf(parley.EINVALID, "A typing frame needs a conversation_id.")
		}
	case "send":
		if f.ConversationID <= 0 {
			return f, parley.Errorf(parley.EINVALID, "A send frame needs a conversation_id.")
		}
		if f.ClientID == "" {
			return f, parley.Errorf(parley.EINVALID, "A send frame needs a client_id: the answer names it.")
		}
	default:
		return f, parley.Errorf(parley.EINVALID, "Unknown frame type %q.", f.Type)
	}
	return f, nil
}

// wsTopic is a further topic a connection receives: the live view's, for a supervisor.
type wsTopic struct {
	topic  string
	filter func(payload []byte) bool
}

type wsSession struct {
	side    string
	topic   string
	accept  *websocket.AcceptOptions
	onOpen  func(ctx context.Context)
	onClose func()
	// onFrame does what a frame asks; what it returns, when not nil, is sent back to
	// this connection only.
	onFrame func(ctx context.Context, f clientFrame) (reply *parley.Event, err error)
	// filter, when set, tells which published events reach this connection.
	filter func(payload []byte) bool
	// also are further topics the connection receives, each with its filter (nil: all).
	also []wsTopic

	// A console's user and session (its token hash): the connection closes when the
	// session ends.
	userID  int64
	session []byte
	// onEnded is called instead of onClose when the console's session ends.
	onEnded func()
	// stillValid, when set, checks once the connection is tracked that its session did
	// not end meanwhile (a logout between the handshake and tracking).
	stillValid func(ctx context.Context) bool
}

// serveWS opens one WebSocket, and serves it until either side closes it. It subscribes
// to the client's topic before the upgrade, so nothing published after the handshake is
// missed.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, sess wsSession) {
	release, err := s.limits.openSocket(s.clientIP(r))
	if err != nil {
		writeLimited(w, r, s.logger, err.(*limitError))
		return
	}
	c := &wsConn{userID: sess.userID, session: string(sess.session), onEnded: sess.onEnded}
	deliver := c.enqueue
	if sess.filter != nil {
		deliver = func(payload []byte) {
			if sess.filter(payload) {
				c.enqueue(payload)
			}
		}
	}
	unsubscribe, err := s.bus.Subscribe(sess.topic, deliver)
	if err != nil {
		release()
		s.logger.Error("websocket subscribe", "topic", sess.topic, "err", err)
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorDetail{Code: parley.EINTERNAL, Message: "Live events are unavailable for the moment; try again shortly."}})
		return
	}
	for _, t := range sess.also {
		cancel, err := s.bus.Subscribe(t.topic, func(payload []byte) {
			if t.filter == nil || t.filter(payload) {
				c.enqueue(payload)
			}
		})
		if err != nil {
			unsubscribe()
			release()
			s.logger.Error("websocket subscribe", "topic", t.topic, "err", err)
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorDetail{Code: parley.EINTERNAL, Message: "Live events are unavailable for the moment; try again shortly."}})
			return
		}
		prev := unsubscribe
		unsubscribe = func() { cancel(); prev() }
	}

	// The client counts as connected (an operator online) before it sees the handshake
	// complete, so whatever it does next finds it so. Events that this publishes wait in
	// the queue until the writer starts.
	sess.onOpen(r.Context())
	hj := &wsHijacker{ResponseWriter: w}
	conn, err := websocket.Accept(hj, r, sess.accept)
	if err != nil {
		sess.onClose()
		unsubscribe()
		release()
		return // Accept has answered the client
	}
	c.open(conn, hj.conn, s.pingInterval)
	// The connection is served by a goroutine of its own, and this handler returns:
	// net/http then lets go of the request, its buffers and this goroutine's stack,
	// which would otherwise stay for as long as the connection.
	go func() {
		defer release()
		defer unsubscribe()
		defer func() {
			if c.finish() {
				sess.onClose()
			}
		}()
		s.readFrames(c, sess)
	}()
}

// readFrames reads the client's frames until the connection ends.
func (s *Server) readFrames(c *wsConn, sess wsSession) {
	conn := c.conn
	defer conn.CloseNow()
	defer c.close()
	conn.SetReadLimit(wsReadLimit)
	if !s.track(c) {
		conn.Close(websocket.StatusServiceRestart, "Server is shutting down; reconnect.")
		return
	}
	defer s.untrack(c)
	if sess.stillValid != nil && !sess.stillValid(context.Background()) {
		if s.endConn(c) {
			conn.Close(StatusSessionEnded, sessionEnded)
		}
		return
	}
	gauge := s.metrics.websockets.WithLabelValues(sess.side)
	gauge.Inc()
	defer gauge.Dec()

	// The reads and the frames' work take no context that ends with the connection: it
	// is this goroutine that finds out the connection ended (a ping that fails, a slow
	// client or shutdown close the connection, and the read returns). On a context that
	// can end, coder/websocket would register a callback for every frame read, and keep
	// it while the read waits.
	ctx := context.Background()
	frames := s.limits.frameLimiter()
	encode := parley.EncodeEvent
	if sess.side == "operator" {
		encode = parley.EncodeOperatorEvent // an operator's message names its author's id in the console
	}
	for {
		buf, err := readFrame(ctx, conn)
		if err != nil {
			return
		}
		if frames != nil && !frames.Allow() {
			conn.Close(websocket.StatusPolicyViolation, "Too many frames; slow down.")
			return
		}
		if c.over() {
			putFrameBuffer(buf)
			continue // its session ended: the close is on its way, and read here
		}
		f, err := parseFrame(buf.Bytes())
		putFrameBuffer(buf) // f holds copies of what it keeps
		var reply *parley.Event
		if err == nil {
			reply, err = sess.onFrame(ctx, f)
		}
		if err != nil {
			if parley.ErrorCode(err) == parley.EINTERNAL {
				s.logger.Error("websocket frame", "type", f.Type, "err", err)
			}
			c.enqueue(errorFrame(f, err))
		} else if reply != nil {
			if b, err := encode(reply); err == nil {
				c.enqueue(b)
			}
		}
	}
}

// frameBuffers hold a frame while it is decoded, for any connection: conn.Read would
// allocate a buffer of at least 512 bytes for every frame, the largest share of a
// server's allocations under load after the database driver's (BenchmarkReadFrame).
var frameBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readFrame waits for the next frame and reads it whole into a buffer from
// frameBuffers; give the buffer back with putFrameBuffer once decoded.
func readFrame(ctx context.Context, conn *websocket.Conn) (*bytes.Buffer, error) {
	_, r, err := conn.Reader(ctx) // waits with no buffer taken: idle connections hold none
	if err != nil {
		return nil, err
	}
	buf := frameBuffers.Get().(*bytes.Buffer)
	if _, err := buf.ReadFrom(r); err != nil {
		putFrameBuffer(buf)
		return nil, err
	}
	return buf, nil
}

func putFrameBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 { // a rare large frame's buffer is left to the collector
		buf.Reset()
		frameBuffers.Put(buf)
	}
}

// errorFrame answers a frame that failed; it names the frame's conversation and
// client_id, when it had them, so that a client can tell which send failed.
func errorFrame(f clientFrame, err error) []byte {
	b, _ := json.Marshal(struct {
		Type           string      `json:"type"`
		ConversationID int64       `json:"conversation_id,omitempty"`
		ClientID       string      `json:"client_id,omitempty"`
		Error          errorDetail `json:"error"`
	}{"error", f.ConversationID, f.ClientID, errorDetail{Code: parley.ErrorCode(err), Message: parley.ErrorMessage(err)}})
	return b
}

// sentReply answers a send frame from what the send returned. A new message needs no
// answer of its own: its message event, published to both sides once it is stored,
// reaches the sender too and carries the frame's client_id. A message stored before under
// the same client_id (a resend) publishes nothing, so the sender alone is sent its event
// again. A refusal is answered by readFrames' error frame.
func sentReply(m *parley.Message, isNew bool, err error) (*parley.Event, error) {
	if err != nil || isNew {
		return nil, err
	}
	return &parley.Event{Type: parley.EventMessage, ConversationID: m.ConversationID, Message: m}, nil
}

func (s *Server) track(c *wsConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// Close status and reason of a console WebSocket whose session ended: the console goes
// to its login screen rather than reconnect.
const (
	StatusSessionEnded websocket.StatusCode = 4001
	sessionEnded                            = "Session ended; log in again."
)

// accountNotice is the server's subscriber to parley.AccountsTopic: it closes every
// console WebSocket opened with a session that ended, on whichever server it ended, and
// tells those of a user whose role changed to reconnect.
func (s *Server) accountNotice(payload []byte) {
	var n parley.AccountNotice
	if err := json.Unmarshal(payload, &n); err != nil {
		s.logger.Error("decode account notice", "err", err)
		return
	}
	if n.RoleChanged {
		s.mu.Lock()
		for c := range s.conns {
			if c.session != "" && c.userID == n.UserID {
				go c.conn.Close(websocket.StatusServiceRestart, "Your role changed; reconnect.")
			}
		}
		s.mu.Unlock()
	}
	if len(n.EndedSessions) == 0 {
		return
	}
	ended := make(map[string]bool, len(n.EndedSessions))
	for _, h := range n.EndedSessions {
		ended[string(h)] = true
	}
	var conns []*wsConn
	s.mu.Lock()
	for c := range s.conns {
		if c.session != "" && ended[c.session] {
			conns = append(conns, c)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		if s.endConn(c) {
			go c.conn.Close(StatusSessionEnded, sessionEnded)
		}
	}
}

// endConn ends a tracked connection whose session ended: at once it is sent and serves
// nothing more, and its operator's presence counts it gone (no reload grace). It
// reports whether it did (not already closed); the caller then closes the connection
// with StatusSessionEnded.
func (s *Server) endConn(c *wsConn) bool {
	if !c.finish() {
		return false
	}
	c.mu.Lock()
	c.closing, c.queue = true, nil
	c.mu.Unlock()
	if c.onEnded != nil {
		c.onEnded()
	}
	return true
}

// CloseWebSockets tells every client to reconnect (status 1012, service restart) and
// refuses new WebSockets: http.Server.Shutdown does not wait for hijacked connections.
// The connections close side by side: a client that never answers the close holds up
// its own connection for at most the library's five seconds, not everyone after it.
func (s *Server) CloseWebSockets() {
	s.mu.Lock()
	s.closed = true
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			c.conn.Close(websocket.StatusServiceRestart, "Server is restarting; reconnect.")
		})
	}
	wg.Wait()
}

// ResyncWebSockets tells every client to reconnect (status 1012, as at shutdown) without
// refusing new WebSockets: the bus calls it when events may have been lost (a broker
// reconnection, a subscriber that fell behind), and each client, once reconnected,
// fetches what it missed (messages after its last sequence number, its conversations).
// It does not wait for the connections to close.
func (s *Server) ResyncWebSockets() {
	s.mu.Lock()
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		go c.conn.Close(websocket.StatusServiceRestart, "Events may have been missed; reconnect.")
	}
	if len(conns) > 0 {
		s.logger.Warn("websockets told to reconnect to catch up", "count", len(conns))
	}
}

func (s *Server) handleOperatorWS(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	// Checked here as well as by Accept, so that a refused page never counts as a console.
	if !sameOrigin(r) {
		writeError(w, r, s.logger, parley.Errorf(parley.EFORBIDDEN, "Cross-origin WebSocket refused."))
		return
	}
	token, _ := consoleToken(r)
	session := sessionFrom(r.Context())
	// A supervisor's (or an admin's) console also receives the live view's events, for
	// as long as they may: a role taken away meanwhile stops them at their next frame
	// (the console reports activity every minute while used).
	var also []wsTopic
	var supervising atomic.Bool
	if u.CanSupervise() {
		supervising.Store(true)
		also = append(also, wsTopic{topic: parley.LiveTopic, filter: func([]byte) bool { return supervising.Load() }})
	}
	s.serveWS(w, r, wsSession{
		side:    "operator",
		topic:   parley.UserTopic(u.ID),
		also:    also,
		userID:  u.ID,
		session: sessionFrom(r.Context()),
		accept:  nil, // the console is served by Parley itself: same origin only
		onOpen: func(ctx context.Context) {
			s.service.ConsoleOpened(ctx, u.ID)
		},
		onClose: func() { s.service.ConsoleClosed(u.ID) },
		onEnded: func() { s.service.ConsoleEnded(u.ID) },
		stillValid: func(ctx context.Context) bool {
			_, err := s.service.Authenticate(ctx, token)
			return parley.ErrorCode(err) != parley.EUNAUTHORIZED
		},
		onFrame: func(ctx context.Context, f clientFrame) (*parley.Event, error) {
			// Each frame acts as the user is now, not as they were when the socket opened:
			// a chat name changed meanwhile names the next message.
			u, err := s.service.SessionUser(ctx, session)
			if err != nil {
				return nil, err
			}
			supervising.Store(supervising.Load() && u.CanSupervise())
			switch f.Type {
			case "activity":
				s.service.Activity(ctx, u.ID)
				return nil, nil
			case "typing":
				return nil, s.service.OperatorTyping(ctx, u, f.ConversationID)
			case "send":
				return sentReply(s.sendOperatorMessage(ctx, u, f.ConversationID, f.Body, f.ClientID))
			default:
				return nil, parley.Errorf(parley.EINVALID, "Unknown frame type %q.", f.Type)
			}
		},
	})
}

func (s *Server) handleVisitorWS(w http.ResponseWriter, r *http.Request) {
	v, err := s.service.AuthenticateVisitor(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	ip := s.clientIP(r)
	// A page of another website passed visitorCORS because one of the visitor's channels
	// allows it; each frame and event is kept to the channels that do.
	origin := r.Header.Get("Origin")
	var filter func([]byte) bool
	if origin != "" && !sameOrigin(r) {
		filter = newOriginFilter(s, v, origin).allows
	} else {
		origin = ""
	}
	s.serveWS(w, r, wsSession{
		side:   "visitor",
		topic:  parley.VisitorTopic(v.ID),
		accept: &websocket.AcceptOptions{InsecureSkipVerify: true}, // visitorCORS checked Origin against the channels' allowed origins
		filter: filter,
		// The visitor counts as present while a widget is open: their conversations do
		// not end as abandoned (chat/abandon.go).
		onOpen:  func(ctx context.Context) { s.service.VisitorConnected(ctx, v.ID) },
		onClose: func() { s.service.VisitorDisconnected(v.ID) },
		onFrame: func(ctx context.Context, f clientFrame) (*parley.Event, error) {
			return s.visitorFrame(ctx, v, ip, origin, f)
		},
	})
}

// sameOrigin reports whether a browser's Origin, when sent, is the host it asks.
// Clients other than browsers send none.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}
