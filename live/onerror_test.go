package live_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/render"
)

// userError is an error whose message is written for the user.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

// errNoStock is what the shop view's handlers fail with.
var errNoStock = &userError{"Sold out."}

// failMsg makes the view's HandleInfo fail.
type failMsg struct{}

// shop is a view whose handlers fail on demand, in every place a handler can.
type shop struct {
	live.Flash
	Item render.ComponentRef
	Page string
}

var shopTemplate = render.Must(render.New("shop").Parse(
	`{{with .Flash.error}}<p id="error">{{.}}</p>{{end}}<p id="page">{{.Page}}</p>` +
		`<button id="buy" phx-click="buy">buy</button><button id="nonsense" phx-click="nonsense">?</button>` +
		`<button id="later" phx-click="later">later</button><button id="update" phx-click="update">update</button>` +
		`<button id="hooked" phx-click="hooked">hooked</button>` +
		`<a id="bad-page" href="/?page=bad" data-phx-link="patch" data-phx-link-state="push">bad</a>{{.Item}}`))

func (v *shop) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	s.OnEvent(func(ctx context.Context, s *live.Socket, e live.Event) error {
		if e.Name == "hooked" {
			return fmt.Errorf("hook: %w", errNoStock)
		}
		return nil
	})
	var err error
	v.Item, err = s.Component("item", func() live.Component { return &shopItem{} })
	return err
}

func (v *shop) HandleParams(ctx context.Context, s *live.Socket, p live.Params) error {
	if p.Get("page") == "bad" {
		return fmt.Errorf("page %q: %w", p.Get("page"), errNoStock)
	}
	v.Page = p.Get("page")
	return nil
}

func (v *shop) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "buy":
		return fmt.Errorf("buy: %w", errNoStock)
	case "later":
		s.Send(failMsg{})
	case "update":
		s.SendUpdate("item", "fail")
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

func (v *shop) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	return fmt.Errorf("info: %w", errNoStock)
}

// shopItem is a component whose event and Update fail.
type shopItem struct{ live.ComponentBase }

var shopItemTemplate = render.Must(render.New("shopItem").Parse(
	`<div id="item"><button id="item-buy" phx-click="buy" phx-target="{{.Myself}}">buy</button></div>`))

func (c *shopItem) Template() *render.Template { return shopItemTemplate }

func (c *shopItem) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	return fmt.Errorf("item: %w", errNoStock)
}

func (c *shopItem) Update(ctx context.Context, s *live.Socket, values any) error {
	return fmt.Errorf("item update: %w", errNoStock)
}

// showErrors is the OnError of these tests: a *userError's message is shown, anything else
// as a generic message.
func showErrors(ctx context.Context, s *live.Socket, err error) {
	var ue *userError
	switch {
	case errors.As(err, &ue):
		s.PutFlash("error", ue.msg)
	case errors.Is(err, live.ErrUnknownEvent):
		s.PutFlash("error", "That did not work.")
	default:
		s.PutFlash("error", "Something went wrong.")
	}
}

// Options.OnError turns a handler's error into what the user sees, in the render that
// follows the failed handler, wherever the handler is; without it errors are only logged.
func TestOnError(t *testing.T) {
	tests := []struct {
		name string
		do   func(v *livetest.View)
		want string // the error flash shown
		log  string // what the log says
	}{
		{"an event", func(v *livetest.View) { v.Click("#buy") }, "Sold out.", "buy: Sold out."},
		{"an unknown event", func(v *livetest.View) { v.Click("#nonsense") }, "That did not work.", "unknown event"},
		{"a message", func(v *livetest.View) { v.Click("#later") }, "Sold out.", "info: Sold out."},
		{"a component event", func(v *livetest.View) { v.Click("#item-buy") }, "Sold out.", "item: Sold out."},
		{"a component update", func(v *livetest.View) { v.Click("#update") }, "Sold out.", "item update: Sold out."},
		{"a live patch", func(v *livetest.View) { v.Click("#bad-page") }, "Sold out.", `page \"bad\": Sold out.`},
		{"an event hook", func(v *livetest.View) { v.Click("#hooked") }, "Sold out.", "hook: Sold out."},
	}
	for _, tt := range tests {
		for _, onError := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/OnError %v", tt.name, onError), func(t *testing.T) {
				var log syncBuffer
				opts := live.Options{Secret: testSecret, Logger: slog.New(slog.NewTextHandler(&log, nil))}
				var mu sync.Mutex
				var got []error
				if onError {
					opts.OnError = func(ctx context.Context, s *live.Socket, err error) {
						mu.Lock()
						got = append(got, err)
						mu.Unlock()
						showErrors(ctx, s, err)
					}
				}
				srv := live.New(opts)
				srv.Handle("/", live.Page{New: func() live.View { return &shop{} }, Template: shopTemplate})
				v := livetest.Open(t, srv, "/")
				tt.do(v)
				if onError {
					v.WaitFor(func(string) bool { return v.Has("#error") })
					if msg := v.Text("#error"); msg != tt.want {
						t.Errorf("error shown %q, want %q", msg, tt.want)
					}
					mu.Lock()
					if len(got) != 1 {
						t.Errorf("OnError called with %v, want one error", got)
					}
					mu.Unlock()
				} else {
					// The default: logged, nothing shown, the view keeps going.
					v.Click("#buy")
					if v.Has("#error") {
						t.Errorf("an error shown without OnError:\n%s", v.HTML())
					}
				}
				waitLog(t, &log, tt.log)
				if v.Errored() {
					t.Error("the view crashed")
				}
			})
		}
	}
}

// waitLog waits until the log contains s.
func waitLog(t *testing.T, log *syncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(log.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q:\n%s", s, log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A panic in OnError crashes the view like a panic in a handler: the client rejoins and
// the view is mounted afresh.
func TestOnErrorPanicCrashesTheView(t *testing.T) {
	srv := live.New(live.Options{Secret: testSecret, Logger: quietLogger(), OnError: func(ctx context.Context, s *live.Socket, err error) {
		panic("OnError is broken")
	}})
	srv.Handle("/", live.Page{New: func() live.View { return &shop{} }, Template: shopTemplate})
	v := livetest.Open(t, srv, "/")
	v.ExpectCrash(func() { v.Click("#buy") })
	v.Rejoin()
	if !v.Has("#buy") {
		t.Fatalf("not remounted:\n%s", v.HTML())
	}
}
