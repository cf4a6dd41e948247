package rate

import (
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	start := time.Unix(1000, 0)
	tests := []struct {
		name  string
		rate  float64
		burst int
		after time.Duration // between the burst and the next Take
		want  bool          // the next Take after the burst
	}{
		{"empty right after its burst", 10, 3, 0, false},
		{"refilled one token", 10, 3, 100 * time.Millisecond, true},
		{"not yet refilled", 10, 3, 90 * time.Millisecond, false},
		{"a slow rate", 0.5, 2, time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Bucket
			for i := range tt.burst {
				if !b.Take(start, tt.rate, tt.burst) {
					t.Fatalf("take %d of a full bucket refused", i)
				}
			}
			if got := b.Take(start.Add(tt.after), tt.rate, tt.burst); got != tt.want {
				t.Fatalf("Take after %v = %v, want %v", tt.after, got, tt.want)
			}
		})
	}
	// Refilling never exceeds the burst.
	var b Bucket
	b.Take(start, 10, 2)
	n := 0
	for b.Take(start.Add(time.Hour), 10, 2) {
		n++
	}
	if n != 2 {
		t.Errorf("after an hour, %d tokens, want the burst of 2", n)
	}
}

func TestGate(t *testing.T) {
	g := Gate{Burst: 3, Rate: 0.001}
	for i := range 3 {
		if ok, skipped := g.Allow(); !ok || skipped != 0 {
			t.Fatalf("event %d of the burst: %v, %d skipped", i, ok, skipped)
		}
	}
	for range 5 {
		if ok, _ := g.Allow(); ok {
			t.Fatal("an event past the burst passed")
		}
	}
	g.mu.Lock()
	g.b.tokens = 1 // as if a token had been earned
	g.mu.Unlock()
	if ok, skipped := g.Allow(); !ok || skipped != 5 {
		t.Fatalf("next event: %v with %d skipped, want true with 5", ok, skipped)
	}
}
