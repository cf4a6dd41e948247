package livetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/coder/websocket"
)

// readLoop reads every server frame and applies it in order, so that replies and pushes
// reach the model in the order the server sent them.
func (v *View) readLoop(ctx context.Context) {
	defer close(v.done)
	for {
		typ, b, err := v.conn.Read(ctx)
		if err != nil {
			v.mu.Lock()
			v.connErr = err
			v.notifyLocked()
			v.mu.Unlock()
			return
		}
		v.tracef("← %s", b)
		v.mu.Lock()
		if typ != websocket.MessageText {
			v.failLocked(fmt.Errorf("server sent a binary frame (%d bytes); docs/protocol.md, Socket URL: text frames only", len(b)))
		} else {
			var f frame
			if err := json.Unmarshal(b, &f); err != nil {
				v.failLocked(fmt.Errorf("malformed frame %s: %w", b, err))
			} else {
				v.handleLocked(f, b)
			}
		}
		v.notifyLocked()
		v.mu.Unlock()
	}
}

func (v *View) failLocked(err error) {
	if v.protoErr == nil {
		v.protoErr = err
	}
}

// handleLocked applies one frame.
func (v *View) handleLocked(f frame, raw []byte) {
	if f.Topic == "phoenix" {
		return // heartbeat replies
	}
	if strings.HasPrefix(f.Topic, "lvu:") {
		v.uploadFrameLocked(f, raw)
		return
	}
	if f.Topic != v.topic {
		v.failLocked(fmt.Errorf("frame for a topic this view never joined: %s", raw))
		return
	}
	if f.JoinRef != nil && *f.JoinRef != v.joinRef {
		// A late frame of an earlier membership: the client drops it (docs/protocol.md, Refs).
		v.dropped++
		return
	}
	switch f.Event {
	case "phx_reply":
		v.replyLocked(f, raw)
	case "diff":
		if string(bytes.TrimSpace(f.Payload)) == "{}" {
			v.failLocked(fmt.Errorf("the server pushed an empty diff (docs/protocol.md, Diff rules, S9): %s", raw))
			return
		}
		v.applyLocked(f.Payload, raw)
	case "redirect", "live_redirect":
		v.redirectLocked(f.Event, f.Payload, raw)
	case "live_patch":
		v.patchLocked(f.Payload, raw)
	case "phx_close":
		v.closed = true
	case "phx_error":
		// The channel is gone: its pending messages will never be answered.
		v.errored = true
		for ref, ch := range v.pending {
			ch <- reply{crashed: true}
			delete(v.pending, ref)
		}
	default:
		v.failLocked(fmt.Errorf("unexpected server event %q: %s", f.Event, raw))
	}
}

// takeReplyLocked decodes a phx_reply and takes the channel its sender waits on; ok is
// false (and the protocol error recorded) for a reply without a pending ref or malformed,
// in which case the sender, if any, has been answered with an error.
func (v *View) takeReplyLocked(f frame, raw []byte) (r reply, ch chan reply, ok bool) {
	if f.Ref == nil {
		v.failLocked(fmt.Errorf("phx_reply without a ref: %s", raw))
		return r, nil, false
	}
	ch, ok = v.pending[*f.Ref]
	if !ok {
		v.failLocked(fmt.Errorf("reply to a ref that was never sent or already answered: %s", raw))
		return r, nil, false
	}
	delete(v.pending, *f.Ref)
	if err := json.Unmarshal(f.Payload, &r); err != nil || (r.Status != "ok" && r.Status != "error") {
		v.failLocked(fmt.Errorf("malformed reply (status must be ok or error): %s", raw))
		ch <- reply{Status: "error", Response: f.Payload}
		return r, nil, false
	}
	return r, ch, true
}

func (v *View) replyLocked(f frame, raw []byte) {
	r, ch, ok := v.takeReplyLocked(f, raw)
	if !ok {
		return
	}
	if r.Status == "ok" {
		var resp map[string]json.RawMessage
		if err := json.Unmarshal(r.Response, &resp); err != nil {
			v.failLocked(fmt.Errorf("reply response is not a JSON object: %s", raw))
		}
		if *f.Ref == v.joinRef {
			if err := checkJoinReply(resp); err != nil {
				v.failLocked(fmt.Errorf("%w\nframe: %s", err, raw))
			}
		}
		if rendered, ok := resp["rendered"]; ok && *f.Ref == v.joinRef {
			if err := v.model.Join(rendered); err != nil {
				v.failLocked(fmt.Errorf("join render rejected by the client model: %w\nframe: %s", err, raw))
			} else {
				v.renderedLocked()
			}
		}
		if d, ok := resp["diff"]; ok {
			v.applyLocked(d, raw)
		}
		for _, kind := range []string{"redirect", "live_redirect"} {
			if p, ok := resp[kind]; ok {
				v.redirectLocked(kind, p, raw)
			}
		}
		if p, ok := resp["live_patch"]; ok {
			v.patchLocked(p, raw)
		}
	}
	r.renders = v.renders
	ch <- r
}

// applyLocked merges a diff into the model.
func (v *View) applyLocked(d json.RawMessage, raw []byte) {
	if err := v.model.Apply(d); err != nil {
		v.failLocked(fmt.Errorf("diff rejected by the client model: %w\nframe: %s", err, raw))
		return
	}
	v.renderedLocked()
}

func (v *View) renderedLocked() {
	v.renders++
	v.html = v.model.HTML()
	if t := v.model.Title(); t != "" {
		v.title = t
	}
	v.events = append(v.events, v.model.Events()...)
}

func (v *View) redirectLocked(kind string, p json.RawMessage, raw []byte) {
	var r struct {
		To    string `json:"to"`
		Kind  string `json:"kind"`
		Flash string `json:"flash"`
	}
	if err := json.Unmarshal(p, &r); err != nil || r.To == "" {
		v.failLocked(fmt.Errorf("%s without a target: %s", kind, raw))
		return
	}
	v.redirect = &Redirect{Kind: kind, To: r.To, Replace: r.Kind == "replace", Flash: r.Flash}
}

func (v *View) patchLocked(p json.RawMessage, raw []byte) {
	var r struct {
		To   string `json:"to"`
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(p, &r); err != nil || r.To == "" {
		v.failLocked(fmt.Errorf("live_patch without a target: %s", raw))
		return
	}
	to, err := v.url.Parse(r.To)
	if err != nil {
		v.failLocked(fmt.Errorf("live_patch to a bad URL: %s", raw))
		return
	}
	v.url = to
}

// checkJoinReply checks the parts of an ok join reply the client relies on (docs/protocol.md,
// Join reply): a rendered tree with top-level statics and no top-level "r", and the
// liveview_version Glint always sends.
func checkJoinReply(resp map[string]json.RawMessage) error {
	rendered, ok := resp["rendered"]
	if !ok {
		return fmt.Errorf("join reply without \"rendered\" (docs/protocol.md, Join reply)")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(rendered, &top); err != nil {
		return fmt.Errorf("join reply's rendered is not an object (docs/protocol.md, Join reply)")
	}
	if _, ok := top["s"]; !ok {
		return fmt.Errorf("join reply's rendered has no top-level \"s\" (docs/protocol.md, Join reply)")
	}
	if _, ok := top["r"]; ok {
		return fmt.Errorf("join reply's rendered has a top-level \"r\", which the client strips as a hook reply (docs/protocol.md, Join reply)")
	}
	var version string
	json.Unmarshal(resp["liveview_version"], &version)
	if version != "1.2.12" {
		return fmt.Errorf("join reply's liveview_version is %q, want \"1.2.12\" (docs/protocol.md, Join reply)", version)
	}
	return nil
}
