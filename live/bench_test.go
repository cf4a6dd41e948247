package live

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// BenchmarkClickRoundTrip measures one counter click: the event frame written on a
// loopback WebSocket, handled by the view, rendered, diffed, and the reply frame read
// back. reply-bytes is the reply frame's size, framing included.
func BenchmarkClickRoundTrip(b *testing.B) {
	ts := newTestServer(b, Options{}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
	})
	p := ts.get(b, "/")
	c := ts.dial(b, p)
	lv := ts.join(b, c, p, "/")
	ctx := context.Background()
	var replyBytes int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ref := fmt.Sprint(i + 100)
		msg := `["` + lv.joinRef + `","` + ref + `","` + lv.topic + `","event",{"type":"click","event":"inc","value":{"value":""}}]`
		if err := c.conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			b.Fatal(err)
		}
		_, reply, err := c.conn.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(string(reply), `"diff"`) {
			b.Fatalf("reply %s", reply)
		}
		replyBytes = len(reply)
	}
	b.StopTimer()
	b.ReportMetric(float64(replyBytes), "reply-bytes")
}

// mintPage signs the tokens of a fresh counter view, as the page handler would, without
// the HTTP round trip.
func mintPage(b testing.TB, s *Server, route string) *page {
	id := newViewID()
	sess, err := s.signJSON(saltSession, sessionClaims{V: sessionVersion, ID: id, Route: route})
	if err != nil {
		b.Fatal(err)
	}
	return &page{id: id, session: sess}
}

// joinMany joins n views on one socket, pipelining the joins.
func joinMany(b testing.TB, ts *testServer, conn *websocket.Conn, n int) {
	ctx := context.Background()
	for i := 0; i < n; i++ {
		p := mintPage(b, ts.Server, "/")
		payload, _ := json.Marshal(joinFor(p, ts.http.URL+"/"))
		ref := fmt.Sprint(i + 1)
		msg := `["` + ref + `","` + ref + `","lv:` + p.id + `","phx_join",` + string(payload) + `]`
		if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		_, reply, err := conn.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(string(reply), `"status":"ok"`) {
			b.Fatalf("join: %s", reply)
		}
	}
}

func dialRaw(b testing.TB, ts *testServer) *websocket.Conn {
	u := "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/live/websocket?" + url.Values{"vsn": {"2.0.0"}}.Encode()
	conn, _, err := websocket.Dial(context.Background(), u, nil)
	if err != nil {
		b.Fatal(err)
	}
	conn.SetReadLimit(1 << 20)
	return conn
}

// cpuTime returns the user+system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapAndStack() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

// BenchmarkIdleViewMemory measures the memory (heap in use plus goroutine stacks) of
// 10,000 idle connected counter views, 100 per socket, divided by the number of views.
// The client side of the 100 loopback sockets is in the same process and included.
func BenchmarkIdleViewMemory(b *testing.B) {
	const sockets, perSocket = 100, 100
	for i := 0; i < b.N; i++ {
		ts := newTestServer(b, Options{}, func(s *Server) {
			s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
		})
		conns := make([]*websocket.Conn, sockets)
		for j := range conns {
			conns[j] = dialRaw(b, ts)
		}
		before := heapAndStack()
		for _, conn := range conns {
			joinMany(b, ts, conn, perSocket)
		}
		after := heapAndStack()
		if got := ts.metrics.views.Load(); got != sockets*perSocket {
			b.Fatalf("%d views connected", got)
		}
		b.ReportMetric(float64(after-before)/float64(sockets*perSocket), "bytes/view")
		for _, conn := range conns {
			conn.Close(websocket.StatusNormalClosure, "")
		}
	}
}

// BenchmarkIdleSocketViewMemory is BenchmarkIdleViewMemory with one view per socket (as
// one browser tab has): 2,000 sockets, server and client sides both in this process.
func BenchmarkIdleSocketViewMemory(b *testing.B) {
	const sockets = 2000
	for i := 0; i < b.N; i++ {
		ts := newTestServer(b, Options{}, func(s *Server) {
			s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
		})
		before := heapAndStack()
		conns := make([]*websocket.Conn, sockets)
		for j := range conns {
			conns[j] = dialRaw(b, ts)
			joinMany(b, ts, conns[j], 1)
		}
		after := heapAndStack()
		b.ReportMetric(float64(after-before)/float64(sockets), "bytes/socket+view")
		for _, conn := range conns {
			conn.Close(websocket.StatusNormalClosure, "")
		}
	}
}

// BenchmarkConcurrentClicks runs 1,000 clients, one socket and one counter view each,
// clicking as fast as their replies come back (a closed loop: this measures the
// throughput), and reports the events handled per second and the click round trip's
// percentiles.
func BenchmarkConcurrentClicks(b *testing.B) { concurrentClicks(b, 0) }

// BenchmarkConcurrentClicksPaced is BenchmarkConcurrentClicks with every client clicking
// once per 500 ms (2,000 events/s offered in all): the latency under a load the machine
// can carry.
func BenchmarkConcurrentClicksPaced(b *testing.B) { concurrentClicks(b, 500*time.Millisecond) }

func concurrentClicks(b *testing.B, pace time.Duration) {
	const clients = 1000
	ts := newTestServer(b, Options{}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
	})
	conns := make([]*websocket.Conn, clients)
	topics := make([]string, clients)
	for i := range conns {
		conns[i] = dialRaw(b, ts)
		p := mintPage(b, ts.Server, "/")
		topics[i] = "lv:" + p.id
		payload, _ := json.Marshal(joinFor(p, ts.http.URL+"/"))
		msg := `["1","1","` + topics[i] + `","phx_join",` + string(payload) + `]`
		if err := conns[i].Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
			b.Fatal(err)
		}
		if _, _, err := conns[i].Read(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	cpu0 := cpuTime()
	for i := range conns {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx := context.Background()
			var tick *time.Ticker
			if pace > 0 {
				// Spread the clients' phases over the period.
				time.Sleep(pace * time.Duration(i) / clients)
				tick = time.NewTicker(pace)
				defer tick.Stop()
			}
			for n := 2; next.Add(1) <= int64(b.N); n++ {
				if tick != nil {
					<-tick.C
				}
				t0 := time.Now()
				msg := `["1","` + fmt.Sprint(n) + `","` + topics[i] + `","event",{"type":"click","event":"inc","value":{"value":""}}]`
				if err := conns[i].Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
					b.Error(err)
					return
				}
				if _, _, err := conns[i].Read(ctx); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/elapsed.Seconds(), "events/s")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		// On a shared machine the wall-clock rate depends on the load; events per second
		// of this process's CPU time (server and clients) does much less.
		b.ReportMetric(float64(len(all))/cpu.Seconds(), "events/cpu-s")
	}
	for _, conn := range conns {
		conn.Close(websocket.StatusNormalClosure, "")
	}
}

// BenchmarkHandleClick measures the runtime's own work for one counter click, without
// the socket: decode the event, run the handler, render, diff and build the reply.
func BenchmarkHandleClick(b *testing.B) {
	s := New(Options{Secret: testSecret, Logger: discardLogger()})
	v := &viewProc{srv: s, id: "phx-bench", route: &route{pattern: "/", page: Page{Template: plainCounterTmpl}}, view: &plainCounter{}, comps: newComponentSet()}
	v.sock = Socket{srv: s, v: v, ctx: context.Background()}
	tree, comps, err := renderAll(plainCounterTmpl, v.view, v.comps)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := v.enc.Join(nil, tree, comps, nil); err != nil {
		b.Fatal(err)
	}
	payload := json.RawMessage(`{"type":"click","event":"inc","value":{"value":""}}`)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v.HandleIn(ctx, nil, "event", payload)
	}
	b.StopTimer()
	if v.view.(*plainCounter).Count != b.N {
		b.Fatalf("count %d after %d clicks", v.view.(*plainCounter).Count, b.N)
	}
}
