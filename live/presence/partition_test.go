package presence

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/glint-go/glint/live/pubsub/natspubsub"
)

// partition is a TCP proxy between one node and its NATS server that can cut the node off
// the way a network partition does: while frozen, nothing goes through either way and no
// connection is closed, so the server keeps the node's connection (and its subscriptions)
// as if nothing happened. A connection the node gives up on meanwhile stays open on the
// server's side until the proxy closes, as it would until the server's own keepalive
// noticed (minutes, by default).
type partition struct {
	target string
	ln     net.Listener

	mu     sync.Mutex
	cond   *sync.Cond
	frozen bool
	closed bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newPartition(t *testing.T, target string) *partition {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &partition{target: target, ln: ln}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *partition) addr() string { return p.ln.Addr().String() }

func (p *partition) freeze() {
	p.mu.Lock()
	p.frozen = true
	p.mu.Unlock()
}

func (p *partition) thaw() {
	p.mu.Lock()
	p.frozen = false
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *partition) close() {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
	p.frozen = false
	p.cond.Broadcast()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *partition) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			s.Close()
			return
		}
		p.conns = append(p.conns, c, s)
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(s, c, true)
		go p.pipe(c, s, false)
	}
}

// pipe copies src to dst, holding what it read while frozen. When the node's side ends,
// the server's side is closed too, unless that happens while frozen.
func (p *partition) pipe(dst, src net.Conn, fromNode bool) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		frozenAtRead := p.frozen
		for p.frozen {
			p.cond.Wait()
		}
		closed := p.closed
		p.mu.Unlock()
		if n > 0 && !closed {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil || closed {
			if !fromNode || !frozenAtRead || closed {
				dst.Close()
			}
			return
		}
	}
}

// TestPartitionedNodeDoesNotLeave cuts node b off NATS without closing anything (a, and the
// server, see b fall silent; b sees its link go down), with scaled timeouts. A partition
// shorter than MaxSilence shows no presence leaving on either node. A longer one removes
// b's presences from a once b has been silent for MaxSilence, not before: the server still
// holding b's connection, nothing says b is gone.
func TestPartitionedNodeDoesNotLeave(t *testing.T) {
	testPartition(t, Options{Heartbeat: 200 * time.Millisecond, Timeout: 600 * time.Millisecond, MaxSilence: 4 * time.Second}, 2500*time.Millisecond, true)
}

// TestPartitionOfTenSecondsShowsNoLeaves is the short partition at the default options:
// 10 s of silence, more than three Timeouts, shows nobody leaving.
func TestPartitionOfTenSecondsShowsNoLeaves(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10 s partition")
	}
	testPartition(t, Options{}, 10*time.Second, false)
}

// testPartition runs a partition of b shorter than MaxSilence, then, when long is set, one
// longer than it.
func testPartition(t *testing.T, o Options, short time.Duration, long bool) {
	srv, err := natspubsub.StartServer(natspubsub.ServerOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	host := srv.ClientURL()[len("nats://"):]
	cut := newPartition(t, host)
	connect := func(url, node string) *natspubsub.PubSub {
		p, err := natspubsub.Connect(context.Background(), natspubsub.Options{URL: url, NodeID: node, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	psA, psB := connect(srv.ClientURL(), "a"), connect("nats://"+cut.addr(), "b")
	opts := func(node string) Options {
		o := o
		o.NodeID, o.Logger = node, quiet
		return o
	}
	trA, err := New(psA, opts("a"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { trA.Close() })
	trB, err := New(psB, opts("b"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { trB.Close() })
	onA, onB := listen(t, psA, "shoppers"), listen(t, psB, "shoppers")
	syncNodes(t, psA, psB)
	for _, p := range []struct {
		tr  *Tracker
		key string
	}{{trA, "on-a"}, {trB, "on-b-1"}, {trB, "on-b-2"}} {
		if _, err := p.tr.Track(context.Background(), "shoppers", p.key, nil); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "both nodes list the three presences", func() bool {
		return len(trA.List("shoppers")) == 3 && len(trB.List("shoppers")) == 3
	})
	onA.diffs(t)
	onB.diffs(t)
	timeout, maxSilence, heartbeat := trA.opts.Timeout, trA.opts.MaxSilence, trA.opts.Heartbeat

	// Shorter than MaxSilence, several times the Timeout: nobody leaves.
	cut.freeze()
	began := time.Now()
	for time.Since(began) < short {
		if a, b := len(trA.List("shoppers")), len(trB.List("shoppers")); a != 3 || b != 3 {
			t.Fatalf("%v into the partition: a lists %d keys, b lists %d, want 3", time.Since(began).Round(time.Millisecond), a, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cut.thaw()
	healed := time.Now()
	for time.Since(healed) < 3*timeout {
		if a, b := len(trA.List("shoppers")), len(trB.List("shoppers")); a != 3 || b != 3 {
			t.Fatalf("%v after the partition: a lists %d keys, b lists %d, want 3", time.Since(healed).Round(time.Millisecond), a, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for node, rec := range map[string]*recorder{"a": onA, "b": onB} {
		if ds := rec.diffs(t); len(ds) != 0 {
			t.Errorf("node %s saw %d presence diffs over a short partition, want none: %+v", node, len(ds), ds)
		}
	}
	t.Logf("no leave over a partition of %v (Timeout %v, MaxSilence %v)", short, timeout, maxSilence)
	if !long {
		return
	}
	eventually(t, "b's link back", func() bool { up, _ := psB.LinkState(); return up })

	// Longer than MaxSilence: b's presences leave a after MaxSilence of silence.
	cut.freeze()
	began = time.Now()
	for len(trA.List("shoppers")) == 3 {
		if time.Since(began) > maxSilence+2*time.Second {
			t.Fatalf("a still lists b's presences %v into the partition", time.Since(began).Round(time.Millisecond))
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(began)
	t.Logf("partitioned node removed %v into the partition (MaxSilence %v)", took.Round(time.Millisecond), maxSilence)
	if took < maxSilence-2*heartbeat {
		t.Errorf("b's presences left after %v of partition, before MaxSilence (%v): nothing said b was gone", took.Round(time.Millisecond), maxSilence)
	}
	if got := trA.List("shoppers"); len(got) != 1 {
		t.Errorf("a lists %v, want only its own presence", got)
	}
	cut.thaw()
	eventually(t, "b's presences back on a after the partition", func() bool { return len(trA.List("shoppers")) == 3 })
}
