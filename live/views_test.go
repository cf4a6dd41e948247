package live

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// counter is the test view: a count, events of every kind, messages and navigation.
type counter struct {
	Count     int
	Connected bool
	Last      string
	Key       string
	Target    string
	Page      string
	Mounts    *atomic.Int64
	crashOn   string
}

var counterTmpl = mustParse("counter", `Count: <span id="count">{{.Count}}</span> <button phx-click="inc">+</button>{{if .Connected}} live{{end}} last={{.Last}} key={{.Key}} target={{.Target}} page={{.Page}}`)

func (c *counter) Mount(ctx context.Context, s *Socket, p Params) error {
	c.Connected = s.Connected()
	if c.Mounts != nil {
		c.Mounts.Add(1)
	}
	if n := p.Get("start"); n != "" {
		v, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("start: %w", err)
		}
		c.Count = v
	}
	if s.Connected() && c.crashOn == "mount" {
		panic("boom in mount")
	}
	if s.Connected() {
		if err := s.Subscribe("counter"); err != nil {
			return err
		}
	}
	if p.Get("redirect") != "" {
		s.Redirect(p.Get("redirect"))
	}
	return nil
}

func (c *counter) HandleParams(ctx context.Context, s *Socket, p Params) error {
	c.Page = p.Get("page")
	return nil
}

func (c *counter) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	switch e.Name {
	case "inc":
		c.Count++
	case "dec":
		c.Count--
	case "add":
		n, err := e.Int("n")
		if err != nil {
			return err
		}
		c.Count += n
	case "save", "validate":
		c.Last = e.Get("name")
		c.Target = e.Target
	case "key":
		c.Key = e.Key
	case "focus", "blur":
		c.Last = e.Name
	case "ping":
		var p struct{ N int }
		if err := e.Decode(&p); err != nil {
			return err
		}
		s.Reply(map[string]int{"pong": p.N})
	case "boom":
		panic("boom in event")
	case "title":
		s.SetTitle("Count " + strconv.Itoa(c.Count))
	case "notify":
		s.PushEvent("notified", map[string]int{"count": c.Count})
	case "patch":
		s.PushPatch("/?page="+e.Get("page"), false)
	case "navigate":
		s.PushNavigate(e.Get("to"), false)
	case "redirect":
		s.Redirect(e.Get("to"))
	case "later":
		s.SendAfter(bump{1}, 10*time.Millisecond)
	case "tick":
		stop := s.Every(5*time.Millisecond, bump{1})
		_ = stop
	default:
		return fmt.Errorf("%w: %q", ErrUnknownEvent, e.Name)
	}
	return nil
}

// bump adds N to the count.
type bump struct{ N int }

func (c *counter) HandleInfo(ctx context.Context, s *Socket, msg any) error {
	switch m := msg.(type) {
	case bump:
		c.Count += m.N
	case *pubsub.Message:
		var n int
		if err := m.Decode(&n); err != nil {
			return err
		}
		c.Count = n
	case string:
		if m == "boom" {
			panic("boom in info")
		}
	default:
		return errors.New("unexpected message")
	}
	return nil
}

// other is a second page for navigation tests.
type other struct{ Name string }

var otherTmpl = mustParse("other", `<p>other {{.Name}}</p>`)

func (o *other) Mount(ctx context.Context, s *Socket, p Params) error {
	o.Name = p.Get("name")
	return nil
}

// board is a view with stateful components.
type board struct {
	Cards []render.ComponentRef
	Total int
}

var boardTmpl = mustParse("board", `<main><p>{{.Total}} likes</p>{{range .Cards}}{{.}}{{end}}</main>`)

func (b *board) Mount(ctx context.Context, s *Socket, p Params) error {
	for _, id := range []string{"a", "b"} {
		ref, err := s.Component(id, func() Component { return &card{Title: "card " + id} })
		if err != nil {
			return err
		}
		b.Cards = append(b.Cards, ref)
	}
	return nil
}

func (b *board) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	switch e.Name {
	case "drop":
		b.Cards = b.Cards[:1]
	case "restore":
		ref, err := s.Component("b", func() Component { return &card{Title: "card b"} })
		if err != nil {
			return err
		}
		b.Cards = append(b.Cards[:1], ref)
	case "rename":
		if !s.SendUpdate(e.Get("id"), e.Get("title")) {
			return errors.New("no such component")
		}
	}
	return nil
}

type card struct {
	ComponentBase
	Title string
	Likes int
}

var cardTmpl = mustParse("card", `<div class="card"><h2>{{.Title}}</h2><button phx-click="like" phx-target="{{.Myself}}">+ {{.Likes}}</button></div>`)

func (c *card) Template() *render.Template { return cardTmpl }

func (c *card) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	if e.Name != "like" {
		return fmt.Errorf("%w: %q", ErrUnknownEvent, e.Name)
	}
	c.Likes++
	return nil
}

func (c *card) Update(ctx context.Context, s *Socket, values any) error {
	t, ok := values.(string)
	if !ok {
		return fmt.Errorf("card: update with %T", values)
	}
	c.Title = t
	return nil
}

// titled sets the page title in Mount.
type titled struct{ Name string }

func (v *titled) Mount(ctx context.Context, s *Socket, p Params) error {
	s.SetTitle("My page")
	return nil
}

// plainCounter is example A of docs/protocol.md, Worked examples.
type plainCounter struct{ Count int }

var plainCounterTmpl = mustParse("plain", `Count: {{.Count}} <button phx-click="inc">+</button>`)

func (c *plainCounter) Mount(ctx context.Context, s *Socket, p Params) error { return nil }

func (c *plainCounter) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	if e.Name == "inc" {
		c.Count++
	}
	return nil
}

// whoami shows the session's user and reports its end on terminated.
type whoami struct {
	User      string
	Connected bool
}

var whoamiTmpl = mustParse("whoami", `user={{.User}} connected={{.Connected}}`)

var terminated = make(chan error, 16)

func (w *whoami) Mount(ctx context.Context, s *Socket, p Params) error {
	w.User = s.Session()["user"]
	w.Connected = s.Connected()
	if s.Connected() {
		refs <- s.Ref()
	}
	return nil
}

func (w *whoami) Terminate(ctx context.Context, s *Socket, reason error) {
	terminated <- reason
}

// refBoard is a board that publishes its Ref when connected.
type refBoard struct{ board }

func (b *refBoard) Mount(ctx context.Context, s *Socket, p Params) error {
	if s.Connected() {
		refs <- s.Ref()
	}
	return b.board.Mount(ctx, s, p)
}

// failing fails its connected mount in the way its Mode says.
type failing struct{ Mode string }

func (f *failing) Mount(ctx context.Context, s *Socket, p Params) error {
	if !s.Connected() && p.Get("dead") == "" {
		return nil
	}
	if s.Connected() {
		if err := s.Subscribe("failing"); err != nil {
			return err
		}
		s.SendAfter("never", time.Hour)
	}
	switch p.Get("mode") {
	case "panic":
		panic("boom in dead mount")
	case "error":
		return errors.New("no such thing")
	case "notfound":
		return fmt.Errorf("failing: %w", &StatusError{Status: 404, Err: errors.New("no such item")})
	case "redirect":
		s.Redirect("/login")
	case "navigate":
		s.PutFlash("info", "moved")
		s.PushNavigate("/other/x", true)
	case "patch":
		s.PushPatch("/fail?mode=patched", false)
	case "patched":
		f.Mode = "patched"
	}
	return nil
}

// flashy shows its info flash and puts one before redirecting.
type flashy struct{ Info string }

var flashyTmpl = mustParse("flashy", `info={{.Info}}`)

func (f *flashy) Mount(ctx context.Context, s *Socket, p Params) error {
	f.Info = s.Flash("info")
	return nil
}

func (f *flashy) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	s.PutFlash("info", "saved")
	s.Redirect("/")
	return nil
}
