package channel

// The heartbeat check: one goroutine per Server, running while it has sockets, closes
// those that sent no frame within Options.HeartbeatTimeout, and those that have had no
// joined channel for Options.JoinTimeout. A timer per socket, reset on
// every frame, would cost each socket a timer's memory and each frame a timer update.

import (
	"time"

	"github.com/coder/websocket"
)

// sweepInterval is how often the heartbeat check runs for timeout: a silent socket is
// closed between timeout and timeout plus this.
func sweepInterval(timeout time.Duration) time.Duration {
	return min(max(timeout/8, time.Millisecond), time.Second)
}

// startSweep starts the heartbeat check; s.mu is held and the first socket is registering.
func (s *Server) startSweep() {
	stop := make(chan struct{})
	s.sweepStop = stop
	go s.sweep(stop)
}

// stopSweep ends the heartbeat check; s.mu is held and the last socket has gone.
func (s *Server) stopSweep() {
	close(s.sweepStop)
	s.sweepStop = nil
}

// sweep closes, every sweepInterval until stop closes, the sockets that have been silent
// for longer than the heartbeat timeout.
func (s *Server) sweep(stop <-chan struct{}) {
	timeout := s.opts.HeartbeatTimeout
	t := time.NewTicker(sweepInterval(timeout))
	defer t.Stop()
	var silent, lonely, quiet []*socket
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			deadline := now.Add(-timeout).UnixNano()
			lonelyDeadline := int64(0) // JoinTimeout off
			if s.opts.Limits.JoinTimeout > 0 {
				lonelyDeadline = now.Add(-s.opts.Limits.JoinTimeout).UnixNano()
			}
			quietSince := now.Add(-s.parkAfter).UnixNano()
			s.mu.Lock()
			for sock := range s.sockets {
				last := sock.lastFrame.Load()
				if last < quietSince && sock.poll != nil && !sock.parked.Load() && !sock.unparkable.Load() {
					quiet = append(quiet, sock)
				}
				if last < deadline {
					silent = append(silent, sock)
				} else if since := sock.lonelySince.Load(); since != 0 && since < lonelyDeadline &&
					sock.lonelySince.CompareAndSwap(since, 0) { // counted and closed once
					lonely = append(lonely, sock)
				}
			}
			s.mu.Unlock()
			for i, sock := range silent {
				sock.close(websocket.StatusGoingAway, "heartbeat timeout")
				silent[i] = nil
			}
			silent = silent[:0]
			for i, sock := range lonely {
				s.metrics.JoinTimeouts.Add(1)
				sock.refuse(websocket.StatusPolicyViolation, "no channel joined")
				lonely[i] = nil
			}
			lonely = lonely[:0]
			for i, sock := range quiet {
				sock.kick()
				quiet[i] = nil
			}
			quiet = quiet[:0]
		}
	}
}
