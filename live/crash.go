package live

import (
	"sync"
	"time"
)

// crashBackoff remembers recent crashes per view id so that a view crashing in a loop is
// rejoined ever more slowly instead of hot-spinning: the join of a view that crashed n
// times within the window waits base·2^(n-1), capped at max (below the client's 10 s
// join timeout).
type crashBackoff struct {
	mu     sync.Mutex
	base   time.Duration
	max    time.Duration
	window time.Duration
	byID   map[string]crashRecord
}

type crashRecord struct {
	count int
	last  time.Time
}

// maxCrashRecords bounds the crash table; the oldest records are dropped beyond it.
const maxCrashRecords = 10000

func newCrashBackoff() *crashBackoff {
	return &crashBackoff{base: 100 * time.Millisecond, max: 5 * time.Second, window: time.Minute, byID: make(map[string]crashRecord)}
}

// record notes a crash of view id.
func (c *crashBackoff) record(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	r := c.byID[id]
	if now.Sub(r.last) > c.window {
		r.count = 0
	}
	r.count++
	r.last = now
	if len(c.byID) >= maxCrashRecords {
		c.evict(now)
	}
	c.byID[id] = r
}

// evict drops expired records, or, if none expired, an arbitrary half of them.
func (c *crashBackoff) evict(now time.Time) {
	for id, r := range c.byID {
		if now.Sub(r.last) > c.window {
			delete(c.byID, id)
		}
	}
	for id := range c.byID {
		if len(c.byID) < maxCrashRecords/2 {
			break
		}
		delete(c.byID, id)
	}
}

// delay returns how long a join of view id must wait.
func (c *crashBackoff) delay(id string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.byID[id]
	if !ok || r.count == 0 || time.Since(r.last) > c.window {
		return 0
	}
	d := c.base
	for i := 1; i < r.count && d < c.max; i++ {
		d *= 2
	}
	return min(d, c.max)
}
