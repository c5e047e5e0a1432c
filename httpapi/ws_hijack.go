package httpapi

import (
	"bufio"
	"net"
	"net/http"
)

// Buffers of an open WebSocket. Client frames are small (typing, activity, pongs); an
// event larger than the write buffer goes out in two writes instead of one.
const (
	wsReadBuffer  = 256
	wsWriteBuffer = 1024
)

// wsHijacker gives the WebSocket library smaller buffers than net/http's when it
// hijacks the connection (4 KiB for reading and 4 KiB for writing, which an open
// connection would keep for its whole life), and keeps the connection for its
// deadlines.
type wsHijacker struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *wsHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = conn
	if brw.Reader.Buffered() > 0 {
		// The client sent frames before it saw the handshake's answer: they are in
		// net/http's reader, which the connection must then keep.
		return conn, brw, nil
	}
	return conn, bufio.NewReadWriter(bufio.NewReaderSize(conn, wsReadBuffer), bufio.NewWriterSize(conn, wsWriteBuffer)), nil
}
