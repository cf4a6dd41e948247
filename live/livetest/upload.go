package livetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/coder/websocket"
)

// File is a file a test selects in an upload input (SelectFiles).
type File struct {
	Name    string
	Content []byte
	// Type is the MIME type the browser declares; "" guesses it from Name's extension, as
	// browsers do.
	Type         string
	LastModified time.Time
}

// selectedFile is a File tracked on an upload input, with the browser's reference for it.
type selectedFile struct {
	File
	ref  string
	sent bool // listed in a preflight
}

// SelectFiles selects files in the upload input matching selector ({{.Photos.Input}}), as a
// user picking them or dropping them on a phx-drop-target does: the input tracks them (a
// multiple input adds them to its earlier ones; a single one replaces its file) and, if
// the input or its form has phx-change, that event is sent listing them. Nothing is
// uploaded yet: Upload sends them, and so does Submit (as a browser submitting the form),
// or the change itself when the upload is an auto-upload.
func (v *View) SelectFiles(selector string, files ...File) {
	v.t.Helper()
	doc := v.doc()
	in := v.oneIn(doc, selector)
	ref, ok := in.Attr("data-phx-upload-ref")
	if !ok || in.AttrOr("type", "") != "file" {
		v.fatalf("select files %q: not an upload input (want {{.Upload.Input}}):\n%s", selector, describe(in))
	}
	v.mu.Lock()
	if v.uploads == nil {
		v.uploads = map[string][]*selectedFile{}
	}
	var picked []*selectedFile
	for _, f := range files {
		if f.Type == "" {
			f.Type, _, _ = strings.Cut(mime.TypeByExtension(path.Ext(f.Name)), ";")
		}
		if f.LastModified.IsZero() {
			f.LastModified = time.Now()
		}
		picked = append(picked, &selectedFile{File: f, ref: strconv.Itoa(v.nextFileRef)})
		v.nextFileRef++
	}
	if _, multiple := in.Attr("multiple"); multiple {
		v.uploads[ref] = append(v.activeLocked(in, ref), picked...)
	} else {
		v.uploads[ref] = picked
	}
	v.mu.Unlock()
	form := in.Closest("form")
	owner := in
	if _, ok := in.Attr("phx-change"); !ok {
		owner = form
	}
	event, ok := owner.Attr("phx-change")
	if !ok || form.Length() == 0 {
		return
	}
	meta := extractMeta(form, nil)
	meta["_target"] = in.AttrOr("name", "undefined")
	payload := map[string]any{"type": "form", "event": event, "value": encodeForm(formData(form, nil)), "meta": meta,
		"uploads": map[string]any{ref: v.uploadEntries(in, ref, true)}}
	for _, cid := range v.targets(doc, form, "", selector) {
		if cid > 0 {
			payload["cid"] = cid
		}
		v.pushEvent(payload)
	}
	v.sweepComponents()
	if _, auto := in.Attr("data-phx-auto-upload"); auto {
		v.uploadInput(selector)
	}
}

// activeLocked returns the files tracked on the input that the server still lists (or has
// not seen yet), as the browser keeps them: an entry the server cancelled is dropped.
func (v *View) activeLocked(in *goquery.Selection, ref string) []*selectedFile {
	active := strings.Split(in.AttrOr("data-phx-active-refs", ""), ",")
	var out []*selectedFile
	for _, f := range v.uploads[ref] {
		if len(f.Content) == 0 {
			continue // browsers send no empty file
		}
		if !f.sent || slices.Contains(active, f.ref) {
			out = append(out, f)
		}
	}
	return out
}

// uploadEntries describes the input's active files as the browser does, in a change event
// (withPath) or a preflight.
func (v *View) uploadEntries(in *goquery.Selection, ref string, withPath bool) []map[string]any {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []map[string]any
	for _, f := range v.activeLocked(in, ref) {
		e := map[string]any{"ref": f.ref, "name": f.Name, "type": f.Type, "size": len(f.Content),
			"last_modified": f.LastModified.UnixMilli(), "relative_path": ""}
		if withPath {
			e["path"] = in.AttrOr("name", "")
		}
		out = append(out, e)
	}
	return out
}

// Upload sends the files selected in the upload input matching selector, as the browser
// does before submitting the form (or at once, for an auto-upload): the preflight
// (allow_upload), then each allowed file in chunks over its own upload channel, reporting
// progress after each, until every file is in or refused. Refusals (too large, not
// accepted, too many files, a failed write) are the server's to show in the page: they do
// not fail the test. An external upload with the "PUT" uploader is PUT over HTTP, as Glint's
// client does; other external uploaders fail the test.
func (v *View) Upload(selector string) {
	v.t.Helper()
	v.uploadInput(selector)
}

// uploadInput uploads the input's files awaiting preflight and reports whether the
// preflight accepted them all.
func (v *View) uploadInput(selector string) bool {
	v.t.Helper()
	doc := v.doc()
	in := v.oneIn(doc, selector)
	ref := in.AttrOr("data-phx-upload-ref", "")
	pre := strings.Split(in.AttrOr("data-phx-preflighted-refs", ""), ",")
	v.mu.Lock()
	var files []*selectedFile
	for _, f := range v.activeLocked(in, ref) {
		if !f.sent && !slices.Contains(pre, f.ref) {
			files = append(files, f)
		}
	}
	v.mu.Unlock()
	if len(files) == 0 {
		return true
	}
	var entries []map[string]any
	for _, e := range v.uploadEntries(in, ref, false) {
		for _, f := range files {
			if e["ref"] == f.ref {
				entries = append(entries, e)
				f.sent = true
			}
		}
	}
	var cid any
	if form := in.Closest("form"); form.Length() > 0 {
		if ts := v.targets(doc, form, "", selector); len(ts) == 1 && ts[0] > 0 {
			cid = ts[0]
		}
	}
	b, _ := json.Marshal(map[string]any{"ref": ref, "entries": entries, "cid": cid})
	resp := v.send("allow_upload", b)
	var r struct {
		Config struct {
			ChunkSize int `json:"chunk_size"`
		} `json:"config"`
		Entries map[string]json.RawMessage `json:"entries"`
		Error   [][2]any                   `json:"error"`
	}
	if err := json.Unmarshal(resp, &r); err != nil {
		v.fatalf("allow_upload reply %s: %v", resp, err)
	}
	if len(r.Error) > 0 || len(r.Entries) == 0 {
		return false
	}
	if r.Config.ChunkSize <= 0 {
		v.fatalf("allow_upload reply without a chunk size: %s", resp)
	}
	all := true
	for _, f := range files {
		raw, ok := r.Entries[f.ref]
		if !ok {
			all = false
			continue
		}
		var tok string
		if json.Unmarshal(raw, &tok) == nil {
			v.sendChunks(in, ref, f, tok, r.Config.ChunkSize)
			continue
		}
		var meta map[string]any
		if err := json.Unmarshal(raw, &meta); err != nil {
			v.fatalf("allow_upload entry %s: %s is neither a token nor metadata", f.ref, raw)
		}
		v.putExternal(in, ref, f, meta)
	}
	return all
}

// sendChunks joins the entry's upload channel and sends the file, one chunk per reply.
func (v *View) sendChunks(in *goquery.Selection, ref string, f *selectedFile, tok string, size int) {
	v.t.Helper()
	topic := "lvu:" + f.ref
	join, _ := json.Marshal(map[string]string{"token": tok})
	v.mu.Lock()
	joinRef := v.newRefLocked()
	v.mu.Unlock()
	if r := v.request(frame{JoinRef: str(joinRef), Ref: str(joinRef), Topic: topic, Event: "phx_join", Payload: join}, nil); r.Status != "ok" {
		v.progress(in, ref, f.ref, map[string]any{"error": reason(r.Response)})
		return
	}
	// The channel stays open, as in a browser: the server ends it when the entry is
	// consumed or cancelled.
	last := -1
	for off := 0; off < len(f.Content); off += size {
		end := min(off+size, len(f.Content))
		v.mu.Lock()
		mref := v.newRefLocked()
		v.mu.Unlock()
		r := v.request(frame{JoinRef: str(joinRef), Ref: str(mref), Topic: topic, Event: "chunk"}, f.Content[off:end])
		if r.Status != "ok" {
			v.progress(in, ref, f.ref, map[string]any{"error": reason(r.Response)})
			return
		}
		if pct := end * 100 / len(f.Content); pct > last {
			last = pct
			v.progress(in, ref, f.ref, pct)
		}
	}
}

// putExternal performs an external upload with the built-in "PUT" uploader.
func (v *View) putExternal(in *goquery.Selection, ref string, f *selectedFile, meta map[string]any) {
	v.t.Helper()
	if meta["uploader"] != "PUT" {
		v.fatalf("external upload with uploader %v: livetest runs only the built-in \"PUT\" uploader", meta["uploader"])
	}
	u, _ := meta["url"].(string)
	req, err := http.NewRequest(http.MethodPut, u, bytes.NewReader(f.Content))
	if err != nil {
		v.fatalf("external upload: %v", err)
	}
	if hs, ok := meta["headers"].(map[string]any); ok {
		for k, val := range hs {
			req.Header.Set(k, fmt.Sprint(val))
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode/100 != 2 {
		if resp != nil {
			resp.Body.Close()
		}
		v.progress(in, ref, f.ref, map[string]any{"error": "external_client_failure"})
		return
	}
	resp.Body.Close()
	v.progress(in, ref, f.ref, 100)
}

// progress pushes an entry's progress (a percentage, or {"error": reason}).
func (v *View) progress(in *goquery.Selection, ref, entryRef string, p any) {
	var event any
	if e, ok := in.Attr("phx-progress"); ok {
		event = e
	}
	b, _ := json.Marshal(map[string]any{"event": event, "ref": ref, "entry_ref": entryRef, "progress": p, "cid": nil})
	v.send("progress", b)
}

func reason(resp json.RawMessage) string {
	var r struct {
		Reason string `json:"reason"`
	}
	json.Unmarshal(resp, &r)
	if r.Reason == "" {
		return "failed"
	}
	return r.Reason
}

// request sends f (with data as a binary push, when not nil) on an upload channel and
// waits for its reply.
func (v *View) request(f frame, data []byte) reply {
	v.t.Helper()
	ch := make(chan reply, 1)
	v.mu.Lock()
	v.pending[*f.Ref] = ch
	v.mu.Unlock()
	var err error
	if f.Event == "chunk" {
		err = v.writeBinary(f, data)
	} else {
		err = v.write(f)
	}
	if err != nil {
		v.fatalf("%v", err)
	}
	r, err := v.await(*f.Ref, ch)
	if err != nil {
		v.fatalf("%s on %s: %v", f.Event, f.Topic, err)
	}
	return r
}

// writeBinary sends a binary push (the Phoenix v2 serializer's layout).
func (v *View) writeBinary(f frame, data []byte) error {
	jr, ref := deref(f.JoinRef), deref(f.Ref)
	b := []byte{0, byte(len(jr)), byte(len(ref)), byte(len(f.Topic)), byte(len(f.Event))}
	b = append(b, jr...)
	b = append(b, ref...)
	b = append(b, f.Topic...)
	b = append(b, f.Event...)
	b = append(b, data...)
	ctx, cancel := context.WithTimeout(context.Background(), v.cfg.timeout)
	defer cancel()
	v.tracef("→ binary %s %s %d bytes", f.Topic, f.Event, len(data))
	if err := v.conn.Write(ctx, websocket.MessageBinary, b); err != nil {
		return fmt.Errorf("livetest: sending a chunk on %s: %w", f.Topic, err)
	}
	return nil
}

// uploadFrameLocked handles a frame on an upload channel: replies go to their sender;
// the server ending the channel is remembered, so that it is not left.
func (v *View) uploadFrameLocked(f frame, raw []byte) {
	switch f.Event {
	case "phx_reply":
		if r, ch, ok := v.takeReplyLocked(f, raw); ok {
			ch <- r
		}
	case "phx_close", "phx_error":
		if v.uploadEnded == nil {
			v.uploadEnded = map[string]bool{}
		}
		v.uploadEnded[f.Topic] = true
	default:
		v.failLocked(fmt.Errorf("unexpected event %q on an upload channel: %s", f.Event, raw))
	}
}

// uploadForm uploads the files awaiting preflight in the form's upload inputs and reports
// whether the form may be submitted: no input shows upload errors.
func (v *View) uploadForm(form *goquery.Selection) bool {
	v.t.Helper()
	ok := true
	form.Find(`input[type="file"][data-phx-upload-ref]`).Each(func(_ int, in *goquery.Selection) {
		sel := "#" + in.AttrOr("id", "")
		if !v.uploadInput(sel) {
			ok = false
		}
	})
	if !ok {
		return false
	}
	doc := v.doc()
	bad := false
	doc.Find(`input[type="file"][data-phx-upload-ref]`).Each(func(_ int, in *goquery.Selection) {
		if in.AttrOr("data-phx-error-refs", "") != "" {
			bad = true
		}
	})
	return !bad
}
