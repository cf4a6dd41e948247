package channel

import (
	"bufio"
	"net"
	"net/http"
)

// hijacker wraps a ResponseWriter so that the upgraded connection is a sockConn (see
// conn.go): net/http's 4 KiB read and write buffers are replaced by bufio's 16-byte
// minimum, with pooled buffers underneath that an idle socket does not hold.
type hijacker struct {
	http.ResponseWriter
	conn        *sockConn
	req         *http.Request
	compression CompressionMode
}

// WriteHeader adjusts the negotiated compression (see compressionHeader) before the
// 101 response is written.
func (w *hijacker) WriteHeader(code int) {
	if code == http.StatusSwitchingProtocols {
		compressionHeader(w.compression, w.req, w.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap returns the wrapped ResponseWriter (for http.ResponseController).
func (w *hijacker) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hijacks the underlying connection, flushes what net/http buffered (the 101
// response) and keeps any bytes the client already sent.
func (w *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		conn.Close()
		return nil, nil, err
	}
	// Frames the client sent right after its handshake may already be buffered; they are
	// read first.
	buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
	w.conn = newSockConn(conn, buffered)
	return w.conn, w.conn.readWriter(), nil
}
