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
	const window = 600 * time.Millisecond
	ts := newTestServer(t, channel.Options{DrainWindow: window})
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = ts.dial(t, "")
		clients[i].send(`["1","1","room:a","phx_join",{}]`)
		clients[i].expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	}
	start := time.Now()
	var mu sync.Mutex
	var offsets []time.Duration
	codes := map[websocket.StatusCode]int{}
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			code := c.closeStatus()
			mu.Lock()
			offsets = append(offsets, time.Since(start))
			codes[code]++
			mu.Unlock()
		})
	}
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
	wg.Wait()
	if codes[websocket.StatusServiceRestart] != n {
		t.Fatalf("close codes %v, want %d × 1012", codes, n)
	}
	sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
	spread := offsets[n-1] - offsets[0]
	if spread < window/4 {
		t.Fatalf("closes spread over %v only (offsets %v), want ≥ %v", spread, offsets, window/4)
	}
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
	const window = 400 * time.Millisecond
	ts := newTestServer(t, channel.Options{DrainWindow: window})
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = ts.dial(t, "")
		clients[i].send(`["1","1","room:a","phx_join",{}]`)
		clients[i].expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	}
	start := time.Now()
	if got := ts.srv.Drain(); got != n {
		t.Fatalf("Drain scheduled %d sockets, want %d", got, n)
	}
	var mu sync.Mutex
	var offsets []time.Duration
	codes := map[websocket.StatusCode]int{}
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			code := c.closeStatus()
			mu.Lock()
			offsets = append(offsets, time.Since(start))
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[websocket.StatusServiceRestart] != n {
		t.Fatalf("close codes %v, want %d × 1012", codes, n)
	}
	sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
	if spread := offsets[n-1] - offsets[0]; spread < window/4 {
		t.Errorf("closes spread over %v only, want ≥ %v", spread, window/4)
	}
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
