package e2e

import (
	"context"
	"fmt"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

// counterView counts clicks; "slow" holds its reply until release is signalled, so that the
// loading classes can be seen.
type counterView struct{ Count int }

// release lets one held "slow" event finish.
var release = make(chan struct{}, 1)

var counterTemplate = render.Must(render.New("counter").Parse(`<p>Count: <span id="count">{{.Count}}</span></p>
<button id="inc" phx-click="inc">+</button>
<button id="slow" phx-click="slow" phx-disable-with="Working">Slow</button>
<button id="boom" phx-click="boom">Boom</button>
<form id="sf" phx-submit="slow"><input id="sfin" name="x" value=""><button id="sfgo">Go</button></form>
`))

func (c *counterView) Mount(ctx context.Context, s *live.Socket, p live.Params) error { return nil }

func (c *counterView) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "inc":
		c.Count++
	case "boom":
		panic("boom")
	case "slow":
		// Hold the reply until the test has seen the loading state (or give up).
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		c.Count += 10
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

// formView echoes a text input while a ticker re-renders the page every 15 ms.
type formView struct {
	Name  string
	Ticks int
}

type tick struct{}

var formTemplate = render.Must(render.New("form").Parse(`<form id="f" phx-change="validate" phx-submit="save">
<input id="name" name="name" value="{{.Name}}" autocomplete="off">
</form>
<p>Echo: <span id="echo">{{.Name}}</span></p>
<p>Ticks: <span id="ticks">{{.Ticks}}</span></p>
`))

func (f *formView) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	if s.Connected() {
		s.Every(15*time.Millisecond, tick{})
	}
	return nil
}

func (f *formView) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "validate", "save":
		f.Name = e.Get("name")
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

func (f *formView) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if _, ok := msg.(tick); ok {
		f.Ticks++
	}
	return nil
}

// pagerView shows a page number from the URL; its links patch and navigate.
type pagerView struct {
	Name string
	Page string
}

var pagerTemplate = render.Must(render.New("pager").Parse(`<h1 id="view">{{.Name}}</h1>
<p>Page <span id="page">{{.Page}}</span></p>
<a id="p2" href="/nav/a?page=2" data-phx-link="patch" data-phx-link-state="push">page 2</a>
<a id="p3" href="/nav/a?page=3" data-phx-link="patch" data-phx-link-state="push">page 3</a>
<a id="tob" href="/nav/b" data-phx-link="redirect" data-phx-link-state="push">to b</a>
<a id="toa" href="/nav/a" data-phx-link="redirect" data-phx-link-state="push">to a</a>
`))

func (p *pagerView) Mount(ctx context.Context, s *live.Socket, _ live.Params) error { return nil }

func (p *pagerView) HandleParams(ctx context.Context, s *live.Socket, q live.Params) error {
	p.Page = q.Get("page")
	if p.Page == "" {
		p.Page = "1"
	}
	return nil
}

// newLive returns a live server with the test views.
func newLive(secret []byte) *live.Server {
	opts := live.Options{Secret: secret, Logger: quietLogger()}
	opts.Channel.DrainWindow = time.Millisecond
	srv := live.New(opts)
	srv.Handle("GET /counter", live.Page{New: func() live.View { return &counterView{} }, Template: counterTemplate})
	srv.Handle("GET /form", live.Page{New: func() live.View { return &formView{} }, Template: formTemplate})
	srv.Handle("GET /nav/a", live.Page{New: func() live.View { return &pagerView{Name: "A"} }, Template: pagerTemplate, Group: "nav"})
	srv.Handle("GET /nav/b", live.Page{New: func() live.View { return &pagerView{Name: "B"} }, Template: pagerTemplate, Group: "nav"})
	return srv
}
