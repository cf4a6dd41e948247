package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/internal/browsertest"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

// uploadHookLayout registers a hook that uploads a file it makes itself, with the hook API's
// this.upload (an upload of the view, found by name in the whole view) or this.uploadTo (of
// the component under a selector), as an app's JavaScript would: a canvas drawing, a
// recording, a pasted image. An upload's name must be unique in the view for this.upload.
var uploadHookLayout = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="csrf-token" content="{{.CSRFToken}}"><title>{{.Title}}</title>
<script>
window.glint = {hooks: {Maker: {
  mounted() {
    this.el.addEventListener("click", () => {
      const file = new File([this.el.dataset.body], this.el.dataset.name, {type: "text/plain"})
      const {target, upload} = this.el.dataset
      target ? this.uploadTo(target, upload, [file]) : this.upload(upload, [file])
    })
  },
}}}
</script>
<script defer src="{{.ScriptURL}}"></script></head>
<body>{{.Content}}</body></html>`))

// officialClientWithHooks boots the official client with the page's hooks.
const officialClientWithHooks = `import {Socket} from "phoenix"
import {LiveSocket} from "phoenix_live_view"
const csrf = document.querySelector("meta[name='csrf-token']").getAttribute("content")
const liveSocket = new LiveSocket("/live", Socket, {params: {_csrf_token: csrf}, hooks: window.glint.hooks})
liveSocket.connect()
window.liveSocket = liveSocket
`

// noteSaver consumes each note as soon as it is in, listing its name and SHA-256.
type noteSaver struct {
	Notes *live.Upload
	Saved []string
}

func (n *noteSaver) allow(s *live.Socket, name string) error {
	var err error
	n.Notes, err = s.AllowUpload(name, live.UploadConfig{Accept: []string{".txt"}, MaxEntries: 2, MaxFileSize: 1 << 10,
		AutoUpload: true, Progress: n.progress})
	return err
}

func (n *noteSaver) progress(ctx context.Context, s *live.Socket, u *live.Upload, e *live.UploadEntry) error {
	if !e.Done {
		return nil
	}
	return u.ConsumeEntry(e, func(e *live.UploadEntry, f *os.File) error {
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		n.Saved = append(n.Saved, e.Name+" "+hex.EncodeToString(h.Sum(nil)))
		return nil
	})
}

// hookUploadView has an upload of its own and a component with another.
type hookUploadView struct {
	noteSaver
	Box render.ComponentRef
}

var hookUploadTemplate = render.Must(render.New("hookupload").Parse(`<form id="page-form" phx-change="validate">{{.Notes.Input}}</form>
<button id="page-maker" phx-hook="Maker" data-upload="notes" data-name="page.txt" data-body="made on the page">Make a note</button>
<ul id="page-saved">{{range .Saved}}<li>{{.}}</li>{{end}}</ul>
{{.Box}}`))

func (v *hookUploadView) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	if err := v.allow(s, "notes"); err != nil {
		return err
	}
	var err error
	v.Box, err = s.Component("notes-box", func() live.Component { return &noteBox{} })
	return err
}

func (v *hookUploadView) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	return nil // "validate": the entries are checked when picked
}

// noteBox is a component with its own upload, the target of this.uploadTo.
type noteBox struct {
	live.ComponentBase
	noteSaver
}

var noteBoxTemplate = render.Must(render.New("box").Parse(`<div id="box">
<form id="box-form" phx-change="validate" phx-target="{{.Myself}}">{{.Notes.Input}}</form>
<button id="box-maker" phx-hook="Maker" data-target="#box" data-upload="memos" data-name="box.txt" data-body="made in the component">Make a note here</button>
<ul id="box-saved">{{range .Saved}}<li>{{.}}</li>{{end}}</ul>
</div>`))

func (b *noteBox) Mount(ctx context.Context, s *live.Socket) error { return b.allow(s, "memos") }

func (b *noteBox) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error { return nil }

func (b *noteBox) Template() *render.Template { return noteBoxTemplate }

// TestHookUploadsInTheBrowser: a hook's this.upload and this.uploadTo send files the page
// made, with both clients; the server receives every byte.
func TestHookUploadsInTheBrowser(t *testing.T) {
	for _, client := range []string{"glint", "official"} {
		t.Run(client, func(t *testing.T) {
			opts := live.Options{Secret: testSecret, Logger: quietLogger(), Layout: uploadHookLayout}
			mux := http.NewServeMux()
			if client == "official" {
				opts.ScriptURL = browsertest.MountBundle(t, mux, "/official-hooks.js", officialClientWithHooks)
			}
			lv := live.New(opts)
			lv.Handle("GET /{$}", live.Page{New: func() live.View { return &hookUploadView{} }, Template: hookUploadTemplate})
			mux.Handle("/", lv)
			r := serve(t, lv, mux)

			sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
			r.do("make a note on the page", chromedp.Click(chromedp.CSS("#page-maker")))
			r.until("the page's note stored", text("page-saved", "page.txt "+sum("made on the page")))
			r.do("make a note in the component", chromedp.Click(chromedp.CSS("#box-maker")))
			r.until("the component's note stored", text("box-saved", "box.txt "+sum("made in the component")))
			if got := r.eval(`document.getElementById("page-saved").textContent`); got != "page.txt "+sum("made on the page") {
				t.Errorf("the page's list after the component's upload: %q", got)
			}
		})
	}
}
