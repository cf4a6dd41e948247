package live_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/render"
)

// alerts shows its flash with dismiss buttons, and records every event it handles in Seen,
// so that tests can tell which events reached it.
type alerts struct {
	live.Flash
	Seen string
	Box  render.ComponentRef
}

var alertsTemplate = render.Must(render.New("alerts").Parse(
	`{{with .Flash.info}}<p id="info">{{.}} <button id="close-info" phx-click="lv:clear-flash" phx-value-key="info">×</button></p>{{end}}` +
		`{{with .Flash.error}}<p id="error">{{.}} <button id="close-error" phx-click="lv:clear-flash" phx-value-key="error">×</button></p>{{end}}` +
		`<button id="close-all" phx-click="lv:clear-flash">clear</button>` +
		`<button id="unknown" phx-click="lv:no-such-thing">?</button>` +
		`<button id="put" phx-click="put">put</button><p id="seen">{{.Seen}}</p>{{.Box}}`))

func (a *alerts) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	var err error
	a.Box, err = s.Component("box", func() live.Component { return &alertBox{} })
	return err
}

func (a *alerts) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	a.Seen += e.Name + ";"
	if e.Name == "put" {
		s.PutFlash("info", "Saved.")
		s.PutFlash("error", "Disk almost full.")
	}
	return nil
}

// alertBox is a component whose button clears the whole flash.
type alertBox struct {
	live.ComponentBase
	Seen string
}

var alertBoxTemplate = render.Must(render.New("alertBox").Parse(
	`<div id="box"><button id="box-clear" phx-click="lv:clear-flash" phx-target="{{.Myself}}">clear</button>{{.Seen}}</div>`))

func (b *alertBox) Template() *render.Template { return alertBoxTemplate }

func (b *alertBox) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	b.Seen += e.Name + ";"
	return nil
}

// lv:clear-flash is the runtime's: it clears one kind of flash (phx-value-key) or all of
// it, from the view or a component, and neither the view nor its hooks see it. Other lv:
// events are refused.
func TestReservedClearFlash(t *testing.T) {
	tests := []struct {
		name      string
		click     string
		wantInfo  bool
		wantError bool
	}{
		{"clear one kind", "#close-info", false, true},
		{"clear the other kind", "#close-error", true, false},
		{"clear all", "#close-all", false, false},
		{"clear all from a component", "#box-clear", false, false},
		{"an unknown lv: event changes nothing", "#unknown", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var hooked []string
			srv := live.New(live.Options{Secret: testSecret, Logger: quietLogger()})
			srv.OnMount("", func(ctx context.Context, s *live.Socket, v live.View, p live.Params) error {
				s.OnEvent(func(ctx context.Context, s *live.Socket, e live.Event) error {
					mu.Lock()
					defer mu.Unlock()
					hooked = append(hooked, e.Name)
					return nil
				})
				return nil
			})
			srv.Handle("/", live.Page{New: func() live.View { return &alerts{} }, Template: alertsTemplate})
			v := livetest.Open(t, srv, "/")
			if v.Has("#info") || v.Has("#error") {
				t.Fatalf("flash shown before any was put:\n%s", v.HTML())
			}
			v.Click("#put")
			if v.Text("#info") != "Saved. ×" || v.Text("#error") != "Disk almost full. ×" {
				t.Fatalf("flash after put:\n%s", v.HTML())
			}
			v.Click(tt.click)
			if got := v.Has("#info"); got != tt.wantInfo {
				t.Errorf("info shown %v, want %v:\n%s", got, tt.wantInfo, v.HTML())
			}
			if got := v.Has("#error"); got != tt.wantError {
				t.Errorf("error shown %v, want %v:\n%s", got, tt.wantError, v.HTML())
			}
			if got := v.Text("#seen"); got != "put;" {
				t.Errorf("the view handled %q, want only put;", got)
			}
			if got := v.Text("#box"); got != "clear" {
				t.Errorf("the component handled %q, want nothing", strings.TrimPrefix(got, "clear"))
			}
			mu.Lock()
			defer mu.Unlock()
			if len(hooked) != 1 || hooked[0] != "put" {
				t.Errorf("the event hook saw %v, want [put]", hooked)
			}
		})
	}
}
