package live_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/render"
)

type feedMsg struct {
	ID   int
	Text string
}

// feed shows a stream of messages and edits it on events.
type feed struct {
	Msgs *live.Stream[feedMsg]
	next int
}

var feedTemplate = render.Must(render.New("feed").Parse(
	`<ul id="msgs" phx-update="stream">{{range .Msgs}}<li id="{{.DomID}}">{{.Item.Text}}</li>{{end}}</ul>`))

func (f *feed) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	f.Msgs = live.NewStream("msgs", func(m feedMsg) string { return "m-" + strconv.Itoa(m.ID) })
	for range 3 {
		f.add()
	}
	return nil
}

func (f *feed) add() feedMsg {
	f.next++
	m := feedMsg{ID: f.next, Text: "message " + strconv.Itoa(f.next)}
	f.Msgs.Append(m)
	return m
}

func (f *feed) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	id, _ := strconv.Atoi(e.Get("id"))
	switch e.Name {
	case "add":
		f.add()
	case "prepend":
		f.next++
		f.Msgs.Prepend(feedMsg{ID: f.next, Text: "first " + strconv.Itoa(f.next)})
	case "at":
		f.next++
		f.Msgs.InsertAt(1, feedMsg{ID: f.next, Text: "second " + strconv.Itoa(f.next)})
	case "edit":
		f.Msgs.Update(feedMsg{ID: id, Text: "edited " + strconv.Itoa(id)})
	case "delete":
		f.Msgs.DeleteID(e.Get("dom"))
	case "reset":
		f.Msgs.Reset(feedMsg{ID: 100, Text: "fresh"})
	case "limit":
		if err := f.Msgs.SetLimit(-3); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

// items lists the texts of the stream's items on the page.
func items(v *livetest.View) string {
	var out []string
	v.Find("#msgs li").Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("id", "")+":"+s.Text()) })
	return strings.Join(out, " ")
}

func TestStream(t *testing.T) {
	srv := live.New(live.Options{Secret: []byte("stream test secret, 32 bytes long!"), Logger: quietLogger()})
	srv.Handle("GET /{$}", live.Page{New: func() live.View { return &feed{} }, Template: feedTemplate})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	page := livetest.Load(t, srv, "/")
	if !strings.Contains(page.ContainerHTML(), `<li id="m-3">message 3</li>`) {
		t.Fatalf("first render: %s", page.ContainerHTML())
	}
	v := page.MustJoin()
	steps := []struct {
		event  string
		values map[string]string
		want   string
	}{
		{"", nil, "m-1:message 1 m-2:message 2 m-3:message 3"},
		{"add", nil, "m-1:message 1 m-2:message 2 m-3:message 3 m-4:message 4"},
		{"prepend", nil, "m-5:first 5 m-1:message 1 m-2:message 2 m-3:message 3 m-4:message 4"},
		{"at", nil, "m-5:first 5 m-6:second 6 m-1:message 1 m-2:message 2 m-3:message 3 m-4:message 4"},
		{"edit", map[string]string{"id": "2"}, "m-5:first 5 m-6:second 6 m-1:message 1 m-2:edited 2 m-3:message 3 m-4:message 4"},
		{"edit", map[string]string{"id": "99"}, "m-5:first 5 m-6:second 6 m-1:message 1 m-2:edited 2 m-3:message 3 m-4:message 4"},
		{"delete", map[string]string{"dom": "m-1"}, "m-5:first 5 m-6:second 6 m-2:edited 2 m-3:message 3 m-4:message 4"},
		{"delete", map[string]string{"dom": "m-nope"}, "m-5:first 5 m-6:second 6 m-2:edited 2 m-3:message 3 m-4:message 4"},
		{"limit", nil, "m-5:first 5 m-6:second 6 m-2:edited 2 m-3:message 3 m-4:message 4"},
		{"add", nil, "m-3:message 3 m-4:message 4 m-7:message 7"},
		{"reset", nil, "m-100:fresh"},
	}
	for _, st := range steps {
		if st.event != "" {
			payload := map[string]string{}
			for k, val := range st.values {
				payload[k] = val
			}
			v.PushHook(st.event, payload)
		}
		if got := items(v); got != st.want {
			t.Fatalf("after %q %v:\n got %s\nwant %s", st.event, st.values, got, st.want)
		}
	}
}

func TestStreamLimitZero(t *testing.T) {
	s := live.NewStream("x", func(m feedMsg) string { return strconv.Itoa(m.ID) })
	if err := s.SetLimit(0); err != live.ErrStreamLimit {
		t.Fatalf("SetLimit(0) = %v, want ErrStreamLimit", err)
	}
}

func TestStreamForgetsItsItems(t *testing.T) {
	s := live.NewStream("x", func(m feedMsg) string { return "x-" + strconv.Itoa(m.ID) })
	s.Append(feedMsg{ID: 1}, feedMsg{ID: 2})
	s.Prepend(feedMsg{ID: 1, Text: "again"})
	items, ops := s.TakeStream()
	if len(items) != 2 || len(ops.Inserts) != 2 || ops.Inserts[1].DomID != "x-1" || ops.Inserts[1].At != 0 {
		t.Fatalf("take: %v %+v", items, ops)
	}
	if it := items[1].(live.StreamItem[feedMsg]); it.Item.Text != "again" {
		t.Fatalf("the last insert of an item wins: %+v", it)
	}
	items, ops = s.TakeStream()
	if len(items) != 0 || len(ops.Inserts) != 0 || len(ops.Deletes) != 0 || ops.Reset {
		t.Fatalf("a second take: %v %+v", items, ops)
	}
}

func TestNewStreamPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"bad name":  func() { live.NewStream("bad name", func(int) string { return "" }) },
		"nil domID": func() { live.NewStream[int]("ok", nil) },
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

// logCard is a component with a stream of its own.
type logCard struct {
	live.ComponentBase
	Lines *live.Stream[string]
	n     int
}

var logCardTemplate = render.Must(render.New("logCard").Parse(
	`<div id="log"><ol id="lines" phx-update="stream">{{range .Lines}}<li id="{{.DomID}}">{{.Item}}</li>{{end}}</ol><button id="more" phx-click="more" phx-target="{{.Myself}}">more</button></div>`))

func (c *logCard) Template() *render.Template { return logCardTemplate }

func (c *logCard) Mount(ctx context.Context, s *live.Socket) error {
	c.Lines = live.NewStream("lines", func(l string) string { return "l-" + l })
	c.Lines.Append("a", "b")
	return nil
}

func (c *logCard) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	c.n++
	c.Lines.Prepend("new" + strconv.Itoa(c.n))
	return nil
}

type logPage struct {
	Card render.ComponentRef
}

func (p *logPage) Mount(ctx context.Context, s *live.Socket, params live.Params) error {
	var err error
	p.Card, err = s.Component("log", func() live.Component { return &logCard{} })
	return err
}

func TestStreamInAComponent(t *testing.T) {
	srv := live.New(live.Options{Secret: []byte("stream test secret, 32 bytes long!"), Logger: quietLogger()})
	srv.Handle("GET /{$}", live.Page{New: func() live.View { return &logPage{} }, Template: render.Must(render.New("logPage").Parse(`<main>{{.Card}}</main>`))})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	v := livetest.Open(t, srv, "/")
	list := func() string {
		var ids []string
		v.Find("#lines li").Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.Text()) })
		return strings.Join(ids, " ")
	}
	if got := list(); got != "a b" {
		t.Fatalf("first: %q", got)
	}
	v.Click("#more")
	v.Click("#more")
	if got := list(); got != "new2 new1 a b" {
		t.Fatalf("after two prepends: %q\n%s", got, v.HTML())
	}
}
