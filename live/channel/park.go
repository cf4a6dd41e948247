package channel

import "time"

// Parking: a socket whose client is quiet holds no goroutine. Its reader waits for frames
// on its goroutine while they come; once the client has sent nothing for parkAfter, the
// heartbeat sweep wakes the waiting reader, which hands the socket to the Server's poller
// (park_linux.go) and ends. The next bytes, the connection ending, or a close request
// start a fresh reader. Most sockets are quiet most of the time (a heartbeat every 30 s),
// so this spares each the reader goroutine's stack, which the runtime keeps at its
// largest size; a socket in use keeps its reader, so a click costs what it did. Without
// a poller (other systems, TLS connections, which transform the bytes) the reader always
// waits on its goroutine.

// parkAfter is how long a client must have been quiet before its socket is parked.
const parkAfter = time.Second

// parkIdle turns parking on; tests turn it off to cover the goroutine reader.
var parkIdle = true

// setWaiting records that the reader is (or is no longer) waiting for bytes in
// awaitFrame, where kick may interrupt it. Leaving, it reports whether kick did, after
// taking back the kick's deadline.
func (s *socket) setWaiting(w bool) (kicked bool) {
	if s.poll == nil {
		return false
	}
	s.kickMu.Lock()
	defer s.kickMu.Unlock()
	s.waiting = w
	if w || !s.kicked {
		return false
	}
	s.kicked = false
	_ = s.nc.SetReadDeadline(time.Time{})
	return true
}

// kick asks a reader waiting for bytes to park the socket: a deadline in the past wakes
// it. A reader anywhere else is left alone, since a deadline would fail its read.
func (s *socket) kick() {
	s.kickMu.Lock()
	defer s.kickMu.Unlock()
	if s.waiting && !s.kicked {
		s.kicked = true
		_ = s.nc.SetReadDeadline(time.Unix(1, 0))
	}
}

// park hands the socket to the poller. It reports false when the reader must go on
// instead: a close was requested meanwhile, or the poller failed.
func (s *socket) park() bool {
	s.parked.Store(true)
	s.srv.metrics.SocketsParked.Add(1)
	// A close requested before the store found the reader running and did not wake it.
	if s.closing.Load() {
		return !s.unpark()
	}
	if err := s.poll.arm(s); err != nil {
		if !s.unpark() {
			return true // woken meanwhile: the new reader goes on
		}
		s.logger().Warn("channel: cannot park the socket, reading on its goroutine", "error", err)
		s.unparkable.Store(true)
		return false
	}
	return true
}

// wake starts a reader for a parked socket; it does nothing while one runs. The poller
// calls it when the connection has bytes to read or has ended, and close when a close is
// requested.
func (s *socket) wake() {
	if s.unpark() {
		go s.serve()
	}
}

// unpark takes the socket back from the poller, and reports whether it did: a parked
// socket is taken back once.
func (s *socket) unpark() bool {
	if !s.parked.CompareAndSwap(true, false) {
		return false
	}
	s.srv.metrics.SocketsParked.Add(-1)
	return true
}
