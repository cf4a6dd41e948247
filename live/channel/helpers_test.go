package channel_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(benchClientEnv); url != "" {
		// Re-executed by a benchmark as its client process (see bench_test.go).
		os.Exit(runBenchClients(url))
	}
	if url := os.Getenv(attackURLEnv); url != "" {
		// Re-executed by the soak benchmark as its attackers (see soak_bench_test.go).
		os.Exit(runAttackers(url))
	}
	goleak.VerifyTestMain(m)
}

// testServer is a channel.Server on a loopback httptest server.
type testServer struct {
	srv  *channel.Server
	http *httptest.Server
	url  string // ws://…/socket/websocket
	term chan termEvent
}

type termEvent struct {
	topic  string
	reason error
}

// newTestServer starts a server with opts (short drain window unless set) and the test
// handler routed at "room:*" and "lv:*".
func newTestServer(t testing.TB, opts channel.Options) *testServer {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.DrainWindow == 0 {
		opts.DrainWindow = 10 * time.Millisecond
	}
	ts := &testServer{term: make(chan termEvent, 100)}
	ts.srv = channel.NewServer(opts)
	for _, p := range []string{"room:*", "lv:*"} {
		if err := ts.srv.Handle(p, func() channel.Handler { return &testHandler{term: ts.term} }); err != nil {
			t.Fatal(err)
		}
	}
	ts.http = newHTTPServer(ts.srv)
	ts.url = "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/socket/websocket?vsn=2.0.0"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ts.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.http.Close()
	})
	return ts
}

func newHTTPServer(srv *channel.Server) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/socket/websocket", srv)
	return httptest.NewServer(mux)
}

// client is a raw WebSocket client for golden-frame tests.
type client struct {
	t    testing.TB
	conn *websocket.Conn
}

func (ts *testServer) dial(t testing.TB, query string) *client {
	t.Helper()
	c, err := ts.tryDial(query)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return &client{t: t, conn: c}
}

func (ts *testServer) tryDial(query string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := ts.url
	if query != "" {
		u += "&" + query
	}
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(-1)
	return c, nil
}

func (c *client) send(frame string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatalf("write %s: %v", frame, err)
	}
}

// recv returns the next frame, failing the test after 5s.
func (c *client) recv() string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, b, err := c.conn.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		c.t.Fatalf("got a binary frame %q", b)
	}
	return string(b)
}

// expect reads frames and compares them byte for byte with want, in order.
func (c *client) expect(want ...string) {
	c.t.Helper()
	for _, w := range want {
		if got := c.recv(); got != w {
			c.t.Fatalf("frame mismatch\n got: %s\nwant: %s", got, w)
		}
	}
}

// quiet proves that nothing was sent before the heartbeat reply: frames are ordered, so a
// heartbeat answered next means nothing was queued before it.
func (c *client) quiet(ref string) {
	c.t.Helper()
	c.send(`[null,"` + ref + `","phoenix","heartbeat",{}]`)
	c.expect(`[null,"` + ref + `","phoenix","phx_reply",{"status":"ok","response":{}}]`)
}

// closeStatus reads until the connection ends and returns the close code.
func (c *client) closeStatus() websocket.StatusCode {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.conn.Read(ctx)
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func (c *client) close() { c.conn.Close(websocket.StatusNormalClosure, "") }

// testHandler behaves according to the event name (see HandleIn).
type testHandler struct {
	term      chan termEvent
	flushes   int
	pushFlush bool
}

func (h *testHandler) Join(ctx context.Context, c *channel.Channel, payload json.RawMessage) (any, error) {
	var p struct {
		Mode string `json:"mode"`
	}
	_ = json.Unmarshal(payload, &p)
	switch p.Mode {
	case "error":
		return nil, errors.New("stale")
	case "subscribe_then_error":
		if err := c.Subscribe("extra:" + c.Topic()); err != nil {
			panic(err)
		}
		return nil, errors.New("refused after subscribing")
	case "errmap":
		return nil, &channel.ErrorReply{Response: map[string]any{"reason": "unauthorized", "code": 7}}
	case "panic":
		panic("boom in join")
	case "slow":
		time.Sleep(100 * time.Millisecond)
	}
	if strings.HasPrefix(c.Topic(), "lv:") {
		return json.RawMessage(`{"rendered":{"0":"0"},"liveview_version":"1.2.12"}`), nil
	}
	return nil, nil
}

func (h *testHandler) HandleIn(ctx context.Context, c *channel.Channel, event string, payload json.RawMessage) channel.Reply {
	switch event {
	case "ok":
		return channel.Ok(payload)
	case "error":
		return channel.Error(map[string]string{"reason": "uploads not supported"})
	case "noreply":
		return channel.NoReply()
	case "panic":
		panic("boom")
	case "stop":
		if err := c.Push("redirect", json.RawMessage(`{"to":"/login"}`)); err != nil {
			panic(err)
		}
		return channel.NoReply().Stop()
	case "stop_reply":
		return channel.Ok(json.RawMessage(`{"bye":true}`)).Stop()
	case "stop_error":
		c.Stop(errors.New("fatal"))
		return channel.NoReply()
	case "push":
		if err := c.Push("diff", payload); err != nil {
			panic(err)
		}
		return channel.NoReply()
	case "broadcast":
		if err := c.Broadcast(ctx, "shout", payload); err != nil {
			panic(err)
		}
		return channel.Ok(nil)
	case "broadcast_intercepted":
		if err := c.Broadcast(ctx, "intercepted", payload); err != nil {
			panic(err)
		}
		return channel.Ok(nil)
	case "broadcast_from":
		if err := c.BroadcastFrom(ctx, "shout", payload); err != nil {
			panic(err)
		}
		return channel.Ok(nil)
	case "send":
		if !c.Send(payload) {
			panic("send failed")
		}
		return channel.Ok(nil)
	case "subscribe":
		var p struct{ Topic string }
		_ = json.Unmarshal(payload, &p)
		if err := c.Subscribe(p.Topic); err != nil {
			panic(err)
		}
		return channel.Ok(nil)
	case "block":
		<-ctx.Done()
		return channel.NoReply()
	case "sleep_notify":
		_ = c.Push("sleeping", nil)
		time.Sleep(200 * time.Millisecond)
		return channel.Ok(nil)
	case "sleep":
		time.Sleep(200 * time.Millisecond)
		return channel.Ok(nil)
	case "stop_later":
		go func() {
			time.Sleep(20 * time.Millisecond)
			c.Stop(nil)
			<-c.Context().Done()
		}()
		return channel.Ok(nil)
	case "push_bad":
		e1 := c.Push("x", json.RawMessage(`{bad`))
		e2 := c.Push("x", []int{1})
		return channel.Ok(map[string]bool{"invalid_json_refused": e1 != nil, "non_object_refused": e2 != nil})
	case "reply_bad":
		return channel.Ok(json.RawMessage(`{bad`))
	case "valid_json":
		// Sent as is: what ValidJSON promises is not checked again.
		if err := c.Push("diff", channel.ValidJSON(`{"0":"x"}`)); err != nil {
			return channel.Error(map[string]string{"push": err.Error()})
		}
		if err := c.Push("diff", channel.ValidJSON(nil)); err != nil {
			return channel.Error(map[string]string{"push": err.Error()})
		}
		if err := c.Push("diff", channel.ValidJSON(`[1]`)); err == nil {
			return channel.Error(map[string]string{"push": "a non-object was pushed"})
		}
		return channel.Ok(channel.ValidJSON(`{"diff":{"1":"y"}}`))
	case "flush_on":
		h.pushFlush = true
		return channel.Ok(nil)
	case "assigns":
		return channel.Ok(map[string]any{"assigns": c.Assigns(), "socket_id": c.SocketID(), "join_ref": c.JoinRef()})
	case "headers":
		info := c.ConnectInfo()
		return channel.Ok(map[string]any{"header": info.Header, "user": info.Params.Get("user"), "cookies": len(info.Cookies)})
	}
	return channel.Ok(map[string]string{"unknown": event})
}

func (h *testHandler) HandleInfo(ctx context.Context, c *channel.Channel, msg any) {
	switch m := msg.(type) {
	case json.RawMessage:
		_ = c.Push("info", m)
	case *pubsub.Message:
		_ = c.Push("info:"+m.Topic, m.Payload)
	}
}

func (h *testHandler) Intercept() []string { return []string{"intercepted"} }

func (h *testHandler) HandleOut(ctx context.Context, c *channel.Channel, msg *pubsub.Message) {
	_ = c.Push("out", msg.Payload)
}

func (h *testHandler) Flush(ctx context.Context, c *channel.Channel) {
	h.flushes++
	if h.pushFlush {
		_ = c.Push("flushed", map[string]int{"n": h.flushes})
	}
}

func (h *testHandler) Terminate(ctx context.Context, c *channel.Channel, reason error) {
	select {
	case h.term <- termEvent{c.Topic(), reason}:
	default:
	}
}

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
