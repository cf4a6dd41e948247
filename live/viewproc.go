package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/glint-go/glint/diff"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
)

// liveViewVersion is the phoenix_live_view version announced in join replies.
const liveViewVersion = "1.2.12"

// maxCoalesce is how long queued messages may hold back a render: a burst of messages
// renders once when the mailbox drains, or at the latest this long after the first
// message changed the state.
const maxCoalesce = 5 * time.Millisecond

// maxPushedEvents bounds the PushEvent calls buffered until the next render.
const maxPushedEvents = 256

// viewProc is one connected view: the channel handler of an lv:* topic. All its methods
// run on the channel's goroutine.
type viewProc struct {
	srv     *Server
	ch      *channel.Channel
	id      string
	route   *route
	view    View
	url     *url.URL
	session map[string]string
	flash   map[string]string
	comps   *componentSet
	timers  *timerSet
	enc     diff.Encoder
	buf     channel.ValidJSON // the last reply's diff; the next one reuses its array
	sock    Socket
	topics  map[string]struct{} // subscribed with Socket.Subscribe
	tracked []tracked           // presences made with Socket.Track
	// subscriptions made with Socket.SubscribeCoalesced, by topic
	coalesced map[string]*coalescer
	rare      *viewRare // hooks attached with Socket.OnEvent, OnInfo and OnParams; nesting

	// Pending until the next render.
	title  *string
	events []diff.Event
	reply  json.RawMessage
	nav    *navigation
	dirty  bool
	// joined is not pending: it sits by dirty to share its word, keeping an idle view
	// within its allocation size class.
	joined     bool
	dirtySince time.Time
}

// sendUpdate is the message SendUpdate queues.
type sendUpdate struct {
	id     string
	values any
}

type navKind uint8

const (
	navPatch navKind = iota + 1
	navNavigate
	navRedirect
)

// navigation is a pending PushPatch, PushNavigate or Redirect.
type navigation struct {
	kind    navKind
	to      string
	replace bool
}

func (n *navigation) kindName() string {
	if n.replace {
		return "replace"
	}
	return "push"
}

// joinPayload is the phx_join payload of a live view (docs/protocol.md, Join payload).
type joinPayload struct {
	URL      string          `json:"url"`
	Redirect string          `json:"redirect"`
	Params   json.RawMessage `json:"params"`
	Session  string          `json:"session"`
	Static   *string         `json:"static"`
	Flash    string          `json:"flash"`
	Sticky   bool            `json:"sticky"`
}

func reason(r string) *channel.ErrorReply {
	return &channel.ErrorReply{Response: map[string]string{"reason": r}}
}

// Join verifies the session, mounts the view and replies with its full render.
func (v *viewProc) Join(ctx context.Context, c *channel.Channel, payload json.RawMessage) (any, error) {
	v.ch = c
	v.id = strings.TrimPrefix(c.Topic(), "lv:")
	log := v.srv.log
	var p joinPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		v.srv.throttledLog(slog.LevelWarn, "live: bad join payload", "topic", truncate(c.Topic()), "err", truncate(err.Error()))
		return nil, reason("stale")
	}
	claims, err := v.srv.sessionToken(p.Session, v.id)
	if err != nil {
		v.srv.throttledLog(slog.LevelInfo, "live: join refused", "view", truncate(v.id), "err", truncate(err.Error()))
		return nil, reason("stale")
	}
	if claims.Root != "" {
		v.rareFor().nest = nesting{root: claims.Root, parent: claims.Parent, group: claims.Group}
	}
	if d := v.srv.crashes.delay(v.key()); d > 0 {
		log.Info("live: delaying rejoin of crashing view", "view", v.id, "delay", d)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	static, err := v.srv.staticToken(p.Static, v.id)
	if err != nil {
		v.srv.throttledLog(slog.LevelInfo, "live: join refused", "view", truncate(v.id), "err", truncate(err.Error()))
		return nil, reason("stale")
	}
	if len(claims.Data) > 0 {
		if ok, _ := c.Assigns()[assignCSRF].(bool); !ok {
			v.srv.throttledLog(slog.LevelInfo, "live: join refused: missing or invalid CSRF token", "view", truncate(v.id))
			return nil, reason("stale")
		}
	}
	page := v.pageKey()
	if !v.srv.pageViews.Acquire(page, v.srv.opts.MaxViewsPerSession) {
		v.srv.limitLog("live: join refused: too many views joined with one page's session", "view", v.id, "limit", v.srv.opts.MaxViewsPerSession)
		return nil, reason("too many views")
	}
	defer func() {
		if !v.joined {
			v.srv.pageViews.Release(page)
		}
	}()
	raw := p.URL
	if p.Redirect != "" {
		raw = p.Redirect
	}
	var rt *route
	var params Params
	if claims.Child != "" {
		// A nested view: its page is named in the session; it has no URL.
		v.srv.mu.RLock()
		rt = v.srv.nested[claims.Child]
		v.srv.mu.RUnlock()
		if rt == nil || claims.Root == "" {
			v.srv.throttledLog(slog.LevelInfo, "live: join refused: no such nested page", "view", truncate(v.id), "page", truncate(claims.Child))
			return nil, reason("unauthorized")
		}
		v.url = &url.URL{}
		params = Params{}
	} else if raw != "" {
		u, err := url.Parse(raw)
		if err != nil || len(raw) > maxURLBytes {
			v.srv.throttledLog(slog.LevelInfo, "live: join refused: bad url", "view", truncate(v.id), "url", truncate(raw))
			return nil, reason("stale")
		}
		rt, params = v.srv.match(u)
		switch {
		case rt == nil:
			v.srv.throttledLog(slog.LevelInfo, "live: join refused: url routes to no live page", "view", truncate(v.id), "url", truncate(u.String()))
			return nil, reason("unauthorized")
		case p.Redirect != "" && rt.page.Group != claims.Group:
			v.srv.throttledLog(slog.LevelInfo, "live: join refused: navigation crosses session groups", "view", truncate(v.id), "url", truncate(u.String()))
			return nil, reason("unauthorized")
		case p.Redirect == "" && rt.pattern != claims.Route:
			v.srv.throttledLog(slog.LevelInfo, "live: join refused: url routes to another page", "view", truncate(v.id), "url", truncate(u.String()))
			return nil, reason("unauthorized")
		}
		v.url = u
	} else {
		v.srv.mu.RLock()
		rt = v.srv.routes[claims.Route]
		v.srv.mu.RUnlock()
		if rt == nil {
			return nil, reason("unauthorized")
		}
		v.url = &url.URL{Path: "/"}
		params = Params{}
	}
	v.route = rt
	v.session = claims.Data
	v.flash = static.Flash
	if p.Flash != "" {
		var f map[string]string
		if err := v.srv.verifyJSON(saltFlash, p.Flash, time.Minute, &f); err == nil {
			v.flash = f
		}
	}
	v.comps = newComponentSet()
	v.timers = newTimerSet(c.Send, func() bool { return c.Context().Err() == nil })
	v.sock = Socket{srv: v.srv, v: v, ctx: ctx}

	var reply channel.ValidJSON
	err = v.safely(ctx, "mount", func() error {
		v.view = rt.page.New()
		if v.view == nil {
			return fmt.Errorf("live: page %q: New returned nil", rt.pattern)
		}
		child := v.isChild()
		redirected := func() bool { return v.nav != nil && v.nav.kind != navPatch }
		if !child {
			halted, err := v.srv.runMountHooks(ctx, rt.page.Group, &v.sock, v.view, params, redirected)
			if err != nil || halted {
				return err
			}
		}
		if err := v.view.Mount(ctx, &v.sock, params); err != nil {
			return fmt.Errorf("live: mount %T: %w", v.view, err)
		}
		if !child {
			if err := v.handleParams(ctx, params); err != nil {
				return err
			}
		}
		var patch *navigation
		for i := 0; v.nav != nil && v.nav.kind == navPatch; i++ {
			if i == 8 {
				return errors.New("live: too many patches during mount")
			}
			patch = v.nav
			if err := v.applyPatch(ctx); err != nil {
				return err
			}
		}
		if v.nav != nil {
			return nil
		}
		tree, comps, err := renderAll(&v.sock, rt.page.Template, v.view, v.comps)
		if err != nil {
			return err
		}
		x := v.takeExtras()
		out := append(v.buf[:0], `{"rendered":`...)
		out, err = v.enc.Join(out, tree, comps, x)
		if err != nil {
			return fmt.Errorf("live: encode %T: %w", v.view, err)
		}
		out = append(out, `,"liveview_version":"`+liveViewVersion+`"`...)
		if patch != nil {
			out = append(out, `,"live_patch":`...)
			out = appendJSON(out, map[string]string{"to": patch.to, "kind": patch.kindName()})
		}
		out = append(out, '}')
		reply = channel.ValidJSON(out)
		v.srv.metrics.renders.Add(1)
		return nil
	})
	if err != nil {
		v.abandon()
		if errors.Is(err, errCrashed) {
			return nil, reason("join crashed")
		}
		if st := httpStatus(err); st < 500 {
			// Let the page load show the status (docs/protocol.md, Join errors: "reload").
			log.Info("live: mount refused", "view", v.id, "page", rt.pattern, "status", st, "err", err)
			return nil, &channel.ErrorReply{Response: map[string]any{"reason": "reload", "status": st, "token": strconv.Itoa(st)}}
		}
		log.Error("live: mount failed", "view", v.id, "page", rt.pattern, "err", err)
		return nil, reason("mount failed")
	}
	if n := v.nav; n != nil {
		v.abandon()
		v.nav = nil
		if n.kind == navRedirect {
			return nil, &channel.ErrorReply{Response: map[string]any{"redirect": v.redirectBody(n)}}
		}
		return nil, &channel.ErrorReply{Response: map[string]any{"live_redirect": v.redirectBody(n)}}
	}
	v.joined = true
	if v.isChild() {
		v.register()
	}
	if v.srv.dev != nil {
		if err := c.Subscribe(devTopic); err != nil {
			log.Error("live: DevReload: subscribing the view", "view", v.id, "err", err)
		}
	}
	v.srv.metrics.views.Add(1)
	v.srv.metrics.joins.Add(1)
	return reply, nil
}

// pageKey is what MaxViewsPerSession counts by: the id of the served page's top view.
func (v *viewProc) pageKey() string {
	if v.isChild() {
		return v.rare.nest.root
	}
	return v.id
}

// abandon undoes what a mount that will not join set up: its timers and subscriptions
// (the channel layer only ends those of joined channels).
func (v *viewProc) abandon() {
	v.unregister()
	v.cancelAsync()
	v.timers.stop()
	for t := range v.topics {
		v.ch.Unsubscribe(t)
	}
	v.topics = nil
	for _, c := range v.coalesced {
		c.end()
	}
	v.coalesced = nil
}

// maxURLBytes bounds URLs accepted from the client.
const maxURLBytes = 8 << 10

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

func appendJSON(dst []byte, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return append(dst, "{}"...)
	}
	return append(dst, b...)
}

// HandleIn handles a client message on the view's topic (docs/protocol.md, Client messages).
func (v *viewProc) HandleIn(ctx context.Context, c *channel.Channel, event string, payload json.RawMessage) channel.Reply {
	v.sock.ctx = ctx
	switch event {
	case "event":
		return v.handleEvent(ctx, payload)
	case "live_patch":
		return v.handleLivePatch(ctx, payload)
	case "cids_will_destroy":
		cids, err := decodeCIDs(payload)
		if err != nil {
			v.srv.throttledLog(slog.LevelWarn, "live: bad cids_will_destroy", "view", v.id, "err", err)
			return channel.Ok(nil)
		}
		for _, cid := range cids {
			if e := v.comps.byCID[cid]; e != nil {
				e.dying = true
				e.memo = nil
			}
		}
		v.enc.Forget(cids...)
		return channel.Ok(nil)
	case "cids_destroyed":
		cids, err := decodeCIDs(payload)
		if err != nil {
			v.srv.throttledLog(slog.LevelWarn, "live: bad cids_destroyed", "view", v.id, "err", err)
			return channel.Ok(map[string][]int{"cids": {}})
		}
		deleted := make([]int, 0, len(cids))
		for _, cid := range cids {
			if e := v.comps.byCID[cid]; e != nil && e.dying {
				v.comps.remove(cid)
				v.dropComponentUploads(cid)
				deleted = append(deleted, cid)
			}
		}
		v.enc.Forget(deleted...)
		return channel.Ok(map[string][]int{"cids": deleted})
	case "allow_upload":
		return v.handleAllowUpload(ctx, payload)
	case "progress":
		return v.handleProgress(ctx, payload)
	default:
		v.srv.throttledLog(slog.LevelWarn, "live: unknown message", "view", v.id, "event", truncate(event))
		return channel.Ok(nil)
	}
}

// reservedEvent handles the events LiveView reserves for itself, whose names start with
// "lv:"; they never reach the application. lv:clear-flash clears the flash of kind "key",
// or the whole flash without one. Other lv: events are refused (logged, answered ok).
func (v *viewProc) reservedEvent(ctx context.Context, e Event) channel.Reply {
	switch e.Name {
	case "lv:clear-flash":
		if k := e.Get("key"); k != "" {
			delete(v.flash, k)
		} else {
			clear(v.flash)
		}
		v.dirty = true
		v.reply = nil
		return v.replyWithRender(ctx)
	}
	v.srv.throttledLog(slog.LevelWarn, "live: unknown reserved event (the lv: events are the runtime's: lv:clear-flash)", "view", v.id, "event", truncate(e.Name))
	return channel.Ok(nil)
}

// failed logs a handler's error and gives it to Options.OnError. It reports whether
// OnError crashed the view.
func (v *viewProc) failed(ctx context.Context, err error, msg string, attrs ...any) (crashed bool) {
	attrs = append(append([]any{"view", v.id}, attrs...), "err", truncate(err.Error()))
	v.srv.log.Error(msg, attrs...)
	onError := v.srv.opts.OnError
	if onError == nil {
		return false
	}
	v.markDirty()
	perr := v.safely(ctx, "OnError", func() error {
		onError(ctx, &v.sock, err)
		return nil
	})
	return errors.Is(perr, errCrashed)
}

// maxCIDs bounds a cids list from the client.
const maxCIDs = 10000

func decodeCIDs(payload json.RawMessage) ([]int, error) {
	var p struct {
		CIDs []int `json:"cids"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("decode cids: %w", err)
	}
	if len(p.CIDs) > maxCIDs {
		return nil, fmt.Errorf("%d cids, at most %d", len(p.CIDs), maxCIDs)
	}
	return p.CIDs, nil
}

// handleEvent dispatches an "event" message to the view or a component and replies with
// the resulting diff (docs/protocol.md, Event replies).
func (v *viewProc) handleEvent(ctx context.Context, payload json.RawMessage) channel.Reply {
	e, err := decodeEvent(payload)
	if err != nil {
		v.srv.throttledLog(slog.LevelWarn, "live: bad event", "view", v.id, "err", truncate(err.Error()))
		return channel.Ok(nil)
	}
	v.srv.metrics.events.Add(1)
	if strings.HasPrefix(e.Name, "lv:") {
		return v.reservedEvent(ctx, e)
	}
	if len(e.uploads) > 0 {
		v.putFormUploads(e)
	}
	var h EventHandler
	var hooks []EventHook
	if e.CID != 0 {
		ce := v.comps.byCID[e.CID]
		if ce == nil {
			return channel.Ok(nil)
		}
		ce.touch()
		h, _ = ce.c.(EventHandler)
		if h == nil {
			v.srv.throttledLog(slog.LevelWarn, "live: component does not handle events", "view", v.id, "component", ce.id, "event", truncate(e.Name))
			return channel.Ok(nil)
		}
	} else {
		h, _ = v.view.(EventHandler)
		if v.rare != nil {
			hooks = v.rare.event
		}
		if h == nil && len(hooks) == 0 {
			v.srv.throttledLog(slog.LevelWarn, "live: view does not handle events", "view", v.id, "event", truncate(e.Name))
			return channel.Ok(nil)
		}
	}
	hook := e.Type == "hook"
	err = v.safelyNamed(ctx, "event", e.Name, func() error {
		if stopped, err := runHooks(ctx, &v.sock, hooks, e); stopped {
			return err
		}
		if h == nil {
			v.srv.throttledLog(slog.LevelWarn, "live: view does not handle events", "view", v.id, "event", truncate(e.Name))
			return nil
		}
		return h.HandleEvent(ctx, &v.sock, e)
	})
	if errors.Is(err, errCrashed) {
		return channel.NoReply()
	}
	if err != nil && v.failed(ctx, err, "live: event failed", "event", truncate(e.Name), "type", truncate(e.Type)) {
		return channel.NoReply()
	}
	if !hook {
		v.reply = nil
	}
	return v.replyWithRender(ctx)
}

// handleLivePatch handles the client's live_patch (a patch link or history navigation).
func (v *viewProc) handleLivePatch(ctx context.Context, payload json.RawMessage) channel.Reply {
	var p struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || len(p.URL) > maxURLBytes {
		v.srv.throttledLog(slog.LevelWarn, "live: bad live_patch", "view", v.id)
		return channel.Ok(nil)
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		v.srv.throttledLog(slog.LevelWarn, "live: bad live_patch url", "view", v.id, "err", err)
		return channel.Ok(nil)
	}
	rt, params := v.srv.match(u)
	if rt != v.route || v.isChild() {
		return channel.Ok(map[string]bool{"link_redirect": true})
	}
	v.url = u
	err = v.safely(ctx, "handle params", func() error { return v.handleParams(ctx, params) })
	if errors.Is(err, errCrashed) {
		return channel.NoReply()
	}
	if err != nil && v.failed(ctx, err, "live: handle params failed") {
		return channel.NoReply()
	}
	return v.replyWithRender(ctx)
}

// replyWithRender applies pending navigation, renders, and builds the reply to a client
// message.
func (v *viewProc) replyWithRender(ctx context.Context) channel.Reply {
	return v.replyWithRenderAnd(ctx, nil)
}

// replyWithRenderAnd is replyWithRender whose reply also has the fields of extra, a value
// that encodes to a JSON object (nil: none).
func (v *viewProc) replyWithRenderAnd(ctx context.Context, extra any) channel.Reply {
	for i := 0; v.nav != nil && v.nav.kind == navPatch; i++ {
		if i == 8 {
			v.crash(errors.New("live: too many patches in one event"), "")
			return channel.NoReply()
		}
		n := v.nav
		if err := v.ch.Push("live_patch", map[string]string{"to": n.to, "kind": n.kindName()}); err != nil {
			return channel.NoReply()
		}
		var err error
		err = v.safely(ctx, "handle params", func() error { return v.applyPatch(ctx) })
		if errors.Is(err, errCrashed) {
			return channel.NoReply()
		}
	}
	if n := v.nav; n != nil {
		v.nav = nil
		if n.kind == navRedirect {
			return channel.Ok(map[string]any{"redirect": v.redirectBody(n)}).Stop()
		}
		return channel.Ok(map[string]any{"live_redirect": v.redirectBody(n)}).Stop()
	}
	var more []byte
	if extra != nil {
		b, err := json.Marshal(extra)
		if err != nil || len(b) < 2 || b[0] != '{' {
			v.crash(fmt.Errorf("live: reply fields %T: %w", extra, err), "")
			return channel.NoReply()
		}
		more = b
	}
	out, changed, err := v.render(append(v.buf[:0], `{"diff":`...))
	if err != nil {
		v.crash(err, "")
		return channel.NoReply()
	}
	if !changed {
		if more != nil {
			return channel.Ok(json.RawMessage(more))
		}
		return channel.Ok(nil)
	}
	if len(more) > 2 {
		out = append(append(out, ','), more[1:len(more)-1]...)
	}
	out = append(out, '}')
	v.buf = out
	return channel.Ok(&v.buf) // a pointer boxes without allocating
}

// render renders the view and appends the diff to dst.
func (v *viewProc) render(dst []byte) ([]byte, bool, error) {
	start := len(dst)
	tree, comps, err := renderAll(&v.sock, v.route.page.Template, v.view, v.comps)
	if err != nil {
		return dst, false, err
	}
	if hits := v.comps.hits; len(hits) > 0 {
		// A memoized component reused its last tree and is left out of comps, as unchanged
		// for the encoder: unless the client lacks it (it was forgotten) or the new root
		// replaces everything the client holds.
		replaces := v.enc.Replaces(tree)
		for _, cid := range hits {
			if replaces || !v.enc.Holds(cid) {
				if comps == nil {
					comps = make(diff.Components)
				}
				comps[cid] = v.comps.byCID[cid].memo.tree
			}
		}
	}
	x := v.takeExtras()
	out, changed, err := v.enc.Update(dst, tree, comps, x)
	if err != nil {
		return dst, false, fmt.Errorf("live: encode %T: %w", v.view, err)
	}
	v.srv.metrics.renders.Add(1)
	v.dirty = false
	return out, changed && len(out) > start, nil
}

// takeExtras returns and clears the pending title, events and hook reply.
func (v *viewProc) takeExtras() *diff.Extras {
	if v.title == nil && len(v.events) == 0 && v.reply == nil {
		return nil
	}
	x := &diff.Extras{Title: v.title, Events: v.events, Reply: v.reply}
	v.title, v.events, v.reply = nil, nil, nil
	return x
}

func (v *viewProc) redirectBody(n *navigation) map[string]string {
	body := map[string]string{"to": n.to}
	if n.kind == navNavigate {
		body["kind"] = n.kindName()
	}
	if len(v.flash) > 0 {
		if tok, err := v.srv.signJSON(saltFlash, v.flash); err == nil {
			body["flash"] = tok
		}
	}
	return body
}

// applyPatch takes the pending patch: the URL changes and HandleParams runs.
func (v *viewProc) applyPatch(ctx context.Context) error {
	n := v.nav
	v.nav = nil
	u, err := v.url.Parse(n.to)
	if err != nil {
		return fmt.Errorf("live: PushPatch %q: %w", n.to, err)
	}
	rt, params := v.srv.match(u)
	if rt != v.route {
		return fmt.Errorf("live: PushPatch %q: the url routes to another page; use PushNavigate", n.to)
	}
	v.url = u
	return v.handleParams(ctx, params)
}

// handleParams runs the params hooks, then the view's HandleParams.
func (v *viewProc) handleParams(ctx context.Context, p Params) error {
	ph, ok := v.view.(ParamsHandler)
	if v.rare != nil && len(v.rare.params) > 0 {
		v.dirty = true
		stopped, err := runHooks(ctx, &v.sock, v.rare.params, p)
		if err != nil {
			return fmt.Errorf("live: params hook: %w", err)
		}
		if stopped {
			return nil
		}
	}
	if !ok {
		return nil
	}
	v.dirty = true
	if err := ph.HandleParams(ctx, &v.sock, p); err != nil {
		return fmt.Errorf("live: handle params %T: %w", v.view, err)
	}
	return nil
}

// HandleInfo handles messages: PubSub broadcasts, timer ticks, Send and SendUpdate.
func (v *viewProc) HandleInfo(ctx context.Context, c *channel.Channel, msg any) {
	v.sock.ctx = ctx
	if n, ok := msg.(pipeNote); ok {
		v.uploadNote(ctx, n)
		v.Flush(ctx, c)
		return
	}
	if d, ok := msg.(asyncDone); ok {
		if v.asyncResult(d) {
			v.markDirty()
			v.Flush(ctx, c)
		}
		return
	}
	if isDevReload(msg) {
		// The templates changed: render again (the encoder sends new statics), memoized
		// components included.
		for _, e := range v.comps.byCID {
			e.memo = nil
		}
		v.markDirty()
		v.Flush(ctx, c)
		return
	}
	if cm, ok := msg.(coalescedMsg); ok {
		// Broadcasts from here on schedule another delivery: this one may not see them.
		cm.c.pending.Store(false)
		msg = cm.c.msg
	}
	switch m := msg.(type) {
	case sendUpdate:
		ce := v.comps.byID[m.id]
		if ce == nil {
			v.srv.log.Warn("live: SendUpdate to unknown component", "view", v.id, "component", m.id)
			return
		}
		u, ok := ce.c.(Updater)
		if !ok {
			v.srv.log.Warn("live: SendUpdate to component without Update", "view", v.id, "component", m.id)
			return
		}
		ce.touch()
		v.markDirty()
		err := v.safely(ctx, "update "+m.id, func() error { return u.Update(ctx, &v.sock, m.values) })
		if errors.Is(err, errCrashed) {
			return
		}
		if err != nil && v.failed(ctx, err, "live: component update failed", "component", m.id) {
			return
		}
	default:
		ih, _ := v.view.(InfoHandler)
		var hooks []InfoHook
		if v.rare != nil {
			hooks = v.rare.info
		}
		if ih == nil && len(hooks) == 0 {
			if pm, isMsg := msg.(*pubsub.Message); isMsg {
				v.srv.log.Debug("live: view ignores messages", "view", v.id, "topic", pm.Topic, "event", pm.Event)
			}
			return
		}
		v.markDirty()
		err := v.safely(ctx, "info", func() error {
			if stopped, err := runHooks(ctx, &v.sock, hooks, msg); stopped || ih == nil {
				return err
			}
			return ih.HandleInfo(ctx, &v.sock, msg)
		})
		if errors.Is(err, errCrashed) {
			return
		}
		if err != nil && v.failed(ctx, err, "live: message failed", "msg", fmt.Sprintf("%T", msg)) {
			return
		}
	}
	if v.nav != nil || time.Since(v.dirtySince) >= maxCoalesce {
		v.Flush(ctx, c)
	}
}

func (v *viewProc) markDirty() {
	if !v.dirty {
		v.dirty = true
		v.dirtySince = time.Now()
	}
}

// Flush renders once after a burst of messages and pushes the diff, if any.
func (v *viewProc) Flush(ctx context.Context, c *channel.Channel) {
	if v.view == nil || (!v.dirty && v.nav == nil && v.title == nil && len(v.events) == 0) {
		return
	}
	v.sock.ctx = ctx
	for i := 0; v.nav != nil && v.nav.kind == navPatch; i++ {
		if i == 8 {
			v.crash(errors.New("live: too many patches"), "")
			return
		}
		n := v.nav
		if err := c.Push("live_patch", map[string]string{"to": n.to, "kind": n.kindName()}); err != nil {
			return
		}
		if err := v.safely(ctx, "handle params", func() error { return v.applyPatch(ctx) }); errors.Is(err, errCrashed) {
			return
		}
	}
	if n := v.nav; n != nil {
		v.nav = nil
		event := "live_redirect"
		if n.kind == navRedirect {
			event = "redirect"
		}
		c.Push(event, v.redirectBody(n))
		c.Stop(nil)
		return
	}
	v.reply = nil
	bp := renderBufs.Get().(*[]byte)
	out, changed, err := v.render((*bp)[:0])
	if err == nil && changed {
		c.Push("diff", channel.ValidJSON(out)) // copied into the frame
	}
	if cap(out) <= maxRenderBuf {
		*bp = out[:0]
		renderBufs.Put(bp)
	}
	if err != nil {
		v.crash(err, "")
	}
}

// renderBufs holds the buffers pushed diffs are rendered into, so that a view keeps
// none between renders and a broadcast to many views allocates none.
var renderBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxRenderBuf bounds the buffers kept in renderBufs.
const maxRenderBuf = 64 << 10

// Terminate stops the view's timers and runs its Terminate.
func (v *viewProc) Terminate(ctx context.Context, c *channel.Channel, reason error) {
	if v.timers != nil {
		v.timers.stop()
	}
	v.cancelAsync()
	v.endUploads()
	if !v.joined {
		return
	}
	v.joined = false
	v.unregister()
	v.srv.pageViews.Release(v.pageKey())
	v.srv.metrics.views.Add(-1)
	if t, ok := v.view.(Terminator); ok {
		v.sock.ctx = ctx
		func() {
			defer func() {
				if r := recover(); r != nil {
					v.srv.log.Error("live: panic in Terminate", "view", v.id, "panic", r)
				}
			}()
			t.Terminate(ctx, &v.sock, reason)
		}()
	}
}

func (v *viewProc) setTitle(t string) {
	v.title = &t
	v.markDirty()
}

func (v *viewProc) pushEvent(name string, payload any) {
	if len(v.events) >= maxPushedEvents {
		v.srv.log.Warn("live: too many pushed events before a render; dropped", "view", v.id, "event", name)
		return
	}
	var raw json.RawMessage
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			v.srv.log.Error("live: PushEvent payload", "view", v.id, "event", name, "err", err)
			return
		}
		raw = b
	}
	v.events = append(v.events, diff.Event{Name: name, Payload: raw})
	v.markDirty()
}

func (v *viewProc) setReply(r any) {
	b, err := json.Marshal(r)
	if err != nil || len(b) == 0 || b[0] != '{' {
		v.srv.log.Error("live: Reply must encode as a JSON object", "view", v.id, "err", err)
		return
	}
	v.reply = b
}

func (v *viewProc) navigate(k navKind, to string, replace bool) {
	v.nav = &navigation{kind: k, to: to, replace: replace}
}
