// Package rate holds the token buckets Glint's limits share: the socket layer's budgets of
// joins and events per socket, and the throttles on log lines that clients cause.
package rate

import (
	"sync"
	"time"
)

// Bucket is a token bucket for one goroutine. It is 16 bytes, so that every socket can
// have a few. The zero value is a full bucket.
type Bucket struct {
	tokens float64
	last   int64 // unix nanoseconds of the last Take; 0: never
}

// Take takes one token if there is one, after refilling at rate per second up to burst.
func (b *Bucket) Take(now time.Time, rate float64, burst int) bool {
	t := now.UnixNano()
	if b.last == 0 {
		b.tokens = float64(burst)
	} else {
		b.tokens = min(float64(burst), b.tokens+float64(t-b.last)/1e9*rate)
	}
	b.last = t
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Gate lets through bursts of Burst events, then Rate a second, and counts what it held
// back. It is safe for concurrent use; the zero value lets nothing through until Burst
// and Rate are set.
type Gate struct {
	Burst int
	Rate  float64

	mu      sync.Mutex
	b       Bucket
	skipped int
}

// Allow reports whether one more event may pass now; when it may, skipped is how many
// were held back since the last one that passed.
func (g *Gate) Allow() (ok bool, skipped int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.b.Take(time.Now(), g.Rate, g.Burst) {
		g.skipped++
		return false, 0
	}
	skipped, g.skipped = g.skipped, 0
	return true, skipped
}
