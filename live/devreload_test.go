package live_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/render"
)

// devPage counts clicks and shows a component; both templates come from files.
type devPage struct {
	cardTmpl *render.Template
	Count    int
	Card     render.ComponentRef
}

func (p *devPage) Mount(ctx context.Context, s *live.Socket, params live.Params) error {
	var err error
	p.Card, err = s.Component("card", func() live.Component { return &devCard{tmpl: p.cardTmpl, Title: "card"} })
	return err
}

func (p *devPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "inc" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	p.Count++
	return nil
}

type devCard struct {
	live.ComponentBase
	tmpl  *render.Template
	Title string
}

func (c *devCard) Template() *render.Template { return c.tmpl }

// MemoKey makes the card a memoized component: a reload must still render it again.
func (c *devCard) MemoKey() any { return c.Title }

func TestDevReload(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("page.html", `<p id="n">Count: {{.Count}}</p><button id="inc" phx-click="inc">+</button>{{.Card}}`)
	write("card.html", `<div id="card">{{.Title}}</div>`)
	fsys := os.DirFS(dir)
	pageTmpl := render.Must(render.New("page.html").ParseFS(fsys, "page.html"))
	cardTmpl := render.Must(render.New("card.html").ParseFS(fsys, "card.html"))
	logs := &syncBuffer{}
	srv := live.New(live.Options{Secret: []byte("dev reload test secret, 32 bytes!!"), DevReload: true, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	srv.Handle("GET /{$}", live.Page{New: func() live.View { return &devPage{cardTmpl: cardTmpl} }, Template: pageTmpl})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })

	v := livetest.Open(t, srv, "/")
	v.Click("#inc")
	v.Click("#inc")
	write("page.html", `<h1 id="n">Total: {{.Count}}</h1><button id="inc" phx-click="inc">+</button>{{.Card}}`)
	v.WaitFor(func(html string) bool { return strings.Contains(html, `<h1 id="n">Total: 2</h1>`) })
	write("card.html", `<section id="card">The {{.Title}}</section>`)
	v.WaitFor(func(html string) bool { return strings.Contains(html, `id="card">The card</section>`) })
	v.Click("#inc")
	if v.Text("#n") != "Total: 3" {
		t.Fatalf("after reloads, a click: %s", v.HTML())
	}
	// A template that no longer parses is logged; the page keeps the last good one.
	write("page.html", `<h1>{{if}}</h1>`)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "template reload failed"); {
		if time.Now().After(deadline) {
			t.Fatalf("no log of the broken template:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	v.Click("#inc")
	if v.Text("#n") != "Total: 4" || v.Errored() {
		t.Fatalf("after a broken template, a click: %s", v.HTML())
	}
	write("page.html", `<h2 id="n">{{.Count}} clicks</h2>{{.Card}}`)
	v.WaitFor(func(html string) bool { return strings.Contains(html, `<h2 id="n">4 clicks</h2>`) })
}
