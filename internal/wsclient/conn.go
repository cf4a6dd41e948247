package wsclient

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"sync"
	"time"
)

const (
	readBufSize = 4096
	// DefaultReadLimit is the largest message ReadMessage accepts unless SetReadLimit
	// says otherwise: 1 MiB.
	DefaultReadLimit = 1 << 20
)

// Frame opcodes (RFC 6455 section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Close status codes this package sends or reports (RFC 6455 section 7.4).
const (
	statusNormal        = 1000
	statusProtocolError = 1002
	statusNoStatus      = 1005
	statusTooBig        = 1009
)

// ErrReadLimit is wrapped by the error ReadMessage returns for a message larger than
// the read limit. The connection is closed (with status 1009) when it happens.
var ErrReadLimit = errors.New("wsclient: message exceeds the read limit")

// ErrProtocol is wrapped by the errors ReadMessage returns when the server breaks
// RFC 6455 (a masked frame, reserved bits, a bad opcode or fragmentation). The
// connection is closed (with status 1002) when it happens.
var ErrProtocol = errors.New("wsclient: protocol error")

// CloseError is the error ReadMessage returns when the server sends a close frame;
// ReadMessage has then answered with a close frame and closed the connection. Use
// errors.As to get it.
type CloseError struct {
	Code   int    // the server's status code; 1005 when its close frame had none
	Reason string // the server's reason text, possibly empty
}

// Error describes the close.
func (e *CloseError) Error() string {
	return fmt.Sprintf("wsclient: closed by the server: status %d reason %q", e.Code, e.Reason)
}

// Conn is a client WebSocket connection made by Dial.
//
// One goroutine may call ReadMessage while another calls WriteText; neither method may
// be called by two goroutines at once.
type Conn struct {
	nc net.Conn
	br *bufio.Reader

	// Read side, owned by the reading goroutine.
	msg   []byte    // the message being assembled; returned by ReadMessage
	ctrl  [125]byte // a control frame's payload
	limit int64
	rerr  error // sticky: once reading failed, it keeps failing

	// Write side.
	wmu     sync.Mutex
	wbuf    []byte // one frame: header, mask and masked payload
	rng     *mrand.ChaCha8
	wclosed bool // a close frame was sent
}

func newConn(nc net.Conn, br *bufio.Reader) *Conn {
	var seed [32]byte
	_, _ = rand.Read(seed[:]) // never fails (crypto/rand aborts the program instead)
	return &Conn{nc: nc, br: br, limit: DefaultReadLimit, rng: mrand.NewChaCha8(seed)}
}

// SetReadLimit sets the largest message, in bytes, that ReadMessage accepts. A limit
// of zero or less restores DefaultReadLimit. Call it from the reading goroutine.
func (c *Conn) SetReadLimit(n int64) {
	if n <= 0 {
		n = DefaultReadLimit
	}
	c.limit = n
}

// SetDeadline sets the read and write deadline of the underlying TCP connection (see
// net.Conn.SetDeadline); the zero time removes it. A read or write that times out
// leaves the connection unusable: close it.
func (c *Conn) SetDeadline(t time.Time) error {
	return c.nc.SetDeadline(t)
}

// Close sends a close frame with status 1000 (normal closure) and closes the TCP
// connection without waiting for the server's close frame.
func (c *Conn) Close() error {
	werr := c.writeClose(statusNormal, "")
	if errors.Is(werr, errAlreadyClosed) {
		werr = nil
	}
	if err := c.nc.Close(); err != nil {
		return fmt.Errorf("wsclient: close: %w", err)
	}
	return werr
}

// CloseNow closes the TCP connection without a close frame.
func (c *Conn) CloseNow() error {
	if err := c.nc.Close(); err != nil {
		return fmt.Errorf("wsclient: close: %w", err)
	}
	return nil
}
