package livetest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// The demo app exercises every binding livetest drives. Each handler writes what it
// received into #last, so tests assert on the wire values the runtime decoded.

const demoTopic = "demo"

var demoTemplate = render.Must(render.New("demo").Parse(`<p id="page">{{.Page}}</p>
<p id="last">{{.Last}}</p>
<p id="n">{{.N}}</p>
<button id="plain" phx-click="clicked">plain</button>
<button id="valued" phx-click="clicked" phx-value-id="7" phx-value-name="x" value="v">valued</button>
<div id="wrap" phx-click="clicked" phx-value-id="wrap"><span id="inner">inner</span></div>
<button id="js" phx-click='[["push",{"event":"clicked","value":{"id":"js"}}]]'>js</button>
<input id="unchecked" type="checkbox" phx-click="clicked" value="c">
<form id="f" phx-submit="save" phx-change="validate" phx-value-form="f1">
<input name="user[name]" value="{{.Name}}">
<input type="checkbox" name="agree" value="yes">
<input type="checkbox" name="news" value="on" checked>
<input name="off" value="x" disabled>
<select name="color"><option value="red">Red</option><option value="blue" selected>Blue</option></select>
<textarea name="bio">hello</textarea>
<input id="own" name="own" phx-change="own" value="o">
<button type="submit" name="go" value="1">Save</button>
</form>
<input id="k" phx-keydown="key" phx-keyup="key" phx-focus="focus" phx-blur="blur" phx-value-extra="e" value="typed">
<div id="win" phx-window-keydown="winkey"></div>
<input id="enter" phx-keyup="key" phx-key="Enter">
<a id="plink" href="/demo?page=9" data-phx-link="patch" data-phx-link-state="push"><span>page 9</span></a>
<a id="nlink" href="/other" data-phx-link="redirect">other</a>
<button id="to-card" phx-click="clicked" phx-target="#card-b">to card</button>
<button id="to-view" phx-click="clicked" phx-target="#page">to view</button>
{{.A}}{{if .ShowB}}{{.B}}{{end}}`))

var cardTemplate = render.Must(render.New("card").Parse(
	`<div class="card" id="card-{{.Name}}"><span class="likes">{{.Likes}}</span> <button phx-click="like" phx-target="{{.Myself}}">like</button> <em>{{.Last}}</em></div>`))

type card struct {
	live.ComponentBase
	Name  string
	Likes int
	Last  string
}

func (c *card) Template() *render.Template { return cardTemplate }

func (c *card) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	c.Likes++
	c.Last = e.Type + " " + e.Name + " " + e.Value.Encode()
	return nil
}

type demo struct {
	Page, Last, Name string
	N                int
	A, B             render.ComponentRef
	ShowB            bool
}

func (d *demo) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	d.Name = "ann"
	d.ShowB = true
	var err error
	if d.A, err = s.Component("a", func() live.Component { return &card{Name: "a"} }); err != nil {
		return err
	}
	if d.B, err = s.Component("b", func() live.Component { return &card{Name: "b"} }); err != nil {
		return err
	}
	s.SetTitle("Demo")
	if s.Connected() {
		return s.Subscribe(demoTopic)
	}
	return nil
}

func (d *demo) HandleParams(ctx context.Context, s *live.Socket, p live.Params) error {
	d.Page = p.Get("page")
	return nil
}

func (d *demo) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	d.N++
	switch e.Name {
	case "clicked", "save", "own", "focus", "blur":
		d.Last = e.Type + " " + e.Name + " " + e.Value.Encode()
	case "validate":
		d.Last = e.Type + " " + e.Name + " target=" + e.Target + " " + e.Value.Encode()
	case "key", "winkey":
		d.Last = e.Type + " " + e.Name + " key=" + e.Key + " " + e.Value.Encode()
	case "hook":
		var in map[string]any
		if err := e.Decode(&in); err != nil {
			return err
		}
		s.Reply(map[string]any{"echo": in})
		d.Last = "hook"
	case "silent-hook":
		s.Reply(map[string]any{"ok": true})
		d.N-- // nothing visible changes
	case "push-event":
		s.PushEvent("hello", map[string]any{"n": 1})
	case "title":
		s.SetTitle("New title")
	case "redirect":
		s.Redirect("/other?full=1")
	case "navigate":
		s.PushNavigate("/other", true)
	case "patch":
		s.PushPatch("/demo?page=3", false)
	case "crash":
		panic("demo crash")
	case "later":
		s.SendAfter(laterMsg(e.Get("text")), 20*time.Millisecond)
	case "drop-b":
		d.ShowB = false
	case "restore-b":
		ref, err := s.Component("b", func() live.Component { return &card{Name: "b"} })
		if err != nil {
			return err
		}
		d.B, d.ShowB = ref, true
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

// laterMsg is sent to the view by its own timer.
type laterMsg string

func (d *demo) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(laterMsg); ok {
		d.Last = "timer " + string(m)
		s.SetTitle("Timer fired")
		s.PushEvent("fired", map[string]string{"text": string(m)})
		return nil
	}
	if m, ok := msg.(*pubsub.Message); ok {
		var text string
		if err := m.Decode(&text); err != nil {
			return err
		}
		d.Last = "info " + text
	}
	return nil
}

// guarded redirects once connected, as a view that checks authorization on join would.
type guarded struct{}

func (g *guarded) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	if s.Connected() {
		switch p.Get("to") {
		case "live":
			s.PushNavigate("/other", false)
		default:
			s.Redirect("/other")
		}
	}
	return nil
}

type other struct{}

func (o *other) Mount(ctx context.Context, s *live.Socket, p live.Params) error { return nil }

var otherTemplate = render.Must(render.New("other").Parse(`<p id="other">other page</p>`))

func newDemoServer(t testing.TB) *live.Server { return newDemoServerScript(t, "") }

// newDemoServerScript is newDemoServer whose pages load the client script at scriptURL
// ("" for the runtime's own).
func newDemoServerScript(t testing.TB, scriptURL string) *live.Server {
	srv := live.New(live.Options{
		Secret:    []byte("livetest demo secret, 32 bytes or more"),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		ScriptURL: scriptURL,
		// Close sockets at once on shutdown: tests do not need the drain window.
		Channel: channel.Options{DrainWindow: time.Millisecond},
	})
	srv.Handle("GET /demo", live.Page{New: func() live.View { return &demo{} }, Template: demoTemplate})
	srv.Handle("GET /other", live.Page{New: func() live.View { return &other{} }, Template: otherTemplate})
	srv.Handle("GET /guarded", live.Page{New: func() live.View { return &guarded{} }, Template: otherTemplate})
	srv.Handle("GET /admin", live.Page{New: func() live.View { return &other{} }, Template: otherTemplate, Group: "admin"})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv
}

// values is url.Values.Encode of pairs, for expected strings.
func values(pairs ...string) string {
	v := url.Values{}
	for i := 0; i < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v.Encode()
}
