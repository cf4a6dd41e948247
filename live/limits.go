package live

import (
	"sync"
	"time"
)

// DefaultMaxViewsPerSession is Options.MaxViewsPerSession's default.
const DefaultMaxViewsPerSession = 16

// viewCounter counts the views joined at once per key.
type viewCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// acquire counts one more view for key unless max are joined; max < 0 means no limit.
func (c *viewCounter) acquire(key string, max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if max >= 0 && c.n[key] >= max {
		return false
	}
	if c.n == nil {
		c.n = make(map[string]int)
	}
	c.n[key]++
	return true
}

func (c *viewCounter) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] <= 1 {
		delete(c.n, key)
		return
	}
	c.n[key]--
}

// limitLog logs a refusal by a limit at most once a second, so that a client hitting a
// limit in a loop cannot flood the log.
func (s *Server) limitLog(msg string, args ...any) {
	now := time.Now().UnixNano()
	if last := s.limitLogged.Load(); now-last >= int64(time.Second) && s.limitLogged.CompareAndSwap(last, now) {
		s.log.Warn(msg+" (further refusals are not logged for a second)", args...)
	}
}
