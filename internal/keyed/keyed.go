// Package keyed counts holders per key under a ceiling: the sockets of one client address,
// the views of one page's session. It is safe for concurrent use.
package keyed

import "sync"

// Counter counts, per key, what is held now. The zero value is ready to use.
type Counter[K comparable] struct {
	mu sync.Mutex
	n  map[K]int
}

// Acquire counts one more for key unless max are held; a negative max means no limit.
func (c *Counter[K]) Acquire(key K, max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if max >= 0 && c.n[key] >= max {
		return false
	}
	if c.n == nil {
		c.n = make(map[K]int)
	}
	c.n[key]++
	return true
}

// Release gives back one that Acquire counted for key; a key with none held is forgotten.
func (c *Counter[K]) Release(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] <= 1 {
		delete(c.n, key)
		return
	}
	c.n[key]--
}

// Held returns how many are held for key.
func (c *Counter[K]) Held(key K) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}
