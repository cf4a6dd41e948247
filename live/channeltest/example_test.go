package channeltest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/channeltest"
)

// echo replies to every event with its payload.
type echo struct{}

func (echo) Join(context.Context, *channel.Channel, json.RawMessage) (any, error) { return nil, nil }
func (echo) HandleIn(_ context.Context, _ *channel.Channel, _ string, p json.RawMessage) channel.Reply {
	return channel.Ok(p)
}

// exampleT stands in for the *testing.T of a real test.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (t *exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (t *exampleT) finish() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

func Example() {
	t := &exampleT{} // in a test: the *testing.T
	defer t.finish()

	srv := channel.NewServer(channel.Options{})
	_ = srv.Handle("room:*", func() channel.Handler { return echo{} })
	h := channeltest.New(t, srv)
	c := h.Connect(url.Values{"token": {"ann"}}, nil)
	c.Join("room:1", nil).AssertReply("ok", `{}`)
	c.Push("room:1", "say", `{"body":"hi"}`).AssertReply("ok", `{"body":"hi"}`)
	for _, f := range c.Frames() {
		fmt.Println(f.Raw)
	}
	// Output:
	// ["1","1","room:1","phx_reply",{"status":"ok","response":{}}]
	// ["1","2","room:1","phx_reply",{"status":"ok","response":{"body":"hi"}}]
}
