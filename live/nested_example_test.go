package live_test

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

// Dashboard renders a nested Weather view: a live view of its own, with its own goroutine
// and events, which the dashboard outputs with {{.Weather}}.
type Dashboard struct {
	Weather template.HTML
}

func (d *Dashboard) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	var err error
	d.Weather, err = s.LiveRender(live.Child{ID: "weather", Page: "weather", Session: map[string]string{"city": "Lisbon"}})
	return err
}

// Weather is the nested view; the parent gave it a city in its session.
type Weather struct{ City string }

func (w *Weather) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	w.City = s.Session()["city"]
	return nil
}

func ExampleSocket_LiveRender() {
	srv := live.New(live.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("example secret, example secret!!")})
	srv.HandleNested("weather", live.Page{
		New:      func() live.View { return &Weather{} },
		Template: render.Must(render.New("weather").Parse(`<p>Sunny in {{.City}}</p>`)),
	})
	srv.Handle("/", live.Page{
		New:      func() live.View { return &Dashboard{} },
		Template: render.Must(render.New("dashboard").Parse(`<h1>Today</h1>{{.Weather}}`)),
	})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	// The disconnected render holds the child's container, with the child rendered inside;
	// once connected, the browser joins the child on its own topic, lv:weather.
	tokens := regexp.MustCompile(`(data-phx-session|data-phx-parent-id)="[^"]*"`)
	fmt.Println(tokens.ReplaceAllString(containerContent.FindStringSubmatch(rec.Body.String())[1], `$1="…"`))
	// Output: <h1>Today</h1><div id="weather" data-phx-session="…" data-phx-static="" data-phx-parent-id="…"><p>Sunny in Lisbon</p></div>
}
