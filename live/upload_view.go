package live

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/glint-go/glint/live/channel"
)

// The upload messages on the view's topic (docs/protocol.md, Uploads): allow_upload, the
// preflight that lets the browser send files, and progress; and the files a form event
// lists. They run on the view's goroutine.

// upload returns the view's upload with ref, or nil.
func (v *viewProc) upload(ref string) *Upload {
	if v.rare == nil {
		return nil
	}
	return v.rare.uploads[ref]
}

// putFormUploads records the files a form event lists, before the view handles the event.
func (v *viewProc) putFormUploads(e Event) {
	for ref, entries := range e.uploads {
		u := v.upload(ref)
		if u == nil {
			continue // an input rendered before its upload was replaced
		}
		if e.CID != 0 {
			u.cid = e.CID
		}
		u.putEntries(entries)
	}
}

// preflightReply is the answer to allow_upload.
type preflightReply struct {
	Ref     string                   `json:"ref"`
	Config  *preflightConfig         `json:"config,omitempty"`
	Entries map[string]any           `json:"entries,omitempty"`
	Errors  map[string][]UploadError `json:"errors,omitempty"`
	Error   [][2]any                 `json:"error,omitempty"`
}

type preflightConfig struct {
	MaxFileSize  int64 `json:"max_file_size"`
	MaxEntries   int   `json:"max_entries"`
	ChunkSize    int   `json:"chunk_size"`
	ChunkTimeout int64 `json:"chunk_timeout"`
}

// handleAllowUpload validates the entries the browser is about to send and answers with a
// token per entry (or, for external uploads, what the browser's uploader needs).
func (v *viewProc) handleAllowUpload(ctx context.Context, payload json.RawMessage) channel.Reply {
	var p struct {
		Ref     string        `json:"ref"`
		Entries []clientEntry `json:"entries"`
		CID     *int          `json:"cid"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		v.srv.throttledLog(slog.LevelWarn, "live: bad allow_upload", "view", v.id, "err", truncate(err.Error()))
		return channel.Error(map[string]string{"reason": "bad allow_upload: " + truncate(err.Error())})
	}
	u := v.upload(p.Ref)
	if u == nil {
		v.srv.throttledLog(slog.LevelWarn, "live: allow_upload for an unknown upload", "view", v.id, "ref", truncate(p.Ref))
		return channel.Ok(preflightReply{Ref: p.Ref, Error: [][2]any{{p.Ref, "disallowed"}}})
	}
	if p.CID != nil && *p.CID > 0 {
		u.cid = *p.CID
	}
	u.putEntries(p.Entries)
	asked := make(map[string]bool, len(p.Entries))
	for _, c := range p.Entries {
		asked[c.Ref] = true
	}
	r := preflightReply{Ref: u.ref}
	// On submit the form goes only when every file can: one refused file refuses the
	// preflight. Auto-uploads send the files that can go.
	if u.tooMany && !u.cfg.AutoUpload {
		r.Error = append(r.Error, [2]any{u.ref, UploadTooMany})
	}
	if !u.cfg.AutoUpload {
		for _, e := range u.entries {
			if asked[e.Ref] && len(e.errs) > 0 {
				r.Error = append(r.Error, [2]any{e.Ref, e.errs[0]})
			}
		}
	}
	if len(r.Error) > 0 {
		return v.replyWithRenderAnd(ctx, r)
	}
	r.Config = &preflightConfig{MaxFileSize: u.cfg.MaxFileSize, MaxEntries: u.cfg.MaxEntries,
		ChunkSize: u.cfg.ChunkSize, ChunkTimeout: u.cfg.ChunkTimeout.Milliseconds()}
	r.Entries = map[string]any{}
	valid := 0
	for _, e := range u.entries {
		if !e.Valid {
			if asked[e.Ref] {
				if r.Errors == nil {
					r.Errors = map[string][]UploadError{}
				}
				r.Errors[e.Ref] = e.errs
			}
			continue
		}
		valid++
		if !asked[e.Ref] || e.Preflighted || valid > u.cfg.MaxEntries {
			continue
		}
		if u.cfg.External != nil {
			var meta UploadMeta
			err := v.safely(ctx, "upload external", func() error {
				var err error
				meta, err = u.cfg.External(ctx, &v.sock, e)
				if err == nil && meta["uploader"] == nil {
					err = errors.New(`live: UploadConfig.External returned no "uploader"`)
				}
				return err
			})
			if errors.Is(err, errCrashed) {
				return channel.NoReply()
			}
			if err != nil {
				v.srv.log.Error("live: external upload", "view", v.id, "entry", truncate(e.Name), "err", err)
				e.fail(UploadExternalMeta)
				if !u.cfg.AutoUpload {
					return v.replyWithRenderAnd(ctx, preflightReply{Ref: u.ref, Error: [][2]any{{e.Ref, UploadExternalMeta}}})
				}
				if r.Errors == nil {
					r.Errors = map[string][]UploadError{}
				}
				r.Errors[e.Ref] = e.errs
				continue
			}
			e.Meta = meta
			e.Preflighted = true
			r.Entries[e.Ref] = meta
			continue
		}
		e.pipe = v.newPipe(u, e)
		e.Preflighted = true
		r.Entries[e.Ref] = e.pipe.token()
	}
	u.touch()
	return v.replyWithRenderAnd(ctx, r)
}

// handleProgress records an entry's progress as the browser reports it.
func (v *viewProc) handleProgress(ctx context.Context, payload json.RawMessage) channel.Reply {
	var p struct {
		Ref      string          `json:"ref"`
		EntryRef string          `json:"entry_ref"`
		Progress json.RawMessage `json:"progress"`
		CID      *int            `json:"cid"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		v.srv.throttledLog(slog.LevelWarn, "live: bad progress", "view", v.id, "err", truncate(err.Error()))
		return channel.Ok(nil)
	}
	u := v.upload(p.Ref)
	var e *UploadEntry
	if u != nil {
		e = u.entry(p.EntryRef)
	}
	if e == nil || !e.Preflighted {
		return channel.Ok(nil) // cancelled meanwhile, or never allowed
	}
	if p.CID != nil && *p.CID > 0 {
		u.cid = *p.CID
	}
	var pct int
	var failed struct {
		Error string `json:"error"`
	}
	changed := false
	switch {
	case json.Unmarshal(p.Progress, &pct) == nil:
		if pct < 0 || pct > 100 {
			v.srv.throttledLog(slog.LevelWarn, "live: progress out of range", "view", v.id, "progress", pct)
			return channel.Ok(nil)
		}
		if e.pipe != nil {
			changed = v.syncEntry(e.pipe)
			pct = e.pipe.verifiedProgress(pct)
		} else if pct == 100 && !e.Done { // external: the browser's word is all there is
			e.Done, e.Progress, changed = true, 100, true
		}
		if pct > e.Progress && !e.Done {
			e.Progress, changed = pct, true
		}
	case json.Unmarshal(p.Progress, &failed) == nil && failed.Error != "":
		if e.pipe != nil {
			changed = v.syncEntry(e.pipe)
			if len(e.errs) == 0 && !e.Done {
				// The browser gave up (it could not read the file, or join): the server
				// has nothing more to wait for.
				e.pipe.cancel()
				e.fail(UploadInterrupted)
				changed = true
			}
		} else if !e.Done {
			e.fail(UploadExternal)
			changed = true
		}
	default:
		v.srv.throttledLog(slog.LevelWarn, "live: bad progress value", "view", v.id)
		return channel.Ok(nil)
	}
	if !changed {
		return channel.Ok(nil)
	}
	u.touch()
	if v.runUploadProgress(ctx, u, e) {
		return channel.NoReply()
	}
	return v.replyWithRender(ctx)
}

// uploadNote handles a pipe's news (done or failed), and reports whether the view crashed.
func (v *viewProc) uploadNote(ctx context.Context, n pipeNote) {
	if !v.syncEntry(n.p) {
		return
	}
	n.p.up.touch()
	v.runUploadProgress(ctx, n.p.up, n.p.entry)
}

// runUploadProgress runs the upload's Progress callback, and reports whether the view
// crashed.
func (v *viewProc) runUploadProgress(ctx context.Context, u *Upload, e *UploadEntry) (crashed bool) {
	if u.cfg.Progress == nil {
		return false
	}
	err := v.safely(ctx, "upload progress", func() error { return u.cfg.Progress(ctx, &v.sock, u, e) })
	if errors.Is(err, errCrashed) {
		return true
	}
	return err != nil && v.failed(ctx, err, "live: upload progress failed", "upload", u.name)
}

// endUploads discards every entry of a view that ends: transfers stop, files are deleted.
func (v *viewProc) endUploads() {
	if v.rare == nil {
		return
	}
	for _, u := range v.rare.uploads {
		for _, e := range u.entries {
			e.drop()
		}
		u.entries = nil
	}
}

// dropComponentUploads ends the uploads of a component that left the page.
func (v *viewProc) dropComponentUploads(cid int) {
	if v.rare == nil {
		return
	}
	for ref, u := range v.rare.uploads {
		if u.owner == cid {
			for _, e := range u.entries {
				e.drop()
			}
			delete(v.rare.uploads, ref)
		}
	}
}
