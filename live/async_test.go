package live_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/render"
)

// asyncView loads a number with a loader the test drives.
type asyncView struct {
	loads   chan chan result // each load asks the test for its result here
	stopped chan string      // a load reports how it ended: "done" or "cancelled"
	Total   live.Async[int]
}

type result struct {
	n     int
	err   error
	panic bool
}

var asyncTemplate = render.Must(render.New("async").Parse(
	`<p id="total">{{with .Total}}{{if .Loading}}loading{{if .OK}}?{{end}} (last {{.Value}}){{else if .Failed}}failed: {{.Err}}{{else if .OK}}{{.Value}}{{end}}{{end}}</p>`))

func (v *asyncView) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	return v.load(s)
}

func (v *asyncView) load(s *live.Socket) error {
	return live.LoadAsync(s, &v.Total, func(ctx context.Context) (int, error) {
		ask := make(chan result, 1)
		select {
		case v.loads <- ask:
		case <-ctx.Done():
			v.stopped <- "cancelled"
			return 0, ctx.Err()
		}
		select {
		case r := <-ask:
			v.stopped <- "done"
			if r.panic {
				panic("loader exploded")
			}
			return r.n, r.err
		case <-ctx.Done():
			v.stopped <- "cancelled"
			return 0, ctx.Err()
		}
	})
}

func (v *asyncView) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "reload":
		return v.load(s)
	case "cancel":
		live.CancelAsync(s, &v.Total)
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

func asyncServer(t *testing.T) (*live.Server, chan chan result, chan string) {
	loads, stopped := make(chan chan result, 8), make(chan string, 8)
	srv := live.New(live.Options{Secret: []byte("async test secret, 32 bytes long!!"), Logger: quietLogger()})
	srv.Handle("GET /{$}", live.Page{New: func() live.View { return &asyncView{loads: loads, stopped: stopped} }, Template: asyncTemplate})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv, loads, stopped
}

func nextLoad(t *testing.T, loads chan chan result) chan result {
	t.Helper()
	select {
	case ask := <-loads:
		return ask
	case <-time.After(10 * time.Second):
		t.Fatal("no load started")
		return nil
	}
}

func ended(t *testing.T, stopped chan string, want string) {
	t.Helper()
	select {
	case got := <-stopped:
		if got != want {
			t.Fatalf("a load ended %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no load ended (want %q)", want)
	}
}

func TestAsync(t *testing.T) {
	srv, loads, stopped := asyncServer(t)
	page := livetest.Load(t, srv, "/")
	if !strings.Contains(page.ContainerHTML(), "loading (last 0)") {
		t.Fatalf("the disconnected render does not show loading: %s", page.ContainerHTML())
	}
	select {
	case <-loads:
		t.Fatal("the disconnected render started a load")
	default:
	}
	v := page.MustJoin()
	if v.Text("#total") != "loading (last 0)" {
		t.Fatalf("joined: %s", v.HTML())
	}
	nextLoad(t, loads) <- result{n: 42}
	ended(t, stopped, "done")
	v.WaitFor(func(html string) bool { return strings.Contains(html, ">42<") })

	// Loading again keeps the last value; a failure shows its error.
	v.PushHook("reload", nil)
	if v.Text("#total") != "loading? (last 42)" && v.Text("#total") != "loading (last 42)" {
		t.Fatalf("reloading: %s", v.HTML())
	}
	nextLoad(t, loads) <- result{err: errors.New("database down")}
	ended(t, stopped, "done")
	v.WaitFor(func(html string) bool { return strings.Contains(html, "failed: database down") })

	// A panic in the loader fails the load; the view goes on.
	v.PushHook("reload", nil)
	nextLoad(t, loads) <- result{panic: true}
	ended(t, stopped, "done")
	v.WaitFor(func(html string) bool {
		return strings.Contains(html, "failed: live: async load panicked: loader exploded")
	})
	if v.Errored() {
		t.Fatal("a panicking loader crashed the view")
	}

	// Loading again cancels the load under way: only the second one's result lands.
	v.PushHook("reload", nil)
	first := nextLoad(t, loads)
	v.PushHook("reload", nil)
	ended(t, stopped, "cancelled")
	second := nextLoad(t, loads)
	first <- result{n: 1} // nobody reads it: the first load is gone
	second <- result{n: 2}
	ended(t, stopped, "done")
	v.WaitFor(func(html string) bool { return strings.Contains(html, ">2<") })

	// CancelAsync.
	v.PushHook("reload", nil)
	nextLoad(t, loads)
	v.PushHook("cancel", nil)
	ended(t, stopped, "cancelled")
	if !strings.Contains(v.Text("#total"), "failed: live: async load cancelled") {
		t.Fatalf("after CancelAsync: %s", v.HTML())
	}
}

func TestAsyncEndsWithTheView(t *testing.T) {
	srv, loads, stopped := asyncServer(t)
	v := livetest.Open(t, srv, "/")
	ask := nextLoad(t, loads)
	v.Close()
	ended(t, stopped, "cancelled")
	ask <- result{n: 7} // a result after the view ended goes nowhere
}

// manyLoads starts 20 loads that wait for the view to end.
type manyLoads struct {
	Slots [20]live.Async[int]
	Errs  []string
}

func (v *manyLoads) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	for i := range v.Slots {
		err := live.LoadAsync(s, &v.Slots[i], func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		})
		if err != nil {
			v.Errs = append(v.Errs, fmt.Sprint(i, errors.Is(err, live.ErrTooManyAsync), v.Slots[i].Failed()))
		}
	}
	return nil
}

func TestAsyncIsBounded(t *testing.T) {
	srv := live.New(live.Options{Secret: []byte("async test secret, 32 bytes long!!"), Logger: quietLogger()})
	srv.Handle("GET /{$}", live.Page{New: func() live.View { return &manyLoads{} }, Template: render.Must(render.New("m").Parse(`<p id="errs">{{range .Errs}}{{.}};{{end}}</p>`))})
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	v := livetest.Open(t, srv, "/")
	if got := v.Text("#errs"); got != "16 true true;17 true true;18 true true;19 true true;" {
		t.Fatalf("loads past the bound: %q", got)
	}
}
