package live

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The upload protocol over a real socket: form events listing files, the preflight, the
// lvu: channels and their binary chunks, progress, consume and cancel.

type savedFile struct {
	Name string
	Size int64
	Sum  string
}

type uploadView struct {
	cfg    UploadConfig
	Photos *Upload
	Saved  []savedFile
	Err    string
}

func (v *uploadView) Mount(ctx context.Context, s *Socket, p Params) error {
	u, err := s.AllowUpload("photos", v.cfg)
	v.Photos = u
	return err
}

func (v *uploadView) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	switch e.Name {
	case "validate":
	case "save":
		err := v.Photos.Consume(func(e *UploadEntry, f *os.File) error {
			sf := savedFile{Name: e.Name, Size: e.Size}
			if f != nil {
				h := sha256.New()
				n, err := io.Copy(h, f)
				if err != nil {
					return err
				}
				sf.Size, sf.Sum = n, hex.EncodeToString(h.Sum(nil))
			}
			v.Saved = append(v.Saved, sf)
			return nil
		})
		if err != nil {
			v.Err = err.Error()
		}
	case "cancel":
		v.Photos.Cancel(e.Get("ref"))
	}
	return nil
}

var uploadTemplate = mustParse("upload", `<form phx-change="validate" phx-submit="save">{{.Photos.Input}}</form>`+
	`{{range .Photos.Entries}}<p id="e-{{.Ref}}">{{.Name}} {{.Progress}}%{{if .Done}} done{{end}}{{if not .Valid}} invalid{{end}}{{range .Errors}} err:{{.Message}}{{end}}</p>{{end}}`+
	`{{range .Photos.Errors}}<p class="uerr">{{.Message}}</p>{{end}}`+
	`{{range .Saved}}<li>{{.Name}} {{.Size}} {{.Sum}}</li>{{end}}{{with .Err}}<p class="err">{{.}}</p>{{end}}`)

// uploadRig is a connected upload view and the files its uploads leave behind.
type uploadRig struct {
	ts  *testServer
	c   *wsClient
	lv  *liveView
	dir string
	ref string // the upload's ref
	buf []byte // the last chunk frame sent
}

func newUploadRig(t testing.TB, cfg UploadConfig) *uploadRig {
	t.Helper()
	return newUploadRigOpts(t, cfg, Options{})
}

func newUploadRigOpts(t testing.TB, cfg UploadConfig, opts Options) *uploadRig {
	t.Helper()
	dir := t.TempDir()
	if cfg.Dir == "" && cfg.Writer == nil && cfg.External == nil {
		cfg.Dir = dir
	}
	ts := newTestServer(t, opts, func(s *Server) {
		s.Handle("GET /{$}", Page{New: func() View { return &uploadView{cfg: cfg} }, Template: uploadTemplate})
	})
	p := ts.get(t, "/")
	c := ts.dial(t, p)
	lv := ts.join(t, c, p, "/")
	html := lv.model.HTML()
	i := strings.Index(html, `data-phx-upload-ref="`)
	if i < 0 {
		t.Fatalf("no upload input in %s", html)
	}
	ref := html[i+len(`data-phx-upload-ref="`):]
	ref = ref[:strings.IndexByte(ref, '"')]
	return &uploadRig{ts: ts, c: c, lv: lv, dir: dir, ref: ref}
}

type testFile struct {
	ref, name, typ string
	data           []byte
	size           int64 // declared; len(data) when 0 and data is set
}

func (f testFile) declared() int64 {
	if f.size != 0 {
		return f.size
	}
	return int64(len(f.data))
}

func (f testFile) entry() map[string]any {
	return map[string]any{"path": "photos", "ref": f.ref, "name": f.name, "type": f.typ, "size": f.declared(), "last_modified": 1700000000000, "relative_path": ""}
}

// change sends the form's phx-change with the files selected, as a browser does.
func (r *uploadRig) change(t testing.TB, files ...testFile) {
	t.Helper()
	var entries []map[string]any
	for _, f := range files {
		entries = append(entries, f.entry())
	}
	r.lv.push(t, "event", map[string]any{"type": "form", "event": "validate", "value": "",
		"meta": map[string]any{"_target": "photos"}, "uploads": map[string]any{r.ref: entries}})
}

// preflight sends allow_upload and returns the reply's response.
func (r *uploadRig) preflight(t testing.TB, files ...testFile) preflightReply {
	t.Helper()
	var entries []map[string]any
	for _, f := range files {
		entries = append(entries, f.entry())
	}
	resp := r.lv.push(t, "allow_upload", map[string]any{"ref": r.ref, "entries": entries, "cid": nil})
	var pr preflightReply
	if err := json.Unmarshal(resp, &pr); err != nil {
		t.Fatalf("preflight reply %s: %v", resp, err)
	}
	return pr
}

// joinEntry joins lvu:ref with tok and returns the join ref and the reply.
func (r *uploadRig) joinEntry(t testing.TB, ref, tok string) (string, replyBody) {
	t.Helper()
	jr := r.c.send("=", "lvu:"+ref, "phx_join", map[string]string{"token": tok})
	return jr, decodeReply(t, r.c.reply(jr))
}

// chunk sends a binary chunk on lvu:ref and returns the reply.
func (r *uploadRig) chunk(t testing.TB, joinRef, ref string, data []byte) replyBody {
	t.Helper()
	r.c.ref++
	mref := fmt.Sprint(r.c.ref)
	topic := "lvu:" + ref
	b := append(r.buf[:0], 0, byte(len(joinRef)), byte(len(mref)), byte(len(topic)), byte(len("chunk")))
	b = append(append(append(append(append(b, joinRef...), mref...), topic...), "chunk"...), data...)
	r.buf = b // reused: the socket is written before chunk returns
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.c.conn.Write(ctx, websocket.MessageBinary, b); err != nil {
		t.Fatalf("write chunk: %v", err)
	}
	return decodeReply(t, r.c.reply(mref))
}

// progress pushes the browser's progress report for an entry.
func (r *uploadRig) progress(t testing.TB, ref string, p any) {
	t.Helper()
	r.lv.push(t, "progress", map[string]any{"event": nil, "ref": r.ref, "entry_ref": ref, "progress": p, "cid": nil})
}

// begin picks f, preflights it and joins its upload channel, as a browser starting to send
// it does, and returns the channel's join ref and the entry's token.
func (r *uploadRig) begin(t testing.TB, f testFile) (joinRef, tok string) {
	t.Helper()
	r.change(t, f)
	pr := r.preflight(t, f)
	tok, _ = pr.Entries[f.ref].(string)
	if tok == "" {
		t.Fatalf("no token for entry %s: %+v", f.ref, pr)
	}
	jr, rep := r.joinEntry(t, f.ref, tok)
	if rep.Status != "ok" {
		t.Fatalf("join lvu:%s: %s %s", f.ref, rep.Status, rep.Response)
	}
	return jr, tok
}

// beginPartly is begin, then a first chunk of f's first n bytes, which must be taken.
func (r *uploadRig) beginPartly(t testing.TB, f testFile, n int) (joinRef, tok string) {
	t.Helper()
	jr, tok := r.begin(t, f)
	if rep := r.chunk(t, jr, f.ref, f.data[:n]); rep.Status != "ok" {
		t.Fatalf("first %d bytes of %s: %s", n, f.name, rep.Response)
	}
	return jr, tok
}

// send joins f's upload channel with tok and sends its data in chunks of size n, as a
// browser does, reporting progress.
func (r *uploadRig) send(t testing.TB, f testFile, tok string, n int) {
	t.Helper()
	jr, rep := r.joinEntry(t, f.ref, tok)
	if rep.Status != "ok" {
		t.Fatalf("join lvu:%s: %s %s", f.ref, rep.Status, rep.Response)
	}
	r.sendFrom(t, f, jr, n, nil)
}

// sendFrom sends f's data on its joined upload channel in chunks of size n, reporting
// progress whenever the percentage grows, as the browser does; at, if not nil, runs after
// each chunk with the bytes sent so far.
func (r *uploadRig) sendFrom(t testing.TB, f testFile, joinRef string, n int, at func(sent int)) {
	t.Helper()
	last := -1
	for off := 0; off < len(f.data); off += n {
		end := min(off+n, len(f.data))
		if rep := r.chunk(t, joinRef, f.ref, f.data[off:end]); rep.Status != "ok" {
			t.Fatalf("chunk at %d: %s %s", off, rep.Status, rep.Response)
		}
		if pct := end * 100 / len(f.data); pct > last {
			last = pct
			r.progress(t, f.ref, pct)
		}
		if at != nil {
			at(end)
		}
	}
}

// another connects one more browser tab to the rig's server.
func (r *uploadRig) another(t testing.TB) *uploadRig {
	t.Helper()
	p := r.ts.get(t, "/")
	c := r.ts.dial(t, p)
	lv := r.ts.join(t, c, p, "/")
	html := lv.model.HTML()
	i := strings.Index(html, `data-phx-upload-ref="`)
	ref := html[i+len(`data-phx-upload-ref="`):]
	return &uploadRig{ts: r.ts, c: c, lv: lv, dir: r.dir, ref: ref[:strings.IndexByte(ref, '"')]}
}

// files lists what the uploads left in the rig's directory.
func (r *uploadRig) files(t testing.TB) []string {
	t.Helper()
	ents, err := os.ReadDir(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// waitNoFiles waits until the uploads' temporary files are gone.
func (r *uploadRig) waitNoFiles(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(r.files(t)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("temporary files left: %v", r.files(t))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func fileData(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestUploadOnSubmit(t *testing.T) {
	r := newUploadRig(t, UploadConfig{Accept: []string{".png", "image/jpeg"}, MaxEntries: 3, MaxFileSize: 1000, ChunkSize: 100})
	a := testFile{ref: "0", name: "a.png", typ: "image/png", data: fileData(250, 1)}
	b := testFile{ref: "1", name: "b.jpg", typ: "image/jpeg", data: fileData(1000, 2)}
	r.change(t, a, b)
	html := r.lv.model.HTML()
	for _, want := range []string{`<p id="e-0">a.png 0%</p>`, `<p id="e-1">b.jpg 0%</p>`, `data-phx-active-refs="0,1"`, `data-phx-preflighted-refs=""`, ` multiple`, `accept=".png,image/jpeg"`} {
		if !strings.Contains(html, want) {
			t.Errorf("after the change, no %s in %s", want, html)
		}
	}
	pr := r.preflight(t, a, b)
	if pr.Ref != r.ref || pr.Config == nil || pr.Config.ChunkSize != 100 || pr.Config.MaxFileSize != 1000 || pr.Config.MaxEntries != 3 || pr.Config.ChunkTimeout != 10000 {
		t.Fatalf("preflight reply %+v", pr)
	}
	if len(pr.Entries) != 2 || len(pr.Error) != 0 {
		t.Fatalf("preflight entries %v errors %v", pr.Entries, pr.Error)
	}
	if !strings.Contains(r.lv.model.HTML(), `data-phx-preflighted-refs="0,1"`) {
		t.Errorf("preflight not rendered: %s", r.lv.model.HTML())
	}
	r.send(t, a, pr.Entries["0"].(string), 100)
	r.send(t, b, pr.Entries["1"].(string), 100)
	r.lv.waitHTML(t, `<p id="e-1">b.jpg 100% done</p>`)
	r.lv.waitHTML(t, `data-phx-done-refs="0,1"`)
	if !strings.Contains(r.lv.model.HTML(), `<p id="e-0">a.png 100% done</p>`) {
		t.Errorf("a not done: %s", r.lv.model.HTML())
	}
	if got := r.files(t); len(got) != 2 {
		t.Errorf("files kept until consumed: %v", got)
	}
	r.lv.push(t, "event", map[string]any{"type": "form", "event": "save", "value": ""})
	html = r.lv.model.HTML()
	for _, want := range []string{
		fmt.Sprintf("<li>a.png 250 %s</li>", sum(a.data)),
		fmt.Sprintf("<li>b.jpg 1000 %s</li>", sum(b.data)),
		`data-phx-active-refs=""`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("after save, no %s in %s", want, html)
		}
	}
	if strings.Contains(html, `id="e-`) {
		t.Errorf("consumed entries still listed: %s", html)
	}
	r.waitNoFiles(t)
}

func TestUploadPreflightRefusals(t *testing.T) {
	cfg := UploadConfig{Accept: []string{".png", "image/*"}, MaxEntries: 2, MaxFileSize: 1000, MaxTotalSize: 1500,
		Validate: func(e *UploadEntry) error {
			if strings.HasPrefix(e.Name, "secret") {
				return UploadError("Secrets are not welcome.")
			}
			return nil
		}}
	cases := []struct {
		name      string
		files     []testFile
		wantError [][2]any
		wantHTML  []string
	}{
		{"too large", []testFile{{ref: "0", name: "big.png", typ: "image/png", size: 1001}},
			[][2]any{{"0", "too_large"}}, []string{"big.png 0% invalid err:The file is too large."}},
		{"not accepted", []testFile{{ref: "0", name: "x.exe", typ: "application/octet-stream", size: 10}},
			[][2]any{{"0", "not_accepted"}}, []string{"x.exe 0% invalid err:This type of file is not accepted."}},
		{"wildcard accepts", []testFile{{ref: "0", name: "photo.webp", typ: "image/webp", size: 10}}, nil, []string{"photo.webp 0%</p>"}},
		{"extension accepts whatever the type", []testFile{{ref: "0", name: "shot.PNG", typ: "", size: 10}}, nil, []string{"shot.PNG 0%</p>"}},
		{"too many", []testFile{{ref: "0", name: "a.png", size: 1}, {ref: "1", name: "b.png", size: 1}, {ref: "2", name: "c.png", size: 1}},
			[][2]any{{"REF", "too_many_files"}}, []string{`<p class="uerr">Too many files.</p>`}},
		{"total too large", []testFile{{ref: "0", name: "a.png", size: 1000}, {ref: "1", name: "b.png", size: 600}},
			[][2]any{{"1", "total_too_large"}}, []string{"b.png 0% invalid err:The files are too large together."}},
		{"validator", []testFile{{ref: "0", name: "secret.png", size: 5}},
			[][2]any{{"0", "Secrets are not welcome."}}, []string{"err:Secrets are not welcome."}},
		{"negative size", []testFile{{ref: "0", name: "a.png", size: -5}},
			[][2]any{{"0", "invalid"}}, []string{"err:The file was refused."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newUploadRig(t, cfg)
			r.change(t, tc.files...)
			pr := r.preflight(t, tc.files...)
			var got [][2]any
			for _, e := range pr.Error {
				got = append(got, [2]any{strings.ReplaceAll(fmt.Sprint(e[0]), r.ref, "REF"), fmt.Sprint(e[1])})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantError) {
				t.Errorf("preflight errors %v, want %v (reply %+v)", got, tc.wantError, pr)
			}
			if tc.wantError == nil && len(pr.Entries) != len(tc.files) {
				t.Errorf("entries allowed %v", pr.Entries)
			}
			html := r.lv.model.HTML()
			for _, w := range tc.wantHTML {
				if !strings.Contains(html, w) {
					t.Errorf("no %q in %s", w, html)
				}
			}
			if tc.wantError != nil && !strings.Contains(html, "data-phx-error-refs=") {
				t.Errorf("error refs not rendered: %s", html)
			}
		})
	}
}

// TestUploadAutoSendsTheValidOnes: with AutoUpload one refused file does not hold the
// others back.
func TestUploadAutoSendsTheValidOnes(t *testing.T) {
	r := newUploadRig(t, UploadConfig{MaxEntries: 3, MaxFileSize: 100, AutoUpload: true})
	ok := testFile{ref: "0", name: "ok.txt", data: fileData(40, 3)}
	big := testFile{ref: "1", name: "big.txt", size: 101}
	r.change(t, ok, big)
	if !strings.Contains(r.lv.model.HTML(), "data-phx-auto-upload") {
		t.Errorf("no auto-upload attribute: %s", r.lv.model.HTML())
	}
	pr := r.preflight(t, ok, big)
	if len(pr.Error) != 0 || len(pr.Entries) != 1 || pr.Entries["0"] == nil || !slices.Equal(pr.Errors["1"], []UploadError{UploadTooLarge}) {
		t.Fatalf("preflight %+v", pr)
	}
	r.send(t, ok, pr.Entries["0"].(string), 64)
	r.lv.waitHTML(t, "ok.txt 100% done")
}

func TestUploadChunkBeyondDeclaredSize(t *testing.T) {
	r := newUploadRig(t, UploadConfig{MaxFileSize: 1000})
	f := testFile{ref: "0", name: "liar.bin", data: fileData(300, 4), size: 200}
	jr, _ := r.beginPartly(t, f, 150)
	rep := r.chunk(t, jr, "0", f.data[150:])
	if rep.Status != "error" || string(rep.Response) != `{"limit":200,"reason":"file_size_limit_exceeded"}` {
		t.Errorf("chunk past the declared size: %s %s", rep.Status, rep.Response)
	}
	r.c.next(func(f frame) bool { return f.Topic == "lvu:0" && f.Event == "phx_close" })
	r.lv.waitHTML(t, "err:The file is too large.")
	if !strings.Contains(r.lv.model.HTML(), `data-phx-error-refs="0"`) {
		t.Errorf("error ref not rendered: %s", r.lv.model.HTML())
	}
	r.waitNoFiles(t)
	// The browser's own progress report cannot make it done, and nothing is consumed.
	r.progress(t, "0", 100)
	r.lv.push(t, "event", map[string]any{"type": "form", "event": "save", "value": ""})
	if strings.Contains(r.lv.model.HTML(), "<li>") || strings.Contains(r.lv.model.HTML(), " done") {
		t.Errorf("a failed entry was consumed: %s", r.lv.model.HTML())
	}
}

func TestUploadJoinRefusals(t *testing.T) {
	r := newUploadRig(t, UploadConfig{MaxEntries: 2})
	a := testFile{ref: "0", name: "a", data: fileData(10, 5)}
	b := testFile{ref: "1", name: "b", data: fileData(10, 6)}
	r.change(t, a, b)
	pr := r.preflight(t, a, b)
	tokA := pr.Entries["0"].(string)
	cases := []struct {
		name, ref, token, reason string
	}{
		{"no token", "0", "", "invalid_token"},
		{"tampered token", "0", tokA[:len(tokA)-2] + "xx", "invalid_token"},
		{"token of another entry", "1", tokA, "disallowed"},
		{"token signed for something else", "0", r.ts.sign("live session", []byte("x")), "invalid_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r.c.t = t
			_, rep := r.joinEntry(t, tc.ref, tc.token)
			if rep.Status != "error" || string(rep.Response) != fmt.Sprintf(`{"reason":%q}`, tc.reason) {
				t.Errorf("join: %s %s, want reason %s", rep.Status, rep.Response, tc.reason)
			}
		})
	}
	r.c.t = t
	jr, rep := r.joinEntry(t, "0", tokA)
	if rep.Status != "ok" {
		t.Fatalf("join: %s", rep.Response)
	}
	// The entry is being received: a second join (a replay) is refused, on another socket.
	c2 := r.ts.dial(t, nil)
	ref := c2.send("=", "lvu:0", "phx_join", map[string]string{"token": tokA})
	if rep := decodeReply(t, c2.reply(ref)); rep.Status != "error" || string(rep.Response) != `{"reason":"already_registered"}` {
		t.Errorf("second join: %s %s", rep.Status, rep.Response)
	}
	// A text message on an upload channel is refused; the upload goes on.
	mref := r.c.send(jr, "lvu:0", "chunk", map[string]string{"data": "x"})
	if rep := decodeReply(t, r.c.reply(mref)); rep.Status != "error" {
		t.Errorf("text chunk: %s %s", rep.Status, rep.Response)
	}
	if rep := r.chunk(t, jr, "0", a.data); rep.Status != "ok" {
		t.Errorf("chunk: %s", rep.Response)
	}
	r.lv.waitHTML(t, `<p id="e-0">a 100% done</p>`)
}

func TestUploadCancelMidway(t *testing.T) {
	r := newUploadRig(t, UploadConfig{MaxFileSize: 1000})
	f := testFile{ref: "0", name: "half.bin", data: fileData(400, 7)}
	_, tok := r.beginPartly(t, f, 200)
	if len(r.files(t)) != 1 {
		t.Fatalf("no file while receiving: %v", r.files(t))
	}
	r.lv.click(t, "cancel", map[string]string{"ref": "0"})
	r.c.next(func(f frame) bool { return f.Topic == "lvu:0" && f.Event == "phx_close" })
	if strings.Contains(r.lv.model.HTML(), `id="e-0"`) {
		t.Errorf("cancelled entry still listed: %s", r.lv.model.HTML())
	}
	r.waitNoFiles(t)
	// The cancelled entry's token no longer opens anything.
	_, rep := r.joinEntry(t, "0", tok)
	if rep.Status != "error" {
		t.Errorf("join after cancel: %s %s", rep.Status, rep.Response)
	}
}

func TestUploadSocketClosedMidway(t *testing.T) {
	r := newUploadRig(t, UploadConfig{MaxFileSize: 1000})
	f := testFile{ref: "0", name: "gone.bin", data: fileData(400, 8)}
	r.beginPartly(t, f, 100)
	r.c.conn.Close(websocket.StatusGoingAway, "")
	r.waitNoFiles(t)
	waitUploadsForgotten(t, r.ts.Server)
}

// TestUploadDoneThenViewEnds: a received file that was never consumed is deleted when its
// view ends.
func TestUploadDoneThenViewEnds(t *testing.T) {
	r := newUploadRig(t, UploadConfig{})
	f := testFile{ref: "0", name: "kept.bin", data: fileData(100, 9)}
	r.change(t, f)
	pr := r.preflight(t, f)
	r.send(t, f, pr.Entries["0"].(string), 64)
	r.lv.waitHTML(t, "kept.bin 100% done")
	if len(r.files(t)) != 1 {
		t.Fatalf("files %v", r.files(t))
	}
	ref := r.c.send(r.lv.joinRef, r.lv.topic, "phx_leave", map[string]any{})
	r.c.reply(ref)
	r.waitNoFiles(t)
	waitUploadsForgotten(t, r.ts.Server)
}

func waitUploadsForgotten(t *testing.T, s *Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := 0
		s.uploads.Range(func(any, any) bool { n++; return true })
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d upload entries still registered", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestUploadChunkTimeout(t *testing.T) {
	r := newUploadRig(t, UploadConfig{ChunkTimeout: 30 * time.Millisecond})
	f := testFile{ref: "0", name: "slow.bin", data: fileData(100, 10)}
	r.beginPartly(t, f, 50)
	r.c.next(func(f frame) bool { return f.Topic == "lvu:0" && f.Event == "phx_error" })
	r.lv.waitHTML(t, "err:The upload timed out.")
	r.waitNoFiles(t)
}

// TestUploadProgressIsVerified: the browser's percentage never passes what arrived.
func TestUploadProgressIsVerified(t *testing.T) {
	r := newUploadRig(t, UploadConfig{})
	f := testFile{ref: "0", name: "p.bin", data: fileData(200, 11)}
	jr, _ := r.begin(t, f)
	r.progress(t, "0", 100)
	if !strings.Contains(r.lv.model.HTML(), "p.bin 0%</p>") {
		t.Errorf("progress before any byte: %s", r.lv.model.HTML())
	}
	r.chunk(t, jr, "0", f.data[:100])
	r.progress(t, "0", 90)
	if !strings.Contains(r.lv.model.HTML(), "p.bin 50%</p>") {
		t.Errorf("progress after half: %s", r.lv.model.HTML())
	}
	for _, bad := range []any{101, -1, "x", map[string]any{"nope": 1}} {
		r.progress(t, "0", bad)
	}
	if !strings.Contains(r.lv.model.HTML(), "p.bin 50%</p>") {
		t.Errorf("bad progress changed the entry: %s", r.lv.model.HTML())
	}
}

// memWriter is a custom UploadWriter.
type memWriter struct {
	mu     *sync.Mutex
	got    map[string][]byte
	name   string
	buf    bytes.Buffer
	failAt int
}

func (w *memWriter) Write(b []byte) (int, error) {
	if w.failAt > 0 && w.buf.Len()+len(b) > w.failAt {
		return 0, errors.New("disk full")
	}
	return w.buf.Write(b)
}

func (w *memWriter) Close(err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		w.got[w.name] = w.buf.Bytes()
	} else {
		w.got[w.name+" discarded"] = nil
	}
	return nil
}

func TestUploadCustomWriter(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]byte{}
	r := newUploadRig(t, UploadConfig{MaxEntries: 2, Writer: func(e UploadEntry) (UploadWriter, error) {
		w := &memWriter{mu: &mu, got: got, name: e.Name}
		if e.Name == "full.bin" {
			w.failAt = 50
		}
		return w, nil
	}})
	ok := testFile{ref: "0", name: "ok.bin", data: fileData(120, 12)}
	full := testFile{ref: "1", name: "full.bin", data: fileData(120, 13)}
	r.change(t, ok, full)
	pr := r.preflight(t, ok, full)
	r.send(t, ok, pr.Entries["0"].(string), 40)
	jr, _ := r.joinEntry(t, "1", pr.Entries["1"].(string))
	r.chunk(t, jr, "1", full.data[:40])
	if rep := r.chunk(t, jr, "1", full.data[40:80]); rep.Status != "error" || string(rep.Response) != `{"reason":"writer_error"}` {
		t.Errorf("failing writer: %s %s", rep.Status, rep.Response)
	}
	r.lv.waitHTML(t, "err:The file could not be stored.")
	r.lv.waitHTML(t, "ok.bin 100% done")
	mu.Lock()
	defer mu.Unlock()
	if !bytes.Equal(got["ok.bin"], ok.data) {
		t.Errorf("writer got %d bytes", len(got["ok.bin"]))
	}
	if _, ok := got["full.bin discarded"]; !ok {
		t.Errorf("the failed writer was not closed with an error: %v", got)
	}
	if len(r.files(t)) != 0 {
		t.Errorf("a custom writer left files: %v", r.files(t))
	}
}

func TestUploadExternal(t *testing.T) {
	r := newUploadRig(t, UploadConfig{MaxEntries: 2, External: func(ctx context.Context, s *Socket, e *UploadEntry) (UploadMeta, error) {
		if e.Name == "refused.bin" {
			return nil, errors.New("bucket says no")
		}
		return UploadMeta{"uploader": "PUT", "url": "https://store.test/" + e.Name}, nil
	}, AutoUpload: true})
	a := testFile{ref: "0", name: "a.bin", size: 10}
	bad := testFile{ref: "1", name: "refused.bin", size: 10}
	r.change(t, a, bad)
	pr := r.preflight(t, a, bad)
	meta, _ := pr.Entries["0"].(map[string]any)
	if meta["uploader"] != "PUT" || meta["url"] != "https://store.test/a.bin" {
		t.Errorf("external meta %v", pr.Entries)
	}
	if !slices.Equal(pr.Errors["1"], []UploadError{UploadExternalMeta}) {
		t.Errorf("external failure %v", pr.Errors)
	}
	r.progress(t, "0", 40)
	r.progress(t, "0", 100)
	r.lv.waitHTML(t, "a.bin 100% done")
	r.lv.push(t, "event", map[string]any{"type": "form", "event": "save", "value": ""})
	if !strings.Contains(r.lv.model.HTML(), "<li>a.bin 10 </li>") {
		t.Errorf("external entry not consumed: %s", r.lv.model.HTML())
	}
}

func TestAllowUploadConfigErrors(t *testing.T) {
	srv := New(Options{Secret: testSecret})
	s := &Socket{srv: srv, d: &deadState{}}
	cases := []struct {
		name string
		cfg  UploadConfig
		want string
	}{
		{"bad accept", UploadConfig{Accept: []string{"png"}}, "want an extension"},
		{"bad wildcard", UploadConfig{Accept: []string{"text/*"}}, "wildcards"},
		{"chunk too big", UploadConfig{ChunkSize: 2 << 20}, "does not fit"},
		{"external with writer", UploadConfig{External: func(context.Context, *Socket, *UploadEntry) (UploadMeta, error) { return nil, nil },
			Writer: func(UploadEntry) (UploadWriter, error) { return nil, nil }}, "no Writer"},
	}
	for _, tc := range cases {
		if _, err := s.AllowUpload("f", tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	u, err := s.AllowUpload("f", UploadConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c := u.Config()
	if c.MaxEntries != 1 || c.MaxFileSize != 8_000_000 || c.ChunkSize != 64_000 || c.ChunkTimeout != 10*time.Second {
		t.Errorf("defaults %+v", c)
	}
	in := string(u.Input("class", "picker", "onclick", `x"><script>`, "bad name", "v", "required"))
	for _, want := range []string{`class="picker"`, `onclick="x&#34;&gt;&lt;script&gt;"`, ` required>`} {
		if !strings.Contains(in, want) {
			t.Errorf("input %s lacks %s", in, want)
		}
	}
	if strings.Contains(in, "bad name") || strings.Contains(in, " multiple") {
		t.Errorf("input %s", in)
	}
}

func TestUploadChunkOverChunkSize(t *testing.T) {
	r := newUploadRig(t, UploadConfig{ChunkSize: 100})
	f := testFile{ref: "0", name: "wide.bin", data: fileData(300, 14)}
	jr, _ := r.beginPartly(t, f, 100)
	rep := r.chunk(t, jr, "0", f.data[100:])
	if rep.Status != "error" || string(rep.Response) != `{"limit":100,"reason":"chunk_too_large"}` {
		t.Errorf("a chunk over the chunk size: %s %s", rep.Status, rep.Response)
	}
	r.lv.waitHTML(t, "err:The file was refused.")
	r.waitNoFiles(t)
}

// gateWriter blocks each Write until released, as a slow disk does.
type gateWriter struct {
	gate    chan struct{}
	writing chan struct{}
	n       int
}

func (w *gateWriter) Write(b []byte) (int, error) {
	w.writing <- struct{}{}
	<-w.gate
	w.n += len(b)
	return len(b), nil
}

func (w *gateWriter) Close(error) error { return nil }

// TestUploadSlowWriterHoldsOnlyItsUpload: while a chunk's write is stuck, the view goes on
// answering events, and the next chunk is not asked for.
func TestUploadSlowWriterHoldsOnlyItsUpload(t *testing.T) {
	w := &gateWriter{gate: make(chan struct{}), writing: make(chan struct{}, 1)}
	r := newUploadRig(t, UploadConfig{Writer: func(UploadEntry) (UploadWriter, error) { return w, nil }})
	f := testFile{ref: "0", name: "slow.bin", data: fileData(100, 15)}
	jr, _ := r.begin(t, f)
	topic := "lvu:0"
	frame := append([]byte{0, byte(len(jr)), 2, byte(len(topic)), 5}, jr...)
	frame = append(append(append(append(frame, "99"...), topic...), "chunk"...), f.data...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.c.conn.Write(ctx, websocket.MessageBinary, frame); err != nil {
		t.Fatal(err)
	}
	<-w.writing // the write is stuck
	r.lv.click(t, "validate", nil)
	if !strings.Contains(r.lv.model.HTML(), "slow.bin 0%") {
		t.Errorf("the view did not answer while the write was stuck: %s", r.lv.model.HTML())
	}
	close(w.gate)
	if rep := decodeReply(t, r.c.reply("99")); rep.Status != "ok" {
		t.Fatalf("chunk: %s", rep.Response)
	}
	r.lv.waitHTML(t, "slow.bin 100% done")
}
