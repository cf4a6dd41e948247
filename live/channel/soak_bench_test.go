package channel_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/glint-go/glint/internal/wsclient"
	"github.com/glint-go/glint/live/channel"
)

// BenchmarkSoakAttackers measures what a flood costs a bystander under the default
// limits. One op is one click of the bystander (its own source address, one socket, 20
// clicks a second), answered. With attackers, 8 clients, each from its own loopback
// address, in a child process at the lowest CPU priority, loop for the whole run: open sockets until refused, join channels on each
// until refused, and send events flat out on every channel, reconnecting when closed;
// some sockets never join at all and only send heartbeats. The baseline runs the same
// bystander alone. Metrics: the bystander's p50 and p99 round trip, and, under attack,
// what the limits refused.
//
//	go test -run '^$' -bench SoakAttackers -benchtime 400x ./live/channel
func BenchmarkSoakAttackers(b *testing.B) {
	for _, attackers := range []int{0, 8} {
		name := "baseline"
		if attackers > 0 {
			name = fmt.Sprintf("%d-attackers", attackers)
		}
		b.Run(name, func(b *testing.B) { benchSoak(b, attackers) })
	}
}

func benchSoak(b *testing.B, attackers int) {
	raiseFileLimit()
	ts := newBenchServerWith(b, channel.Limits{}) // the defaults
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = ts.srv.Shutdown(ctx)
		ts.http.Close()
	}()
	if attackers > 0 {
		// The attackers run in a child process at the lowest CPU priority, as remote
		// clients would not share this machine's two cores: what is measured is what
		// their traffic costs the server, not what their own goroutines cost.
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), attackURLEnv+"="+ts.url, attackersEnv+"="+strconv.Itoa(attackers))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() {
			stdin.Close()
			_ = cmd.Wait()
		}()
		time.Sleep(2 * time.Second) // let the flood build up
	}

	by, err := dialFrom(context.Background(), ts.url, net.IPv4(127, 0, 2, 1))
	if err != nil {
		b.Fatal(err)
	}
	defer by.CloseNow()
	if err := by.WriteText([]byte(`["1","1","room:by","phx_join",{}]`)); err != nil {
		b.Fatal(err)
	}
	if _, err := by.ReadMessage(); err != nil {
		b.Fatal(err)
	}
	rtts := make([]time.Duration, 0, b.N)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for i := range b.N {
		<-tick.C
		start := time.Now()
		if err := by.WriteText(fmt.Appendf(nil, `["1","%d","room:by","event",{"n":%d}]`, i+2, i)); err != nil {
			b.Fatalf("bystander click %d: %v", i, err)
		}
		if _, err := by.ReadMessage(); err != nil {
			b.Fatalf("bystander reply %d: %v", i, err)
		}
		rtts = append(rtts, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(rtts)
	b.ReportMetric(float64(rtts[len(rtts)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(rtts[len(rtts)*99/100].Microseconds())/1000, "p99-ms")
	if attackers > 0 {
		m := ts.srv.Metrics()
		b.ReportMetric(float64(m.LimitAddress.Load()+m.LimitBanned.Load()), "refused-sockets")
		b.ReportMetric(float64(m.LimitJoins.Load()), "refused-joins")
		b.ReportMetric(float64(m.LimitEvents.Load()), "refused-events")
		b.ReportMetric(float64(m.LimitClosed.Load()+m.JoinTimeouts.Load()), "closed-sockets")
		b.ReportMetric(float64(m.Connections.Load()), "open-sockets")
	}
}

// The soak benchmark's attacker process: this test binary re-executed with attackURLEnv.
const (
	attackURLEnv = "GLINT_BENCH_ATTACK_URL"
	attackersEnv = "GLINT_BENCH_ATTACKERS"
)

// runAttackers is the attacker process: n attackers against url, each from its own
// loopback address, until stdin closes.
func runAttackers(url string) int {
	raiseFileLimit()
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, 0, 19)
	runtime.GOMAXPROCS(1)
	n, _ := strconv.Atoi(os.Getenv(attackersEnv))
	ctx, stop := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { attack(ctx, url, net.IPv4(127, 0, 1, byte(i+1))) })
	}
	wg.Wait()
	return 0
}

// dialFrom dials url from the loopback address src.
func dialFrom(ctx context.Context, url string, src net.IP) (*wsclient.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: src}}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return (&wsclient.Dialer{NetDial: d.DialContext}).Dial(ctx, url, nil)
}

// attack floods the server from src until ctx ends (see BenchmarkSoakAttackers).
func attack(ctx context.Context, url string, src net.IP) {
	var open atomic.Int64
	var wg sync.WaitGroup
	defer wg.Wait()
	for n := 0; ctx.Err() == nil; n++ {
		if open.Load() >= 1100 { // a little over the per-address limit: keep knocking
			time.Sleep(20 * time.Millisecond)
		}
		c, err := dialFrom(ctx, url, src)
		if err != nil {
			time.Sleep(10 * time.Millisecond) // refused: try again soon
			continue
		}
		open.Add(1)
		wg.Go(func() {
			defer open.Add(-1)
			defer c.CloseNow()
			stop := context.AfterFunc(ctx, func() { c.CloseNow() })
			defer stop()
			if n%4 == 0 {
				// Never joins: heartbeats only, until the join timeout closes it.
				for ctx.Err() == nil {
					if c.WriteText([]byte(`[null,"h","phoenix","heartbeat",{}]`)) != nil {
						return
					}
					if _, err := c.ReadMessage(); err != nil {
						return
					}
					time.Sleep(time.Second)
				}
				return
			}
			// Join as many channels as allowed, then flood them.
			go func() {
				for {
					if _, err := c.ReadMessage(); err != nil {
						return
					}
				}
			}()
			for j := range 100 {
				if c.WriteText(fmt.Appendf(nil, `["%d","%d","room:%d","phx_join",{}]`, j, j, j)) != nil {
					return
				}
			}
			for k := 0; ctx.Err() == nil; k++ {
				if c.WriteText(fmt.Appendf(nil, `["%d","e%d","room:%d","event",{}]`, k%100, k, k%100)) != nil {
					return
				}
			}
		})
	}
}
