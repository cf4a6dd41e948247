package natspubsub

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

func TestLinkStateFollowsAnOutage(t *testing.T) {
	for _, c := range []struct {
		name  string
		probe time.Duration
	}{{"probing", 0}, {"not probing", -1}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			srv, err := StartServer(ServerOptions{Port: port, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			a := connect(t, srv.ClientURL(), "a", Options{ProbeInterval: c.probe})
			up, since := a.LinkState()
			if !up || since.IsZero() {
				t.Fatalf("LinkState after Connect = %v, %v; want up", up, since)
			}

			srv.Shutdown()
			stopped := time.Now()
			waitFor(t, func() bool { up, _ := a.LinkState(); return !up })
			_, downSince := a.LinkState()
			if downSince.Before(since) || downSince.After(time.Now()) {
				t.Errorf("down since %v, want between %v and now", downSince, since)
			}

			srv2, err := StartServer(ServerOptions{Port: port, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer srv2.Shutdown()
			waitFor(t, func() bool { up, _ := a.LinkState(); return up })
			_, upSince := a.LinkState()
			if !upSince.After(stopped) {
				t.Errorf("up since %v, before the server came back (stopped at %v)", upSince, stopped)
			}

			// Up means subscriptions renewed: a broadcast from a node that connects now
			// reaches this node's subscriber.
			r := newRecorder("r")
			if err := a.Subscribe("t", r); err != nil {
				t.Fatal(err)
			}
			b := connect(t, srv2.ClientURL(), "b", Options{})
			syncAll(t, a, b)
			if err := b.Broadcast(context.Background(), "t", "e", nil); err != nil {
				t.Fatal(err)
			}
			r.next(t)

			a.Close()
			if up, _ := a.LinkState(); up {
				t.Error("LinkState after Close: up")
			}
		})
	}
}

// TestLinkStateProbeSeesASilentServer freezes the traffic between a node and its server
// without closing the connection, as a dead host or a lost route does: the client still
// believes it is connected, but LinkState reports the link down within a probe, and up
// again once traffic flows.
func TestLinkStateProbeSeesASilentServer(t *testing.T) {
	srv := startServer(t, ServerOptions{})
	px := newFreezer(t, srv.ClientURL()[len("nats://"):])
	a := connect(t, "nats://"+px.addr(), "a", Options{ProbeInterval: 100 * time.Millisecond})
	waitFor(t, func() bool { up, _ := a.LinkState(); return up })

	px.freeze(true)
	frozen := time.Now()
	waitFor(t, func() bool { up, _ := a.LinkState(); return !up })
	if d := time.Since(frozen); d > 3*time.Second {
		t.Errorf("the probe took %v to see the silent server, want about a second", d)
	}
	if !a.Connected() {
		// Not a failure of LinkState, but then the test did not show what it means to.
		t.Log("the client noticed the stale connection itself first")
	}
	// Taken before the thaw: held traffic may flow, and a probe succeed, the moment it ends.
	thawed := time.Now()
	px.freeze(false)
	waitFor(t, func() bool { up, _ := a.LinkState(); return up })
	if _, since := a.LinkState(); since.Before(thawed) {
		t.Errorf("up since %v, before the traffic resumed at %v", since, thawed)
	}
}

// freezer is a TCP proxy whose traffic can be held without closing any connection.
type freezer struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	cond   *sync.Cond
	frozen bool
	done   bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, target: target}
	f.cond = sync.NewCond(&f.mu)
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(f.close)
	return f
}

func (f *freezer) addr() string { return f.ln.Addr().String() }

func (f *freezer) freeze(on bool) {
	f.mu.Lock()
	f.frozen = on
	f.mu.Unlock()
	f.cond.Broadcast()
}

func (f *freezer) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", f.target)
		if err != nil {
			c.Close()
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, c, s)
		f.mu.Unlock()
		f.wg.Add(2)
		go f.pipe(c, s)
		go f.pipe(s, c)
	}
}

// pipe copies src to dst, holding each chunk while the freezer is frozen.
func (f *freezer) pipe(dst, src net.Conn) {
	defer f.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			f.mu.Lock()
			for f.frozen && !f.done {
				f.cond.Wait()
			}
			f.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				dst.Close()
			}
			return
		}
	}
}

func (f *freezer) close() {
	f.ln.Close()
	f.mu.Lock()
	f.done = true
	for _, c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.cond.Broadcast()
	f.wg.Wait()
}
