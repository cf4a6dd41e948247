package deploy_test

import (
	"fmt"
	"strings"
	"testing"
)

// stopTB records the first Fatal or Skip and stops the calling function, like the real ones.
type stopTB struct {
	testing.TB
	kind, msg string
}

type stopped struct{}

func (s *stopTB) Helper() {}
func (s *stopTB) Fatal(args ...any) {
	s.kind, s.msg = "fatal", fmt.Sprint(args...)
	panic(stopped{})
}
func (s *stopTB) Skip(args ...any) {
	s.kind, s.msg = "skip", fmt.Sprint(args...)
	panic(stopped{})
}

func runStop(tb *stopTB, f func(testing.TB)) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopped); !ok {
				panic(r)
			}
		}
	}()
	f(tb)
}

// TestRequireHAProxyMissing: without HAProxy the deploy test skips, except in CI, where it
// fails and says what to install.
func TestRequireHAProxyMissing(t *testing.T) {
	for _, tt := range []struct{ ci, want string }{
		{"true", "fatal"},
		{"", "skip"},
		{"false", "skip"},
	} {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv(EnvHAProxy, "/nonexistent/haproxy")
			t.Setenv("CI", tt.ci)
			tb := &stopTB{TB: t}
			runStop(tb, func(tb testing.TB) { requireHAProxy(tb) })
			if tb.kind != tt.want {
				t.Fatalf("requireHAProxy with CI=%q: got %q (%q), want %q", tt.ci, tb.kind, tb.msg, tt.want)
			}
			if !strings.Contains(tb.msg, "HAProxy not found") || !strings.Contains(tb.msg, "haproxy package") {
				t.Errorf("message %q does not say what is missing", tb.msg)
			}
		})
	}
}
