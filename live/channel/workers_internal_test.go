package channel

import (
	"runtime/metrics"
	"sync"
	"testing"
)

func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// A burst of tasks all run, on far fewer goroutines than tasks, and the workers end when
// the pool closes.
func TestWorkersBurst(t *testing.T) {
	var w workers
	const n = 5000
	var wg sync.WaitGroup
	wg.Add(n)
	var mu sync.Mutex
	ran := 0
	before := goroutinesCreated()
	for range n {
		w.run(func() {
			mu.Lock()
			ran++
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	created := goroutinesCreated() - before
	if ran != n {
		t.Fatalf("%d of %d tasks ran", ran, n)
	}
	if created > n/10 {
		t.Errorf("%d goroutines created for %d tasks", created, n)
	}
	w.mu.Lock()
	queued, starting := len(w.queue)-w.head, w.starting
	w.mu.Unlock()
	if queued != 0 || starting != 0 {
		t.Errorf("after the burst: %d queued, %d starting", queued, starting)
	}
	w.setOpen(false) // goleak checks that the parked workers exit
}

// Tasks that block forever never hold up the tasks queued behind them.
func TestWorkersBlockedTasksDelayNoOther(t *testing.T) {
	var w workers
	release := make(chan struct{})
	var blocked sync.WaitGroup
	// More blocked tasks than workers may be on their way at once.
	nBlocked := 3 * maxStarting
	blocked.Add(nBlocked)
	for range nBlocked {
		w.run(func() {
			blocked.Done()
			<-release
		})
	}
	var others sync.WaitGroup
	const n = 1000
	others.Add(n)
	for range n {
		w.run(others.Done)
	}
	others.Wait() // a stall would hang here, and the test time out
	blocked.Wait()
	close(release)
	w.setOpen(false)
}
