package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/internal/browsertest"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

// tallyView counts clicks; its template comes from a file that the test edits.
type tallyView struct{ Count int }

func (v *tallyView) Mount(ctx context.Context, s *live.Socket, p live.Params) error { return nil }

func (v *tallyView) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "inc" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	v.Count++
	return nil
}

// TestDevReloadInTheBrowser edits the template of an open page with Options.DevReload, with
// both clients: the page shows the new template with its state kept, without a page load.
func TestDevReloadInTheBrowser(t *testing.T) {
	for _, client := range []string{"glint", "official"} {
		t.Run(client, func(t *testing.T) {
			dir := t.TempDir()
			page := filepath.Join(dir, "tally.html")
			write := func(text string) {
				t.Helper()
				if err := os.WriteFile(page, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write(`<p>Count: <span id="count">{{.Count}}</span></p><button id="inc" phx-click="inc">+</button>`)
			tmpl := render.Must(render.ParseFiles(page))
			opts := live.Options{Secret: testSecret, Logger: quietLogger(), DevReload: true}
			mux := http.NewServeMux()
			if client == "official" {
				opts.ScriptURL = browsertest.MountOfficialClient(t, mux)
			}
			lv := live.New(opts)
			lv.Handle("GET /{$}", live.Page{New: func() live.View { return &tallyView{} }, Template: tmpl})
			mux.Handle("/", lv)
			r := serve(t, lv, mux)
			r.eval(`(window.notReloaded = "yes")`)
			r.do("click", chromedp.Click(chromedp.CSS("#inc")))
			r.until("one click", text("count", "1"))
			r.do("click", chromedp.Click(chromedp.CSS("#inc")))
			r.until("two clicks", text("count", "2"))
			write(`<h1>Total: <b id="total">{{.Count}}</b></h1><button id="inc" phx-click="inc">add</button>`)
			r.until("the new template, with the count kept", text("total", "2")+` && window.notReloaded === "yes"`)
			r.do("click", chromedp.Click(chromedp.CSS("#inc")))
			r.until("a click on the new template", text("total", "3"))
		})
	}
}
