package wsclient

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// byteConn is the server side of a connection as a byte source: ReadMessage reads the
// fuzzer's bytes, and what the client writes back (pongs, close frames) is discarded.
type byteConn struct {
	net.Conn // nil: only the methods below are used
	r        *bytes.Reader
	closed   bool
}

func (c *byteConn) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *byteConn) Write(p []byte) (int, error) {
	if c.closed {
		return 0, net.ErrClosed
	}
	return len(p), nil
}
func (c *byteConn) Close() error                { c.closed = true; return nil }
func (c *byteConn) SetDeadline(time.Time) error { return nil }

// FuzzReadMessage feeds arbitrary server bytes to ReadMessage: it must never panic,
// never return a message over the read limit, and stop at the first error.
func FuzzReadMessage(f *testing.F) {
	f.Add(serverFrame(0x81, []byte("hello")))
	f.Add(append(serverFrame(0x01, []byte("ab")), append(serverFrame(0x89, []byte("p")), serverFrame(0x80, []byte("cd"))...)...))
	f.Add(serverFrame(0x82, make([]byte, 300)))
	f.Add(serverFrame(0x88, []byte{0x03, 0xE8, 'o', 'k'}))
	f.Add([]byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0})
	f.Add([]byte{0x81, 0x85, 1, 2, 3, 4, 'x'})
	f.Fuzz(func(t *testing.T, data []byte) {
		nc := &byteConn{r: bytes.NewReader(data)}
		c := newConn(nc, bufio.NewReaderSize(nc, readBufSize))
		c.SetReadLimit(4096)
		for {
			msg, err := c.ReadMessage()
			if err != nil {
				if _, err2 := c.ReadMessage(); err2 != err {
					t.Fatalf("error not sticky: %v then %v", err, err2)
				}
				var ce *CloseError
				if errors.As(err, &ce) && !validCloseCode(ce.Code) && ce.Code != statusNoStatus {
					t.Fatalf("close code %d reported", ce.Code)
				}
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &ce) &&
					!errors.Is(err, ErrProtocol) && !errors.Is(err, ErrReadLimit) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				return
			}
			if len(msg) > 4096 {
				t.Fatalf("message of %d bytes over the 4096 limit", len(msg))
			}
		}
	})
}
