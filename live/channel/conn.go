package channel

// The network connection under coder/websocket, shaped for many idle sockets:
//
//   - An idle socket waits for its next frame in waitReadable, outside the WebSocket
//     library's read call, so that the bytes a wake-up finds are read into a pooled
//     buffer and handed to the library through its (tiny) bufio.Reader; the buffer goes
//     back to the pool once consumed, so an idle socket holds no read buffer. (A goroutine
//     waiting there keeps its stack at 4 KiB, since the runtime shrinks a stack only when
//     less than a quarter of it, counting an 800-byte reserve, is in use: so a socket
//     quiet for a second is parked instead, with no goroutine; see park.go.)
//   - Nearly every frame a client sends is a whole text or binary message in one frame,
//     uncompressed and short: such a frame is read straight from those bytes (takeFrame),
//     without the library's per-message lock, context select and reader layers. The
//     library reads everything else (control frames, fragmented, compressed and very long
//     messages), with its own checks and errors.
//   - Frames the socket writes are gathered in a pooled buffer and sent with one write
//     call per batch (see beginBatch), so an idle socket holds no write buffer either and
//     a burst of frames costs one system call. A socket with no writer running writes a
//     frame at once on the caller's goroutine without waiting (writeFrameNow): whatever the
//     kernel does not take is left to a writer goroutine.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"os"
	"sync"
	"syscall"
)

const (
	// libReadBufferSize is the size of the bufio.Reader coder/websocket reads through:
	// bufio's minimum. Real buffering happens in sockConn's pooled buffers.
	libReadBufferSize = 16
	// libWriteBufferSize is the size of the bufio.Writer coder/websocket writes through.
	// The socket writes its text frames itself (see frameOf); the library writes only
	// control frames (pongs, close frames), and this holds a whole one, header included,
	// so that each reaches sockConn in one Write and never splits around a frame the
	// socket writes at the same time.
	libWriteBufferSize = 2 + 125 + 1
	// readChunk is the size of a pooled read buffer: one read system call takes up to
	// this much; a longer frame's rest is read straight into the library's buffer.
	readChunk = 2048
	// maxPooledBuffer bounds the buffers kept for reuse (a big join reply's buffer is
	// dropped).
	maxPooledBuffer = 64 << 10
)

var (
	readBufs  = sync.Pool{New: func() any { b := make([]byte, readChunk); return &b }}
	writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}
)

// sockConn wraps a hijacked connection for a socket (see the file comment).
type sockConn struct {
	net.Conn
	raw  syscall.RawConn // nil unless the connection is a plain TCP or Unix socket
	br   *bufio.Reader   // the library's reader; bytes buffered there need no wait
	wait func(fd uintptr) bool

	// Read side: used by the socket's reader goroutine only.
	stash  *[]byte // pooled buffer holding unread bytes, or an exact-size copy
	pooled bool    // stash came from readBufs
	// libRead is set once the library has read through Read since its buffer was last
	// found empty: until then the buffer is known empty without touching it (see
	// libBuffered), which saves the click path a cache miss per frame.
	libRead bool
	unread  []byte // the unread part of *stash
	readErr error  // what the last readiness read hit (EOF, a closed connection)

	// Write side, guarded by wmu.
	wmu        sync.Mutex
	batch      *[]byte // gathering a batch's frames when non-nil
	pending    *[]byte // what writeFrameNow could not write yet, from pendingOff
	pendingOff int
	tryWriteFn func(fd uintptr) bool
	wbuf       []byte // tryWrite's input and results
	wn         int
	werr       error
}

// newSockConn wraps conn. buffered holds bytes the client sent that were already read
// (frames right after the handshake); they are read first.
func newSockConn(conn net.Conn, buffered []byte) *sockConn {
	c := &sockConn{Conn: conn}
	// Only a plain socket: a wrapper (TLS, a listener's own conn type) may transform the
	// bytes, so it is read and written through its methods.
	var sc syscall.Conn
	switch conn := conn.(type) {
	case *net.TCPConn:
		sc = conn
	case *net.UnixConn:
		sc = conn
	}
	if sc != nil {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			c.wait = c.tryRead
			c.tryWriteFn = c.tryWrite
		}
	}
	if len(buffered) > 0 {
		b := append([]byte(nil), buffered...)
		c.stash, c.unread = &b, b
	}
	c.br = bufio.NewReaderSize(c, libReadBufferSize)
	return c
}

// readWriter returns the buffered reader and writer coder/websocket reads and writes
// through.
func (c *sockConn) readWriter() *bufio.ReadWriter {
	return bufio.NewReadWriter(c.br, bufio.NewWriterSize(c, libWriteBufferSize))
}

// Read implements io.Reader: unread bytes first, then the connection itself.
func (c *sockConn) Read(p []byte) (int, error) {
	c.libRead = true
	if len(c.unread) > 0 {
		n := copy(p, c.unread)
		c.unread = c.unread[n:]
		if len(c.unread) == 0 {
			c.release()
		}
		return n, nil
	}
	if c.readErr != nil {
		return 0, c.readErr
	}
	return c.Conn.Read(p)
}

func (c *sockConn) release() {
	if c.pooled {
		readBufs.Put(c.stash)
	}
	c.stash, c.unread, c.pooled = nil, nil, false
}

// waitReadable returns once the next read will not block: bytes are buffered, or a
// readiness read took some (or hit the end of the connection). A read error is kept for
// Read to return. Without a file descriptor it returns at once.
func (c *sockConn) waitReadable() {
	if c.raw == nil || c.hasBytes() {
		return
	}
	err := c.raw.Read(c.wait)
	if err != nil && c.readErr == nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		c.readErr = err // a deadline only interrupts the wait (see socket.stopReader)
	}
}

// hasBytes reports whether a read would not block: bytes are buffered, or the end of
// the connection was found.
func (c *sockConn) hasBytes() bool {
	return len(c.unread) > 0 || c.readErr != nil || c.libBuffered() > 0
}

// libBuffered returns the number of bytes in the library's buffer.
func (c *sockConn) libBuffered() int {
	if !c.libRead {
		return 0
	}
	n := c.br.Buffered()
	if n == 0 {
		c.libRead = false
	}
	return n
}

// declaredLength reads, without consuming them, the header bytes of the next frame that
// have already arrived, and returns the payload length the header declares (a value that
// does not fit an int64 is returned as math.MaxInt64). ok is false when too little of the
// header has arrived to tell. It never reads from the network, and must run where the
// library is not reading (the reader holding the socket's gate).
func (c *sockConn) declaredLength() (n int64, ok bool) {
	var h [10]byte
	got := 0
	if b := c.libBuffered(); b > 0 {
		p, _ := c.br.Peek(min(b, len(h))) // buffered: no read happens
		got = copy(h[:], p)
	}
	if got+len(c.unread) < len(h) && len(c.unread) > 0 {
		// The handshake's reader may have kept the frame's first byte (net/http reads one
		// byte ahead): take what else has arrived, without waiting.
		c.readMoreNow()
	}
	got += copy(h[got:], c.unread)
	if got < 2 {
		return 0, false
	}
	switch l := h[1] & 0x7f; l {
	case 126:
		if got < 4 {
			return 0, false
		}
		return int64(binary.BigEndian.Uint16(h[2:4])), true
	case 127:
		if got < 10 {
			return 0, false
		}
		v := binary.BigEndian.Uint64(h[2:10])
		if v > math.MaxInt64 {
			return math.MaxInt64, true
		}
		return int64(v), true
	default:
		return int64(l), true
	}
}

// takeFrame reads the next client frame without the library when it is the common
// case: a whole message in one frame (FIN set, RSV bits clear, so not compressed), text
// or binary, masked as RFC 6455 requires, of at most limit bytes, all of it already in the
// unread bytes, with nothing in the library's own buffer. It appends the unmasked payload
// to buf. ok is false, with nothing consumed, for anything else (a control frame, a
// fragment, a compressed or oversized frame, one not wholly arrived): the library reads
// that one, with its checks and errors. The library sees a message boundary either way,
// since a frame taken here is a whole message.
func (c *sockConn) takeFrame(buf *bytes.Buffer, limit int64) (binary, ok bool) {
	u := c.unread
	if len(u) < 6 || c.libBuffered() > 0 {
		return false, false
	}
	switch u[0] {
	case 0x81: // FIN, text
	case 0x82: // FIN, binary
		binary = true
	default:
		return false, false
	}
	if u[1]&0x80 == 0 { // unmasked: the library refuses it
		return false, false
	}
	n, h := int(u[1]&0x7f), 2
	switch n {
	case 126:
		n, h = int(u[2])<<8|int(u[3]), 4
	case 127:
		return false, false // over 64 KiB: rare enough for the library
	}
	if int64(n) > limit || len(u) < h+4+n {
		return false, false
	}
	key := [4]byte(u[h : h+4])
	start := buf.Len()
	buf.Write(u[h+4 : h+4+n])
	unmask(buf.Bytes()[start:], key)
	c.unread = u[h+4+n:]
	if len(c.unread) == 0 {
		c.release()
	}
	return binary, true
}

// unmask XORs p with the client's masking key (RFC 6455 §5.3), eight bytes at a time.
func unmask(p []byte, key [4]byte) {
	k := uint64(binary.LittleEndian.Uint32(key[:]))
	k |= k << 32
	for len(p) >= 8 {
		binary.LittleEndian.PutUint64(p, binary.LittleEndian.Uint64(p)^k)
		p = p[8:]
	}
	for i := range p {
		p[i] ^= key[i&3]
	}
}

// readMoreNow appends to the unread bytes whatever else the connection holds right now,
// without waiting for more.
func (c *sockConn) readMoreNow() {
	if c.raw == nil || c.readErr != nil {
		return
	}
	var more [64]byte
	n := 0
	_ = c.raw.Read(func(fd uintptr) bool {
		for {
			m, err := syscall.Read(int(fd), more[:])
			if err == syscall.EINTR {
				continue
			}
			if err == nil {
				n = m // 0 is the end of the stream: left for the next read to find
			}
			return true // never wait
		}
	})
	if n > 0 {
		b := append(append(make([]byte, 0, len(c.unread)+n), c.unread...), more[:n]...)
		c.release()
		c.stash, c.unread = &b, b
	}
}

// tryRead is the raw read callback: it reads what is available into a pooled buffer and
// reports false (wait for readiness) when nothing is.
func (c *sockConn) tryRead(fd uintptr) bool {
	buf := readBufs.Get().(*[]byte)
	for {
		n, err := syscall.Read(int(fd), *buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			readBufs.Put(buf)
			return false
		case err != nil:
			readBufs.Put(buf)
			c.readErr = err
		case n == 0:
			readBufs.Put(buf)
			c.readErr = io.EOF
		default:
			c.stash, c.unread, c.pooled = buf, (*buf)[:n], true
		}
		return true
	}
}

// Write implements io.Writer: inside a batch the bytes are gathered; otherwise they are
// written, after any bytes a non-blocking flush left pending (the library writes control
// frames this way).
func (c *sockConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.batch != nil {
		*c.batch = append(*c.batch, p...)
		return len(p), nil
	}
	if err := c.flushLocked(); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// appendFrame adds a text frame carrying p to the batch and returns its payload's size on
// the wire (see frameOf).
func (c *sockConn) appendFrame(p []byte, d *deflater) int {
	first, p, scratch := frameOf(p, d)
	c.wmu.Lock()
	*c.batch = append(appendFrameHeader(*c.batch, first, len(p)), p...)
	c.wmu.Unlock()
	recycleWrite(scratch)
	return len(p)
}

// frameOf returns the first header byte and the payload of the server text frame carrying
// p: a FIN text frame with p as it is, or, when d is non-nil and p reaches its threshold,
// with RSV1 set and p deflated by d into scratch, a pooled buffer (nil otherwise) to give
// back with recycleWrite once the payload has been copied. p is deflated before any
// write lock is taken.
func frameOf(p []byte, d *deflater) (first byte, payload []byte, scratch *[]byte) {
	if d == nil {
		return 0x81, p, nil
	}
	scratch = writeBufs.Get().(*[]byte)
	out, ok := d.deflate((*scratch)[:0], p)
	*scratch = out
	if !ok {
		return 0x81, p, scratch
	}
	return 0xC1, out, scratch
}

// appendFrameHeader appends a server frame's header: first (FIN, RSV1 and the opcode) and
// the unmasked payload length n (RFC 6455 §5.2).
func appendFrameHeader(b []byte, first byte, n int) []byte {
	b = append(b, first)
	switch {
	case n <= 125:
		return append(b, byte(n))
	case n <= 0xFFFF:
		b = append(b, 126)
		return binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 127)
		return binary.BigEndian.AppendUint64(b, uint64(n))
	}
}

// beginBatch starts gathering written frames; endBatch sends them with one write. Only
// the socket's writer (the goroutine holding socket.writing) batches.
func (c *sockConn) beginBatch() {
	c.wmu.Lock()
	c.batch = writeBufs.Get().(*[]byte)
	c.wmu.Unlock()
}

// endBatch ends the batch and writes it, after anything pending, blocking until the
// kernel has taken it all.
func (c *sockConn) endBatch() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := c.batch
	c.batch = nil
	err := c.flushLocked()
	if err == nil && len(*b) > 0 {
		_, err = c.Conn.Write(*b)
	}
	recycleWrite(b)
	return err
}

// writeFrameNow writes a text frame carrying p (see frameOf) after anything pending, as
// far as the kernel takes it at once, without waiting, under one acquisition of the write
// lock; the rest is pending until flush. It returns the payload's size on the wire and
// reports whether everything was written.
func (c *sockConn) writeFrameNow(p []byte, d *deflater) (int, bool, error) {
	first, p, scratch := frameOf(p, d)
	c.wmu.Lock()
	b := writeBufs.Get().(*[]byte)
	*b = append(appendFrameHeader(*b, first, len(p)), p...)
	done, err := c.writeNowLocked(b)
	c.wmu.Unlock()
	recycleWrite(scratch)
	return len(p), done, err
}

// writeNowLocked writes b (a buffer from writeBufs, which it takes) after anything
// pending, as far as the kernel takes it at once; the rest is pending until flush. It
// reports whether everything was written. c.wmu is held.
func (c *sockConn) writeNowLocked(b *[]byte) (bool, error) {
	switch {
	case len(*b) == 0:
		recycleWrite(b)
		return c.pending == nil, nil
	case c.pending != nil:
		*c.pending = append(*c.pending, *b...)
		recycleWrite(b)
		return false, nil
	case c.raw == nil:
		// No descriptor to try a write on (TLS): all of it waits for a writer goroutine,
		// which may block.
		c.pending, c.pendingOff = b, 0
		return false, nil
	}
	c.wbuf, c.wn, c.werr = *b, 0, nil
	err := c.raw.Write(c.tryWriteFn)
	n := c.wn
	if err == nil {
		err = c.werr
	}
	c.wbuf, c.werr = nil, nil
	if err != nil || n == len(*b) {
		recycleWrite(b)
		return err == nil, err
	}
	c.pending, c.pendingOff = b, n
	return false, nil
}

// tryWrite is the raw write callback: one write attempt, whatever the kernel takes.
func (c *sockConn) tryWrite(fd uintptr) bool {
	for {
		n, err := syscall.Write(int(fd), c.wbuf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return true // nothing taken
		case err != nil:
			c.werr = err
		default:
			c.wn = n
		}
		return true
	}
}

// flush writes what a non-blocking flush left pending, waiting until the kernel took it.
func (c *sockConn) flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.flushLocked()
}

func (c *sockConn) flushLocked() error {
	if c.pending == nil {
		return nil
	}
	b := c.pending
	c.pending = nil
	_, err := c.Conn.Write((*b)[c.pendingOff:])
	recycleWrite(b)
	return err
}

// recycleWrite gives b back to writeBufs (nil is ignored).
func recycleWrite(b *[]byte) {
	if b != nil && cap(*b) <= maxPooledBuffer {
		*b = (*b)[:0]
		writeBufs.Put(b)
	}
}
