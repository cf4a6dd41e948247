package e2e

import (
	"context"
	"fmt"
	"html/template"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

// hookLayout registers a hook through window.glint.hooks before the client script runs, as
// a page would. The hook records its lifecycle and replies in window.hookLog.
var hookLayout = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="csrf-token" content="{{.CSRFToken}}"><title>{{.Title}}</title>
<script>
window.hookLog = []
window.glint = {hooks: {Echo: {
  mounted() {
    hookLog.push("mounted:" + this.el.id)
    this.handleEvent("pong", (p) => hookLog.push("pong:" + p.n))
    this.pushEvent("ping", {n: 41}, (r) => hookLog.push("reply:" + r.n))
  },
  updated() { hookLog.push("updated:" + this.el.textContent) },
  destroyed() { hookLog.push("destroyed") },
}}}
addEventListener("phx:pong", (e) => hookLog.push("window:" + e.detail.n))
</script>
<script defer src="{{.ScriptURL}}"></script></head>
<body>{{.Content}}</body></html>`))

type hooksView struct {
	Count int
	Keys  string
	Aways int
}

var hooksTemplate = render.Must(render.New("hooks").Parse(`<div id="hk" phx-hook="Echo">{{.Count}}</div>
<div phx-window-keyup="key" phx-key="Escape"></div>
<p id="keys">{{.Keys}}</p>
<div id="menu" phx-click-away="away">menu</div>
<p id="aways">{{.Aways}}</p>
<button id="inc" phx-click="inc">inc</button>
`))

func (h *hooksView) Mount(ctx context.Context, s *live.Socket, p live.Params) error { return nil }

func (h *hooksView) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "ping":
		n, err := e.Int("n")
		if err != nil {
			return err
		}
		s.Reply(map[string]int{"n": n + 1})
		s.PushEvent("pong", map[string]int{"n": 7})
	case "key":
		h.Keys += e.Key + ";"
	case "away":
		h.Aways++
	case "inc":
		h.Count++
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

// TestHooksKeysClickAway: a hook registered on window.glint mounts, pushes an event and
// gets its reply, receives a server event (as does the window), and sees updates; window
// keys are filtered by phx-key; phx-click-away fires for clicks outside the element.
func TestHooksKeysClickAway(t *testing.T) {
	r := newRig(t)
	r.startWith(func() *live.Server {
		opts := live.Options{Secret: testSecret, Logger: quietLogger(), Layout: hookLayout}
		opts.Channel.DrainWindow = time.Millisecond
		srv := live.New(opts)
		srv.Handle("GET /hooks", live.Page{New: func() live.View { return &hooksView{} }, Template: hooksTemplate})
		return srv
	})
	r.open("/hooks")
	r.until("hook mounted, replied and got the push", `["mounted:hk", "reply:42", "pong:7", "window:7"].every((x) => hookLog.includes(x))`)

	r.do("click inc", chromedp.Click(chromedp.CSS("#inc")))
	r.until("hook updated", `hookLog.includes("updated:1")`)
	r.until("click away counted", text("aways", "1"))
	r.do("click the menu itself", chromedp.Click(chromedp.CSS("#menu")))
	r.do("click inc", chromedp.Click(chromedp.CSS("#inc")))
	r.until("second inc", `hookLog.includes("updated:2")`)
	if got := r.eval(`document.getElementById("aways").textContent`); got != "2" {
		t.Fatalf("aways = %s, want 2: a click inside the element must not count", got)
	}

	r.do("keys", chromedp.KeyEvent("a"+kb.Escape+"b"+kb.Escape))
	r.until("only Escape passes phx-key", text("keys", "Escape;Escape;"))
	if n := r.eval(`String(hookLog.filter((x) => x.startsWith("mounted")).length)`); n != strconv.Itoa(1) {
		t.Fatalf("hook mounted %s times, want once", n)
	}
}
