package channel

// A cache of goroutines for the short bursts of work a socket has: processing a channel's
// mailbox and writing its outbound queue. An idle socket owns no goroutine for either,
// which keeps its memory low; but starting a goroutine per burst costs a fresh stack that
// then grows (copying it) on every burst. The cache keeps a bounded number of finished
// goroutines parked, their stacks already grown, and hands them the next burst.

import "sync"

// maxIdleWorkers bounds the parked goroutines of a Server. Their stacks (a few KiB each)
// are the cache's whole cost; more workers than this run only while a burst needs them.
const maxIdleWorkers = 256

// workers runs functions on cached goroutines. The number running at once is not
// bounded (a blocked task never delays another); the number parked is.
type workers struct {
	mu     sync.Mutex
	idle   []chan func() // parked workers, most recently parked last
	closed bool          // no worker parks: Server has no socket left
}

// run runs fn on a parked worker, or on a new goroutine if none is parked.
func (w *workers) run(fn func()) {
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		ch := w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		ch <- fn // buffered: never blocks
		return
	}
	w.mu.Unlock()
	go w.work(fn)
}

// work runs fn, then parks to take more work until it is told to exit (nil).
func (w *workers) work(fn func()) {
	var ch chan func()
	for fn != nil {
		fn()
		w.mu.Lock()
		if w.closed || len(w.idle) >= maxIdleWorkers {
			w.mu.Unlock()
			return
		}
		if ch == nil {
			ch = make(chan func(), 1)
		}
		w.idle = append(w.idle, ch)
		w.mu.Unlock()
		fn = <-ch
	}
}

// setOpen lets workers park (open) or, when the server has no socket left, releases every
// parked worker and makes finishing workers exit, so that nothing outlives the sockets.
func (w *workers) setOpen(open bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = !open
	if open {
		return
	}
	for _, ch := range w.idle {
		ch <- nil
	}
	clear(w.idle)
	w.idle = w.idle[:0]
}
