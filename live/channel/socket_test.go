package channel_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
)

func TestCloseCodes(t *testing.T) {
	cases := []struct {
		name string
		opts channel.Options
		act  func(c *client)
		want websocket.StatusCode
	}{
		{"undecodable frame closes 1011", channel.Options{}, func(c *client) { c.send(`["1","1","room:a"`) }, websocket.StatusInternalError},
		{"frame that is not an array closes 1011", channel.Options{}, func(c *client) { c.send(`{"topic":"x"}`) }, websocket.StatusInternalError},
		{"non-object payload closes 1011", channel.Options{}, func(c *client) { c.send(`[null,"1","phoenix","heartbeat",[]]`) }, websocket.StatusInternalError},
		{"binary frame that is not a push closes 1011", channel.Options{}, func(c *client) {
			if err := c.conn.Write(context.Background(), websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
				c.t.Fatal(err)
			}
		}, websocket.StatusInternalError},
		{"frame over the limit closes 1009", channel.Options{MaxFrameBytes: 1024}, func(c *client) {
			c.send(`[null,"1","phoenix","heartbeat",{"pad":"` + strings.Repeat("x", 2000) + `"}]`)
		}, websocket.StatusMessageTooBig},
		{"frame over the default 1 MiB closes 1009", channel.Options{}, func(c *client) {
			c.send(`[null,"1","phoenix","heartbeat",{"pad":"` + strings.Repeat("x", 1<<20) + `"}]`)
		}, websocket.StatusMessageTooBig},
		{"no frame within the heartbeat timeout closes 1001", channel.Options{HeartbeatTimeout: 150 * time.Millisecond}, func(*client) {}, websocket.StatusGoingAway},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.opts)
			c := ts.dial(t, "")
			defer c.close()
			tc.act(c)
			if got := c.closeStatus(); got != tc.want {
				t.Fatalf("close status %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHeartbeatKeepsSocketOpen(t *testing.T) {
	ts := newTestServer(t, channel.Options{HeartbeatTimeout: 300 * time.Millisecond})
	c := ts.dial(t, "")
	defer c.close()
	for i := range 6 {
		time.Sleep(100 * time.Millisecond)
		c.quiet(fmt.Sprint(i))
	}
}

func TestUpgradeRejected(t *testing.T) {
	cases := []struct {
		name   string
		opts   channel.Options
		query  string
		header http.Header
		want   int
	}{
		{"no vsn", channel.Options{}, "", nil, http.StatusForbidden},
		{"vsn 1", channel.Options{}, "vsn=1.0.0", nil, http.StatusForbidden},
		{"vsn 2 ok", channel.Options{}, "vsn=2.0.0", nil, http.StatusSwitchingProtocols},
		{"vsn 2.1 ok", channel.Options{}, "vsn=2.1.0", nil, http.StatusSwitchingProtocols},
		{"foreign origin", channel.Options{}, "vsn=2.0.0", http.Header{"Origin": {"http://evil.example"}}, http.StatusForbidden},
		{"same origin", channel.Options{}, "vsn=2.0.0", http.Header{"Origin": {"http://HOST"}}, http.StatusSwitchingProtocols},
		{"allow list hit", channel.Options{CheckOrigin: channel.AllowOrigins("https://app.example")}, "vsn=2.0.0", http.Header{"Origin": {"https://app.example"}}, http.StatusSwitchingProtocols},
		{"allow list scheme miss", channel.Options{CheckOrigin: channel.AllowOrigins("https://app.example")}, "vsn=2.0.0", http.Header{"Origin": {"http://app.example"}}, http.StatusForbidden},
		{"allow list host only", channel.Options{CheckOrigin: channel.AllowOrigins("app.example")}, "vsn=2.0.0", http.Header{"Origin": {"http://app.example"}}, http.StatusSwitchingProtocols},
		{"origin check off", channel.Options{CheckOrigin: channel.AllowAnyOrigin}, "vsn=2.0.0", http.Header{"Origin": {"http://evil.example"}}, http.StatusSwitchingProtocols},
		{"connect refused", channel.Options{Connect: func(ctx context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
			if info.Params.Get("token") != "good" {
				return nil, errors.New("bad token")
			}
			return nil, nil
		}}, "vsn=2.0.0&token=bad", nil, http.StatusForbidden},
		{"connect accepted", channel.Options{Connect: func(ctx context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
			if info.Params.Get("token") != "good" {
				return nil, errors.New("bad token")
			}
			return nil, nil
		}}, "vsn=2.0.0&token=good", nil, http.StatusSwitchingProtocols},
		{"connect panics", channel.Options{Connect: func(ctx context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
			panic("oops")
		}}, "vsn=2.0.0", nil, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logBuf syncBuffer
			tc.opts.Logger = slog.New(slog.NewTextHandler(&logBuf, nil))
			ts := newTestServer(t, tc.opts)
			u := strings.Replace(ts.url, "?vsn=2.0.0", "?"+tc.query, 1)
			h := http.Header{}
			for k, v := range tc.header {
				h[k] = []string{strings.Replace(v[0], "HOST", strings.TrimPrefix(ts.http.URL, "http://"), 1)}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
			if conn != nil {
				defer conn.CloseNow()
			}
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d (err %v)", resp.StatusCode, tc.want, err)
			}
			if tc.want == http.StatusForbidden {
				if !strings.Contains(logBuf.String(), "socket refused") {
					t.Fatalf("refusal not logged: %q", logBuf.String())
				}
				if got := ts.srv.Metrics().ConnectRejected.Load(); got != 1 {
					t.Fatalf("ConnectRejected = %d, want 1", got)
				}
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a slog handler.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestConnectAssignsAndSocketID(t *testing.T) {
	ts := newTestServer(t, channel.Options{Connect: func(ctx context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
		return channel.Assigns{"socket_id": "user:" + info.Params.Get("user"), "user": info.Params.Get("user")}, nil
	}})
	c := ts.dial(t, "user=42")
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	c.send(`["1","2","room:a","assigns",{}]`)
	c.expect(`["1","2","room:a","phx_reply",{"status":"ok","response":{"assigns":{"socket_id":"user:42","user":"42"},"join_ref":"1","socket_id":"user:42"}}]`)
}

func TestDisconnectByIDAcrossNodes(t *testing.T) {
	ps := pubsub.NewLocal() // shared by two "nodes"
	connect := func(ctx context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
		return channel.Assigns{"socket_id": info.Params.Get("id")}, nil
	}
	a := newTestServer(t, channel.Options{PubSub: ps, Connect: connect})
	b := newTestServer(t, channel.Options{PubSub: ps, Connect: connect})
	onA := a.dial(t, "id=user:1")
	onB := b.dial(t, "id=user:1")
	other := b.dial(t, "id=user:2")
	anon := a.dial(t, "")
	defer other.close()
	defer anon.close()
	// The subscription to the disconnect topic happens as the socket starts serving.
	waitFor(t, "disconnect subscriptions", func() bool { return ps.Subscribers(channel.DisconnectTopic("user:1")) == 2 })

	if err := a.srv.Disconnect(context.Background(), "user:1"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client{"node A": onA, "node B": onB} {
		if got := c.closeStatus(); got != websocket.StatusGoingAway {
			t.Fatalf("%s: close %v, want 1001", name, got)
		}
	}
	other.quiet("1")
	anon.quiet("1")
	if err := a.srv.Disconnect(context.Background(), ""); err == nil {
		t.Fatal("Disconnect(\"\") succeeded")
	}
}

func TestSlowClientOverflowClosesSocket(t *testing.T) {
	ts := newTestServer(t, channel.Options{OutboundQueue: 4})
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	// The client stops reading; the server broadcasts big frames until the kernel buffers
	// and then the 4-frame queue are full.
	big := fmt.Sprintf(`{"pad":%q}`, strings.Repeat("x", 256<<10))
	ctx := context.Background()
	for i := 0; i < 400 && ts.srv.Metrics().OutboundOverflows.Load() == 0; i++ {
		if err := ts.srv.PubSub().Broadcast(ctx, "room:a", "big", []byte(big)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if got := ts.srv.Metrics().OutboundOverflows.Load(); got != 1 {
		t.Fatalf("OutboundOverflows = %d, want 1", got)
	}
	if got := c.closeStatus(); got != websocket.StatusTryAgainLater {
		t.Fatalf("close %v, want 1013", got)
	}
	waitFor(t, "socket gone", func() bool { return ts.srv.Metrics().Connections.Load() == 0 })
	if q := ts.srv.Metrics().OutboundQueued.Load(); q != 0 {
		t.Fatalf("OutboundQueued = %d after close, want 0", q)
	}
}

func TestMailboxFullDropsWithoutBlockingReader(t *testing.T) {
	var logBuf syncBuffer
	ts := newTestServer(t, channel.Options{MailboxSize: 2, Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	c.send(`["1","2","room:a","sleep_notify",{}]`) // occupies the channel for 200ms
	c.expect(`["1",null,"room:a","sleeping",{}]`)
	for i := 3; i < 10; i++ {
		c.send(fmt.Sprintf(`["1","%d","room:a","ok",{}]`, i))
	}
	// The reader still answers at once while the channel is busy.
	c.quiet("hb")
	dropped := ts.srv.Metrics().MailboxDropped.Load()
	if dropped != 5 {
		t.Fatalf("MailboxDropped = %d, want 5 (7 sent to a busy channel with room for 2)", dropped)
	}
	// One log line per overflow episode, however many messages were dropped.
	if n := strings.Count(logBuf.String(), "mailbox full"); n != 1 {
		t.Fatalf("%d drops logged %d times, want once:\n%s", dropped, n, logBuf.String())
	}
	c.expect(`["1","2","room:a","phx_reply",{"status":"ok","response":{}}]`)
	// Some of the later pushes were answered, the rest were dropped; once the queued ones
	// are handled, the channel takes messages again.
	waitFor(t, "mailbox drained", func() bool { return ts.srv.Metrics().MailboxDepth.Load() == 0 })
	c.send(`["1","99","room:a","ok",{"last":true}]`)
	for {
		f := c.recv()
		if f == `["1","99","room:a","phx_reply",{"status":"ok","response":{"last":true}}]` {
			break
		}
		if !strings.HasPrefix(f, `["1","`) {
			t.Fatalf("unexpected frame %s", f)
		}
	}
}

func TestTerminateReasons(t *testing.T) {
	ts := newTestServer(t, channel.Options{})
	c := ts.dial(t, "")
	steps := []struct {
		send, topic string
		frames      int // frames the step makes the server send
		check       func(error) bool
	}{
		{`["1","2","room:leave","phx_leave",{}]`, "room:leave", 2, func(err error) bool { return err == nil }},
		{`["1","2","room:crash","panic",{}]`, "room:crash", 1, func(err error) bool { var p *channel.PanicError; return errors.As(err, &p) }},
		{`["9","9","room:dup","phx_join",{}]`, "room:dup", 2, func(err error) bool { return errors.Is(err, channel.ErrReplaced) }},
		{`["1","2","room:stop","stop_reply",{}]`, "room:stop", 2, func(err error) bool { return err == nil }},
	}
	for _, s := range steps {
		c.send(`["1","1","` + s.topic + `","phx_join",{}]`)
		c.expect(`["1","1","` + s.topic + `","phx_reply",{"status":"ok","response":{}}]`)
		c.send(s.send)
		for range s.frames {
			c.recv()
		}
		select {
		case ev := <-ts.term:
			if ev.topic != s.topic || !s.check(ev.reason) {
				t.Fatalf("%s: Terminate(%q, %v)", s.topic, ev.topic, ev.reason)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Terminate not called", s.topic)
		}
	}
	c.close()
	// room:dup's second membership ends with the socket.
	select {
	case ev := <-ts.term:
		if !errors.Is(ev.reason, channel.ErrSocketClosed) {
			t.Fatalf("socket close: Terminate(%q, %v)", ev.topic, ev.reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Terminate not called on socket close")
	}
	waitFor(t, "channels gauge back to 0", func() bool { return ts.srv.Metrics().Channels.Load() == 0 })
}

func TestExtraSubscription(t *testing.T) {
	ts := newTestServer(t, channel.Options{})
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	c.send(`["1","2","room:a","subscribe",{"Topic":"news"}]`)
	c.expect(`["1","2","room:a","phx_reply",{"status":"ok","response":{}}]`)
	if err := ts.srv.PubSub().Broadcast(context.Background(), "news", "headline", map[string]string{"t": "hi"}); err != nil {
		t.Fatal(err)
	}
	c.expect(`["1",null,"room:a","info:news",{"t":"hi"}]`)
	c.send(`["1","3","room:a","phx_leave",{}]`)
	c.expect(`["1","3","room:a","phx_reply",{"status":"ok","response":{}}]`, `["1","1","room:a","phx_close",{}]`)
	waitFor(t, "subscriptions removed", func() bool {
		l := ts.srv.PubSub().(*pubsub.Local)
		return l.Subscribers("news") == 0 && l.Subscribers("room:a") == 0
	})
}

// Flush runs once after the mailbox drains: messages that piled up while the channel was
// busy are one burst and get one Flush.
func TestFlushOncePerBurst(t *testing.T) {
	ts := newTestServer(t, channel.Options{})
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	c.send(`["1","2","room:a","flush_on",{}]`)
	c.expect(`["1","2","room:a","phx_reply",{"status":"ok","response":{}}]`, `["1",null,"room:a","flushed",{"n":1}]`)
	c.send(`["1","3","room:a","sleep",{}]`) // busy for 200ms while the next three queue up
	c.send(`["1","4","room:a","ok",{}]`)
	c.send(`["1","5","room:a","ok",{}]`)
	c.send(`["1","6","room:a","ok",{}]`)
	c.expect(
		`["1","3","room:a","phx_reply",{"status":"ok","response":{}}]`,
		`["1","4","room:a","phx_reply",{"status":"ok","response":{}}]`,
		`["1","5","room:a","phx_reply",{"status":"ok","response":{}}]`,
		`["1","6","room:a","phx_reply",{"status":"ok","response":{}}]`,
		`["1",null,"room:a","flushed",{"n":2}]`,
	)
	c.quiet("hb")
}

func TestHandlePatterns(t *testing.T) {
	srv := channel.NewServer(channel.Options{})
	nh := func() channel.Handler { return &testHandler{} }
	cases := []struct {
		pattern string
		ok      bool
	}{
		{"room:lobby", true},
		{"room:*", true},
		{"*", true},
		{"room:*", false},     // duplicate
		{"room:lobby", false}, // duplicate
		{"ro*om", false},
		{"*room", false},
		{"a**", false},
		{"", false},
	}
	for _, tc := range cases {
		err := srv.Handle(tc.pattern, nh)
		if (err == nil) != tc.ok {
			t.Errorf("Handle(%q) = %v, want ok=%v", tc.pattern, err, tc.ok)
		}
		if err != nil && !errors.Is(err, channel.ErrBadPattern) {
			t.Errorf("Handle(%q) error %v is not ErrBadPattern", tc.pattern, err)
		}
	}
	if err := srv.Handle("x", nil); err == nil {
		t.Error("Handle with nil constructor succeeded")
	}
}

func TestMetricsExposition(t *testing.T) {
	ts := newTestServer(t, channel.Options{})
	c := ts.dial(t, "")
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	c.send(`["2","2","lvu:0","phx_join",{}]`)
	c.recv()
	// The writer counts a frame once Write returned, which can be after the client read it.
	waitFor(t, "frames counted", func() bool { return ts.srv.Metrics().FramesOut.Load() == 2 })
	rec := &responseRecorder{h: http.Header{}}
	ts.srv.Metrics().ServeHTTP(rec, nil)
	out := rec.b.String()
	for _, want := range []string{
		"# TYPE glint_channel_connections gauge\nglint_channel_connections 1\n",
		"glint_channel_connections_total 1\n",
		"glint_channel_channels 1\n",
		`glint_channel_joins_total{status="ok"} 1` + "\n",
		`glint_channel_joins_total{status="error"} 1` + "\n",
		`glint_channel_joins_total{status="crashed"} 0` + "\n",
		"glint_channel_frames_in_total 2\n",
		"glint_channel_frames_out_total 2\n",
		"# TYPE go_goroutines gauge\n",
		"go_memstats_heap_alloc_bytes ",
		"go_memstats_stack_inuse_bytes ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics output lacks %q\n%s", want, out)
		}
	}
	if ct := rec.h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	// ?gc=1 collects garbage first, so memory gauges count live memory only.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ts.srv.Metrics().ServeHTTP(&responseRecorder{h: http.Header{}}, httptest.NewRequest(http.MethodGet, "/metrics?gc=1", nil))
	runtime.ReadMemStats(&after)
	if after.NumGC <= before.NumGC {
		t.Errorf("metrics?gc=1 ran no garbage collection (NumGC %d → %d)", before.NumGC, after.NumGC)
	}
	c.close()
}

type responseRecorder struct {
	h http.Header
	b bytes.Buffer
}

func (r *responseRecorder) Header() http.Header         { return r.h }
func (r *responseRecorder) Write(p []byte) (int, error) { return r.b.Write(p) }
func (r *responseRecorder) WriteHeader(int)             {}

func TestAssignsFromRequestContext(t *testing.T) {
	ts := newTestServer(t, channel.Options{}) // no Connect callback
	// An authentication middleware in front of the server.
	withAuth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := channel.Assigns{"socket_id": "user:7", "user": "7"}
		ts.srv.ServeHTTP(w, r.WithContext(channel.ContextWithAssigns(r.Context(), a)))
	}))
	defer withAuth.Close()
	ts.url = "ws" + strings.TrimPrefix(withAuth.URL, "http") + "/socket/websocket?vsn=2.0.0"
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	c.send(`["1","2","room:a","assigns",{}]`)
	c.expect(`["1","2","room:a","phx_reply",{"status":"ok","response":{"assigns":{"socket_id":"user:7","user":"7"},"join_ref":"1","socket_id":"user:7"}}]`)
	if got := channel.AssignsFromContext(context.Background()); got != nil {
		t.Fatalf("AssignsFromContext(empty) = %v", got)
	}
}

// A channel that left its topic (or was replaced) but is still busy in a handler must
// still be stopped when the socket closes.
func TestSocketCloseStopsLeavingChannels(t *testing.T) {
	ts := newTestServer(t, channel.Options{})
	c := ts.dial(t, "")
	for _, topic := range []string{"room:leaving", "room:replaced"} {
		c.send(`["1","1","` + topic + `","phx_join",{}]`)
		c.expect(`["1","1","` + topic + `","phx_reply",{"status":"ok","response":{}}]`)
		c.send(`["1","2","` + topic + `","block",{}]`) // waits for its context
	}
	c.send(`["1","3","room:leaving","phx_leave",{}]`) // queued behind the block
	c.send(`["5","5","room:replaced","phx_join",{}]`) // cancels the old membership's block
	c.send(`[null,"hb","phoenix","heartbeat",{}]`)
	for c.recv() != `[null,"hb","phoenix","phx_reply",{"status":"ok","response":{}}]` {
	}
	c.close()
	got := map[string]error{}
	for len(got) < 3 {
		select {
		case ev := <-ts.term:
			got[ev.topic+fmt.Sprint(len(got))] = ev.reason
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of 3 channels terminated: %v", len(got), got)
		}
	}
	waitFor(t, "channels gauge back to 0", func() bool { return ts.srv.Metrics().Channels.Load() == 0 })
}

// TestSocketsKeepOnlyTheHeadersAskedFor also checks that channels still see the socket's
// query parameters (parsed again on demand) and no cookies.
func TestSocketsKeepOnlyTheHeadersAskedFor(t *testing.T) {
	for _, tc := range []struct {
		name string
		keep []string
		want string
	}{
		{"default keeps none", nil, `{"cookies":0,"header":null,"user":"ann"}`},
		{"kept by any spelling", []string{"user-agent", "X-Absent"}, `{"cookies":0,"header":{"User-Agent":["Go-http-client/1.1"]},"user":"ann"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen atomic.Value
			ts := newTestServer(t, channel.Options{KeepHeaders: tc.keep, Connect: func(ctx context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
				seen.Store(info.Header.Get("User-Agent"))
				return nil, nil
			}})
			c := ts.dial(t, "user=ann")
			defer c.close()
			c.send(`["1","1","room:a","phx_join",{}]`)
			c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
			c.send(`["1","2","room:a","headers",{}]`)
			c.expect(`["1","2","room:a","phx_reply",{"status":"ok","response":` + tc.want + `}]`)
			if seen.Load() != "Go-http-client/1.1" {
				t.Errorf("Connect saw User-Agent %q, want every header", seen.Load())
			}
		})
	}
}
