package live

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/glint-go/glint/render"
)

// Child describes a nested live view for Socket.LiveRender.
type Child struct {
	// ID is the child's container id: unique on the page, stable across renders, and the
	// suffix of the child's topic. Letters, digits, '-', '_', ':' and '.', at most 64.
	ID string
	// Page is the name the child's page was registered under with Server.HandleNested.
	Page string
	// Session is extra session data for the child, over the user session data
	// (Options.Session) that the parent has; the child reads both with Socket.Session.
	Session map[string]string
	// Sticky keeps the child alive across live navigation (PushNavigate and navigate
	// links) while the pages navigated to render it too, under the same ID (a page of the
	// group that does not render it ends it). A sticky child has no parent: it is not
	// ended with the view that rendered it, and Socket.Parent is the zero Ref in it.
	Sticky bool
	// Tag is the container element's tag; "div" when empty.
	Tag string
}

// nesting is where a connected view sits among nested views.
type nesting struct {
	root       string // the id of the page's top view ("": the view is a top view)
	parent     string // the id of the view that rendered it ("": none, or sticky)
	group      string // the session group it was rendered in
	registered bool   // stored in Server.nest, to be removed when the view ends
}

// maxNestDepth bounds how deep children render children in one disconnected render.
const maxNestDepth = 8

var (
	childIDPattern  = regexp.MustCompile(`^[A-Za-z0-9_:.\-]{1,64}$`)
	childTagPattern = regexp.MustCompile(`^[a-z][a-z0-9\-]{0,31}$`)
)

// HandleNested registers a page that views render inside themselves with
// Socket.LiveRender (LiveView's live_render), under name. It has no URL of its own. It
// panics when the name is taken or the page has no New or Template.
func (s *Server) HandleNested(name string, p Page) {
	if p.New == nil || p.Template == nil {
		panic(fmt.Sprintf("live: HandleNested %q: Page needs New and Template", name))
	}
	if name == "" {
		panic("live: HandleNested: empty name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.nested[name]; dup {
		panic(fmt.Sprintf("live: HandleNested %q: name already registered", name))
	}
	if s.nested == nil {
		s.nested = make(map[string]*route)
	}
	s.nested[name] = &route{pattern: "nested " + name, page: p}
	s.watch(p.Template)
}

// LiveRender renders the nested live view c, for the calling view to output in its
// template (store the result in a field in Mount, render it as {{.Clock}}).
//
// The child is a live view of its own: its own goroutine, state, events (an element
// inside its container sends to it), messages and crashes. A crash in the child remounts
// the child only; a crash in the parent leaves the child running. During the disconnected
// render the child is mounted and rendered inside its container; when connected, the
// container is left empty and the client joins the child, which mounts on its goroutine,
// like the parent. The client ends the child when its container leaves the page (and
// with the parent, unless the child is sticky).
//
// A child has no URL (Socket.URL is empty) and no HandleParams; the page group's mount
// hooks do not run for it. Call LiveRender once per child, in Mount: the container
// carries a freshly signed session each time.
func (s *Socket) LiveRender(c Child) (template.HTML, error) {
	if !childIDPattern.MatchString(c.ID) {
		return "", fmt.Errorf("live: LiveRender: bad child id %q", c.ID)
	}
	tag := c.Tag
	if tag == "" {
		tag = "div"
	}
	if !childTagPattern.MatchString(tag) {
		return "", fmt.Errorf("live: LiveRender %q: bad tag %q", c.ID, tag)
	}
	s.srv.mu.RLock()
	rt := s.srv.nested[c.Page]
	s.srv.mu.RUnlock()
	if rt == nil {
		return "", fmt.Errorf("live: LiveRender %q: no nested page %q (Server.HandleNested)", c.ID, c.Page)
	}
	var data map[string]string
	if len(c.Session) > 0 {
		data = make(map[string]string, len(c.Session)+len(s.Session()))
		for k, v := range s.Session() {
			data[k] = v
		}
		for k, v := range c.Session {
			data[k] = v
		}
	} else {
		data = s.Session()
	}
	root, group := s.nestRoot()
	parent := s.ID()
	if c.Sticky {
		parent = ""
	}
	tok, err := s.srv.signJSON(saltSession, sessionClaims{V: sessionVersion, ID: c.ID, Group: group, Data: data, Child: c.Page, Parent: parent, Root: root})
	if err != nil {
		return "", err
	}
	var content string
	if s.v != nil {
		s.v.register()
	} else {
		if s.d.depth >= maxNestDepth {
			return "", fmt.Errorf("live: LiveRender %q: nested more than %d deep", c.ID, maxNestDepth)
		}
		d := &deadState{id: c.ID, url: &url.URL{}, session: data, comps: newComponentSet(), root: root, group: group, depth: s.d.depth + 1}
		if content, err = s.srv.deadChild(s.context(), rt, &Socket{srv: s.srv, d: d, ctx: s.ctx}); err != nil {
			return "", err
		}
		if d.redirect != "" && s.d.redirect == "" {
			s.d.redirect = d.redirect
		}
	}
	var b strings.Builder
	b.Grow(len(tok) + len(content) + 128)
	fmt.Fprintf(&b, `<%s id="%s" data-phx-session="%s" data-phx-static=""`, tag, html.EscapeString(c.ID), tok)
	if c.Sticky {
		b.WriteString(` data-phx-sticky`)
	} else {
		fmt.Fprintf(&b, ` data-phx-parent-id="%s"`, html.EscapeString(parent))
	}
	b.WriteByte('>')
	b.WriteString(content)
	fmt.Fprintf(&b, `</%s>`, tag)
	return template.HTML(b.String()), nil
}

// nestRoot returns the id of the page's top view and the session group.
func (s *Socket) nestRoot() (root, group string) {
	if s.v != nil {
		if s.v.rare != nil && s.v.rare.nest.root != "" {
			return s.v.rare.nest.root, s.v.rare.nest.group
		}
		return s.v.id, s.v.route.page.Group
	}
	if s.d.root != "" {
		return s.d.root, s.d.group
	}
	return s.d.id, s.d.group
}

// deadChild mounts and renders a nested view disconnected. A panic is an error.
func (s *Server) deadChild(ctx context.Context, rt *route, sock *Socket) (html string, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.metrics.crashes.Add(1)
			err = fmt.Errorf("live: panic: %v", r)
			s.log.Error("live: nested view crashed in disconnected render", "page", rt.pattern, "err", err, "stack", string(debug.Stack()))
		}
	}()
	view := rt.page.New()
	if view == nil {
		return "", fmt.Errorf("live: %s: New returned nil", rt.pattern)
	}
	if err := view.Mount(ctx, sock, Params{}); err != nil {
		return "", fmt.Errorf("live: mount %s: %w", rt.pattern, err)
	}
	if sock.d.redirect != "" {
		return "", nil
	}
	tree, comps, err := renderAll(sock, rt.page.Template, view, sock.d.comps)
	if err != nil {
		return "", err
	}
	s.metrics.renders.Add(1)
	return tree.HTML(func(cid int) *render.Rendered { return comps[cid] }), nil
}

// nestKey is a view's key in Server.nest: its page's top view id and its own id.
func nestKey(root, id string) string { return root + "\x00" + id }

// key returns the view's key in Server.nest.
func (v *viewProc) key() string {
	if v.rare != nil && v.rare.nest.root != "" {
		return nestKey(v.rare.nest.root, v.id)
	}
	return nestKey(v.id, v.id)
}

// register makes the view findable by its children and its parent.
func (v *viewProc) register() {
	n := &v.rareFor().nest
	if !n.registered {
		n.registered = true
		v.srv.nest.Store(v.key(), v)
	}
}

// unregister undoes register, unless another view took the key since.
func (v *viewProc) unregister() {
	if v.rare != nil && v.rare.nest.registered {
		v.rare.nest.registered = false
		v.srv.nest.CompareAndDelete(v.key(), v)
	}
}

// isChild reports whether the view was rendered by another view (LiveRender).
func (v *viewProc) isChild() bool { return v.rare != nil && v.rare.nest.root != "" }

// Parent returns a Ref on the view that rendered this nested view (with LiveRender), to
// Send it messages that its HandleInfo receives. It is the zero Ref in a view that is not
// nested, in a sticky one, before the parent joined, and during the disconnected render.
func (s *Socket) Parent() Ref {
	if s.v == nil || s.v.rare == nil || s.v.rare.nest.parent == "" {
		return Ref{}
	}
	n := s.v.rare.nest
	if p, ok := s.srv.nest.Load(nestKey(n.root, n.parent)); ok {
		return Ref{v: p.(*viewProc)}
	}
	return Ref{}
}

// Child returns a Ref on the connected nested view with this id that this view rendered
// (not a sticky one), or the zero Ref when it has not joined or has ended.
func (s *Socket) Child(id string) Ref {
	if s.v == nil {
		return Ref{}
	}
	root, _ := s.nestRoot()
	c, ok := s.srv.nest.Load(nestKey(root, id))
	if !ok {
		return Ref{}
	}
	cv := c.(*viewProc)
	if cv.rare == nil || cv.rare.nest.parent != s.v.id {
		return Ref{}
	}
	return Ref{v: cv}
}
