package channel

// A cache of goroutines for the short bursts of work a socket has: processing a channel's
// mailbox and writing its outbound queue. An idle socket owns no goroutine for either,
// which keeps its memory low; but starting a goroutine per burst costs a fresh stack that
// then grows (copying it) on every burst. The cache keeps a bounded number of finished
// goroutines parked, their stacks already grown, and hands them the next burst.

import (
	"runtime"
	"sync"
)

// maxIdleWorkers bounds the parked goroutines of a Server. Their stacks (a few KiB each)
// are the cache's whole cost; more workers than this run only while a burst needs them.
const maxIdleWorkers = 256

// workers runs functions on cached goroutines. The number running at once is not
// bounded (a blocked task never delays another); the number parked is.
//
// A burst (a broadcast reaching ten thousand channels) hands out tasks much faster than
// two cores run them. Rather than a new goroutine each, whose stack grows again on every
// burst, a task then waits in a queue while enough workers are already on their way (handed
// a task, not yet started on it), and every worker takes queued tasks before it parks. A
// queued task never waits on a task that blocks: each worker that starts hands the queue's
// first task to a new worker, so that while the queue holds tasks, workers keep coming
// that have not started anything yet.
type workers struct {
	mu     sync.Mutex
	idle   []chan func() // parked workers, most recently parked last
	closed bool          // no worker parks: Server has no socket left
	// starting counts the workers handed a task that have not started it.
	starting int
	// queue holds tasks that wait for a worker (FIFO, from head); only while starting is
	// at least maxStarting.
	queue []func()
	head  int
}

// maxStarting is how many workers may be on their way to a task before further tasks
// queue for them instead.
var maxStarting = max(2, runtime.GOMAXPROCS(0))

// run runs fn on a worker: a parked one, a new goroutine, or, in a burst, the first
// worker to be free.
func (w *workers) run(fn func()) {
	w.mu.Lock()
	if w.starting >= maxStarting {
		w.queue = append(w.queue, fn)
		w.mu.Unlock()
		return
	}
	w.starting++
	w.launchLocked(fn)
}

// launchLocked hands fn to a parked worker, or to a new goroutine if none is parked. The
// caller counted it in starting. It unlocks w.mu.
func (w *workers) launchLocked(fn func()) {
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

// popLocked takes the queue's first task, or returns nil.
func (w *workers) popLocked() func() {
	if w.head == len(w.queue) {
		return nil
	}
	fn := w.queue[w.head]
	w.queue[w.head] = nil
	w.head++
	if w.head == len(w.queue) {
		w.queue, w.head = w.queue[:0], 0
		if cap(w.queue) > 4096 {
			w.queue = nil // a burst's big array is not kept
		}
	}
	return fn
}

// started records that a worker handed a task starts it: while tasks are queued, another
// worker is sent on its way with the first of them.
func (w *workers) started() {
	w.mu.Lock()
	w.starting--
	if next := w.popLocked(); next != nil {
		w.starting++
		w.launchLocked(next)
		return
	}
	w.mu.Unlock()
}

// work runs fn, then queued tasks, then parks to take more work until it is told to exit
// (nil).
func (w *workers) work(fn func()) {
	var ch chan func()
	handed := true // fn was handed to this worker (counted in starting), not taken from the queue
	for fn != nil {
		if handed {
			w.started()
		}
		fn()
		w.mu.Lock()
		if next := w.popLocked(); next != nil {
			w.mu.Unlock()
			fn, handed = next, false
			continue
		}
		if w.closed || len(w.idle) >= maxIdleWorkers {
			w.mu.Unlock()
			return
		}
		if ch == nil {
			ch = make(chan func(), 1)
		}
		w.idle = append(w.idle, ch)
		w.mu.Unlock()
		fn, handed = <-ch, true
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
