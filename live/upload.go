package live

import (
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"mime"
	"os"
	"path"
	"strings"
	"time"
)

// UploadConfig declares a file upload of a view (Socket.AllowUpload). The zero value
// accepts one file of any type up to 8,000,000 bytes, sent when the form is submitted.
type UploadConfig struct {
	// Accept lists what may be uploaded: file extensions (".png"), MIME types
	// ("application/pdf") and the wildcards "image/*", "audio/*" and "video/*". It is
	// also the input's accept attribute. Empty accepts anything.
	Accept []string
	// MaxEntries is how many files may be selected at once. Default 1.
	MaxEntries int
	// MaxFileSize is the largest file, in bytes. A file declared larger is refused when
	// selected; one that sends more than it declared is cut off at that point. Default
	// 8,000,000.
	MaxFileSize int64
	// MaxTotalSize bounds the sum of the selected files' sizes. Default: no bound but
	// MaxEntries × MaxFileSize.
	MaxTotalSize int64
	// ChunkSize is the size of the pieces the browser sends the file in. Default 64,000;
	// it must fit in the socket's largest frame (channel.Options.MaxFrameBytes).
	ChunkSize int
	// ChunkTimeout ends an upload that sent no chunk for this long. Default 10s.
	ChunkTimeout time.Duration
	// AutoUpload sends files as soon as they are selected, instead of when the form is
	// submitted.
	AutoUpload bool
	// Dir is where the default writer keeps files until they are consumed. Default
	// os.TempDir().
	Dir string
	// Validate checks an entry further when it is selected (its name, size and type are
	// what the browser declared); an error refuses it with that error. It runs on the
	// view's goroutine.
	Validate func(e *UploadEntry) error
	// Progress runs on the view's goroutine each time an entry's progress changes, when it
	// completes, and when it fails. With AutoUpload it is where completed entries are
	// usually consumed.
	Progress func(ctx context.Context, s *Socket, u *Upload, e *UploadEntry) error
	// Writer, if set, receives each entry's bytes instead of a temporary file: it is
	// called when the browser starts sending the entry, on the upload's own goroutine (it
	// may block, to dial a storage service for instance). Consume then gets no file.
	Writer func(e UploadEntry) (UploadWriter, error)
	// External, if set, makes uploads go straight from the browser to another service
	// (S3-style presigned PUT): it is called when an entry is about to be sent, and
	// returns what the browser's uploader needs, which must include "uploader". Glint's
	// client has an uploader named "PUT" built in: {"uploader": "PUT", "url": …,
	// "headers": {…}} makes it PUT the file to url. The view never sees the bytes; an
	// entry is done when the browser says so.
	External func(ctx context.Context, s *Socket, e *UploadEntry) (UploadMeta, error)
}

// UploadMeta is what an external upload hands the browser for one entry: "uploader" names
// the client-side uploader, the rest is for it (a URL, headers, form fields).
type UploadMeta map[string]any

// UploadWriter receives one entry's bytes, in order, on the upload's own goroutine, so a
// slow disk or network delays only that upload. Close is called once: with nil when every
// byte arrived, or with the reason the upload stopped (cancelled, too large, timed out, the
// browser went away), in which case the writer should discard what it received.
type UploadWriter interface {
	io.Writer
	Close(err error) error
}

// UploadError is why an upload or one of its entries was refused or failed. It is an
// error; Message is a sentence for the page.
type UploadError string

// The upload errors. The strings are those LiveView's client and server use.
const (
	UploadTooLarge      UploadError = "too_large"       // larger than MaxFileSize, or sent more than declared
	UploadTotalTooLarge UploadError = "total_too_large" // the selection is over MaxTotalSize
	UploadNotAccepted   UploadError = "not_accepted"    // not in Accept
	UploadTooMany       UploadError = "too_many_files"  // more than MaxEntries selected
	UploadInvalid       UploadError = "invalid"         // refused by Validate, or malformed
	UploadWriteFailed   UploadError = "writer_failure"  // the writer (or the disk) failed
	UploadTimedOut      UploadError = "timeout"         // no chunk within ChunkTimeout
	UploadInterrupted   UploadError = "interrupted"     // the browser stopped sending
	UploadExternal      UploadError = "external_client_failure"
	UploadExternalMeta  UploadError = "external_metadata_failure"
)

func (e UploadError) Error() string { return "live: upload: " + string(e) }

// Message returns a short sentence describing e, for the page.
func (e UploadError) Message() string {
	switch e {
	case UploadTooLarge:
		return "The file is too large."
	case UploadTotalTooLarge:
		return "The files are too large together."
	case UploadNotAccepted:
		return "This type of file is not accepted."
	case UploadTooMany:
		return "Too many files."
	case UploadInvalid:
		return "The file was refused."
	case UploadWriteFailed:
		return "The file could not be stored."
	case UploadTimedOut:
		return "The upload timed out."
	case UploadInterrupted:
		return "The upload was interrupted."
	case UploadExternal, UploadExternalMeta:
		return "The upload failed."
	}
	return string(e)
}

// ErrUploadsInProgress is returned by Consume while entries are still being sent.
var ErrUploadsInProgress = errors.New("live: upload entries are still in progress")

// ErrUploadCancelled is the reason an UploadWriter is closed with when its entry was
// cancelled, by the view or because the view ended.
var ErrUploadCancelled = errors.New("live: upload cancelled")

// Upload defaults, LiveView's.
const (
	DefaultUploadMaxFileSize  = 8_000_000
	DefaultUploadChunkSize    = 64_000
	DefaultUploadChunkTimeout = 10 * time.Second
)

// maxUploadEntries bounds the entries one upload keeps, valid or not, whatever the browser
// sends: MaxEntries and this many more (refused as too many).
const maxUploadExtraEntries = 16

// Upload is a file upload allowed on a view, returned by Socket.AllowUpload. Keep it in a
// field of the view and render its input and entries:
//
//	<form phx-change="validate" phx-submit="save">
//	  {{.Photos.Input}}
//	  {{range .Photos.Entries}}{{.Name}} {{.Progress}}%{{range .Errors}} {{.Message}}{{end}}{{end}}
//	</form>
//
// Its methods run on the view's goroutine, like the view's own.
type Upload struct {
	name    string
	ref     string
	cfg     UploadConfig
	exts    map[string]bool // accepted extensions, lower case with the dot
	types   map[string]bool // accepted MIME types and wildcards
	entries []*UploadEntry
	tooMany bool
	cid     int       // the component that renders it (allowed it, or sent it an event), or 0
	owner   int       // the component that allowed it, or 0 for the view
	v       *viewProc // nil during the disconnected render
}

// UploadEntry is one file selected for an Upload. Name, Size and Type are what the browser
// declared: the size is enforced while the bytes arrive, the name and type are only hints.
type UploadEntry struct {
	Ref          string // the browser's reference for the file
	Name         string // the file's name, without any directory
	RelativePath string // the path within a dropped directory, or ""
	Type         string // the declared MIME type, or ""
	Size         int64  // the declared size in bytes
	LastModified time.Time
	// Progress is the percentage sent: what the browser reports, never more than the
	// server has received.
	Progress int
	// Done is true once every byte arrived (for external uploads: once the browser says
	// so); the entry can then be consumed.
	Done bool
	// Valid is false for an entry refused when selected; its Errors say why.
	Valid bool
	// Preflighted is true once the browser was allowed to send it.
	Preflighted bool
	// Meta is what External returned for the entry, or nil.
	Meta UploadMeta

	errs []UploadError
	pipe *entryPipe // the receiving end, for an entry sent to the view
}

// Errors returns why the entry was refused or failed, or nil.
func (e *UploadEntry) Errors() []UploadError { return e.errs }

// Name returns the name given to AllowUpload: the input's name.
func (u *Upload) Name() string { return u.name }

// Ref returns the upload's reference: the input's id, and the value for a
// phx-drop-target attribute.
func (u *Upload) Ref() string { return u.ref }

// Config returns the upload's configuration, with the defaults filled in.
func (u *Upload) Config() UploadConfig { return u.cfg }

// Entries returns the selected files, in the order they were selected.
func (u *Upload) Entries() []*UploadEntry { return u.entries }

// Errors returns the upload's own errors (too many files), not its entries'.
func (u *Upload) Errors() []UploadError {
	if u.tooMany {
		return []UploadError{UploadTooMany}
	}
	return nil
}

// Input returns the upload's file input, for a template: {{.Photos.Input}}. attrs are
// extra attributes as name, value pairs: {{.Photos.Input "class" "picker"}}; a last name
// without a value is a boolean attribute. The input must be inside a form.
func (u *Upload) Input(attrs ...string) template.HTML {
	var b strings.Builder
	attr := func(name, value string) {
		b.WriteString(" " + name + `="` + html.EscapeString(value) + `"`)
	}
	b.WriteString("<input")
	attr("id", u.ref)
	attr("type", "file")
	attr("name", u.name)
	if len(u.cfg.Accept) > 0 {
		attr("accept", strings.Join(u.cfg.Accept, ","))
	}
	attr("data-phx-hook", "Phoenix.LiveFileUpload")
	attr("data-phx-upload-ref", u.ref)
	var active, done, pre, errs []string
	for _, e := range u.entries {
		active = append(active, e.Ref)
		if e.Done {
			done = append(done, e.Ref)
		}
		if e.Preflighted {
			pre = append(pre, e.Ref)
		}
		if len(e.errs) > 0 {
			errs = append(errs, e.Ref)
		}
	}
	if u.tooMany {
		errs = append(errs, u.ref)
	}
	attr("data-phx-active-refs", strings.Join(active, ","))
	attr("data-phx-done-refs", strings.Join(done, ","))
	attr("data-phx-preflighted-refs", strings.Join(pre, ","))
	if len(errs) > 0 {
		attr("data-phx-error-refs", strings.Join(errs, ","))
	}
	if u.cfg.AutoUpload {
		b.WriteString(" data-phx-auto-upload")
	}
	if u.cfg.MaxEntries > 1 {
		b.WriteString(" multiple")
	}
	for i := 0; i < len(attrs); i += 2 {
		name := attrs[i]
		if !validAttrName(name) {
			continue
		}
		if i+1 == len(attrs) {
			b.WriteString(" " + name)
			break
		}
		attr(name, attrs[i+1])
	}
	b.WriteString(">")
	return template.HTML(b.String())
}

// validAttrName accepts the attribute names a template author writes, and nothing that
// could break out of the tag.
func validAttrName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == ':') {
			return false
		}
	}
	return true
}

// AllowUpload allows a file upload named name on the view and returns it. Called from a
// component's Mount, the upload is the component's: it renders with the component, and
// ends with it. Call it in Mount; calling it again for the same name replaces the upload,
// unless it has entries. During the disconnected render it returns an Upload that renders
// its input and has no entries.
func (s *Socket) AllowUpload(name string, cfg UploadConfig) (*Upload, error) {
	if name == "" {
		return nil, errors.New("live: AllowUpload: empty name")
	}
	cfg, exts, types, err := cfg.normalize(s.srv)
	if err != nil {
		return nil, fmt.Errorf("live: AllowUpload %q: %w", name, err)
	}
	u := &Upload{name: name, ref: "phx-" + randomString(12), cfg: cfg, exts: exts, types: types, v: s.v}
	if s.v == nil {
		return u, nil
	}
	if s.v.comps != nil {
		u.owner = s.v.comps.mounting
		u.cid = u.owner
	}
	r := s.v.rareFor()
	for ref, old := range r.uploads {
		if old.name == name && old.owner == u.owner {
			if len(old.entries) > 0 {
				return nil, fmt.Errorf("live: AllowUpload %q: the upload has entries; consume or cancel them first", name)
			}
			delete(r.uploads, ref)
		}
	}
	if r.uploads == nil {
		r.uploads = make(map[string]*Upload)
	}
	r.uploads[u.ref] = u
	return u, nil
}

// normalize fills in the defaults and parses Accept.
func (c UploadConfig) normalize(srv *Server) (UploadConfig, map[string]bool, map[string]bool, error) {
	if c.MaxEntries <= 0 {
		c.MaxEntries = 1
	}
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = DefaultUploadMaxFileSize
	}
	if c.ChunkSize <= 0 {
		c.ChunkSize = DefaultUploadChunkSize
	}
	if c.ChunkTimeout <= 0 {
		c.ChunkTimeout = DefaultUploadChunkTimeout
	}
	if max := srv.maxFrameBytes(); int64(c.ChunkSize)+1024 > max {
		return c, nil, nil, fmt.Errorf("chunk size %d does not fit in the socket's largest frame (%d bytes, less 1 KiB for the frame's header)", c.ChunkSize, max)
	}
	if c.External != nil && c.Writer != nil {
		return c, nil, nil, errors.New("an external upload has no Writer: the bytes go elsewhere")
	}
	var exts, types map[string]bool
	for _, a := range c.Accept {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case strings.HasPrefix(a, ".") && len(a) > 1 && !strings.ContainsAny(a, "/,"):
			if exts == nil {
				exts = map[string]bool{}
			}
			exts[a] = true
		case strings.Count(a, "/") == 1 && !strings.ContainsAny(a, ", ;") && !strings.HasPrefix(a, "/") && !strings.HasSuffix(a, "/"):
			if strings.HasSuffix(a, "/*") && a != "image/*" && a != "audio/*" && a != "video/*" {
				return c, nil, nil, fmt.Errorf("accept %q: the wildcards are image/*, audio/* and video/*", a)
			}
			if types == nil {
				types = map[string]bool{}
			}
			types[a] = true
		default:
			return c, nil, nil, fmt.Errorf("accept %q: want an extension (.png) or a MIME type (image/png, image/*)", a)
		}
	}
	return c, exts, types, nil
}

// accepts reports whether Accept allows a file with this name and declared type.
func (u *Upload) accepts(name, typ string) bool {
	if u.exts == nil && u.types == nil {
		return true
	}
	typ = strings.ToLower(typ)
	if i := strings.IndexByte(typ, ';'); i >= 0 {
		typ = strings.TrimSpace(typ[:i])
	}
	if slash := strings.IndexByte(typ, '/'); slash > 0 && u.types[typ[:slash]+"/*"] {
		return true
	}
	if typ != "" && u.types[typ] {
		return true
	}
	ext := strings.ToLower(path.Ext(name))
	if ext == "" {
		return false
	}
	if u.exts[ext] {
		return true
	}
	// An accepted MIME type whose extension this is (a .jpeg for image/jpeg).
	if t := mime.TypeByExtension(ext); t != "" {
		t, _, _ = strings.Cut(t, ";")
		if slash := strings.IndexByte(t, '/'); u.types[t] || slash > 0 && u.types[t[:slash]+"/*"] {
			return true
		}
	}
	return false
}

// entry returns the entry with ref, or nil.
func (u *Upload) entry(ref string) *UploadEntry {
	for _, e := range u.entries {
		if e.Ref == ref {
			return e
		}
	}
	return nil
}

// inProgress reports whether an entry was allowed to be sent and is not done.
func (e *UploadEntry) inProgress() bool { return e.Valid && !e.Done && len(e.errs) == 0 }

// Cancel cancels the entry with ref: its upload stops and what it sent is removed. It does
// nothing when there is no such entry (the browser may have removed it already).
func (u *Upload) Cancel(ref string) {
	for i, e := range u.entries {
		if e.Ref == ref {
			e.drop()
			u.entries = append(u.entries[:i], u.entries[i+1:]...)
			u.recount()
			u.touch()
			return
		}
	}
}

// CancelAll cancels every entry.
func (u *Upload) CancelAll() {
	for _, e := range u.entries {
		e.drop()
	}
	u.entries = nil
	u.recount()
	u.touch()
}

// Consume hands each completed entry to fn, then removes it: fn gets the entry and its
// file, opened for reading (nil with a custom Writer or an external upload), which is
// deleted once fn returns unless fn moved it (os.Rename). An entry whose fn fails stays,
// and its error is returned, joined with the others. Nothing is consumed while an entry is
// still being sent (ErrUploadsInProgress): with uploads on submit, the browser sends the
// form once every file is in.
func (u *Upload) Consume(fn func(e *UploadEntry, f *os.File) error) error {
	for _, e := range u.entries {
		if e.inProgress() {
			return ErrUploadsInProgress
		}
	}
	var errs []error
	kept := u.entries[:0]
	for _, e := range u.entries {
		if !e.Done {
			kept = append(kept, e)
			continue
		}
		if err := u.consume(e, fn); err != nil {
			errs = append(errs, err)
			kept = append(kept, e)
		}
	}
	clear(u.entries[len(kept):])
	u.entries = kept
	u.recount()
	u.touch()
	return errors.Join(errs...)
}

// ConsumeEntry consumes one completed entry, as Consume does; typically from
// UploadConfig.Progress once e.Done, with AutoUpload.
func (u *Upload) ConsumeEntry(e *UploadEntry, fn func(e *UploadEntry, f *os.File) error) error {
	if !e.Done {
		return ErrUploadsInProgress
	}
	if err := u.consume(e, fn); err != nil {
		return err
	}
	for i, x := range u.entries {
		if x == e {
			u.entries = append(u.entries[:i], u.entries[i+1:]...)
			break
		}
	}
	u.recount()
	u.touch()
	return nil
}

func (u *Upload) consume(e *UploadEntry, fn func(e *UploadEntry, f *os.File) error) error {
	var f *os.File
	if p := e.pipe; p != nil && p.path != "" {
		var err error
		if f, err = os.Open(p.path); err != nil {
			return fmt.Errorf("live: consume %q: %w", e.Name, err)
		}
	}
	err := fn(e, f)
	if f != nil {
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("live: consume %q: %w", e.Name, err)
	}
	e.drop()
	return nil
}

// recount recomputes the too-many error after entries came or went.
func (u *Upload) recount() {
	n := 0
	for _, e := range u.entries {
		if e.Valid {
			n++
		}
	}
	u.tooMany = n > u.cfg.MaxEntries
}

// touch makes the component that renders the upload render again.
func (u *Upload) touch() {
	if u.v == nil {
		return
	}
	u.v.markDirty()
	if u.cid != 0 {
		if ce := u.v.comps.byCID[u.cid]; ce != nil {
			ce.touch()
		}
	}
}

// clientEntry is an entry as the browser describes it, in a form event's "uploads" and in
// allow_upload.
type clientEntry struct {
	Ref          string  `json:"ref"`
	Name         string  `json:"name"`
	RelativePath string  `json:"relative_path"`
	Type         string  `json:"type"`
	Size         float64 `json:"size"`
	LastModified float64 `json:"last_modified"`
}

// putEntries adds the entries the browser selected and validates them. A max-one upload
// given one new file replaces the one it had, as a single file input does.
func (u *Upload) putEntries(in []clientEntry) {
	if u.cfg.MaxEntries == 1 && len(in) == 1 && u.entry(in[0].Ref) == nil {
		for _, e := range u.entries {
			e.drop()
		}
		u.entries = nil
	}
	for _, c := range in {
		if c.Ref == "" || len(c.Ref) > 64 || u.entry(c.Ref) != nil {
			continue
		}
		if len(u.entries) >= u.cfg.MaxEntries+maxUploadExtraEntries {
			u.tooMany = true
			break
		}
		e := &UploadEntry{Ref: c.Ref, Name: clip(path.Base("/"+strings.ReplaceAll(c.Name, "\\", "/")), 255),
			RelativePath: clip(c.RelativePath, 1024), Type: clip(c.Type, 255), Valid: true}
		if c.LastModified > 0 {
			e.LastModified = time.UnixMilli(int64(c.LastModified))
		}
		switch {
		case c.Size < 0 || c.Size != float64(int64(c.Size)):
			e.refuse(UploadInvalid)
		case c.Size > float64(u.cfg.MaxFileSize):
			e.Size = int64(c.Size)
			e.refuse(UploadTooLarge)
		default:
			e.Size = int64(c.Size)
			if !u.accepts(e.Name, e.Type) {
				e.refuse(UploadNotAccepted)
			} else if u.cfg.MaxTotalSize > 0 && u.validSize()+e.Size > u.cfg.MaxTotalSize {
				e.refuse(UploadTotalTooLarge)
			} else if u.cfg.Validate != nil {
				if err := u.cfg.Validate(e); err != nil {
					var ue UploadError
					if !errors.As(err, &ue) {
						ue = UploadInvalid
					}
					e.refuse(ue)
				}
			}
		}
		u.entries = append(u.entries, e)
	}
	u.recount()
	u.touch()
}

func (u *Upload) validSize() int64 {
	var n int64
	for _, e := range u.entries {
		if e.Valid {
			n += e.Size
		}
	}
	return n
}

func (e *UploadEntry) refuse(why UploadError) {
	e.Valid = false
	e.errs = append(e.errs, why)
}

// fail records why a sent entry failed; it stays, with the error, until cancelled.
func (e *UploadEntry) fail(why UploadError) {
	for _, x := range e.errs {
		if x == why {
			return
		}
	}
	e.errs = append(e.errs, why)
}

// drop ends the entry's receiving end, if any: a transfer under way stops, and a received
// file is deleted.
func (e *UploadEntry) drop() {
	if e.pipe != nil {
		e.pipe.cancel()
		e.pipe = nil
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "")
	}
	return s
}
