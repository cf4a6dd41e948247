package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/glint-go/glint/live"
)

var asyncPage = showcasePage{
	Path:    "/async",
	Title:   "Async loading",
	Summary: "Data that arrives 500 ms after the page connects, loaded off the view's goroutine, and a load that fails.",
	page: func(a *app) live.Page {
		return live.Page{New: func() live.View { return &AsyncPage{} }, Template: asyncTemplate}
	},
}

var asyncTemplate = parsePage("async.html")

// asyncDelay is how long the slow service takes.
const asyncDelay = 500 * time.Millisecond

// salesReport is what the slow service returns.
type salesReport struct {
	Orders  int
	Revenue string
}

// AsyncPage loads two things when it connects: a report that arrives after 500 ms, and a
// forecast whose service always fails after 500 ms.
type AsyncPage struct {
	Report   live.Async[salesReport]
	Forecast live.Async[string]
	Loads    int // how many times the report was loaded
}

// Mount starts both loads; the page renders at once, showing them loading.
func (ap *AsyncPage) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	s.SetTitle("Async loading")
	ap.loadReport(s)
	return live.LoadAsync(s, &ap.Forecast, func(ctx context.Context) (string, error) {
		if err := sleep(ctx, asyncDelay); err != nil {
			return "", err
		}
		return "", errors.New("the forecast service is down")
	})
}

func (ap *AsyncPage) loadReport(s *live.Socket) {
	if s.Connected() {
		ap.Loads++
	}
	n := ap.Loads
	live.LoadAsync(s, &ap.Report, func(ctx context.Context) (salesReport, error) {
		if err := sleep(ctx, asyncDelay); err != nil {
			return salesReport{}, err
		}
		return salesReport{Orders: 40 + n, Revenue: fmt.Sprintf("€%d.00", 1000+10*n)}, nil
	})
}

// HandleEvent reloads the report.
func (ap *AsyncPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "reload" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	ap.loadReport(s)
	return nil
}

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
