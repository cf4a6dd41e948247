package channeltest_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/channeltest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// room is a small chat channel used to exercise the harness.
type room struct{}

func (room) Join(ctx context.Context, c *channel.Channel, payload json.RawMessage) (any, error) {
	if c.Assigns()["user"] == nil {
		return nil, errors.New("unauthorized")
	}
	return map[string]any{"user": c.Assigns()["user"], "id": c.SocketID()}, nil
}

func (room) HandleIn(ctx context.Context, c *channel.Channel, event string, payload json.RawMessage) channel.Reply {
	switch event {
	case "shout":
		if err := c.BroadcastFrom(ctx, "shout", payload); err != nil {
			return channel.Error(map[string]string{"reason": err.Error()})
		}
		return channel.Ok(nil)
	case "ping":
		_ = c.Push("pong", payload)
		return channel.NoReply()
	case "slow":
		return channel.NoReply()
	case "assigns":
		return channel.Ok(map[string]any{"assigns": c.Assigns()})
	case "crash":
		panic("boom")
	case "bad":
		return channel.Error(map[string]string{"reason": "bad request"})
	}
	return channel.Ok(map[string]any{"echo": event, "n": 3})
}

func newServer(t *testing.T, log *channeltest.Log) *channel.Server {
	t.Helper()
	srv := channel.NewServer(channel.Options{
		Logger: log.Logger(),
		Connect: func(ctx context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
			if info.Params.Get("token") == "" {
				return nil, errors.New("no token")
			}
			return channel.Assigns{"user": info.Params.Get("token"), "socket_id": "user:" + info.Params.Get("token")}, nil
		},
		DrainWindow: 10 * time.Millisecond,
	})
	if err := srv.Handle("room:*", func() channel.Handler { return room{} }); err != nil {
		t.Fatal(err)
	}
	return srv
}

func TestHarness(t *testing.T) {
	log := channeltest.NewLog()
	h := channeltest.New(t, newServer(t, log))
	h.Timeout = time.Second

	ann := h.Connect(url.Values{"token": {"ann"}}, nil)
	bob := h.Connect(url.Values{"token": {"bob"}}, nil)

	ann.Join("room:1", nil).AssertReply("ok", `{"user":"ann","id":"user:ann"}`)
	bob.MustJoin("room:1", map[string]any{"hello": true})

	// Exact reply, predicate reply, error reply.
	ann.Push("room:1", "hi", nil).AssertReply("ok", map[string]any{"n": 3, "echo": "hi"})
	ann.Push("room:1", "hi", nil).AssertReplyFunc(func(status string, resp json.RawMessage) bool {
		return status == "ok" && strings.Contains(string(resp), `"echo":"hi"`)
	})
	ann.Push("room:1", "bad", nil).AssertReply("error", `{"reason":"bad request"}`)
	ann.Push("room:1", "slow", nil).RefuteReply(50 * time.Millisecond)

	// Pushes and broadcasts.
	ann.Push("room:1", "ping", `{"seq":1}`)
	ann.AssertPush("room:1", "pong", `{"seq":1}`)
	ann.RefutePush("room:1", "pong", 50*time.Millisecond) // consumed above

	bob.Push("room:1", "shout", `{"body":"yo"}`).AssertReply("ok", nil)
	ann.AssertBroadcast("room:1", "shout", `{"body":"yo"}`)
	bob.RefuteBroadcast("room:1", "shout", 50*time.Millisecond) // BroadcastFrom skips bob

	// Everything, in order.
	var events []string
	for _, f := range ann.Frames() {
		events = append(events, f.Event)
	}
	if got := strings.Join(events, ","); got != "phx_reply,phx_reply,phx_reply,phx_reply,pong,shout" {
		t.Fatalf("frames in order: %s", got)
	}

	// Heartbeat and leave.
	ann.Heartbeat().AssertReply("ok", nil)
	ann.Leave("room:1").AssertReply("ok", nil)
	ann.AssertClosed("room:1")
	ann.Push("room:1", "hi", nil).AssertReply("error", `{"reason":"unmatched topic"}`)

	// A crash: phx_error, logged, and the socket's other channels live on.
	bob.MustJoin("room:2", nil)
	bob.Push("room:1", "crash", nil).RefuteReply(50 * time.Millisecond)
	bob.AssertErrored("room:1")
	bob.Push("room:2", "hi", nil).AssertReply("ok", `{"echo":"hi","n":3}`)
	if !log.Contains(slog.LevelError, "panicked") {
		t.Fatalf("crash not logged:\n%s", log.String())
	}
}

func TestConnectAssigns(t *testing.T) {
	log := channeltest.NewLog()
	h := channeltest.New(t, newServer(t, log))
	// The Connect callback still runs (it needs a token) and its assigns win over the
	// middleware's; the others are kept.
	c := h.ConnectAssigns(channel.Assigns{"user": "mallory", "role": "admin"}, url.Values{"token": {"eve"}})
	c.Join("room:1", nil).AssertReply("ok", `{"user":"eve","id":"user:eve"}`)
	c.Push("room:1", "assigns", nil).AssertReply("ok", `{"assigns":{"user":"eve","role":"admin","socket_id":"user:eve"}}`)
}

func TestHarnessRefusalAndLog(t *testing.T) {
	log := channeltest.NewLog()
	srv := newServer(t, log)
	h := channeltest.New(t, srv)
	_, err := h.TryConnect(nil, nil)
	var ce *channeltest.ConnectError
	if !errors.As(err, &ce) || ce.StatusCode != 403 {
		t.Fatalf("TryConnect without token = %v, want ConnectError 403", err)
	}
	if !log.Contains(slog.LevelWarn, "socket refused") {
		t.Fatalf("refusal not logged:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "no token") {
		t.Fatalf("log lacks the Connect error:\n%s", log.String())
	}
	c := h.Connect(url.Values{"token": {"dee"}}, nil)
	c.MustJoin("room:x", nil)
	if err := srv.Disconnect(context.Background(), "user:dee"); err != nil {
		t.Fatal(err)
	}
	if got := c.CloseStatus(); got != websocket.StatusGoingAway {
		t.Fatalf("close status %v, want 1001", got)
	}
}
