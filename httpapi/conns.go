package httpapi

import (
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// DefaultMaxConnsPerAddress is how many connections one client address may hold open:
// above the WebSockets it may hold (maxWebSocketsPerIP), so that a company's visitors
// behind one NAT still load pages while their chats are open.
const DefaultMaxConnsPerAddress = 256

// LimitConns returns a listener that lets each client address hold at most max open
// connections: a connection beyond that is answered 429 and closed at once, before it
// costs a request. Without it one address could take every descriptor the process may
// open, and the server would accept no one else. Connections from trusted proxies are
// not counted: each carries many clients, whose own limits apply to their requests.
func LimitConns(ln net.Listener, max int, trustedProxies []netip.Prefix) net.Listener {
	return &connLimiter{Listener: ln, max: max, trusted: trustedProxies, open: make(map[netip.Addr]int)}
}

type connLimiter struct {
	net.Listener
	max     int
	trusted []netip.Prefix

	mu   sync.Mutex
	open map[netip.Addr]int
}

// tooManyConns is the answer to a connection over the limit. It is written before the
// request is read: reading it could take as long as the client likes.
var tooManyConns = func() string {
	body := `{"error":{"code":"ETOOMANY","message":"Too many open connections from your address; close some and try again."}}` + "\n"
	return "HTTP/1.1 429 Too Many Requests\r\n" +
		"Content-Type: application/json\r\n" +
		"X-Content-Type-Options: nosniff\r\n" +
		"Retry-After: 10\r\n" +
		"Connection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}()

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := remoteAddr(c)
		if !addr.IsValid() || l.isTrusted(addr) {
			return c, nil
		}
		l.mu.Lock()
		if l.open[addr] >= l.max {
			l.mu.Unlock()
			go refuseConn(c)
			continue
		}
		l.open[addr]++
		l.mu.Unlock()
		return &countedConn{Conn: c, release: func() { l.release(addr) }}, nil
	}
}

func (l *connLimiter) release(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

func (l *connLimiter) isTrusted(a netip.Addr) bool {
	for _, p := range l.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// refuseConn answers 429 and closes, spending at most a second on a client that does not
// read.
func refuseConn(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	io.WriteString(c, tooManyConns)
	c.Close()
}

func remoteAddr(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			return ip.Unmap()
		}
	}
	return netip.Addr{}
}

// countedConn is a connection that holds one of its address's places until it is closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// CloseWrite lets net/http close its side first and let the client read the last answer
// (it looks for this method on the connection).
func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom keeps the TCP connection's sendfile path for files net/http serves.
func (c *countedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}
