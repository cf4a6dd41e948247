package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/glint-go/glint/live"
)

var uploadPage = showcasePage{
	Path:    "/upload",
	Title:   "Uploads",
	Summary: "Pick or drop up to 3 files of up to 8 MB, watch each one's progress, and store them; or send them straight to storage with a presigned PUT.",
	page: func(a *app) live.Page {
		return live.Page{New: func() live.View { return &UploadPage{store: a.store} }, Template: uploadTemplate}
	},
}

var uploadTemplate = parsePage("upload.html")

// Upload limits of the page.
const (
	uploadMaxFiles = 3
	uploadMaxBytes = 8 << 20
)

// StoredFile is a file the page stored.
type StoredFile struct {
	Name   string
	Size   int64
	SHA256 string
	Via    string // "socket" or "PUT"
}

// UploadPage has two uploads: Files, sent over the live socket when the form is submitted,
// and Direct, sent at once by the browser to the store's presigned URL (an external
// upload), which the server never sees the bytes of.
type UploadPage struct {
	Files  *live.Upload
	Direct *live.Upload
	Stored []StoredFile
	Note   string
	store  *fileStore
}

// Mount allows both uploads.
func (p *UploadPage) Mount(ctx context.Context, s *live.Socket, _ live.Params) error {
	s.SetTitle("Uploads")
	var err error
	p.Files, err = s.AllowUpload("files", live.UploadConfig{MaxEntries: uploadMaxFiles, MaxFileSize: uploadMaxBytes})
	if err != nil {
		return err
	}
	p.Direct, err = s.AllowUpload("direct", live.UploadConfig{
		MaxEntries: uploadMaxFiles, MaxFileSize: uploadMaxBytes, AutoUpload: true,
		External: p.presign,
		Progress: p.directProgress,
	})
	return err
}

// presign hands the browser a URL of the store it may PUT this one file to.
func (p *UploadPage) presign(ctx context.Context, s *live.Socket, e *live.UploadEntry) (live.UploadMeta, error) {
	u, err := p.store.presign(s.URL(), e.Size)
	if err != nil {
		return nil, err
	}
	return live.UploadMeta{"uploader": "PUT", "url": u.String()}, nil
}

// directProgress records a direct upload once the browser says it is in: the store must
// hold a file of the declared size under the presigned key.
func (p *UploadPage) directProgress(ctx context.Context, s *live.Socket, u *live.Upload, e *live.UploadEntry) error {
	if !e.Done {
		return nil
	}
	return u.ConsumeEntry(e, func(e *live.UploadEntry, _ *os.File) error {
		key, _ := url.Parse(e.Meta["url"].(string))
		sf, err := p.store.describe(filepath.Base(key.Path), e.Name, "PUT")
		if err != nil {
			return err
		}
		if sf.Size != e.Size {
			return fmt.Errorf("stored %d bytes of %d", sf.Size, e.Size)
		}
		p.Stored = append(p.Stored, sf)
		return nil
	})
}

// HandleEvent validates on change, stores on submit, and cancels an entry.
func (p *UploadPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "validate":
		return nil
	case "save":
		var n int
		err := p.Files.Consume(func(e *live.UploadEntry, f *os.File) error {
			sf, err := p.store.keep(f, e.Name)
			if err != nil {
				return err
			}
			p.Stored = append(p.Stored, sf)
			n++
			return nil
		})
		p.Note = fmt.Sprintf("Stored %d file(s).", n)
		return err
	case "cancel":
		p.Files.Cancel(e.Get("ref"))
		p.Direct.Cancel(e.Get("ref"))
		return nil
	}
	return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
}

// fileStore keeps the showcase's uploaded files in a directory of its own, and takes PUTs
// to presigned URLs, as an object store does.
type fileStore struct {
	dir string
	key []byte // signs the PUT URLs
	log *slog.Logger
}

func newFileStore(log *slog.Logger) (*fileStore, error) {
	dir, err := os.MkdirTemp("", "glint-showcase-uploads-*")
	if err != nil {
		return nil, fmt.Errorf("upload store: %w", err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	return &fileStore{dir: dir, key: key, log: log}, nil
}

// Close removes the stored files.
func (fs *fileStore) Close() error { return os.RemoveAll(fs.dir) }

// keep moves an uploaded file into the store, and describes it.
func (fs *fileStore) keep(f *os.File, name string) (StoredFile, error) {
	id := randomID()
	if err := os.Rename(f.Name(), filepath.Join(fs.dir, id)); err != nil {
		return StoredFile{}, fmt.Errorf("store %q: %w", name, err)
	}
	return fs.describe(id, name, "socket")
}

// describe hashes the stored file id.
func (fs *fileStore) describe(id, name, via string) (StoredFile, error) {
	f, err := os.Open(filepath.Join(fs.dir, filepath.Base(id)))
	if err != nil {
		return StoredFile{}, fmt.Errorf("store %q: %w", name, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return StoredFile{}, fmt.Errorf("store %q: %w", name, err)
	}
	return StoredFile{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Via: via}, nil
}

// presignTTL is how long a presigned URL can be used.
const presignTTL = 10 * time.Minute

// presign returns a URL, on the page's host, that accepts one PUT of at most size bytes.
func (fs *fileStore) presign(page *url.URL, size int64) (*url.URL, error) {
	if page == nil {
		return nil, errors.New("presign: the view has no URL")
	}
	id := randomID()
	exp := strconv.FormatInt(time.Now().Add(presignTTL).Unix(), 10)
	max := strconv.FormatInt(size, 10)
	q := url.Values{"exp": {exp}, "max": {max}, "sig": {fs.sign(id, exp, max)}}
	return page.ResolveReference(&url.URL{Path: "/upload-store/" + id, RawQuery: q.Encode()}), nil
}

func (fs *fileStore) sign(parts ...string) string {
	m := hmac.New(sha256.New, fs.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// ServeHTTP takes a PUT to a presigned URL: the signature and expiry are checked, the body
// may not pass the signed size, and a key is written once.
func (fs *fileStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", http.MethodPut)
		http.Error(w, "PUT only", http.StatusMethodNotAllowed)
		return
	}
	id := r.PathValue("id")
	q := r.URL.Query()
	exp, max, sig := q.Get("exp"), q.Get("max"), q.Get("sig")
	if !hmac.Equal([]byte(sig), []byte(fs.sign(id, exp, max))) {
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	if t, err := strconv.ParseInt(exp, 10, 64); err != nil || time.Now().Unix() > t {
		http.Error(w, "expired", http.StatusForbidden)
		return
	}
	limit, _ := strconv.ParseInt(max, 10, 64)
	f, err := os.OpenFile(filepath.Join(fs.dir, id), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		http.Error(w, "already written", http.StatusConflict)
		return
	}
	n, err := io.Copy(f, http.MaxBytesReader(w, r.Body, limit))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || n != limit {
		os.Remove(f.Name())
		fs.log.Warn("showcase: presigned PUT refused", "id", id, "bytes", n, "err", err)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
