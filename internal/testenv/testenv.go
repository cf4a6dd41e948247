package testenv

import (
	"fmt"
	"os"
	"testing"
)

// Missing ends t because something it needs is missing: why says what and how to get it.
// With CI=true it fails the test; otherwise it skips it.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why + "; skipping outside CI (with CI=true this fails)")
}

// Outcome runs f with a testing.TB whose Fatal, Fatalf, Skip and Skipf stop f and are
// recorded instead of ending t: kind is "fatal", "skip" or "" (f returned), and msg the
// message.
func Outcome(t testing.TB, f func(testing.TB)) (kind, msg string) {
	tb := &stopTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(stopped); !ok {
					panic(r)
				}
			}
		}()
		f(tb)
	}()
	return tb.kind, tb.msg
}

// stopTB records the first Fatal or Skip and stops the calling function, like the real ones.
type stopTB struct {
	testing.TB
	kind, msg string
}

type stopped struct{}

func (s *stopTB) Helper() {}

func (s *stopTB) stop(kind, msg string) {
	s.kind, s.msg = kind, msg
	panic(stopped{})
}

func (s *stopTB) Fatal(args ...any)                 { s.stop("fatal", fmt.Sprint(args...)) }
func (s *stopTB) Fatalf(format string, args ...any) { s.stop("fatal", fmt.Sprintf(format, args...)) }
func (s *stopTB) Skip(args ...any)                  { s.stop("skip", fmt.Sprint(args...)) }
func (s *stopTB) Skipf(format string, args ...any)  { s.stop("skip", fmt.Sprintf(format, args...)) }
