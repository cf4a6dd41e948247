package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/internal/wsclient"
	"github.com/glint-go/glint/live/channel"
)

// BenchmarkClickRoundTrip measures one counter click: the event frame written on a
// loopback WebSocket, handled by the view, rendered, diffed, and the reply frame read
// back. reply-bytes is the reply frame's size, framing included.
func BenchmarkClickRoundTrip(b *testing.B) {
	ts := newTestServer(b, benchOptions(), func(s *Server) {
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
func joinMany(b testing.TB, ts *testServer, conn *wsclient.Conn, n int) {
	for i := 0; i < n; i++ {
		p := mintPage(b, ts.Server, "/")
		payload, _ := json.Marshal(joinFor(p, ts.http.URL+"/"))
		ref := fmt.Sprint(i + 1)
		msg := `["` + ref + `","` + ref + `","lv:` + p.id + `","phx_join",` + string(payload) + `]`
		if err := conn.WriteText([]byte(msg)); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		reply, err := conn.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(string(reply), `"status":"ok"`) {
			b.Fatalf("join: %s", reply)
		}
	}
}

// dialRaw opens a socket with the lean benchmark client (internal/wsclient), so that the
// load clients, which share the CPU with the server, cost as little as they can.
func dialRaw(b testing.TB, ts *testServer) *wsclient.Conn {
	u := "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/live/websocket?" + url.Values{"vsn": {"2.0.0"}}.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := wsclient.Dial(ctx, u, nil)
	if err != nil {
		b.Fatal(err)
	}
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
		ts := newTestServer(b, benchOptions(), func(s *Server) {
			s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
		})
		conns := make([]*wsclient.Conn, sockets)
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
			conn.Close()
		}
	}
}

// BenchmarkIdleSocketViewMemory is BenchmarkIdleViewMemory with one view per socket (as
// one browser tab has): 2,000 sockets, server and client sides both in this process.
func BenchmarkIdleSocketViewMemory(b *testing.B) {
	const sockets = 2000
	for i := 0; i < b.N; i++ {
		ts := newTestServer(b, benchOptions(), func(s *Server) {
			s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
		})
		before := heapAndStack()
		conns := make([]*wsclient.Conn, sockets)
		for j := range conns {
			conns[j] = dialRaw(b, ts)
			joinMany(b, ts, conns[j], 1)
		}
		after := heapAndStack()
		b.ReportMetric(float64(after-before)/float64(sockets), "bytes/socket+view")
		for _, conn := range conns {
			conn.Close()
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

// clicker is one benchmark client: a socket with one joined counter view.
type clicker struct {
	conn *wsclient.Conn
	head []byte // `["1","`
	tail []byte // `","lv:<id>","event",{...}]`
	buf  []byte
	ref  int
}

// joinClickers opens n sockets with the lean client and joins a counter view on each.
func joinClickers(b *testing.B, ts *testServer, n int) []*clicker {
	cs := make([]*clicker, n)
	for i := range cs {
		conn := dialRaw(b, ts)
		p := mintPage(b, ts.Server, "/")
		topic := "lv:" + p.id
		payload, _ := json.Marshal(joinFor(p, ts.http.URL+"/"))
		if err := conn.WriteText([]byte(`["1","1","` + topic + `","phx_join",` + string(payload) + `]`)); err != nil {
			b.Fatal(err)
		}
		if reply, err := conn.ReadMessage(); err != nil || !bytes.Contains(reply, []byte(`"status":"ok"`)) {
			b.Fatalf("join: %s %v", reply, err)
		}
		cs[i] = &clicker{
			conn: conn,
			head: []byte(`["1","`),
			tail: []byte(`","` + topic + `","event",{"type":"click","event":"inc","value":{"value":""}}]`),
			ref:  1,
		}
	}
	return cs
}

// click sends the next click event and reads its reply.
func (c *clicker) click() error {
	if err := c.send(); err != nil {
		return err
	}
	return c.reply()
}

// send writes the next click event.
func (c *clicker) send() error {
	c.ref++
	c.buf = append(strconv.AppendInt(append(c.buf[:0], c.head...), int64(c.ref), 10), c.tail...)
	return c.conn.WriteText(c.buf)
}

// reply reads the click's reply and checks that it is one.
func (c *clicker) reply() error {
	reply, err := c.conn.ReadMessage()
	if err != nil {
		return err
	}
	if !bytes.Contains(reply, []byte(`"phx_reply"`)) {
		return fmt.Errorf("reply to click %d: %s", c.ref, reply)
	}
	return nil
}

// reportLatencies reports the rate, the CPU cost and the percentiles of lat.
func reportLatencies(b *testing.B, lat [][]time.Duration, elapsed, cpu time.Duration, p999 bool) {
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	ms := func(q int) float64 { return float64(all[len(all)*q/1000].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "events/s")
	b.ReportMetric(ms(500), "p50-ms")
	b.ReportMetric(ms(990), "p99-ms")
	if p999 {
		b.ReportMetric(ms(999), "p999-ms")
	}
	// On a shared machine the wall-clock rate depends on the load; events per second
	// of this process's CPU time (server and clients) does much less.
	b.ReportMetric(float64(len(all))/cpu.Seconds(), "events/cpu-s")
}

// clickClients is the number of clients of the click benchmarks.
const clickClients = 1000

func concurrentClicks(b *testing.B, pace time.Duration) {
	ts := newTestServer(b, benchOptions(), func(s *Server) {
		s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
	})
	clickLoop(b, joinClickers(b, ts, clickClients), pace)
}

// clickLoop has every client of cs click as soon as its previous reply came (or once per
// pace), b.N clicks in all, and reports the rate and latencies.
func clickLoop(b *testing.B, cs []*clicker, pace time.Duration) {
	clients := len(cs)
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	cpu0 := cpuTime()
	for i, c := range cs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var tick *time.Ticker
			if pace > 0 {
				// Spread the clients' phases over the period.
				time.Sleep(pace * time.Duration(i) / time.Duration(clients))
				tick = time.NewTicker(pace)
				defer tick.Stop()
			}
			for next.Add(1) <= int64(b.N) {
				if tick != nil {
					<-tick.C
				}
				t0 := time.Now()
				if err := c.click(); err != nil {
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
	reportLatencies(b, lat, elapsed, cpu, false)
	for _, c := range cs {
		c.conn.Close()
	}
}

// The open-loop benchmark's load: openLoopClients clients offering openLoopRate click
// events per second in all (GLINT_BENCH_RATE overrides the rate).
const (
	openLoopClients = 1000
	openLoopRate    = 50000
)

// BenchmarkConcurrentClicksOpenLoop runs openLoopClients clients, one socket and one
// counter view each, each clicking on its own fixed schedule (every
// openLoopClients/openLoopRate seconds, 20 ms by default, the clients' phases spread
// evenly over that period) so that the offered rate is openLoopRate events/s. A client
// behind its schedule (its previous reply came late) clicks at once. Latency is from
// writing the click to reading its reply; sched-p99-ms measures from the click's
// scheduled time instead, so it also counts the time a late client was behind. b.N is
// the number of clicks in all.
func BenchmarkConcurrentClicksOpenLoop(b *testing.B) {
	rate := openLoopRateFor(b)
	ts := newTestServer(b, benchOptions(), func(s *Server) {
		s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
	})
	openLoop(b, joinClickers(b, ts, openLoopClients), rate)
}

// openLoop has the clients of cs click on fixed schedules offering rate events/s in all
// (see BenchmarkConcurrentClicksOpenLoop), b.N clicks in all, and reports the rate and
// latencies.
func openLoop(b *testing.B, cs []*clicker, rate int) {
	period := time.Duration(len(cs)) * time.Second / time.Duration(rate)
	lat := make([][]time.Duration, len(cs))
	sched := make([][]time.Duration, len(cs))
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	cpu0 := cpuTime()
	for i, c := range cs {
		// Client i's share of the b.N clicks.
		n := b.N / len(cs)
		if i < b.N%len(cs) {
			n++
		}
		if n == 0 {
			continue
		}
		lat[i] = make([]time.Duration, 0, n)
		sched[i] = make([]time.Duration, 0, n)
		wg.Go(func() {
			at := start.Add(period * time.Duration(i) / time.Duration(len(cs)))
			for range n {
				if d := time.Until(at); d > 0 {
					time.Sleep(d)
				}
				t0 := time.Now()
				if err := c.click(); err != nil {
					b.Error(err)
					return
				}
				t1 := time.Now()
				lat[i] = append(lat[i], t1.Sub(t0))
				sched[i] = append(sched[i], t1.Sub(at))
				at = at.Add(period)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	reportLatencies(b, lat, elapsed, cpu, true)
	var all []time.Duration
	for _, l := range sched {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "sched-p99-ms")
	}
	b.ReportMetric(float64(rate), "offered-events/s")
	for _, c := range cs {
		c.conn.Close()
	}
}

// openLoopRateFor returns the open-loop benchmarks' offered rate: openLoopRate, or
// GLINT_BENCH_RATE.
func openLoopRateFor(b *testing.B) int {
	v := os.Getenv("GLINT_BENCH_RATE")
	if v == "" {
		return openLoopRate
	}
	r, err := strconv.Atoi(v)
	if err != nil || r <= 0 {
		b.Fatalf("GLINT_BENCH_RATE=%q: want a positive number of events per second", v)
	}
	return r
}

// The baseline benchmarks run the click benchmarks' clients and schedules against the
// least a server on the same WebSocket library can do: a coder/websocket handler that
// answers each message with a fixed reply frame of a counter click's size. No view, no
// channel layer: what they measure is the machine, the kernel's loopback and the
// library, and it bounds what the click benchmarks can reach here.

// BenchmarkBaselineEcho is BenchmarkConcurrentClicks against the baseline server.
func BenchmarkBaselineEcho(b *testing.B) { clickLoop(b, echoClickers(b, clickClients), 0) }

// BenchmarkBaselineEchoOpenLoop is BenchmarkConcurrentClicksOpenLoop against the
// baseline server.
func BenchmarkBaselineEchoOpenLoop(b *testing.B) {
	openLoop(b, echoClickers(b, openLoopClients), openLoopRateFor(b))
}

// BenchmarkClicksAgainstEcho is BenchmarkConcurrentClicks and BenchmarkBaselineEcho
// interleaved in one run: 1,000 clients on Glint's counter page and 1,000 on the baseline
// server, connected together, click flat out in turns of clickTurn, one side at a time,
// in the order Glint, echo, echo, Glint for each of the b.N blocks. On a shared machine
// whose load drifts over seconds, two benchmarks run one after the other measure
// different machines; turns this short see the same one, so the ratio of the two rates
// (glint/echo) is what to compare across runs and commits. -benchtime 15x takes about 15
// seconds.
func BenchmarkClicksAgainstEcho(b *testing.B) {
	ts := newTestServer(b, benchOptions(), func(s *Server) {
		s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
	})
	glint := joinClickers(b, ts, clickClients)
	echo := echoClickers(b, clickClients)
	var glintClicks, echoClicks int
	var glintTime, echoTime, glintCPU, echoCPU time.Duration
	b.ResetTimer()
	for range b.N {
		for _, glintTurn := range []bool{true, false, false, true} {
			cs := echo
			if glintTurn {
				cs = glint
			}
			cpu0 := cpuTime()
			n, d := clickTurn(b, cs)
			cpu := cpuTime() - cpu0
			if glintTurn {
				glintClicks, glintTime, glintCPU = glintClicks+n, glintTime+d, glintCPU+cpu
			} else {
				echoClicks, echoTime, echoCPU = echoClicks+n, echoTime+d, echoCPU+cpu
			}
		}
	}
	b.StopTimer()
	glintRate := float64(glintClicks) / glintTime.Seconds()
	echoRate := float64(echoClicks) / echoTime.Seconds()
	b.ReportMetric(glintRate, "glint-events/s")
	b.ReportMetric(echoRate, "echo-events/s")
	b.ReportMetric(glintRate/echoRate, "glint/echo")
	b.ReportMetric((float64(glintClicks)/glintCPU.Seconds())/(float64(echoClicks)/echoCPU.Seconds()), "glint/echo-per-cpu-s")
	for _, c := range glint {
		c.conn.Close()
	}
}

// clickTurnTime is the length of one side's turn in BenchmarkClicksAgainstEcho.
const clickTurnTime = 250 * time.Millisecond

// clickTurn has every client of cs click as soon as its previous reply came, for
// clickTurnTime, and returns the clicks made and the time until the last reply came.
func clickTurn(b *testing.B, cs []*clicker) (int, time.Duration) {
	var clicks atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(clickTurnTime)
	for _, c := range cs {
		wg.Go(func() {
			n := int64(0)
			for time.Now().Before(end) {
				if err := c.click(); err != nil {
					b.Error(err)
					break
				}
				n++
			}
			clicks.Add(n)
		})
	}
	wg.Wait()
	return int(clicks.Load()), time.Since(start)
}

// echoReply is the baseline server's answer: a counter click's reply frame.
var echoReply = []byte(`["1","2","lv:phx-GHJKLMNPQRSTVWXY","phx_reply",{"status":"ok","response":{"diff":{"0":"1"}}}]`)

// echoClickers starts the baseline server and connects n clients to it.
func echoClickers(b *testing.B, n int) []*clicker {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
			if err := c.Write(ctx, websocket.MessageText, echoReply); err != nil {
				return
			}
		}
	}))
	cs := make([]*clicker, n)
	b.Cleanup(func() {
		for _, c := range cs {
			if c != nil {
				c.conn.CloseNow()
			}
		}
		srv.Close()
	})
	for i := range cs {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		conn, err := wsclient.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/", nil)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		cs[i] = &clicker{
			conn: conn,
			head: []byte(`["1","`),
			tail: []byte(`","lv:phx-GHJKLMNPQRSTVWXY","event",{"type":"click","event":"inc","value":{"value":""}}]`),
			ref:  1,
		}
	}
	return cs
}

// BenchmarkHandleClick measures the runtime's own work for one counter click, without
// the socket: decode the event, run the handler, render, diff and build the reply.
func BenchmarkHandleClick(b *testing.B) {
	s := New(Options{Secret: testSecret, Logger: discardLogger()})
	v := &viewProc{srv: s, id: "phx-bench", route: &route{pattern: "/", page: Page{Template: plainCounterTmpl}}, view: &plainCounter{}, comps: newComponentSet()}
	v.sock = Socket{srv: s, v: v, ctx: context.Background()}
	tree, comps, err := renderAll(&v.sock, plainCounterTmpl, v.view, v.comps)
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

// benchOptions lifts the socket layer's limits on clients: the benchmarks drive thousands
// of sockets from one address, clicking flat out.
func benchOptions() Options {
	return Options{Channel: channel.Options{Limits: channel.Unlimited()}, MaxViewsPerSession: -1}
}
