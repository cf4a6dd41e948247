package live

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/glint-go/glint/js"
	"github.com/glint-go/glint/render"
)

// servePage answers a plain HTTP request for a live page with its disconnected render
// inside the layout (docs/protocol.md, First render).
func (s *Server) servePage(rt *route, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var data map[string]string
	if s.opts.Session != nil {
		var err error
		if data, err = s.opts.Session(r); err != nil {
			s.log.Error("live: session", "page", rt.pattern, "err", err)
			http.Error(w, "internal server error", http.StatusInternalServerError)
			return
		}
	}
	id := newViewID()
	u := *r.URL
	d := &deadState{id: id, url: &u, session: data, comps: newComponentSet(), flash: s.redirectFlash(w, r), group: rt.page.Group}
	sock := &Socket{srv: s, d: d, ctx: r.Context()}
	html, err := s.deadRender(r.Context(), rt, sock, pageParams(rt.pattern, r))
	if err != nil {
		status := httpStatus(err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	if d.redirect != "" {
		http.Redirect(w, r, d.redirect, http.StatusFound)
		return
	}
	sess, err := s.signJSON(saltSession, sessionClaims{V: sessionVersion, ID: id, Route: rt.pattern, Group: rt.page.Group, Data: data})
	if err != nil {
		s.log.Error("live: session token", "page", rt.pattern, "err", err)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	static, err := s.signJSON(saltStatic, staticClaims{ID: id, Flash: d.flash})
	if err != nil {
		s.log.Error("live: static token", "page", rt.pattern, "err", err)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	var content bytes.Buffer
	content.Grow(len(html) + len(sess) + len(static) + 128)
	fmt.Fprintf(&content, `<div id="%s" data-phx-main data-phx-session="%s" data-phx-static="%s">`, id, sess, static)
	content.WriteString(html)
	content.WriteString(`</div>`)
	ld := &LayoutData{
		Title:     d.title,
		CSRFToken: s.csrfToken(w, r),
		ScriptURL: s.script,
		Content:   template.HTML(content.String()),
	}
	var page bytes.Buffer
	if err := s.layout.Execute(&page, ld); err != nil {
		s.log.Error("live: layout", "page", rt.pattern, "err", err)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		// The page embeds a fresh signed session; a cached copy would rejoin with stale state.
		h.Set("Cache-Control", "no-store, must-revalidate")
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(page.Bytes())
	}
}

// deadRender mounts a fresh view disconnected, runs HandleParams and renders its HTML.
// A panic is recovered and logged with its stack.
func (s *Server) deadRender(ctx context.Context, rt *route, sock *Socket, params Params) (html string, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.metrics.crashes.Add(1)
			err = fmt.Errorf("live: panic: %v", r)
			s.log.Error("live: view crashed in disconnected render", "page", rt.pattern, "err", err, "stack", string(debug.Stack()))
		}
	}()
	view := rt.page.New()
	if view == nil {
		err = fmt.Errorf("live: page %q: New returned nil", rt.pattern)
		s.log.Error("live: page", "err", err)
		return "", err
	}
	redirected := func() bool { return sock.d.redirect != "" }
	halted, err := s.runMountHooks(ctx, rt.page.Group, sock, view, params, redirected)
	if err != nil {
		s.logMountError(rt, err)
		return "", err
	}
	if halted {
		return "", nil
	}
	if err := view.Mount(ctx, sock, params); err != nil {
		s.logMountError(rt, err)
		return "", err
	}
	if redirected() {
		return "", nil
	}
	stopped, err := runHooks(ctx, sock, sock.d.params, params)
	if err != nil {
		err = fmt.Errorf("live: params hook: %w", err)
		s.logMountError(rt, err)
		return "", err
	}
	if redirected() {
		return "", nil
	}
	if ph, ok := view.(ParamsHandler); ok && !stopped {
		if err := ph.HandleParams(ctx, sock, params); err != nil {
			s.logMountError(rt, err)
			return "", err
		}
		if redirected() {
			return "", nil
		}
	}
	tree, comps, err := renderAll(sock, rt.page.Template, view, sock.d.comps)
	if err != nil {
		s.log.Error("live: render failed", "page", rt.pattern, "err", err)
		return "", err
	}
	s.metrics.renders.Add(1)
	return tree.HTML(func(cid int) *render.Rendered { return comps[cid] }), nil
}

// logMountError logs a failed mount: client errors (4xx) at info level, others as errors.
func (s *Server) logMountError(rt *route, err error) {
	if st := httpStatus(err); st < 500 {
		s.log.Info("live: mount refused", "page", rt.pattern, "status", st, "err", err)
		return
	}
	s.log.Error("live: mount failed", "page", rt.pattern, "err", err)
}

// flashCookie is where the client keeps the flash of a full-page redirect for the next
// page load (60 s).
const flashCookie = "__phoenix_flash__"

// redirectFlash returns the flash carried by a redirect reply, consuming its cookie.
func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request) map[string]string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	var f map[string]string
	if err := s.verifyJSON(saltFlash, c.Value, time.Minute, &f); err != nil {
		s.log.Debug("live: ignoring flash cookie", "err", err)
		return nil
	}
	return f
}

// scriptHandler serves Glint's browser client.
func scriptHandler() http.Handler { return js.Handler() }
