package live_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/render"
)

// shelf shows one stateful component that a button hides and shows again. It mounts the
// component once, in Mount, and keeps its reference: {{if .Show}}{{.Card}}{{end}}.
type shelf struct {
	mounts *atomic.Int32 // component mounts, shared with the test
	Show   bool
	Card   render.ComponentRef
}

var shelfTemplate = render.Must(render.New("shelf").Parse(
	`<button id="toggle" phx-click="toggle">toggle</button>{{if .Show}}{{.Card}}{{end}}`))

func (v *shelf) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	v.Show = true
	ref, err := s.Component("card", func() live.Component { return &shelfCard{mounts: v.mounts} })
	v.Card = ref
	return err
}

func (v *shelf) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "toggle":
		v.Show = !v.Show
	case "bump":
		// Update the card through its id, whichever cid it has now.
		if !s.SendUpdate("card", 10) {
			return fmt.Errorf("SendUpdate refused")
		}
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

// shelfCard counts its likes; Mount numbers its mounts.
type shelfCard struct {
	live.ComponentBase
	mounts *atomic.Int32
	Mount_ int32 // which mount this instance is (1 for the first)
	Likes  int
}

var shelfCardTemplate = render.Must(render.New("shelfCard").Parse(
	`<div id="card" data-mount="{{.Mount_}}"><span id="likes">{{.Likes}}</span> <button id="like" phx-click="like" phx-target="{{.Myself}}">like</button></div>`))

func (c *shelfCard) Template() *render.Template { return shelfCardTemplate }

func (c *shelfCard) Mount(ctx context.Context, s *live.Socket) error {
	c.Mount_ = c.mounts.Add(1)
	return nil
}

func (c *shelfCard) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	c.Likes++
	return nil
}

func (c *shelfCard) Update(ctx context.Context, s *live.Socket, values any) error {
	c.Likes += values.(int)
	return nil
}

func newShelfServer(t *testing.T, mounts *atomic.Int32) *live.Server {
	t.Helper()
	srv := live.New(live.Options{Secret: testSecret, Logger: quietLogger()})
	srv.Handle("/", live.Page{New: func() live.View { return &shelf{mounts: mounts} }, Template: shelfTemplate})
	return srv
}

// A component whose element leaves the page is destroyed by the client (cids_will_destroy,
// then cids_destroyed); when the view shows it again it is mounted afresh under a new cid,
// as LiveView does, and the view keeps running.
func TestComponentHiddenAndShownAgain(t *testing.T) {
	var mounts atomic.Int32
	v := livetest.Open(t, newShelfServer(t, &mounts), "/")
	if got := v.Find("#card").AttrOr("data-phx-component", ""); got != "1" {
		t.Fatalf("card cid %q, want 1:\n%s", got, v.HTML())
	}
	v.Click("#like")
	if got := v.Text("#likes"); got != "1" {
		t.Fatalf("likes %q after a like, want 1", got)
	}
	before := mounts.Load() // the disconnected render's mount and the connected one

	v.Click("#toggle")
	if v.Has("#card") {
		t.Fatalf("card still shown after hiding:\n%s", v.HTML())
	}
	if got := v.DestroyedComponents(); len(got) != 1 || got[0] != 1 {
		t.Fatalf("destroyed components %v, want [1]", got)
	}

	v.Click("#toggle")
	if v.Errored() {
		t.Fatal("the view crashed when the component was shown again")
	}
	if got := v.Find("#card").AttrOr("data-phx-component", ""); got != "2" {
		t.Errorf("shown again under cid %q, want a new cid 2:\n%s", got, v.HTML())
	}
	if got := v.Text("#likes"); got != "0" {
		t.Errorf("likes %q after showing again, want 0: a fresh component", got)
	}
	if got := mounts.Load(); got != before+1 {
		t.Errorf("%d component mounts, want %d: shown again means mounted again", got, before+1)
	}
	if got := v.Find("#card").AttrOr("data-mount", ""); got != fmt.Sprint(before+1) {
		t.Errorf("the card shown is mount %q, want %d", got, before+1)
	}

	// The new component is a full one: its events and SendUpdate by id reach it.
	v.Click("#like")
	if got := v.Text("#likes"); got != "1" {
		t.Errorf("likes %q after a like on the new component, want 1", got)
	}
	v.PushHook("bump", nil)
	v.WaitFor(func(string) bool { return v.Text("#likes") == "11" })

	// And it can leave and come back again.
	v.Click("#toggle")
	v.Click("#toggle")
	if got := v.Find("#card").AttrOr("data-phx-component", ""); got != "3" {
		t.Errorf("shown a third time under cid %q, want 3", got)
	}
	if got := v.DestroyedComponents(); len(got) != 2 || got[1] != 2 {
		t.Errorf("destroyed components %v, want [1 2]", got)
	}
}
