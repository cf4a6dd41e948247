package live

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/glint-go/glint/live/channel"
)

// The receiving end of an upload: one lvu:<entry ref> channel per entry, joined with a
// token the view's preflight reply gave the browser. The chunks are written on that
// channel's goroutine, never the view's, so a slow disk holds up only its own upload, and
// each chunk is answered only once written: a browser sends the next one after the
// answer, so an upload holds at most the chunk being written and the one being read.

// uploadSalt separates upload tokens from every other token the server signs.
const uploadSalt = "glint upload"

// uploadTokenMaxAge bounds how long after the preflight an upload may start.
const uploadTokenMaxAge = time.Hour

// The states of an entryPipe.
const (
	pipeWaiting   int32 = iota // preflighted; no channel joined yet
	pipeReceiving              // a channel joined and receives the chunks
	pipeDone                   // every byte arrived and the writer closed cleanly
	pipeFailed                 // too large, writer failure, timeout, interrupted
	pipeCancelled              // cancelled by the view, consumed, or the view ended
)

// entryPipe connects an entry on the view's goroutine to the channel that receives it.
// state, received and why are shared; w is the receiving channel's alone; path is written
// once before state becomes pipeDone and read by the view after.
type entryPipe struct {
	srv   *Server
	key   string           // the registry key the token carries
	view  *channel.Channel // the view's channel, to tell it what happened
	up    *Upload          // only the view's goroutine follows these two
	entry *UploadEntry
	size  int64        // declared, enforced
	copy  UploadEntry  // the entry as preflighted, for UploadConfig.Writer
	cfg   UploadConfig // the upload's (read only)

	state    atomic.Int32
	received atomic.Int64
	why      atomic.Value // UploadError, once failed
	ch       atomic.Pointer[channel.Channel]

	w    UploadWriter
	path string // the default writer's file
}

// pipeNote tells the view that a pipe finished or failed.
type pipeNote struct{ p *entryPipe }

// newPipe registers the receiving end of e and returns it.
func (v *viewProc) newPipe(u *Upload, e *UploadEntry) *entryPipe {
	p := &entryPipe{srv: v.srv, key: randomString(18), view: v.ch, up: u, entry: e, size: e.Size, copy: *e, cfg: u.cfg}
	p.copy.pipe = nil
	v.srv.uploads.Store(p.key, p)
	return p
}

// token returns the signed token the browser joins the entry's channel with.
func (p *entryPipe) token() string { return p.srv.sign(uploadSalt, []byte(p.key)) }

// cancel ends the pipe from the view's side: a transfer under way stops (its channel ends
// and its writer is closed with ErrUploadCancelled); a received file is deleted.
func (p *entryPipe) cancel() {
	p.srv.uploads.Delete(p.key)
	for {
		switch s := p.state.Load(); s {
		case pipeWaiting, pipeReceiving:
			if !p.state.CompareAndSwap(s, pipeCancelled) {
				continue
			}
			if c := p.ch.Load(); c != nil {
				c.Stop(nil) // Terminate closes the writer
			}
			return
		case pipeDone:
			if !p.state.CompareAndSwap(s, pipeCancelled) {
				continue
			}
			if p.path != "" {
				os.Remove(p.path)
			}
			if c := p.ch.Load(); c != nil {
				c.Stop(nil)
			}
			return
		default:
			return
		}
	}
}

// fail marks the pipe failed for why, unless it already ended, and tells the view.
func (p *entryPipe) fail(why UploadError) bool {
	for {
		s := p.state.Load()
		if s != pipeWaiting && s != pipeReceiving {
			return false
		}
		if p.state.CompareAndSwap(s, pipeFailed) {
			p.why.Store(why)
			p.view.Send(pipeNote{p})
			return true
		}
	}
}

// uploadProc is the handler of an lvu: channel.
type uploadProc struct {
	srv   *Server
	p     *entryPipe
	timer *time.Timer
}

var errChunkTimeout = errors.New("live: upload: no chunk within the chunk timeout")

// Join verifies the token and opens the entry's writer.
func (h *uploadProc) Join(ctx context.Context, c *channel.Channel, payload json.RawMessage) (any, error) {
	var j struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(payload, &j); err != nil || j.Token == "" {
		return nil, &channel.ErrorReply{Response: map[string]string{"reason": "invalid_token"}}
	}
	key, err := h.srv.verify(uploadSalt, j.Token, uploadTokenMaxAge)
	if err != nil {
		h.srv.throttledLog(slog.LevelWarn, "live: upload join with a bad token", "topic", truncate(c.Topic()), "err", err)
		return nil, &channel.ErrorReply{Response: map[string]string{"reason": "invalid_token"}}
	}
	x, ok := h.srv.uploads.Load(string(key))
	if !ok {
		return nil, &channel.ErrorReply{Response: map[string]string{"reason": "disallowed"}}
	}
	p := x.(*entryPipe)
	if c.Topic() != "lvu:"+p.copy.Ref {
		return nil, &channel.ErrorReply{Response: map[string]string{"reason": "disallowed"}}
	}
	p.ch.Store(c)
	if !p.state.CompareAndSwap(pipeWaiting, pipeReceiving) {
		p.ch.CompareAndSwap(c, nil)
		if p.state.Load() == pipeReceiving || p.state.Load() == pipeDone {
			return nil, &channel.ErrorReply{Response: map[string]string{"reason": "already_registered"}}
		}
		return nil, &channel.ErrorReply{Response: map[string]string{"reason": "disallowed"}}
	}
	h.p = p
	if err := h.open(); err != nil {
		h.srv.log.Error("live: upload writer", "entry", truncate(p.copy.Name), "err", err)
		p.fail(UploadWriteFailed)
		h.p = nil
		return nil, &channel.ErrorReply{Response: map[string]string{"reason": "writer_error"}}
	}
	if p.size == 0 {
		h.finish()
	}
	h.timer = time.AfterFunc(p.cfg.ChunkTimeout, func() { c.Stop(errChunkTimeout) })
	return nil, nil
}

// open makes the entry's writer: the configured one, or a file in the upload's Dir.
func (h *uploadProc) open() error {
	p := h.p
	if p.cfg.Writer != nil {
		w, err := p.cfg.Writer(p.copy)
		if err != nil {
			return err
		}
		if w == nil {
			return errors.New("UploadConfig.Writer returned no writer")
		}
		p.w = w
		return nil
	}
	f, err := os.CreateTemp(p.cfg.Dir, "glint-upload-*")
	if err != nil {
		return err
	}
	p.path = f.Name()
	p.w = &fileWriter{f: f}
	return nil
}

// fileWriter is the default UploadWriter: a file that is removed unless every byte came.
type fileWriter struct{ f *os.File }

func (w *fileWriter) Write(b []byte) (int, error) { return w.f.Write(b) }

func (w *fileWriter) Close(err error) error {
	cerr := w.f.Close()
	if err != nil {
		os.Remove(w.f.Name())
		return nil
	}
	return cerr
}

// HandleIn refuses text messages: an upload channel takes chunks only.
func (h *uploadProc) HandleIn(ctx context.Context, c *channel.Channel, event string, payload json.RawMessage) channel.Reply {
	return channel.Error(map[string]string{"reason": "unknown event"})
}

// HandleBinary writes one chunk.
func (h *uploadProc) HandleBinary(ctx context.Context, c *channel.Channel, event string, chunk []byte) channel.Reply {
	p := h.p
	if event != "chunk" || p == nil {
		return channel.Error(map[string]string{"reason": "unknown event"})
	}
	h.timer.Reset(p.cfg.ChunkTimeout)
	if p.state.Load() != pipeReceiving {
		return channel.Error(map[string]string{"reason": "disallowed"}).Stop()
	}
	if len(chunk) > p.cfg.ChunkSize {
		// The client was told the chunk size: a bigger chunk is not a browser's.
		h.abort(UploadInvalid)
		return channel.Error(map[string]any{"reason": "chunk_too_large", "limit": p.cfg.ChunkSize}).Stop()
	}
	n := p.received.Load() + int64(len(chunk))
	if n > p.size {
		h.abort(UploadTooLarge)
		return channel.Error(map[string]any{"reason": "file_size_limit_exceeded", "limit": p.size}).Stop()
	}
	if _, err := p.w.Write(chunk); err != nil {
		h.srv.log.Error("live: upload write", "entry", truncate(p.copy.Name), "err", err)
		h.abort(UploadWriteFailed)
		return channel.Error(map[string]string{"reason": "writer_error"}).Stop()
	}
	p.received.Store(n)
	if n == p.size {
		if !h.finish() {
			return channel.Error(map[string]string{"reason": "writer_error"}).Stop()
		}
	}
	return channel.Ok(nil)
}

// finish closes the writer after the last byte and tells the view.
func (h *uploadProc) finish() bool {
	p := h.p
	w := p.w
	p.w = nil
	if err := w.Close(nil); err != nil {
		h.srv.log.Error("live: upload close", "entry", truncate(p.copy.Name), "err", err)
		if p.path != "" {
			os.Remove(p.path)
		}
		p.fail(UploadWriteFailed)
		return false
	}
	if !p.state.CompareAndSwap(pipeReceiving, pipeDone) {
		// Cancelled meanwhile: the file is no one's.
		if p.path != "" {
			os.Remove(p.path)
		}
		return false
	}
	p.view.Send(pipeNote{p})
	return true
}

// abort closes the writer, discarding what it received, and fails the entry for why.
func (h *uploadProc) abort(why UploadError) {
	p := h.p
	if p.w != nil {
		p.w.Close(why)
		p.w = nil
	}
	p.fail(why)
}

// Terminate discards an unfinished upload: the browser went away, the chunks stopped
// coming, or the view cancelled it.
func (h *uploadProc) Terminate(ctx context.Context, c *channel.Channel, reason error) {
	p := h.p
	if p == nil {
		return
	}
	if h.timer != nil {
		h.timer.Stop()
	}
	if p.w == nil {
		return
	}
	why := UploadInterrupted
	if errors.Is(reason, errChunkTimeout) {
		why = UploadTimedOut
	}
	if p.state.Load() == pipeCancelled {
		p.w.Close(ErrUploadCancelled)
		p.w = nil
		return
	}
	h.abort(why)
}

// syncEntry brings an entry up to date with its pipe, on the view's goroutine, and
// reports whether it changed.
func (v *viewProc) syncEntry(p *entryPipe) bool {
	e := p.entry
	if e == nil || e.pipe != p {
		return false // cancelled or consumed since
	}
	switch p.state.Load() {
	case pipeDone:
		if !e.Done {
			e.Done, e.Progress = true, 100
			return true
		}
	case pipeFailed:
		why, _ := p.why.Load().(UploadError)
		if why == "" {
			why = UploadInterrupted
		}
		n := len(e.errs)
		e.fail(why)
		return len(e.errs) != n
	}
	return false
}

// verifiedProgress caps what the browser reports at what the server received.
func (p *entryPipe) verifiedProgress(reported int) int {
	if p.size == 0 {
		return min(reported, 100)
	}
	got := int(p.received.Load() * 100 / p.size)
	return min(reported, got)
}

// maxFrameBytes is the largest client frame the socket accepts.
func (s *Server) maxFrameBytes() int64 {
	if n := s.opts.Channel.MaxFrameBytes; n > 0 {
		return n
	}
	return channel.DefaultMaxFrameBytes
}

// uploadTopic is the topic pattern of upload channels.
const uploadTopic = "lvu:*"
