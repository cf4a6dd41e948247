package live

import (
	"sync"
	"time"
)

// timerSet holds a view's timers so that they all stop when the view ends.
type timerSet struct {
	mu      sync.Mutex
	send    func(msg any) bool
	alive   func() bool // whether the view can still receive: a refused send is retried
	timers  map[*viewTimer]struct{}
	stopped bool
}

type viewTimer struct {
	t      *time.Timer
	repeat bool
}

// maxTimers bounds the live timers of one view, so a view scheduling in a loop cannot
// exhaust memory; scheduling beyond it is a no-op.
const maxTimers = 1024

// retryFull is how soon a one-shot timer whose message found the mailbox full tries again.
const retryFull = 10 * time.Millisecond

func newTimerSet(send func(any) bool, alive func() bool) *timerSet {
	return &timerSet{send: send, alive: alive, timers: make(map[*viewTimer]struct{})}
}

// after schedules msg after d (every d when repeat) and returns its cancel function. A
// repeating timer's tick that finds the mailbox full is dropped (the next one comes); a
// one-shot message is retried every retryFull until the mailbox takes it or the view ends,
// so that SendAfter is never lost to a burst of other messages.
func (ts *timerSet) after(d time.Duration, msg any, repeat bool) func() {
	if d <= 0 {
		d = time.Millisecond
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.stopped || len(ts.timers) >= maxTimers {
		return func() {}
	}
	vt := &viewTimer{repeat: repeat}
	ts.timers[vt] = struct{}{}
	vt.t = time.AfterFunc(d, func() {
		sent := ts.send(msg)
		ts.mu.Lock()
		defer ts.mu.Unlock()
		if _, ok := ts.timers[vt]; !ok {
			return
		}
		if vt.repeat && !ts.stopped {
			vt.t.Reset(d)
			return
		}
		if !sent && !ts.stopped && ts.alive() {
			vt.t.Reset(retryFull)
			return
		}
		delete(ts.timers, vt)
	})
	return func() {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		if _, ok := ts.timers[vt]; ok {
			vt.t.Stop()
			delete(ts.timers, vt)
		}
	}
}

// stop cancels every timer; later schedules are no-ops.
func (ts *timerSet) stop() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.stopped = true
	for vt := range ts.timers {
		vt.t.Stop()
		delete(ts.timers, vt)
	}
}

// len returns the number of pending timers.
func (ts *timerSet) len() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.timers)
}
