package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/parleychat/parley"
)

// WebSocket settings.
const (
	wsSendQueue    = 256              // events buffered per connection; a client that lets it fill is dropped
	wsWriteTimeout = 10 * time.Second // a client that takes longer to take one frame is dropped
	wsReadLimit    = 4096             // client frames are small: activity and typing
)

// wsConn is one client WebSocket: one reader (the handler's goroutine), one writer, and a
// bounded queue between the bus and the writer.
type wsConn struct {
	conn   *websocket.Conn
	send   chan []byte
	cancel context.CancelFunc
}

// enqueue is the bus subscriber: it never blocks, and drops a client too slow to keep up.
func (c *wsConn) enqueue(payload []byte) {
	select {
	case c.send <- payload:
	default:
		c.cancel()
	}
}

// clientFrame is what a client may send.
type clientFrame struct {
	Type           string `json:"type"`
	ConversationID int64  `json:"conversation_id"`
}

// parseFrame decodes a client frame: a JSON object with a known type.
func parseFrame(data []byte) (clientFrame, error) {
	var f clientFrame
	if !utf8.Valid(data) {
		return f, parley.Errorf(parley.EINVALID, "Frame is not valid UTF-8.")
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return f, parley.Errorf(parley.EINVALID, "Frame is not a JSON object with a type.")
	}
	switch f.Type {
	case "activity":
	case "typing":
		if f.ConversationID <= 0 {
			return f, parley.Errorf(parley.EINVALID, "A typing frame needs a conversation_id.")
		}
	default:
		return f, parley.Errorf(parley.EINVALID, "Unknown frame type %q.", f.Type)
	}
	return f, nil
}

type wsSession struct {
	side    string
	topic   string
	accept  *websocket.AcceptOptions
	onOpen  func(ctx context.Context)
	onClose func()
	onFrame func(ctx context.Context, f clientFrame) error
}

// serveWS runs one WebSocket until either side closes it. It subscribes to the client's
// topic before the upgrade, so nothing published after the handshake is missed.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, sess wsSession) {
	release, err := s.limits.openSocket(s.clientIP(r))
	if err != nil {
		writeLimited(w, r, s.logger, err.(*limitError))
		return
	}
	defer release()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	c := &wsConn{send: make(chan []byte, wsSendQueue), cancel: cancel}
	unsubscribe := s.bus.Subscribe(sess.topic, c.enqueue)
	defer unsubscribe()

	// The client counts as connected (an operator online) before it sees the handshake
	// complete, so whatever it does next finds it so. Events that this publishes wait in
	// the queue until the writer starts.
	sess.onOpen(ctx)
	defer sess.onClose()
	conn, err := websocket.Accept(w, r, sess.accept)
	if err != nil {
		return // Accept has answered the client
	}
	c.conn = conn
	defer conn.CloseNow()
	conn.SetReadLimit(wsReadLimit)
	if !s.track(c) {
		conn.Close(websocket.StatusServiceRestart, "Server is shutting down; reconnect.")
		return
	}
	defer s.untrack(c)
	gauge := s.metrics.websockets.WithLabelValues(sess.side)
	gauge.Inc()
	defer gauge.Dec()
	go s.writeLoop(ctx, c)

	frames := s.limits.frameLimiter()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		if frames != nil && !frames.Allow() {
			conn.Close(websocket.StatusPolicyViolation, "Too many frames; slow down.")
			return
		}
		f, err := parseFrame(data)
		if err == nil {
			err = sess.onFrame(ctx, f)
		}
		if err != nil {
			if parley.ErrorCode(err) == parley.EINTERNAL {
				s.logger.Error("websocket frame", "type", f.Type, "err", err)
			}
			c.enqueue(errorFrame(err))
		}
	}
}

func errorFrame(err error) []byte {
	b, _ := json.Marshal(struct {
		Type  string      `json:"type"`
		Error errorDetail `json:"error"`
	}{"error", errorDetail{Code: parley.ErrorCode(err), Message: parley.ErrorMessage(err)}})
	return b
}

func (s *Server) writeLoop(ctx context.Context, c *wsConn) {
	defer c.cancel()
	ping := time.NewTicker(s.pingInterval)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			if len(c.send) == cap(c.send) {
				c.conn.Close(websocket.StatusPolicyViolation, "Too slow to keep up; reconnect.")
			}
			return
		case b := <-c.send:
			wctx, cancel := context.WithTimeout(ctx, wsWriteTimeout)
			err := c.conn.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				return
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, s.pingInterval)
			err := c.conn.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		}
	}
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

// CloseWebSockets tells every client to reconnect (status 1012, service restart) and
// refuses new WebSockets: http.Server.Shutdown does not wait for hijacked connections.
func (s *Server) CloseWebSockets() {
	s.mu.Lock()
	s.closed = true
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.conn.Close(websocket.StatusServiceRestart, "Server is restarting; reconnect.")
	}
}

func (s *Server) handleOperatorWS(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	// Checked here as well as by Accept, so that a refused page never counts as a console.
	if !sameOrigin(r) {
		writeError(w, r, s.logger, parley.Errorf(parley.EFORBIDDEN, "Cross-origin WebSocket refused."))
		return
	}
	s.serveWS(w, r, wsSession{
		side:   "operator",
		topic:  parley.UserTopic(u.ID),
		accept: nil, // the console is served by Parley itself: same origin only
		onOpen: func(ctx context.Context) {
			s.service.ConsoleOpened(ctx, u.ID)
		},
		onClose: func() { s.service.ConsoleClosed(u.ID) },
		onFrame: func(ctx context.Context, f clientFrame) error {
			switch f.Type {
			case "activity":
				s.service.Activity(ctx, u.ID)
				return nil
			case "typing":
				return s.service.OperatorTyping(ctx, u, f.ConversationID)
			default:
				return parley.Errorf(parley.EINVALID, "Unknown frame type %q.", f.Type)
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
	s.serveWS(w, r, wsSession{
		side:    "visitor",
		topic:   parley.VisitorTopic(v.ID),
		accept:  &websocket.AcceptOptions{InsecureSkipVerify: true}, // visitorCORS checked Origin against the channels' allowed origins
		onOpen:  func(context.Context) {},
		onClose: func() {},
		onFrame: func(ctx context.Context, f clientFrame) error {
			if f.Type != "typing" {
				return parley.Errorf(parley.EINVALID, "Unknown frame type %q.", f.Type)
			}
			return s.service.VisitorTyping(ctx, v, f.ConversationID)
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
