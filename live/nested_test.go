package live_test

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/render"
)

// nestParent renders two nested counters and talks to them.
type nestParent struct {
	Count       int
	Heard       string
	Left, Right template.HTML
}

var nestParentTemplate = render.Must(render.New("nestParent").Parse(
	`<p id="parent-count">{{.Count}}</p><p id="parent-heard">{{.Heard}}</p>` +
		`<button id="inc" phx-click="inc">+</button><button id="tell" phx-click="tell">tell</button>` +
		`{{.Left}}{{.Right}}`))

func (v *nestParent) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	var err error
	if v.Left, err = s.LiveRender(live.Child{ID: "left", Page: "counter", Session: map[string]string{"label": "L"}}); err != nil {
		return err
	}
	v.Right, err = s.LiveRender(live.Child{ID: "right", Page: "counter", Session: map[string]string{"label": "R"}, Tag: "section"})
	return err
}

func (v *nestParent) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "inc":
		v.Count++
	case "tell":
		if !s.Child("left").Send("hello from parent") {
			return fmt.Errorf("child left unreachable")
		}
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

func (v *nestParent) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	v.Heard, _ = msg.(string)
	return nil
}

// nestCounter is the nested view: a counter that can crash, and talk to its parent.
type nestCounter struct {
	mounts    *atomic.Int32
	Label     string
	Count     int
	Heard     string
	Connected bool
}

var nestCounterTemplate = render.Must(render.New("nestCounter").Parse(
	`<span class="label">{{.Label}}</span><span class="count">{{.Count}}</span><span class="heard">{{.Heard}}</span>` +
		`<span class="connected">{{.Connected}}</span>` +
		`<button class="inc" phx-click="inc">+</button><button class="boom" phx-click="boom">boom</button>` +
		`<button class="up" phx-click="up">up</button>`))

func (c *nestCounter) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	c.Label = s.Session()["label"]
	c.Connected = s.Connected()
	if c.mounts != nil && s.Connected() {
		c.mounts.Add(1)
	}
	if s.URL().String() != "" {
		return fmt.Errorf("a nested view has a URL: %q", s.URL())
	}
	return nil
}

func (c *nestCounter) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "inc":
		c.Count++
	case "boom":
		panic("nested counter exploded")
	case "up":
		if !s.Parent().Send("hello from " + c.Label) {
			return fmt.Errorf("parent unreachable")
		}
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

func (c *nestCounter) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	c.Heard, _ = msg.(string)
	return nil
}

func nestServer(t *testing.T, opts live.Options, mounts *atomic.Int32) *live.Server {
	t.Helper()
	if opts.Secret == nil {
		opts.Secret = []byte("nested views test secret, 32 bytes or more")
	}
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	srv := live.New(opts)
	srv.HandleNested("counter", live.Page{New: func() live.View { return &nestCounter{mounts: mounts} }, Template: nestCounterTemplate})
	srv.Handle("GET /{$}", live.Page{New: func() live.View { return &nestParent{} }, Template: nestParentTemplate})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv
}

func TestNestedDisconnectedRender(t *testing.T) {
	p := livetest.Load(t, nestServer(t, live.Options{}, nil), "/")
	doc := p.ContainerHTML()
	for _, want := range []string{
		`<div id="left" data-phx-session="`,
		`data-phx-parent-id="` + p.ID + `">`,
		`<span class="label">L</span><span class="count">0</span>`,
		`<section id="right" data-phx-session="`,
		`<span class="label">R</span>`,
		`<span class="connected">false</span>`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("disconnected render lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "data-phx-sticky") {
		t.Errorf("non-sticky children carry data-phx-sticky:\n%s", doc)
	}
}

func TestNestedViewsHaveTheirOwnStateAndEvents(t *testing.T) {
	v := livetest.Open(t, nestServer(t, live.Options{}, nil), "/")
	// The parent's connected render leaves the children's containers empty: the
	// client keeps what is inside and joins each child.
	if got := v.Find("#left").Children().Length(); got != 0 {
		t.Fatalf("connected parent render fills #left with %d elements: %s", got, v.HTML())
	}
	left, right := v.Child("left"), v.Child("right")
	if left.Text(".label") != "L" || right.Text(".label") != "R" {
		t.Fatalf("children's session: left %q right %q", left.Text(".label"), right.Text(".label"))
	}
	if left.Text(".connected") != "true" {
		t.Fatalf("child mounted disconnected on join: %s", left.HTML())
	}
	left.Click(".inc")
	left.Click(".inc")
	right.Click(".inc")
	v.Click("#inc")
	if left.Text(".count") != "2" || right.Text(".count") != "1" || v.Text("#parent-count") != "1" {
		t.Fatalf("counts: left %s right %s parent %s", left.Text(".count"), right.Text(".count"), v.Text("#parent-count"))
	}
}

func TestNestedParentAndChildMessages(t *testing.T) {
	v := livetest.Open(t, nestServer(t, live.Options{}, nil), "/")
	left, right := v.Child("left"), v.Child("right")
	right.Click(".up")
	v.WaitFor(func(html string) bool { return strings.Contains(html, "hello from R") })
	v.Click("#tell")
	left.WaitFor(func(html string) bool { return strings.Contains(html, "hello from parent") })
	if right.Text(".heard") != "" {
		t.Fatalf("a message for left reached right: %q", right.Text(".heard"))
	}
}

func TestNestedChildCrashLeavesParentRunning(t *testing.T) {
	var mounts atomic.Int32
	v := livetest.Open(t, nestServer(t, live.Options{}, &mounts), "/")
	left, right := v.Child("left"), v.Child("right")
	v.Click("#inc")
	left.Click(".inc")
	right.Click(".inc")
	before := mounts.Load()
	left.ExpectCrash(func() { left.Click(".boom") })
	left.Rejoin()
	if left.Text(".count") != "0" {
		t.Fatalf("crashed child kept its count: %s", left.HTML())
	}
	if got := mounts.Load(); got != before+1 {
		t.Fatalf("child mounts after a crash: %d, want %d", got, before+1)
	}
	// The parent and the other child are untouched: same state, still answering.
	v.Click("#inc")
	right.Click(".inc")
	if v.Text("#parent-count") != "2" || right.Text(".count") != "2" {
		t.Fatalf("after the child's crash: parent %s, right %s", v.Text("#parent-count"), right.Text(".count"))
	}
	if v.Errored() || right.Errored() {
		t.Fatal("a child's crash crashed another view")
	}
}

func TestNestedParentCrashLeavesChildRunning(t *testing.T) {
	srv := live.New(live.Options{Secret: []byte("nested views test secret, 32 bytes or more"), Logger: quietLogger()})
	srv.HandleNested("counter", live.Page{New: func() live.View { return &nestCounter{} }, Template: nestCounterTemplate})
	srv.Handle("GET /{$}", live.Page{New: func() live.View { return &crashingParent{} }, Template: nestParentTemplate})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	v := livetest.Open(t, srv, "/")
	left := v.Child("left")
	left.Click(".inc")
	v.ExpectCrash(func() { v.Click("#inc") })
	v.Rejoin()
	left.Click(".inc")
	if left.Text(".count") != "2" || left.Errored() {
		t.Fatalf("child after its parent crashed: %s", left.HTML())
	}
}

// crashingParent is nestParent whose "inc" panics.
type crashingParent struct{ nestParent }

func (v *crashingParent) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name == "inc" {
		panic("parent exploded")
	}
	return v.nestParent.HandleEvent(ctx, s, e)
}

func TestNestedJoinRefusals(t *testing.T) {
	srv := nestServer(t, live.Options{}, nil)
	v := livetest.Open(t, srv, "/")
	session := v.Find("#left").AttrOr("data-phx-session", "")
	tests := []struct {
		name, id, session, want string
	}{
		{"another id", "right", session, "stale"},
		{"tampered", "left", session[:len(session)-2] + "xx", "stale"},
		{"the parent's token", "left", livetest.Load(t, srv, "/").Session, "stale"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := livetest.Load(t, srv, "/")
			p.ID, p.Session = tc.id, tc.session
			_, err := p.Join()
			var je *livetest.JoinError
			if !errors.As(err, &je) || je.Reason != tc.want {
				t.Fatalf("join: %v, want reason %q", err, tc.want)
			}
		})
	}
}

func TestLiveRenderErrors(t *testing.T) {
	tests := []struct {
		name  string
		child live.Child
		want  string
	}{
		{"empty id", live.Child{Page: "counter"}, "bad child id"},
		{"id with a quote", live.Child{ID: `a"b`, Page: "counter"}, "bad child id"},
		{"unknown page", live.Child{ID: "x", Page: "nope"}, `no nested page "nope"`},
		{"bad tag", live.Child{ID: "x", Page: "counter", Tag: "div onclick"}, "bad tag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got error
			srv := live.New(live.Options{Secret: []byte("nested views test secret, 32 bytes or more"), Logger: quietLogger()})
			srv.HandleNested("counter", live.Page{New: func() live.View { return &nestCounter{} }, Template: nestCounterTemplate})
			srv.Handle("GET /{$}", live.Page{New: func() live.View {
				return mountFunc(func(s *live.Socket) error { _, got = s.LiveRender(tc.child); return nil })
			}, Template: render.Must(render.New("x").Parse(`<p>x</p>`))})
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if got == nil || !strings.Contains(got.Error(), tc.want) {
				t.Fatalf("LiveRender(%+v) = %v, want an error containing %q", tc.child, got, tc.want)
			}
		})
	}
}

func TestHandleNestedPanics(t *testing.T) {
	srv := live.New(live.Options{Secret: []byte("nested views test secret, 32 bytes or more"), Logger: quietLogger()})
	page := live.Page{New: func() live.View { return &nestCounter{} }, Template: nestCounterTemplate}
	srv.HandleNested("counter", page)
	for name, f := range map[string]func(){
		"duplicate":   func() { srv.HandleNested("counter", page) },
		"no template": func() { srv.HandleNested("other", live.Page{New: page.New}) },
		"no name":     func() { srv.HandleNested("", page) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

// mountFunc is a view whose Mount is a function.
type mountFunc func(s *live.Socket) error

func (f mountFunc) Mount(ctx context.Context, s *live.Socket, p live.Params) error { return f(s) }

// stickyPage renders the sticky counter "cart" and names itself.
type stickyPage struct {
	Name string
	Cart template.HTML
}

var stickyPageTemplate = render.Must(render.New("stickyPage").Parse(`<h1 id="name">{{.Name}}</h1>{{.Cart}}`))

func (v *stickyPage) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	v.Name = s.URL().Path
	var err error
	v.Cart, err = s.LiveRender(live.Child{ID: "cart", Page: "counter", Sticky: true, Session: map[string]string{"label": "cart"}})
	return err
}

func TestStickyChildSurvivesNavigation(t *testing.T) {
	srv := nestServer(t, live.Options{}, nil)
	for _, path := range []string{"/a", "/b", "/c"} {
		srv.Handle("GET "+path, live.Page{New: func() live.View { return &stickyPage{} }, Template: stickyPageTemplate, Group: "shop"})
	}
	v := livetest.Open(t, srv, "/a")
	el := v.Find("#cart")
	if _, sticky := el.Attr("data-phx-sticky"); !sticky || el.AttrOr("data-phx-parent-id", "") != "" {
		t.Fatalf("sticky container: %s", v.HTML())
	}
	cart := v.Child("cart")
	cart.Click(".inc")
	cart.Click(".inc")
	for _, path := range []string{"/b", "/c", "/a"} {
		if err := v.Navigate(path); err != nil {
			t.Fatalf("navigate %s: %v", path, err)
		}
		if v.Text("#name") != path || v.Find("#cart[data-phx-sticky]").Length() != 1 {
			t.Fatalf("after navigating to %s: %s", path, v.HTML())
		}
		cart.Click(".inc")
	}
	if cart.Text(".count") != "5" || cart.Errored() || cart.Closed() {
		t.Fatalf("sticky child after three navigations: %s", cart.HTML())
	}
}

func TestNestedViewsCountAgainstTheirPage(t *testing.T) {
	p := livetest.Load(t, nestServer(t, live.Options{MaxViewsPerSession: 2}, nil), "/")
	v := p.MustJoin()
	v.Child("left")
	q := *p
	q.ID, q.Session, q.Static = "right", v.Find("#right").AttrOr("data-phx-session", ""), ""
	_, err := q.Join()
	var je *livetest.JoinError
	if !errors.As(err, &je) || je.Reason != "too many views" {
		t.Fatalf("third view of one page: %v, want too many views", err)
	}
}
