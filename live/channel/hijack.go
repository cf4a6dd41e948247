package channel

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// Buffer sizes of an upgraded connection. net/http hands over 4 KiB read and write
// buffers on hijack; an idle socket does not need them, and most frames (events, diffs,
// broadcasts) are far smaller, so they are replaced by 512-byte ones. A frame bigger than
// the write buffer costs one more write call (the rest bypasses bufio); the saving is
// 7 KiB per socket.
const (
	connReadBuffer  = 512
	connWriteBuffer = 512
)

// smallBuffers wraps a ResponseWriter so that the hijacked connection gets small buffers.
// It records the raw connection so that the socket can cut it at once (net.Conn.Close
// unblocks any read or write, even during a close handshake).
type smallBuffers struct {
	http.ResponseWriter
	conn net.Conn
}

// Unwrap returns the wrapped ResponseWriter (for http.ResponseController).
func (w *smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hijacks the underlying connection, flushes what net/http buffered (the 101
// response) and keeps any bytes the client already sent.
func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = conn
	if err := brw.Writer.Flush(); err != nil {
		conn.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(conn, connReadBuffer)
	if n := brw.Reader.Buffered(); n > 0 {
		// Frames the client sent right after its handshake are already buffered. They must
		// sit in the new reader's buffer too: websocket.Accept keeps only what is buffered
		// and re-points the reader at the connection.
		b, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(b)), conn), max(n, connReadBuffer))
		if _, err := br.Peek(n); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, connWriteBuffer)), nil
}
