package channel_test

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/channel"
)

func TestShutdownSpreadsClosesOverDrainWindow(t *testing.T) {
	const n = 20
	// Long enough that a loaded machine's stalls of a few hundred milliseconds cannot
	// bunch the closes below window/4.
	const window = 1500 * time.Millisecond
	ts := newTestServer(t, channel.Options{DrainWindow: window})
	clients := joinedClients(t, ts, n)
	start := time.Now()
	closes := watchCloses(clients, start)
	done := make(chan error, 1)
	go func() { done <- ts.srv.Shutdown(context.Background()) }()

	// New upgrades are refused with 503 while draining.
	waitFor(t, "refusal", func() bool {
		conn, resp, err := websocket.Dial(context.Background(), ts.url, nil)
		if conn != nil {
			conn.CloseNow() // accepted just before Shutdown began
		}
		return err != nil && resp != nil && resp.StatusCode == http.StatusServiceUnavailable
	})
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	elapsed := time.Since(start)
	closes.check(t, n, window)
	if elapsed > window+2*time.Second {
		t.Fatalf("Shutdown took %v, window %v", elapsed, window)
	}
	// Every channel was terminated.
	if got := ts.srv.Metrics().Channels.Load(); got != 0 {
		t.Fatalf("Channels = %d after Shutdown", got)
	}
}

func TestShutdownRespectsContext(t *testing.T) {
	ts := newTestServer(t, channel.Options{DrainWindow: time.Hour})
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	c.send(`["1","2","room:a","block",{}]`) // a handler waiting on its context
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := ts.srv.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Shutdown took %v after its context ended", d)
	}
	if got := ts.srv.Metrics().Connections.Load(); got != 0 {
		t.Fatalf("Connections = %d after Shutdown", got)
	}
}

func TestDrainClosesSpreadAndKeepsAccepting(t *testing.T) {
	const n = 12
	const window = 1200 * time.Millisecond // see TestShutdownSpreadsClosesOverDrainWindow
	ts := newTestServer(t, channel.Options{DrainWindow: window})
	clients := joinedClients(t, ts, n)
	start := time.Now()
	if got := ts.srv.Drain(); got != n {
		t.Fatalf("Drain scheduled %d sockets, want %d", got, n)
	}
	closes := watchCloses(clients, start)
	closes.check(t, n, window)
	// Unlike Shutdown, the server still serves: a client reconnects and joins at once.
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["2","2","room:a","phx_join",{}]`)
	c.expect(`["2","2","room:a","phx_reply",{"status":"ok","response":{}}]`)
	// Drained sockets unregister as their goroutines finish.
	waitFor(t, "drained sockets to unregister", func() bool { return ts.srv.Metrics().Connections.Load() == 1 })
	if got := ts.srv.Drain(); got != 1 {
		t.Errorf("a second Drain scheduled %d sockets, want the 1 new one", got)
	}
}

// joinedClients dials n sockets that each join room:a.
func joinedClients(t *testing.T, ts *testServer, n int) []*client {
	t.Helper()
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = ts.dial(t, "")
		clients[i].send(`["1","1","room:a","phx_join",{}]`)
		clients[i].expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	}
	return clients
}

// closeWatch records when, after start, each client's socket was closed, and with what code.
type closeWatch struct {
	wg      sync.WaitGroup
	mu      sync.Mutex
	offsets []time.Duration
	codes   map[websocket.StatusCode]int
}

func watchCloses(clients []*client, start time.Time) *closeWatch {
	w := &closeWatch{codes: map[websocket.StatusCode]int{}}
	for _, c := range clients {
		w.wg.Go(func() {
			code := c.closeStatus()
			w.mu.Lock()
			w.offsets = append(w.offsets, time.Since(start))
			w.codes[code]++
			w.mu.Unlock()
		})
	}
	return w
}

// check waits for every close and asserts n closes with 1012 spread over at least a
// quarter of window.
func (w *closeWatch) check(t *testing.T, n int, window time.Duration) {
	t.Helper()
	w.wg.Wait()
	if w.codes[websocket.StatusServiceRestart] != n {
		t.Fatalf("close codes %v, want %d × 1012", w.codes, n)
	}
	sort.Slice(w.offsets, func(i, j int) bool { return w.offsets[i] < w.offsets[j] })
	if spread := w.offsets[n-1] - w.offsets[0]; spread < window/4 {
		t.Fatalf("closes spread over %v only (offsets %v), want ≥ %v", spread, w.offsets, window/4)
	}
}
