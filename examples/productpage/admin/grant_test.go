package admin

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestGrants(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	clock := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	newGrants := func(password string) *Grants {
		g := NewGrants(secret, password, time.Minute)
		g.now = func() time.Time { return clock }
		return g
	}
	g := newGrants("pw")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name    string
		grant   func() string
		advance time.Duration // clock moves before Redeem
		ok      bool
		why     string
	}{
		{"fresh", g.Issue, 0, true, ""},
		{"at the end of its lifetime", g.Issue, time.Minute, true, ""},
		{"expired", g.Issue, time.Minute + time.Second, false, "expired"},
		{"issued under another password", newGrants("other").Issue, 0, false, "bad signature"},
		{"issued with another secret", func() string {
			o := NewGrants([]byte(strings.Repeat("x", 32)), "pw", time.Minute)
			o.now = g.now
			return o.Issue()
		}, 0, false, "bad signature"},
		{"tampered time", func() string { return flip(g.Issue(), 3) }, 0, false, "bad signature"},
		{"tampered MAC", func() string { s := g.Issue(); return flip(s, len(s)-2) }, 0, false, "bad signature"},
		{"truncated", func() string { return g.Issue()[:20] }, 0, false, "malformed"},
		{"not base64", func() string { return "!!!" }, 0, false, "malformed"},
		{"empty", func() string { return "" }, 0, false, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := clock
			grant := tt.grant()
			clock = clock.Add(tt.advance)
			defer func() { clock = start }()
			err := g.Redeem(grant)
			if tt.ok {
				if err != nil {
					t.Fatalf("Redeem: %v", err)
				}
				if err := g.Redeem(grant); !errors.Is(err, ErrGrant) || !strings.Contains(err.Error(), "already used") {
					t.Fatalf("second Redeem: %v, want already used", err)
				}
				return
			}
			if !errors.Is(err, ErrGrant) || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("Redeem: %v, want ErrGrant (%s)", err, tt.why)
			}
		})
	}
	// Redeemed grants are forgotten once expired: the set does not grow without bound.
	for range 100 {
		if err := g.Redeem(g.Issue()); err != nil {
			t.Fatal(err)
		}
	}
	clock = clock.Add(2 * time.Minute)
	if err := g.Redeem(g.Issue()); err != nil {
		t.Fatal(err)
	}
	if n := len(g.used); n != 1 {
		t.Errorf("%d redeemed grants remembered after the others expired, want 1", n)
	}
}
