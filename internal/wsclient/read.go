package wsclient

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ReadMessage reads the next whole text or binary message, joining its fragments. It
// answers pings with pongs and skips pongs on the way. When the server sends a close
// frame, ReadMessage replies with a close frame, closes the connection and returns a
// *CloseError.
//
// The returned slice is only valid until the next ReadMessage call, which reuses it.
// Once ReadMessage has failed, it keeps returning the same error.
func (c *Conn) ReadMessage() ([]byte, error) {
	if c.rerr != nil {
		return nil, c.rerr
	}
	msg, err := c.readMessage()
	if err != nil {
		c.rerr = err
		return nil, err
	}
	return msg, nil
}

func (c *Conn) readMessage() ([]byte, error) {
	c.msg = c.msg[:0]
	inMessage := false
	for {
		hdr, err := c.br.Peek(2)
		if err != nil {
			return nil, c.readFailed(err)
		}
		b0, b1 := hdr[0], hdr[1]
		_, _ = c.br.Discard(2)
		fin, op := b0&0x80 != 0, b0&0x0F
		if b0&0x70 != 0 {
			return nil, c.protocolError("reserved bits 0x%x set in frame header (no extension was negotiated)", b0&0x70)
		}
		if b1&0x80 != 0 {
			return nil, c.protocolError("masked frame from the server")
		}
		n := uint64(b1 & 0x7F)
		switch n {
		case 126:
			ext, err := c.br.Peek(2)
			if err != nil {
				return nil, c.readFailed(err)
			}
			n = uint64(binary.BigEndian.Uint16(ext))
			_, _ = c.br.Discard(2)
		case 127:
			ext, err := c.br.Peek(8)
			if err != nil {
				return nil, c.readFailed(err)
			}
			n = binary.BigEndian.Uint64(ext)
			_, _ = c.br.Discard(8)
			if n>>63 != 0 {
				return nil, c.protocolError("frame length has its most significant bit set")
			}
		}

		if op >= opClose {
			if !fin {
				return nil, c.protocolError("fragmented control frame (opcode 0x%x)", op)
			}
			if n > 125 {
				return nil, c.protocolError("control frame (opcode 0x%x) of %d bytes, more than 125", op, n)
			}
			p := c.ctrl[:n]
			if _, err := io.ReadFull(c.br, p); err != nil {
				return nil, c.readFailed(err)
			}
			switch op {
			case opPing:
				if err := c.writeFrame(opPong, p); err != nil && !errors.Is(err, errAlreadyClosed) {
					return nil, err
				}
			case opPong:
			case opClose:
				return nil, c.closeReceived(p)
			default:
				return nil, c.protocolError("unknown control opcode 0x%x", op)
			}
			continue
		}

		switch op {
		case opContinuation:
			if !inMessage {
				return nil, c.protocolError("continuation frame without a message to continue")
			}
		case opText, opBinary:
			if inMessage {
				return nil, c.protocolError("new data frame (opcode 0x%x) inside a fragmented message", op)
			}
			inMessage = true
		default:
			return nil, c.protocolError("unknown data opcode 0x%x", op)
		}
		have := uint64(len(c.msg))
		if n > uint64(c.limit)-have {
			_ = c.writeClose(statusTooBig, "message too big")
			_ = c.nc.Close()
			return nil, fmt.Errorf("%w: message of more than %d bytes (limit %d)", ErrReadLimit, have+n, c.limit)
		}
		c.msg = grow(c.msg, int(n))
		if _, err := io.ReadFull(c.br, c.msg[have:]); err != nil {
			return nil, c.readFailed(err)
		}
		if fin {
			return c.msg, nil
		}
	}
}

// grow extends b by n bytes, reusing its capacity when it can.
func grow(b []byte, n int) []byte {
	if len(b)+n <= cap(b) {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, max(2*cap(b), len(b)+n))
	copy(nb, b)
	return nb
}

// closeReceived answers the server's close frame p and reports it.
func (c *Conn) closeReceived(p []byte) error {
	ce := &CloseError{Code: statusNoStatus}
	switch {
	case len(p) == 1:
		_ = c.writeClose(statusProtocolError, "")
		_ = c.nc.Close()
		return fmt.Errorf("%w: close frame with a 1-byte payload", ErrProtocol)
	case len(p) >= 2:
		ce.Code = int(binary.BigEndian.Uint16(p))
		ce.Reason = string(p[2:])
		if !validCloseCode(ce.Code) {
			_ = c.writeClose(statusProtocolError, "")
			_ = c.nc.Close()
			return fmt.Errorf("%w: close frame with invalid status %d", ErrProtocol, ce.Code)
		}
		_ = c.writeClose(ce.Code, "")
	default:
		_ = c.writeFrame(opClose, nil)
	}
	_ = c.nc.Close()
	return ce
}

// validCloseCode reports whether code may be sent in a close frame (RFC 6455 section
// 7.4: 1000-1003, 1007-1014 and the registered/private range 3000-4999).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014, code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// protocolError closes the connection with status 1002 and returns an error wrapping
// ErrProtocol.
func (c *Conn) protocolError(format string, args ...any) error {
	_ = c.writeClose(statusProtocolError, "")
	_ = c.nc.Close()
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// readFailed wraps a read error from the socket.
func (c *Conn) readFailed(err error) error {
	return fmt.Errorf("wsclient: read: %w", err)
}
