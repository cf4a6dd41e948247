package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

func TestMain(m *testing.M) {
	if os.Getenv(bareServerEnv) != "" { // the baseline's server process (bare.go)
		os.Exit(serveBare(os.Stdin, os.Stdout))
	}
	goleak.VerifyTestMain(m)
}

// counter is the view the tool is pointed at in these tests.
type counter struct{ Count int }

func (c *counter) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	if s.Connected() {
		return s.Subscribe("counter")
	}
	return nil
}

func (c *counter) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "inc" {
		return live.ErrUnknownEvent
	}
	c.Count++
	return nil
}

func (c *counter) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	c.Count += 1000
	return nil
}

var counterTmpl = render.Must(render.New("counter").Parse(`<p id="count">{{.Count}}</p><button phx-click="inc">+</button>`))

// testServer is a Glint server whose live server can be replaced ("restarted") behind one
// address, with trigger endpoints for the fanout and reconnect scenarios.
type testServer struct {
	*httptest.Server
	mu  sync.Mutex
	cur *live.Server
	old []*live.Server
}

func newLive() *live.Server {
	s := live.New(live.Options{
		Secret:      []byte("0123456789abcdef0123456789abcdef"),
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		MetricsPath: "/metrics",
	})
	s.Handle("/", live.Page{New: func() live.View { return &counter{} }, Template: counterTmpl})
	return s
}

func startTestServer(t *testing.T) *testServer {
	ts := &testServer{cur: newLive()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /broadcast", func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		cur := ts.cur
		ts.mu.Unlock()
		if err := cur.PubSub().Broadcast(r.Context(), "counter", "bump", nil); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("POST /restart", func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		old := ts.cur
		ts.old = append(ts.old, old)
		ts.cur = newLive()
		ts.mu.Unlock()
		go old.Shutdown(context.Background())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		cur := ts.cur
		ts.mu.Unlock()
		cur.ServeHTTP(w, r)
	})
	ts.Server = httptest.NewServer(mux)
	t.Cleanup(func() {
		ts.Server.CloseClientConnections()
		ts.mu.Lock()
		all := append(ts.old, ts.cur)
		ts.mu.Unlock()
		for _, s := range all {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			s.Shutdown(ctx)
			cancel()
		}
		ts.Server.Close()
	})
	return ts
}

func runCLI(t *testing.T, args ...string) (map[string]any, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli(append(args, "-json", "-quiet"), &out, &errb)
	if code != 0 {
		t.Fatalf("glintload %v exited %d\nstderr: %s\nstdout: %s", args, code, errb.String(), out.String())
	}
	var res struct {
		Values map[string]any   `json:"values"`
		Errors map[string]int64 `json:"errors"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	return res.Values, errb.String()
}

func num(t *testing.T, vals map[string]any, key string) float64 {
	t.Helper()
	v, ok := vals[key].(float64)
	if !ok {
		t.Fatalf("result has no %q: %v", key, vals)
	}
	return v
}

func TestIdleReportsMemoryPerView(t *testing.T) {
	ts := startTestServer(t)
	vals, _ := runCLI(t, "-url", ts.URL+"/", "-scenario", "idle", "-n", "50", "-hold", "200ms")
	if got := num(t, vals, "views connected"); got != 50 {
		t.Fatalf("views connected = %v, want 50", got)
	}
	if per := num(t, vals, "memory per view"); per <= 0 || per > 1024 {
		t.Errorf("memory per view = %v KiB: want a positive, plausible figure", per)
	}
	if g := num(t, vals, "goroutines per view"); g < 1 {
		t.Errorf("goroutines per view = %v: a connected view holds at least one", g)
	}
}

func TestClicksReportLatency(t *testing.T) {
	ts := startTestServer(t)
	vals, _ := runCLI(t, "-url", ts.URL+"/", "-scenario", "clicks", "-n", "20", "-rate", "20", "-duration", "1s")
	replies := num(t, vals, "replies")
	if replies < 200 { // 20 views × 20/s × 1s = 400 sent
		t.Errorf("replies = %v, want most of the 400 clicks answered", replies)
	}
	p50, p99, mx := num(t, vals, "latency p50"), num(t, vals, "latency p99"), num(t, vals, "latency max")
	if !(p50 > 0 && p50 <= p99 && p99 <= mx) {
		t.Errorf("latencies not ordered: p50 %v p99 %v max %v", p50, p99, mx)
	}
}

func TestFanoutReachesEveryView(t *testing.T) {
	ts := startTestServer(t)
	vals, _ := runCLI(t, "-url", ts.URL+"/", "-scenario", "fanout", "-n", "40", "-trigger", "POST "+ts.URL+"/broadcast", "-settle", "10s")
	if got := num(t, vals, "views updated"); got != 40 {
		t.Fatalf("views updated = %v, want 40", got)
	}
	if b := num(t, vals, "bytes per view"); b <= 0 || b > 200 {
		t.Errorf("bytes per view = %v: the diff of one number should be small and nonzero", b)
	}
	if last := num(t, vals, "time to last view"); last <= 0 {
		t.Errorf("time to last view = %v", last)
	}
}

func TestFanoutBaseline(t *testing.T) {
	ts := startTestServer(t)
	vals, _ := runCLI(t, "-url", ts.URL+"/", "-scenario", "fanout", "-n", "30", "-baseline", "-trigger", "POST "+ts.URL+"/broadcast", "-settle", "10s")
	if got, missed := num(t, vals, "bare broadcast: sockets"), num(t, vals, "bare broadcast: missed"); got != 30 || missed != 0 {
		t.Fatalf("bare broadcast: %v sockets, %v missed; want 30 and 0", got, missed)
	}
	if views, bare := num(t, vals, "bytes per view"), num(t, vals, "bare broadcast: frame bytes"); bare != float64(int(views)) {
		t.Errorf("bare frame %v bytes, views' %v", bare, views)
	}
	last, bare, ratio := num(t, vals, "time to last view"), num(t, vals, "bare broadcast: time to last socket"), num(t, vals, "last view / bare broadcast's last socket")
	if bare <= 0 || ratio <= 0 || math.Abs(ratio-last/bare) > 1e-6*ratio {
		t.Errorf("last view %v ms, bare %v ms, ratio %v", last, bare, ratio)
	}
}

func TestReconnectAfterRestart(t *testing.T) {
	ts := startTestServer(t)
	vals, _ := runCLI(t, "-url", ts.URL+"/", "-scenario", "reconnect", "-n", "30", "-trigger", "POST "+ts.URL+"/restart", "-settle", "30s")
	if got := num(t, vals, "views rejoined"); got != 30 {
		t.Fatalf("views rejoined = %v, want 30 (%v)", got, vals)
	}
	if f := num(t, vals, "views failed"); f != 0 {
		t.Errorf("views failed = %v", f)
	}
	if first, all := num(t, vals, "first rejoin (since trigger)"), num(t, vals, "all rejoined after"); !(first > 0 && first <= all) {
		t.Errorf("first %v, all %v", first, all)
	}
}

func TestBadInputFailsClearly(t *testing.T) {
	ts := startTestServer(t)
	notLive := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html><body>no view here</body></html>")
	}))
	defer notLive.Close()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown scenario", []string{"-scenario", "nope"}, 2, "want idle, clicks"},
		{"fanout without trigger", []string{"-scenario", "fanout"}, 2, "needs -trigger"},
		{"stray argument", []string{"extra"}, 2, "unexpected arguments"},
		{"page without a live view", []string{"-url", notLive.URL, "-n", "1"}, 1, "no live view container"},
		{"unreachable server", []string{"-url", "http://127.0.0.1:1/", "-n", "1"}, 1, "GET http://127.0.0.1:1/"},
		{"trigger refused", []string{"-url", ts.URL + "/", "-scenario", "fanout", "-n", "2", "-trigger", "POST " + ts.URL + "/nothing-here"}, 1, "trigger"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cli(append(tc.args, "-quiet", "-timeout", "20s"), &out, &errb)
			if code != tc.code || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d (want %d), stderr %q (want it to mention %q)", code, tc.code, errb.String(), tc.want)
			}
		})
	}
}

func TestOverallDeadline(t *testing.T) {
	// A server that accepts the page but never answers the socket upgrade: the run must
	// still end at -timeout.
	var hits atomic.Int64
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/websocket") {
			hits.Add(1)
			<-r.Context().Done()
			return
		}
		io.WriteString(w, `<meta name="csrf-token" content="x"><div id="phx-A" data-phx-main data-phx-session="S"></div>`)
	}))
	defer hang.Close()
	defer hang.CloseClientConnections()
	start := time.Now()
	var out, errb bytes.Buffer
	code := cli([]string{"-url", hang.URL, "-scenario", "clicks", "-n", "3", "-quiet", "-timeout", "1s", "-join-timeout", "30s"}, &out, &errb)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("run took %v despite -timeout 1s", took)
	}
	if hits.Load() == 0 {
		t.Error("the tool never tried the socket")
	}
}
