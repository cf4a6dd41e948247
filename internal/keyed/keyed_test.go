package keyed

import (
	"sync"
	"testing"
)

func TestCounter(t *testing.T) {
	tests := []struct {
		name string
		max  int
		want int // acquisitions that succeed out of 5
	}{
		{"limit 3", 3, 3},
		{"limit 0", 0, 0},
		{"no limit", -1, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Counter[string]
			got := 0
			for range 5 {
				if c.Acquire("a", tt.max) {
					got++
				}
			}
			if got != tt.want || c.Held("a") != tt.want {
				t.Fatalf("%d acquired, %d held, want %d", got, c.Held("a"), tt.want)
			}
			if c.Held("b") != 0 || (tt.max != 0 && !c.Acquire("b", tt.max)) {
				t.Fatal("another key is affected")
			}
			for range got {
				c.Release("a")
			}
			if c.Held("a") != 0 || len(c.n) > 1 {
				t.Fatalf("after releasing all: %d held, %d keys remembered", c.Held("a"), len(c.n))
			}
		})
	}
}

func TestCounterConcurrent(t *testing.T) {
	var c Counter[int]
	var wg sync.WaitGroup
	var mu sync.Mutex
	acquired := 0
	for range 50 {
		wg.Go(func() {
			if c.Acquire(1, 10) {
				mu.Lock()
				acquired++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if acquired != 10 || c.Held(1) != 10 {
		t.Fatalf("%d acquired, %d held, want 10", acquired, c.Held(1))
	}
}
