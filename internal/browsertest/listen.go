package browsertest

import (
	"net"
	"testing"
	"time"
)

// Listen listens on addr, retrying for up to 10 seconds: a test that restarts a server on
// the same port (so that an open page reconnects to it) finds the old socket briefly busy.
// It fails the test if the port never frees up.
func Listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("listening on %s: %v", addr, err)
	}
	return ln
}
