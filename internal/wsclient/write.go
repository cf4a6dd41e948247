package wsclient

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// errAlreadyClosed is returned by writes after a close frame was sent.
var errAlreadyClosed = errors.New("wsclient: write after close")

// WriteText sends p as one text message: a single masked, final frame, written to the
// socket with one Write call. p is not modified. WriteText must not be called by two
// goroutines at once (it may run alongside ReadMessage).
func (c *Conn) WriteText(p []byte) error {
	return c.writeFrame(opText, p)
}

// writeFrame builds the frame in c.wbuf under the write lock and writes it.
func (c *Conn) writeFrame(op byte, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wclosed {
		return errAlreadyClosed
	}
	if op == opClose {
		c.wclosed = true
	}
	return c.writeLocked(op, p)
}

func (c *Conn) writeLocked(op byte, p []byte) error {
	n := len(p)
	buf := append(c.wbuf[:0], 0x80|op)
	switch {
	case n <= 125:
		buf = append(buf, 0x80|byte(n))
	case n <= 0xFFFF:
		buf = append(buf, 0x80|126, byte(n>>8), byte(n))
	default:
		buf = append(buf, 0x80|127)
		buf = binary.BigEndian.AppendUint64(buf, uint64(n))
	}
	key := uint32(c.rng.Uint64())
	buf = binary.LittleEndian.AppendUint32(buf, key)
	start := len(buf)
	buf = append(buf, p...)
	maskBytes(key, buf[start:])
	c.wbuf = buf
	if _, err := c.nc.Write(buf); err != nil {
		return fmt.Errorf("wsclient: write: %w", err)
	}
	return nil
}

// writeClose sends a close frame with code and reason (reason is cut to fit 125 bytes).
func (c *Conn) writeClose(code int, reason string) error {
	var p [125]byte
	binary.BigEndian.PutUint16(p[:2], uint16(code))
	n := 2 + copy(p[2:], reason)
	return c.writeFrame(opClose, p[:n])
}

// maskBytes XORs b with the masking key whose wire bytes are key in little-endian
// order, b[0] being the first payload byte.
func maskBytes(key uint32, b []byte) {
	k8 := uint64(key)<<32 | uint64(key)
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k8)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= byte(key >> (8 * (i & 3)))
	}
}
