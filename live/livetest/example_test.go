package livetest_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/render"
)

// hello is a tiny view for the examples.
type hello struct{ Name string }

func (h *hello) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	h.Name = "world"
	return nil
}

func (h *hello) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	h.Name = e.Get("name")
	return nil
}

var helloTemplate = render.Must(render.New("hello").Parse(
	`<h1 id="greeting">Hello, {{.Name}}!</h1><form phx-submit="rename"><input name="name" value=""></form>`))

// Open a page, drive it and assert on the HTML the browser would show. In a real test t is
// the test's *testing.T.
func ExampleOpen() {
	var t *testing.T // the test's t

	srv := live.New(live.Options{Secret: []byte("example secret of 32 bytes or more!")})
	srv.Handle("/", live.Page{New: func() live.View { return &hello{} }, Template: helloTemplate})

	v := livetest.Open(t, srv, "/")
	v.Submit("form", url.Values{"name": {"Glint"}})
	if got := v.Text("#greeting"); got != "Hello, Glint!" {
		t.Fatalf("greeting %q", got)
	}
}

// Test how the server handles bad input: load the page, tamper with what the browser would
// send, and join.
func ExamplePage_Join() {
	var t *testing.T // the test's t
	var srv *live.Server

	page := livetest.Load(t, srv, "/")
	page.Session = strings.ToUpper(page.Session)
	_, err := page.Join()
	if je, ok := err.(*livetest.JoinError); !ok || je.Reason != "stale" {
		t.Fatalf("tampered session: %v, want a stale join error", err)
	}
}

// Wait for a render caused by something other than the test's own events: a PubSub
// broadcast, a timer, another client.
func ExampleView_WaitFor() {
	var t *testing.T // the test's t
	var srv *live.Server

	a := livetest.Open(t, srv, "/")
	b := livetest.Open(t, srv, "/")
	a.Click(`button[phx-click="inc_shared"]`)
	b.WaitFor(func(html string) bool { return strings.Contains(html, `<span id="shared">1</span>`) })
}
