package channel

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/internal/rate"
	"github.com/glint-go/glint/live/pubsub"
)

// closeGrace bounds how long a requested close may wait for a pending write and for the
// close handshake before the connection is cut.
const closeGrace = 5 * time.Second

// refuseGrace is closeGrace for a client closed for what it did (abuse, no join): its
// close frame is sent, but it gets no time to go on sending, since the close handshake
// would read and discard whatever it sends meanwhile.
const refuseGrace = 100 * time.Millisecond

// ErrSocketClosed is the reason given to Terminate when a channel ends because its socket
// closed.
var ErrSocketClosed = errors.New("channel: socket closed")

// socket is one WebSocket connection: a reader goroutine while frames arrive (see
// park.go), a writer goroutine while frames wait to be written, and the joined channels.
type socket struct {
	srv      *Server
	conn     *websocket.Conn
	nc       *sockConn    // the connection under conn
	defl     *deflater    // permessage-deflate, when negotiated; the writer role's
	info     *ConnectInfo // without Params and Cookies (see ConnectInfo)
	rawQuery string       // the socket URL's query, for ConnectInfo's Params
	assigns  Assigns
	// logp is the socket's logger (see logger), made when first used: most sockets
	// never log, and one with an attribute costs a few hundred bytes.
	logp atomic.Pointer[slog.Logger]

	// hard is cancelled to cut the connection without a handshake.
	hard       context.Context
	hardCancel func()

	// outbound queue: bounded, guarded by outMu; a writer goroutine runs only while
	// there is something to write (writing).
	outMu      sync.Mutex
	out        [][]byte
	writing    bool
	outClosed  bool
	writerDone chan struct{} // closed by the writer that performed the close handshake

	closeOnce   sync.Once
	graceTimer  *time.Timer // set once by close, before closing is set
	closeCode   websocket.StatusCode
	closeReason string

	// gate is held by the reader while it waits for a frame outside the WebSocket
	// library (see awaitFrame), and taken by the writer before the close handshake reads.
	gate sync.Mutex

	// poll parks the socket while its client is quiet (see park.go), or is nil; pollID
	// is its id there, parked is set while no reader runs, and unparkable once parking
	// failed.
	poll       *poller
	pollID     uint64
	parked     atomic.Bool
	unparkable atomic.Bool
	// kickMu guards waiting (the reader waits for bytes in awaitFrame) and kicked (kick
	// set a deadline to wake it there).
	kickMu          sync.Mutex
	waiting, kicked bool
	// closing is set once a close has been requested (see closeWithin).
	closing atomic.Bool

	lastFrame atomic.Int64 // unix nanoseconds of the last frame read (see sweep)
	// release gives back the socket's admission (limits.go) once it has gone.
	release func()
	addr    netip.Prefix // the client's address key, for MaxChannelsPerAddress
	// lonelySince is the unix nanoseconds since which the socket has had no channel, or 0
	// while it has one (see sweep and Options.JoinTimeout).
	lonelySince atomic.Int64
	// Options.JoinsPerSecond, and the refusals past it; the reader goroutine only.
	joins, joinExcess rate.Bucket
	// Options.EventsPerSecond over all the socket's channels, and the refusals past it.
	events, eventExcess rate.Bucket
	// Options.ChunksPerSecond, over binary pushes and Limits.ChunkEvents.
	chunks, chunkExcess rate.Bucket
	abused              bool // closed for abuse (the reader goroutine only)
	// lastTopic is the topic of the last frame read (the reader goroutine only): the next
	// frame for the same topic reuses the string (see decodeFrameAfter).
	lastTopic string
	// nextLen is the length the next frame's header declares (its first fragment's), or 0
	// when unknown: readMessage sizes the buffer for it (the reader goroutine only).
	nextLen int64
	// binQueued is the bytes of binary pushes dispatched to channels and not yet handled
	// (Options.MaxBinaryBytes).
	binQueued atomic.Int64

	mu       sync.Mutex
	channels map[string]*Channel
	// chanGen counts the changes to channels (made under mu): a channel the reader found
	// there is still the topic's while chanGen has not moved (see channelFor).
	chanGen atomic.Uint64
	// The reader's last lookup (the reader goroutine only): the channel found for
	// lastChanTopic when chanGen was lastChanGen. The reader's joins and leaves clear it,
	// and so does a second without frames, so that a channel that ended by itself is not
	// held for long.
	lastChan      *Channel
	lastChanTopic string
	lastChanGen   uint64
	detached      map[*Channel]struct{} // out of channels but not finished (see detach)
	chanWG        sync.WaitGroup
	ended         bool
}

func newSocket(s *Server, conn *websocket.Conn, nc *sockConn, info *ConnectInfo, assigns Assigns) *socket {
	hard, cancel := context.WithCancel(context.Background())
	sock := &socket{
		srv:        s,
		conn:       conn,
		nc:         nc,
		info:       info,
		assigns:    assigns,
		hard:       hard,
		writerDone: make(chan struct{}),
		channels:   make(map[string]*Channel),
	}
	sock.lastFrame.Store(time.Now().UnixNano())
	sock.lonelySince.Store(time.Now().UnixNano())
	// Reads and writes use a context without Done, which spares coder/websocket a timer
	// registration per frame; hardCancel cuts the connection instead: closing the raw
	// connection fails any pending read or write at once, even mid-handshake.
	sock.hardCancel = func() {
		cancel()
		_ = nc.Close()
	}
	return sock
}

// logger returns the Server's logger, with the socket's id when it has one.
func (s *socket) logger() *slog.Logger {
	if l := s.logp.Load(); l != nil {
		return l
	}
	l := s.srv.log
	if s.info.SocketID != "" {
		l = l.With("socket_id", s.info.SocketID)
	}
	s.logp.Store(l) // two first uses at once make it twice, harmlessly
	return l
}

// serve reads and dispatches the client's frames on a reader goroutine until the socket
// parks (see park.go) or closes.
func (s *socket) serve() {
	for {
		switch s.awaitFrame() {
		case frameReady:
			if s.readFrame() {
				continue
			}
		case frameQuiet:
			s.lastChan = nil // a quiet socket does not hold a channel that may have ended
			if s.park() {
				return
			}
			continue
		}
		s.end()
		return
	}
}

// end waits for the writer's close handshake and stops the socket's channels.
func (s *socket) end() {
	if s.poll != nil {
		s.poll.remove(s) // before the connection closes
	}
	defer s.srv.unregister(s)
	if s.release != nil {
		defer s.release()
	}
	if s.info.SocketID != "" {
		defer s.srv.ps.Unsubscribe(DisconnectTopic(s.info.SocketID), s)
	}
	<-s.writerDone
	s.defl.release() // no frame is written after the close handshake
	s.graceTimer.Stop()
	s.hardCancel()
	s.conn.CloseNow()

	s.mu.Lock()
	s.ended = true
	chans := make([]*Channel, 0, len(s.channels)+len(s.detached))
	for _, c := range s.channels {
		chans = append(chans, c)
	}
	for c := range s.detached {
		chans = append(chans, c)
	}
	clear(s.channels)
	s.chanGen.Add(1)
	s.mu.Unlock()
	for _, c := range chans {
		c.requestStop(endSocket, ErrSocketClosed)
	}
	s.chanWG.Wait()
	s.outMu.Lock()
	s.srv.metrics.OutboundQueued.Add(-int64(len(s.out)))
	s.out = nil
	s.outClosed = true
	s.outMu.Unlock()
}

// close asks the writer to close the connection with code (the first request wins). A
// writer blocked on a client that does not read, or a handshake the client never answers,
// is cut after closeGrace.
func (s *socket) close(code websocket.StatusCode, reason string) {
	s.closeWithin(closeGrace, code, reason)
}

// refuse is close with refuseGrace.
func (s *socket) refuse(code websocket.StatusCode, reason string) {
	s.closeWithin(refuseGrace, code, reason)
}

func (s *socket) closeWithin(grace time.Duration, code websocket.StatusCode, reason string) {
	s.closeOnce.Do(func() {
		s.closeCode, s.closeReason = code, reason
		s.graceTimer = time.AfterFunc(grace, s.hardCancel)
		s.closing.Store(true)
		s.kickWriter()
		s.wake() // a parked reader drains the connection for the handshake
	})
}

// closeAfter closes the socket with code after d.
func (s *socket) closeAfter(d time.Duration, code websocket.StatusCode, reason string) {
	t := time.AfterFunc(d, func() { s.close(code, reason) })
	context.AfterFunc(s.hard, func() { t.Stop() })
}

// closeNow cuts the connection without a handshake.
func (s *socket) closeNow() {
	s.close(websocket.StatusServiceRestart, "server shutting down")
	s.hardCancel()
}

// ID implements pubsub.Subscriber for the disconnect topic.
func (s *socket) ID() string { return "" }

// Deliver implements pubsub.Subscriber: a "disconnect" event closes the socket with 1001.
func (s *socket) Deliver(msg *pubsub.Message) {
	if msg.Event == "disconnect" {
		s.close(websocket.StatusGoingAway, "disconnected")
	}
}

// enqueue sends a frame. With no writer running, the caller writes it at once, without
// waiting (see writeNow); otherwise it joins the bounded outbound queue of the running
// writer. On overflow the socket is closed with 1013 and the frame is dropped.
func (s *socket) enqueue(b []byte) bool {
	ok, _ := s.send(b)
	return ok
}

// send is enqueue, and also reports whether the socket kept b (in the outbound queue):
// when it did not, b was written (or dropped) and its buffer is the caller's again.
func (s *socket) send(b []byte) (ok, kept bool) {
	s.outMu.Lock()
	if s.outClosed {
		s.outMu.Unlock()
		return false, false
	}
	if !s.writing {
		s.writing = true
		s.outMu.Unlock()
		s.writeNow(b)
		return true, false
	}
	if len(s.out) >= s.srv.opts.OutboundQueue {
		s.outMu.Unlock()
		if s.closing.Load() {
			return false, false
		}
		s.srv.metrics.OutboundOverflows.Add(1)
		s.logger().Warn("channel: outbound queue full, closing slow socket", "limit", s.srv.opts.OutboundQueue)
		s.close(websocket.StatusTryAgainLater, "outbound queue overflow")
		return false, false
	}
	s.out = append(s.out, b)
	s.outMu.Unlock()
	s.srv.metrics.OutboundQueued.Add(1)
	return true, true
}

// sendPooled sends a frame built in a buffer from outFrames, which it takes back unless
// the socket kept the frame: a frame written at once (the usual case) costs no
// allocation.
func (s *socket) sendPooled(bp *[]byte, b []byte) bool {
	ok, kept := s.send(b)
	if !kept {
		recycleFrame(bp, b)
	}
	return ok
}

// writeNow writes b on the calling goroutine, holding the writer role, without waiting
// for a slow client: what the kernel does not take at once, frames queued meanwhile and a
// close requested meanwhile are handed to a writer goroutine. This spares most frames a
// hand-off between goroutines, and no caller (a channel, the reader, a broadcast's
// fan-out) ever waits on the network.
func (s *socket) writeNow(b []byte) {
	n, done, err := s.nc.writeFrameNow(b, s.defl)
	s.countOut(n)
	if err != nil {
		s.writeFailed()
	}
	s.outMu.Lock()
	handOff := !done || len(s.out) > 0 || s.closing.Load()
	if !handOff {
		s.writing = false
	}
	s.outMu.Unlock()
	if handOff {
		s.srv.workers.run(s.writeLoop)
	}
}

// writeFrame adds one text frame to the current batch. The socket frames its text
// messages itself rather than through coder/websocket's Write: a frame is a few header
// bytes, and skipping the library's locks and buffer copies took the 10,000-socket
// fan-out benchmark from about 105 to 78 ms (the library still answers pings and closes,
// and reads what takeFrame leaves to it).
func (s *socket) writeFrame(b []byte) {
	s.countOut(s.nc.appendFrame(b, s.defl))
}

// countOut counts a frame written with n bytes of payload.
func (s *socket) countOut(n int) {
	s.srv.metrics.FramesOut.Add(1)
	s.srv.metrics.BytesOut.Add(int64(n))
}

// writeFailed cuts the connection after a failed write.
func (s *socket) writeFailed() {
	s.close(websocket.StatusInternalError, "write failed")
	s.hardCancel()
}

// stopReader makes sure the reader is out of awaitFrame and stays out, so that the close
// handshake may read: a deadline in the past wakes a reader waiting there.
func (s *socket) stopReader() {
	_ = s.nc.SetReadDeadline(time.Unix(1, 0))
	s.gate.Lock()
	_ = s.nc.SetReadDeadline(time.Time{})
	s.gate.Unlock()
}

// kickWriter makes sure a writer goroutine runs (to perform a requested close).
func (s *socket) kickWriter() {
	s.outMu.Lock()
	start := !s.writing
	s.writing = true
	s.outMu.Unlock()
	if start {
		s.srv.workers.run(s.writeLoop)
	}
}

// writeLoop writes queued frames and exits when the queue is empty, so that an idle socket
// has no writer goroutine. At most one runs at a time (guarded by s.writing). Once a close
// has been requested, the writer performs the close handshake, closes writerDone and
// leaves s.writing set so that no writer starts again.
func (s *socket) writeLoop() {
	var batch [][]byte
	for {
		if s.closing.Load() {
			s.stopReader()
			s.conn.Close(s.closeCode, s.closeReason)
			close(s.writerDone)
			return
		}
		if err := s.nc.flush(); err != nil { // what writeNow left
			s.writeFailed()
			continue
		}
		s.outMu.Lock()
		batch, s.out = s.out, batch[:0]
		if len(batch) == 0 {
			// Checked under outMu: a close requested after the check at the top of the loop
			// either is seen here or finds s.writing false and starts a new writer.
			if s.closing.Load() {
				s.outMu.Unlock()
				continue
			}
			s.writing = false
			s.out = nil
			s.outMu.Unlock()
			return
		}
		s.outMu.Unlock()
		s.srv.metrics.OutboundQueued.Add(-int64(len(batch)))
		s.nc.beginBatch()
		for i, b := range batch {
			batch[i] = nil
			if s.closing.Load() {
				continue // the close is handled at the top of the loop
			}
			s.writeFrame(b)
		}
		if err := s.nc.endBatch(); err != nil {
			s.writeFailed()
		}
		if cap(batch) > 64 {
			batch = nil // do not keep a burst's backing array
		}
	}
}

// frameWait is what awaitFrame found.
type frameWait uint8

const (
	frameReady frameWait = iota // the next frame's bytes have arrived
	frameQuiet                  // none, and the sweep asked the reader to park (see park.go)
	frameStop                   // the reader must stop: the socket is closing
)

// awaitFrame waits until the next frame's bytes have arrived (see conn.go). Once a close
// has been requested it reports frameStop, after reading on until the connection ends so
// that the close handshake completes (frames are ignored).
func (s *socket) awaitFrame() frameWait {
	s.gate.Lock()
	if s.closing.Load() {
		s.gate.Unlock()
		s.drainReads()
		return frameStop
	}
	if !s.nc.hasBytes() { // a frame already buffered needs no wait, nor the sweep's kick
		s.setWaiting(true)
		s.nc.waitReadable()
		if s.setWaiting(false) && !s.nc.hasBytes() {
			s.gate.Unlock()
			return frameQuiet
		}
	}
	n, ok := s.nc.declaredLength()
	s.gate.Unlock()
	s.nextLen = 0
	if ok {
		s.nextLen = n
	}
	if ok && n > s.srv.opts.MaxFrameBytes {
		// Refused on its header: waiting for a payload that never comes would hold the
		// socket until the heartbeat timeout.
		s.logger().Warn("channel: frame header declares more than the size limit, closing", "declared", n, "limit", s.srv.opts.MaxFrameBytes)
		// The normal grace: a client already writing the frame can finish and read the
		// close frame; one that never sends the payload is cut when the grace ends.
		s.close(websocket.StatusMessageTooBig, "frame too big")
		return frameStop
	}
	return frameReady
}

// readFrame reads and dispatches one client frame. It reports false when the socket must
// stop reading.
func (s *socket) readFrame() bool {
	buf := frameBufs.Get().(*bytes.Buffer)
	owned := false // a binary push took buf with it
	defer func() {
		if !owned {
			putFrameBuf(buf)
		}
	}()
	buf.Reset()
	typ, err := s.readMessage(buf)
	b := buf.Bytes()
	if err != nil {
		if s.closing.Load() {
			// The writer interrupted the read to close: read on until the handshake ends.
			s.drainReads()
			return false
		}
		if errors.Is(err, websocket.ErrMessageTooBig) {
			s.logger().Warn("channel: frame over the size limit, closing", "limit", s.srv.opts.MaxFrameBytes)
			s.close(websocket.StatusMessageTooBig, "frame too big")
		} else {
			s.close(websocket.StatusNormalClosure, "")
		}
		return false
	}
	s.lastFrame.Store(time.Now().UnixNano())
	s.srv.metrics.FramesIn.Add(1)
	s.srv.metrics.BytesIn.Add(int64(len(b)))
	if typ != websocket.MessageText {
		f, err := decodeBinaryPush(b)
		if err != nil {
			s.logger().Warn("channel: undecodable binary frame, closing", "error", err)
			s.close(websocket.StatusInternalError, "undecodable frame")
			return false
		}
		f.buf, owned = buf, true
		s.dispatchBinary(f)
		return true
	}
	f, err := decodeFrameAfter(b, s.lastTopic)
	if err != nil {
		s.logger().Warn("channel: undecodable frame, closing", "error", err)
		s.close(websocket.StatusInternalError, "undecodable frame")
		return false
	}
	s.lastTopic = f.topic
	s.dispatch(f)
	return true
}

// frameBufs holds the buffers client frames are read into: decodeFrame copies what it
// keeps, so a buffer serves the next frame at once.
var frameBufs = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 1024)) }}

func putFrameBuf(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		frameBufs.Put(b)
	}
}

// readMessage reads the next message into buf.
func (s *socket) readMessage(buf *bytes.Buffer) (websocket.MessageType, error) {
	if binary, ok := s.nc.takeFrame(buf, s.srv.opts.MaxFrameBytes); ok {
		if binary {
			return websocket.MessageBinary, nil
		}
		return websocket.MessageText, nil
	}
	typ, r, err := s.conn.Reader(context.Background())
	if err != nil {
		return 0, err
	}
	if n := s.nextLen; n > 0 && n <= s.srv.opts.MaxFrameBytes {
		// Room for the whole frame and ReadFrom's last probe: growing by doubling would
		// leave an upload chunk's buffer too big to pool.
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(r)
	return typ, err
}

func (s *socket) drainReads() {
	for {
		if _, _, err := s.conn.Read(context.Background()); err != nil {
			return
		}
	}
}
