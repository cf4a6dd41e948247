package livetest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/render"
)

// avatarCard is a component with an upload of its own, sent as soon as a file is picked.
type avatarCard struct {
	live.ComponentBase
	Avatar *live.Upload
	Saved  string
	dir    string
}

var avatarTemplate = render.Must(render.New("avatar").Parse(
	`<div id="card"><form id="avatar-form" phx-change="validate" phx-target="{{.Myself}}">{{.Avatar.Input}}</form>` +
		`{{range .Avatar.Entries}}<p class="entry">{{.Name}} {{.Progress}}%{{range .Errors}} {{.Message}}{{end}}</p>{{end}}` +
		`{{with .Saved}}<p id="saved">{{.}}</p>{{end}}</div>`))

func (c *avatarCard) Template() *render.Template { return avatarTemplate }

func (c *avatarCard) Mount(ctx context.Context, s *live.Socket) error {
	var err error
	c.Avatar, err = s.AllowUpload("avatar", live.UploadConfig{
		Accept: []string{"image/*"}, MaxFileSize: 300_000, AutoUpload: true, Dir: c.dir,
		Progress: func(ctx context.Context, s *live.Socket, u *live.Upload, e *live.UploadEntry) error {
			if !e.Done {
				return nil
			}
			return u.ConsumeEntry(e, func(e *live.UploadEntry, f *os.File) error {
				h := sha256.New()
				n, err := io.Copy(h, f)
				c.Saved = fmt.Sprintf("%s %d %s", e.Name, n, hex.EncodeToString(h.Sum(nil))[:12])
				return err
			})
		},
	})
	return err
}

func (c *avatarCard) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error { return nil }

// profilePage shows the card, and can hide it.
type profilePage struct {
	Card   render.ComponentRef
	Hidden bool
	dir    string
}

func (p *profilePage) Mount(ctx context.Context, s *live.Socket, _ live.Params) error {
	var err error
	p.Card, err = s.Component("avatar", func() live.Component { return &avatarCard{dir: p.dir} })
	return err
}

func (p *profilePage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	p.Hidden = !p.Hidden
	return nil
}

var profileTemplate = render.Must(render.New("profile").Parse(`<button id="toggle" phx-click="toggle">toggle</button>{{if not .Hidden}}{{.Card}}{{end}}`))

func newProfileServer(t *testing.T) (*live.Server, string) {
	dir := t.TempDir()
	srv := live.New(live.Options{Secret: []byte("livetest upload secret, 32 bytes!")})
	srv.Handle("GET /{$}", live.Page{New: func() live.View { return &profilePage{dir: dir} }, Template: profileTemplate})
	return srv, dir
}

func TestUploadInAComponent(t *testing.T) {
	srv, dir := newProfileServer(t)
	v := livetest.Open(t, srv, "/")
	img := []byte(strings.Repeat("pixels", 30_000)) // 180,000 bytes: three chunks
	sum := sha256.Sum256(img)
	v.SelectFiles("#avatar-form input", livetest.File{Name: "me.png", Content: img})
	if got, want := v.Text("#saved"), fmt.Sprintf("me.png %d %s", len(img), hex.EncodeToString(sum[:])[:12]); got != want {
		t.Fatalf("saved %q, want %q\n%s", got, want, v.HTML())
	}
	if v.Find(".entry").Length() != 0 {
		t.Errorf("the consumed entry is still listed:\n%s", v.HTML())
	}
	// Refused at once: too large, and not an image.
	v.SelectFiles("#avatar-form input", livetest.File{Name: "big.png", Content: make([]byte, 300_001)})
	if !strings.Contains(v.Text(".entry"), "The file is too large.") {
		t.Errorf("no size error:\n%s", v.HTML())
	}
	v.SelectFiles("#avatar-form input", livetest.File{Name: "notes.txt", Content: []byte("x")})
	if got := v.Text(".entry"); !strings.Contains(got, "notes.txt") || !strings.Contains(got, "This type of file is not accepted.") {
		t.Errorf("a single-file input replaces its entry; got %q", got)
	}
	if n := countFiles(t, dir); n != 0 {
		t.Errorf("%d files left in the upload directory", n)
	}
}

// TestUploadOfAComponentThatLeaves: a component's upload under way ends with the component.
func TestUploadOfAComponentThatLeaves(t *testing.T) {
	srv, _ := newProfileServer(t)
	v := livetest.Open(t, srv, "/")
	v.SelectFiles("#avatar-form input", livetest.File{Name: "big.png", Content: make([]byte, 300_001)})
	v.Click("#toggle")
	if len(v.DestroyedComponents()) != 1 {
		t.Fatalf("the card was not destroyed: %v", v.DestroyedComponents())
	}
	v.Click("#toggle")
	if v.Find(".entry").Length() != 0 || v.Find("#avatar-form input").Length() != 1 {
		t.Errorf("the fresh card has the old card's entries:\n%s", v.HTML())
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
