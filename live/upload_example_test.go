package live_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"regexp"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

// Photos takes up to 3 images of up to 5 MB, stored when the form is submitted.
type Photos struct {
	Upload *live.Upload
	Saved  []string
}

func (p *Photos) Mount(ctx context.Context, s *live.Socket, _ live.Params) error {
	var err error
	p.Upload, err = s.AllowUpload("photos", live.UploadConfig{Accept: []string{".png", "image/jpeg"}, MaxEntries: 3, MaxFileSize: 5 << 20})
	return err
}

func (p *Photos) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "save" {
		return nil // "validate": the entries are up to date already
	}
	return p.Upload.Consume(func(e *live.UploadEntry, f *os.File) error {
		// f is the received file; it is deleted when this returns, unless moved.
		p.Saved = append(p.Saved, fmt.Sprintf("%s (%d bytes)", e.Name, e.Size))
		return nil
	})
}

var refs = regexp.MustCompile(`"phx-[A-Za-z0-9_-]{16}"`)

func ExampleSocket_AllowUpload() {
	srv := live.New(live.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("example secret, example secret!!")})
	srv.Handle("/", live.Page{
		New: func() live.View { return &Photos{} },
		Template: render.Must(render.New("photos").Parse(
			`<form phx-change="validate" phx-submit="save">{{.Upload.Input}}{{range .Upload.Entries}}<p>{{.Name}} {{.Progress}}%</p>{{end}}</form>`)),
	})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(refs.ReplaceAllString(containerContent.FindStringSubmatch(rec.Body.String())[1], `"phx-…"`))
	// Output: <form phx-change="validate" phx-submit="save"><input id="phx-…" type="file" name="photos" accept=".png,image/jpeg" data-phx-hook="Phoenix.LiveFileUpload" data-phx-upload-ref="phx-…" data-phx-active-refs="" data-phx-done-refs="" data-phx-preflighted-refs="" multiple></form>
}
