package channel_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/glint-go/glint/internal/wsclient"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
)

// The 10k-socket benchmarks run their clients in a child process (this test binary
// re-executed with benchClientEnv set), so that the server's heap and stacks can be
// measured alone and each process stays under the file descriptor limit.
const (
	benchClientEnv  = "GLINT_BENCH_CLIENT_URL"
	benchClientsEnv = "GLINT_BENCH_CLIENTS"
	benchTopic      = "room:bench"
	// benchJoinTopicEnv, when set, names the topic the client process joins instead.
	benchJoinTopicEnv = "GLINT_BENCH_JOIN_TOPIC"
)

func raiseFileLimit() {
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r) == nil && r.Cur < r.Max {
		r.Cur = r.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
	}
}

// runBenchClients is the child process: it opens n sockets to url, joins benchTopic on each,
// prints "ready", then prints "got <seq> <unix nanos>" when all n sockets have received the
// broadcast whose payload is {"seq":<seq>}. It exits when stdin closes.
func runBenchClients(url string) int {
	raiseFileLimit()
	n, _ := strconv.Atoi(os.Getenv(benchClientsEnv))
	if os.Getenv(compressClientsEnv) != "" {
		return runCompressClients(url, n)
	}
	var received atomic.Int64
	var outMu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	say := func(s string) {
		outMu.Lock()
		out.WriteString(s + "\n")
		out.Flush()
		outMu.Unlock()
	}
	conns := make(chan *wsclient.Conn, n)
	var wg sync.WaitGroup
	var failed atomic.Int64
	topic := benchTopic
	if t := os.Getenv(benchJoinTopicEnv); t != "" {
		topic = t
	}
	join := []byte(`["1","1","` + topic + `","phx_join",{}]`)
	work := make(chan int)
	for range 32 {
		wg.Go(func() {
			for range work {
				dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
				c, err := wsclient.Dial(dctx, url, nil)
				dcancel()
				if err != nil {
					failed.Add(1)
					continue
				}
				if err := c.WriteText(join); err != nil {
					failed.Add(1)
					c.CloseNow()
					continue
				}
				if _, err := c.ReadMessage(); err != nil { // the join reply
					failed.Add(1)
					c.CloseNow()
					continue
				}
				conns <- c
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(conns)
	if failed.Load() > 0 {
		say(fmt.Sprintf("error %d sockets failed", failed.Load()))
		return 1
	}
	all := make([]*wsclient.Conn, 0, n)
	tick := []byte(`"tick"`)
	var readers sync.WaitGroup
	for c := range conns {
		all = append(all, c)
		readers.Go(func() {
			for {
				b, err := c.ReadMessage()
				if err != nil {
					return
				}
				if !bytes.Contains(b, tick) {
					continue
				}
				if v := received.Add(1); v%int64(n) == 0 {
					say(fmt.Sprintf("got %d %d", v/int64(n), time.Now().UnixNano()))
				}
			}
		})
	}
	say("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range all {
		c.CloseNow()
	}
	readers.Wait()
	return 0
}

type benchEnv struct {
	ts     *testServer
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	before runtime.MemStats
}

func startBench(b *testing.B, n int) *benchEnv {
	b.Helper()
	raiseFileLimit()
	return startBenchOn(b, newBenchServer(b), n)
}

// startBenchOn starts the client process of n sockets on ts, with the environment
// variables extraEnv ("NAME=value") added.
func startBenchOn(b *testing.B, ts *testServer, n int, extraEnv ...string) *benchEnv {
	b.Helper()
	raiseFileLimit()
	env := &benchEnv{lines: make(chan string, 16)}
	env.ts = ts
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&env.before)
	env.cmd = exec.Command(os.Args[0], "-test.run=^$")
	env.cmd.Env = append(os.Environ(), benchClientEnv+"="+env.ts.url, benchClientsEnv+"="+strconv.Itoa(n))
	env.cmd.Env = append(env.cmd.Env, extraEnv...)
	env.cmd.Stderr = os.Stderr
	stdout, err := env.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if env.stdin, err = env.cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	if err := env.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			env.lines <- sc.Text()
		}
		close(env.lines)
	}()
	b.Cleanup(func() {
		env.stdin.Close()
		_ = env.cmd.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		_ = env.ts.srv.Shutdown(ctx)
		env.ts.http.Close()
	})
	if l := env.next(b, 120*time.Second); l != "ready" {
		b.Fatalf("client process: %q", l)
	}
	for env.ts.srv.Metrics().Channels.Load() < int64(n) {
		time.Sleep(10 * time.Millisecond)
	}
	return env
}

// got waits for the client process's word that its last socket got the broadcast seq, and
// returns when.
func (e *benchEnv) got(b *testing.B, seq int) time.Time {
	b.Helper()
	line := e.next(b, 60*time.Second)
	var gotSeq int
	var at int64
	if _, err := fmt.Sscanf(line, "got %d %d", &gotSeq, &at); err != nil || gotSeq != seq {
		b.Fatalf("client process said %q at seq %d", line, seq)
	}
	return time.Unix(0, at)
}

func (e *benchEnv) next(b *testing.B, d time.Duration) string {
	select {
	case l, ok := <-e.lines:
		if !ok {
			b.Fatal("client process exited")
		}
		return l
	case <-time.After(d):
		b.Fatal("client process timed out")
	}
	return ""
}

// newBenchServer is newTestServer without *testing.T cleanup (the benchmark cleans up),
// and without limits on clients: thousands of sockets from one address, pushing flat out.
func newBenchServer(b *testing.B) *testServer { return newBenchServerWith(b, channel.Unlimited()) }

// newBenchServerWith is newBenchServer with limits.
func newBenchServerWith(b *testing.B, limits channel.Limits) *testServer {
	ts := &testServer{term: make(chan termEvent, 1)}
	ts.srv = channel.NewServer(channel.Options{
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		DrainWindow: 100 * time.Millisecond,
		CheckOrigin: channel.AllowAnyOrigin,
		Limits:      limits,
	})
	if err := ts.srv.Handle("room:*", func() channel.Handler { return &benchHandler{} }); err != nil {
		b.Fatal(err)
	}
	ts.http = newHTTPServer(ts.srv)
	ts.url = "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/socket/websocket?vsn=2.0.0"
	return ts
}

// benchHandler is a minimal channel: join ok, echo replies.
type benchHandler struct{}

func (benchHandler) Join(context.Context, *channel.Channel, json.RawMessage) (any, error) {
	return nil, nil
}

func (benchHandler) HandleIn(_ context.Context, _ *channel.Channel, _ string, p json.RawMessage) channel.Reply {
	return channel.Ok(p)
}

// BenchmarkIdleSockets10k reports the server's heap+stack bytes per idle socket holding one
// joined channel, with 10,000 sockets connected over loopback from a child process.
func BenchmarkIdleSockets10k(b *testing.B) {
	const n = 10000
	env := startBench(b, n)
	// Idle: quiet long enough for the sweep to park the sockets (about two seconds; where
	// sockets cannot be parked, each keeps its reader goroutine).
	for start := time.Now(); runtime.NumGoroutine() > n/10 && time.Since(start) < 5*time.Second; {
		time.Sleep(50 * time.Millisecond)
	}
	var after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
	}
	if path := os.Getenv("GLINT_BENCH_HEAPPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	heap := int64(after.HeapInuse) - int64(env.before.HeapInuse)
	stack := int64(after.StackInuse) - int64(env.before.StackInuse)
	b.ReportMetric(float64(heap+stack)/n, "bytes/socket")
	b.ReportMetric(float64(heap)/n, "heap-bytes/socket")
	b.ReportMetric(float64(stack)/n, "stack-bytes/socket")
	b.ReportMetric(float64(runtime.NumGoroutine())/n, "goroutines/socket")
}

// BenchmarkBroadcastFanout10k measures the time from Broadcast until the last of 10,000
// subscribed sockets (in a child process) has read the frame.
func BenchmarkBroadcastFanout10k(b *testing.B) {
	const n = 10000
	env := startBench(b, n)
	ps := env.ts.srv.PubSub()
	var lat, written []time.Duration
	seq := 0
	for b.Loop() {
		seq++
		out := env.ts.srv.Metrics().FramesOut.Load()
		start := time.Now()
		if err := ps.Broadcast(context.Background(), benchTopic, "tick", map[string]int{"seq": seq}); err != nil {
			b.Fatal(err)
		}
		// Server side: until the writers have written all n frames.
		for env.ts.srv.Metrics().FramesOut.Load() < out+n {
			time.Sleep(100 * time.Microsecond)
		}
		written = append(written, time.Since(start))
		lat = append(lat, env.got(b, seq).Sub(start))
	}
	slices.Sort(lat)
	slices.Sort(written)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-to-last/op")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms-to-last")
	b.ReportMetric(float64(written[len(written)/2].Microseconds())/1000, "ms-all-written/op")
}

// relayHandler is a channel that forwards every broadcast on relayTopic to its client as a
// push of its own, as a live view sends each subscriber its own diff.
type relayHandler struct{ benchHandler }

const relayTopic = "news"

func (relayHandler) Join(_ context.Context, c *channel.Channel, _ json.RawMessage) (any, error) {
	return nil, c.Subscribe(relayTopic)
}

func (relayHandler) HandleInfo(_ context.Context, c *channel.Channel, msg any) {
	if m, ok := msg.(*pubsub.Message); ok {
		_ = c.Push("tick", channel.ValidJSON(m.Payload))
	}
}

// BenchmarkRelayFanout10k measures the time from a broadcast until the last of 10,000
// sockets (in a child process) has read the push its channel made of it: every channel
// handles the message on a goroutine of the server's and pushes a frame of about 1 KB.
// It reports the goroutines the server created per broadcast.
func BenchmarkRelayFanout10k(b *testing.B) {
	const n = 10000
	ts := newBenchServer(b)
	if err := ts.srv.Handle("relay:*", func() channel.Handler { return relayHandler{} }); err != nil {
		b.Fatal(err)
	}
	env := startBenchOn(b, ts, n, benchJoinTopicEnv+"=relay:bench")
	ps := env.ts.srv.PubSub()
	pad := strings.Repeat("x", 900)
	created := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	var lat []time.Duration
	var goroutines uint64
	seq := 0
	for b.Loop() {
		seq++
		metrics.Read(created)
		before := created[0].Value.Uint64()
		start := time.Now()
		payload := json.RawMessage(fmt.Sprintf(`{"seq":%d,"pad":%q}`, seq, pad))
		if err := ps.Broadcast(context.Background(), relayTopic, "news", payload); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, env.got(b, seq).Sub(start))
		metrics.Read(created)
		goroutines += created[0].Value.Uint64() - before
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-to-last/op")
	b.ReportMetric(float64(goroutines)/float64(b.N), "goroutines-created/op")
}

// BenchmarkPushReply1000 measures push→reply round trips with 1,000 sockets pushing
// concurrently over loopback (clients in this process). Each op is one round in which
// every client pushes once and waits for its reply.
func BenchmarkPushReply1000(b *testing.B) {
	const n = 1000
	raiseFileLimit()
	ts := newBenchServer(b)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = ts.srv.Shutdown(ctx)
		ts.http.Close()
	}()
	conns := make([]*wsclient.Conn, n)
	for i := range conns {
		dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
		c, err := wsclient.Dial(dctx, ts.url, nil)
		dcancel()
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseNow()
		if err := c.WriteText([]byte(`["1","1","room:rtt","phx_join",{}]`)); err != nil {
			b.Fatal(err)
		}
		if _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
		conns[i] = c
	}
	var mu sync.Mutex
	var rtts []time.Duration
	frame := []byte(`["1","2","room:rtt","event",{"type":"click","event":"inc","value":{"value":""}}]`)
	for b.Loop() {
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Go(func() {
				start := time.Now()
				if err := c.WriteText(frame); err != nil {
					b.Error(err)
					return
				}
				if _, err := c.ReadMessage(); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(start)
				mu.Lock()
				rtts = append(rtts, d)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	slices.Sort(rtts)
	b.ReportMetric(float64(rtts[len(rtts)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(rtts[len(rtts)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkClickRoundTrip measures one click on one socket: the event frame written over
// loopback, decoded, handed to the channel's goroutine, answered, and the reply read back
// (internal/wsclient, which allocates nothing per message, so allocs/op are the server's).
//
//	go test -run '^$' -bench 'ClickRoundTrip$' -benchtime 20000x -count 5 ./live/channel
func BenchmarkClickRoundTrip(b *testing.B) {
	ts := newBenchServer(b)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = ts.srv.Shutdown(ctx)
		ts.http.Close()
	}()
	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
	c, err := wsclient.Dial(dctx, ts.url, nil)
	dcancel()
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	const topic = "room:phx-GBsi_6M7paYhySQj"
	if err := c.WriteText([]byte(`["1","1","` + topic + `","phx_join",{}]`)); err != nil {
		b.Fatal(err)
	}
	if _, err := c.ReadMessage(); err != nil {
		b.Fatal(err)
	}
	head := []byte(`["1","`)
	tail := []byte(`","` + topic + `","event",{"type":"click","event":"inc","value":{"value":""}}]`)
	var buf []byte
	ref := 1
	b.ReportAllocs()
	for b.Loop() {
		ref++
		buf = append(strconv.AppendInt(append(buf[:0], head...), int64(ref), 10), tail...)
		if err := c.WriteText(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}
