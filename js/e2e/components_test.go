package e2e

import (
	"context"
	"fmt"
	"html/template"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

// frameLayout records the event names of the frames the page sends in window.sentEvents.
var frameLayout = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="csrf-token" content="{{.CSRFToken}}"><title>{{.Title}}</title>
<script>
window.sentEvents = []
const send = WebSocket.prototype.send
WebSocket.prototype.send = function (d) { sentEvents.push(JSON.parse(d)[3]); return send.call(this, d) }
</script>
<script defer src="{{.ScriptURL}}"></script></head>
<body>{{.Content}}</body></html>`))

type card struct {
	live.ComponentBase
	Title string
	Likes int
}

var cardTemplate = render.Must(render.New("card").Parse(`<div class="card" id="card-{{.Title}}"><h2>{{.Title}}</h2><button phx-click="like" phx-target="{{.Myself}}">+ {{.Likes}}</button></div>`))

func (c *card) Template() *render.Template { return cardTemplate }

func (c *card) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "like" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	c.Likes++
	return nil
}

type board struct {
	Cards  []render.ComponentRef
	Clicks int
}

var boardTemplate = render.Must(render.New("board").Parse(`<main><p id="clicks">{{.Clicks}}</p>{{range .Cards}}{{.}}{{end}}
<button id="drop" phx-click="drop">drop</button><button id="restore" phx-click="restore">restore</button>
<button id="viaSelector" phx-click="like" phx-target="#card-a">like a by selector</button></main>`))

func (b *board) card(s *live.Socket, id string) error {
	ref, err := s.Component(id, func() live.Component { return &card{Title: id} })
	b.Cards = append(b.Cards, ref)
	return err
}

func (b *board) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	if err := b.card(s, "a"); err != nil {
		return err
	}
	return b.card(s, "b")
}

func (b *board) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	b.Clicks++
	switch e.Name {
	case "drop":
		b.Cards = b.Cards[:1]
	case "restore":
		return b.card(s, "b")
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

// TestComponents: phx-target as a cid and as a selector reaches the component (and not the
// view); a component that stops rendering is announced with cids_will_destroy and
// cids_destroyed, and comes back fresh when rendered again.
func TestComponents(t *testing.T) {
	r := newRig(t)
	r.startWith(func() *live.Server {
		opts := live.Options{Secret: testSecret, Logger: quietLogger(), Layout: frameLayout}
		opts.Channel.DrainWindow = time.Millisecond
		srv := live.New(opts)
		srv.Handle("GET /board", live.Page{New: func() live.View { return &board{} }, Template: boardTemplate})
		return srv
	})
	r.open("/board")
	btn := func(id string) string { return `document.querySelector("#card-` + id + ` button")?.textContent` }
	r.until("cards rendered with component roots", `document.querySelectorAll("[data-phx-component]").length === 2`)
	r.do("like b twice", chromedp.Click(chromedp.CSS("#card-b button")), chromedp.Click(chromedp.CSS("#card-b button")))
	r.until("b liked twice", btn("b")+` === "+ 2"`)
	r.do("like a by selector", chromedp.Click(chromedp.CSS("#viaSelector")))
	r.until("a liked", btn("a")+` === "+ 1"`)
	if c := r.eval(`document.getElementById("clicks").textContent`); c != "0" {
		t.Fatalf("the view handled %s events meant for components", c)
	}
	r.do("drop b", chromedp.Click(chromedp.CSS("#drop")))
	r.until("b gone and destroyed", `!document.getElementById("card-b") && sentEvents.includes("cids_will_destroy") && sentEvents.includes("cids_destroyed")`)
	r.do("restore b", chromedp.Click(chromedp.CSS("#restore")))
	r.until("b back, fresh", btn("b")+` === "+ 0"`)
	r.do("like b", chromedp.Click(chromedp.CSS("#card-b button")))
	r.until("b liked after restore", btn("b")+` === "+ 1"`)
	if a := r.eval(btn("a")); a != "+ 1" {
		t.Fatalf("card a shows %q, want + 1", a)
	}
}
