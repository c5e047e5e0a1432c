package httpapi

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"time"
)

// Buffers of an open WebSocket. Client frames are small (typing, activity, pongs); an
// event larger than the write buffer goes out in two writes instead of one.
const (
	wsReadBuffer  = 256
	wsWriteBuffer = 1024
)

// wsHijacker gives the WebSocket library smaller buffers than net/http's when it
// hijacks the connection (4 KiB for reading and 4 KiB for writing, which an open
// connection would keep for its whole life), and writes through a corkedConn, kept for
// the writer.
type wsHijacker struct {
	http.ResponseWriter
	conn *corkedConn
}

func (h *wsHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// A WebSocket may stay quiet for as long as its pings are answered: the deadline
	// that an upgrade request with a body may have (Server.limitBody) must not end it.
	// net/http clears deadlines when it hijacks today, but leaves them to the caller by
	// contract (http.Hijacker).
	if err := conn.SetReadDeadline(time.Time{}); err != nil {
		conn.Close()
		return nil, nil, err
	}
	h.conn = &corkedConn{Conn: conn, timeout: wsWriteTimeout}
	r := brw.Reader
	if r.Buffered() == 0 {
		r = bufio.NewReaderSize(conn, wsReadBuffer)
	} // else the client sent frames before it saw the handshake's answer: they are in
	// net/http's reader, which the connection must then keep.
	return conn, bufio.NewReadWriter(r, bufio.NewWriterSize(h.conn, wsWriteBuffer)), nil
}

// corkedConn is the connection the WebSocket library writes to. The library writes each
// frame with a system call of its own; while the connection is corked, what it writes is
// held instead, and uncork writes all of it at once: the writer of a connection with
// several events waiting sends them in one system call.
//
// Every write to the client, the library's own too (pongs, close), has a deadline: one
// that waits on the client for timeout fails, and the connection is then closed. The
// deadline is moved only when less than timeout of it is left, to twice timeout from
// now, so a write gets between timeout and twice as long: moving it changes a runtime
// timer, which, set and cleared around every burst of writes, took 0.8-1.9% of the
// server's time under load.
type corkedConn struct {
	net.Conn
	timeout time.Duration

	mu       sync.Mutex
	corked   bool
	held     []byte
	deadline time.Time // the write deadline set on Conn
}

func (c *corkedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		c.held = append(c.held, p...)
		return len(p), nil
	}
	return c.write(p)
}

// write writes p to the connection under a deadline. c.mu is held.
func (c *corkedConn) write(p []byte) (int, error) {
	if now := time.Now(); c.deadline.Sub(now) < c.timeout {
		c.deadline = now.Add(2 * c.timeout)
		if err := c.Conn.SetWriteDeadline(c.deadline); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(p)
}

func (c *corkedConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork writes what was held since cork, and writes straight through again.
func (c *corkedConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if len(c.held) == 0 {
		return nil
	}
	_, err := c.write(c.held)
	if cap(c.held) > wsWriteBuffer*4 {
		c.held = nil // a burst's buffer is not kept
	} else {
		c.held = c.held[:0]
	}
	return err
}
