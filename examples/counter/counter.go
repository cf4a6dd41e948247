package main

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// maxStart is the largest starting count.
const maxStart = 100_000

// sharedTopic carries the shared counter's new value to every connected view.
const sharedTopic = "counter:shared"

// config is what newServer needs; tests fill it in, main reads it from flags.
type config struct {
	// Secret signs sessions; empty lets the runtime pick (GLINT_SECRET or random).
	Secret []byte
	// Logger receives the runtime's logs; nil means slog.Default().
	Logger *slog.Logger
	// Layout and ScriptURL replace the counter's page layout (pageLayout, which links the
	// stylesheet and icon newHandler serves) and the runtime's client script when set (the
	// official-client test serves its own script).
	Layout    *template.Template
	ScriptURL string
	// DrainWindow spreads the closing of sockets at shutdown; 0 keeps the runtime's default.
	DrainWindow time.Duration
	// Start draws the count a new page starts at; nil draws uniformly from [0, maxStart].
	Start func() int
	// Limits are the live socket's limits on clients; the zero value keeps the defaults.
	Limits channel.Limits
}

var pageTemplate = render.Must(render.New("counter").Parse(`<main class="counter">
<h1>Counter</h1>
<section class="counter__card">
<p class="counter__label">Count</p>
<p class="counter__value"><span id="count">{{.Count}}</span></p>
<div class="counter__buttons">
<button phx-click="dec">-</button>
<button phx-click="inc">+</button>
</div>
</section>
<section class="counter__card counter__card--shared">
<p class="counter__label">Shared by every tab</p>
<p class="counter__value"><span id="shared">{{.Shared}}</span></p>
<div class="counter__buttons">
<button phx-click="dec_shared">-</button>
<button phx-click="inc_shared">+</button>
</div>
</section>
</main>
`))

// app holds the state shared by every view of one server: the shared count.
type app struct {
	shared atomic.Int64
}

// sharedChange is the payload broadcast on sharedTopic.
type sharedChange struct {
	Value int64 `json:"value"`
}

// Counter is the page's live view.
type Counter struct {
	app    *app
	Count  int
	Shared int64
}

// Mount starts the count at the page's random start, bound into the signed session by the
// first GET so that the disconnected and the connected render agree.
func (c *Counter) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	start, err := strconv.Atoi(s.Session()["start"])
	if err != nil {
		return fmt.Errorf("counter: session has no start: %w", err)
	}
	c.Count = start
	c.Shared = c.app.shared.Load()
	s.SetTitle("Counter")
	if s.Connected() {
		return s.Subscribe(sharedTopic)
	}
	return nil
}

// HandleEvent handles the four buttons.
func (c *Counter) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "inc":
		c.Count++
	case "dec":
		c.Count--
	case "inc_shared", "dec_shared":
		delta := int64(1)
		if e.Name == "dec_shared" {
			delta = -1
		}
		c.Shared = c.app.shared.Add(delta)
		// Every view (this one included) gets the value; a late broadcast of an older
		// value is ignored by HandleInfo.
		return s.Broadcast(ctx, sharedTopic, "change", sharedChange{Value: c.Shared})
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

// HandleInfo applies shared-counter broadcasts. Broadcasts from concurrent clicks may arrive
// out of order, so the view shows the store's current value rather than the payload's.
func (c *Counter) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	m, ok := msg.(*pubsub.Message)
	if !ok || m.Topic != sharedTopic {
		return fmt.Errorf("counter: unexpected message %T", msg)
	}
	c.Shared = c.app.shared.Load()
	return nil
}

// newServer builds the counter's live server without listening; newHandler adds the
// static files.
func newServer(cfg config) *live.Server {
	start := cfg.Start
	if start == nil {
		start = func() int { return rand.IntN(maxStart + 1) }
	}
	opts := live.Options{Secret: cfg.Secret, Logger: cfg.Logger}
	opts.Layout, opts.ScriptURL = cfg.Layout, cfg.ScriptURL
	if opts.Layout == nil {
		opts.Layout = pageLayout
	}
	opts.Channel.DrainWindow = cfg.DrainWindow
	opts.Channel.Limits = cfg.Limits
	// The demo shows its metrics openly (cmd/glintload reads them); a real app guards them.
	opts.MetricsPath = "/metrics"
	opts.Session = func(r *http.Request) (map[string]string, error) {
		return map[string]string{"start": strconv.Itoa(start())}, nil
	}
	srv := live.New(opts)
	a := &app{}
	srv.Handle("GET /{$}", live.Page{
		New:      func() live.View { return &Counter{app: a} },
		Template: pageTemplate,
	})
	return srv
}
