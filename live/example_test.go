package live_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// Counter is a live view: its exported fields are the template's dot.
type Counter struct {
	Count int
}

var counterTemplate = render.Must(render.New("counter").Parse(
	`Count: <span id="count">{{.Count}}</span> <button phx-click="dec">-</button> <button phx-click="inc">+</button>`))

func (c *Counter) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	if s.Connected() {
		// Connected-only work: subscriptions and timers.
		if err := s.Subscribe("counter:reset"); err != nil {
			return err
		}
	}
	return nil
}

func (c *Counter) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "inc":
		c.Count++
	case "dec":
		c.Count--
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

func (c *Counter) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(*pubsub.Message); ok && m.Event == "reset" {
		c.Count = 0
	}
	return nil
}

var containerContent = regexp.MustCompile(`data-phx-main data-phx-session="[^"]+" data-phx-static="[^"]*">(.*)</div>\n<div class="glint-offline"`)

func Example() {
	srv := live.New(live.Options{
		Secret: []byte("a secret of at least 32 bytes, from config"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	srv.Handle("/{$}", live.Page{New: func() live.View { return &Counter{} }, Template: counterTemplate})

	// Mount srv at "/" of any server; it serves the pages, /live/websocket and
	// /live/glint.js.
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	resp, err := http.Get(ts.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(containerContent.FindStringSubmatch(string(body))[1])
	// Output: Count: <span id="count">0</span> <button phx-click="dec">-</button> <button phx-click="inc">+</button>
}

// Card is a stateful component: it keeps its own likes and handles the events whose
// phx-target is its cid.
type Card struct {
	live.ComponentBase
	Title string
	Likes int
}

var cardTemplate = render.Must(render.New("card").Parse(
	`<div class="card">{{.Title}} <button phx-click="like" phx-target="{{.Myself}}">{{.Likes}}</button></div>`))

func (c *Card) Template() *render.Template { return cardTemplate }

func (c *Card) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	c.Likes++
	return nil
}

// Update receives the values of Socket.SendUpdate and Ref.SendUpdate.
func (c *Card) Update(ctx context.Context, s *live.Socket, values any) error {
	c.Title, _ = values.(string)
	return nil
}

// Wall shows a card; {{.Card}} renders the component there.
type Wall struct {
	Card render.ComponentRef
}

func (w *Wall) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	ref, err := s.Component("intro", func() live.Component { return &Card{Title: "Intro"} })
	w.Card = ref
	return err
}

func ExampleSocket_Component() {
	srv := live.New(live.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("example secret, example secret!!")})
	srv.Handle("/", live.Page{
		New:      func() live.View { return &Wall{} },
		Template: render.Must(render.New("wall").Parse(`<main>{{.Card}}</main>`)),
	})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(containerContent.FindStringSubmatch(rec.Body.String())[1])
	// Output: <main><div class="card">Intro <button phx-click="like" phx-target="1">0</button></div></main>
}

// Clock ticks every second while connected; the timer ends with the view.
type Clock struct{ Now string }

type tick struct{}

func (c *Clock) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	c.Now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.TimeOnly)
	if s.Connected() {
		s.Every(time.Second, tick{})
	}
	s.SetTitle("Clock")
	return nil
}

func (c *Clock) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if _, ok := msg.(tick); ok {
		c.Now = time.Now().Format(time.TimeOnly)
	}
	return nil
}

func ExampleSocket_Every() {
	srv := live.New(live.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("example secret, example secret!!")})
	srv.Handle("/clock", live.Page{
		New:      func() live.View { return &Clock{} },
		Template: render.Must(render.New("clock").Parse(`<time>{{.Now}}</time>`)),
	})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/clock", nil))
	fmt.Println(regexp.MustCompile(`<title>.*</title>`).FindString(rec.Body.String()))
	fmt.Println(containerContent.FindStringSubmatch(rec.Body.String())[1])
	// Output:
	// <title>Clock</title>
	// <time>03:04:05</time>
}

// Item is a page for one item; an unknown id answers 404.
type Item struct{ Name string }

func (it *Item) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	if p.Get("id") != "1" {
		return &live.StatusError{Status: http.StatusNotFound, Err: fmt.Errorf("no item %q", p.Get("id"))}
	}
	it.Name = "Hop Man 3"
	return nil
}

func ExampleStatusError() {
	srv := live.New(live.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("example secret, example secret!!")})
	srv.Handle("/items/{id}", live.Page{
		New:      func() live.View { return &Item{} },
		Template: render.Must(render.New("item").Parse(`<h1>{{.Name}}</h1>`)),
	})
	for _, path := range []string{"/items/1", "/items/2"} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, rec.Code)
	}
	// Output:
	// /items/1 200
	// /items/2 404
}
