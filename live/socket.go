package live

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/glint-go/glint/render"
)

// Socket is a view's handle on the runtime. It is only valid inside the view's (or its
// components') methods, on the view's goroutine; use Ref to reach the view from elsewhere.
type Socket struct {
	srv *Server
	v   *viewProc  // nil for the disconnected render of the first GET
	d   *deadState // nil when connected
	ctx context.Context
}

// deadState is what a disconnected (first GET) render records.
type deadState struct {
	id       string
	url      *url.URL
	session  map[string]string
	title    string
	redirect string
	flash    map[string]string
	comps    *componentSet
	params   []ParamsHook // attached with OnParams
	// For a nested view (LiveRender): the page's top view id, the session group, and how
	// deep it is nested.
	root, group string
	depth       int
}

// Connected reports whether the view is connected (joined over the live socket). It is
// false during the first, disconnected HTTP render.
func (s *Socket) Connected() bool { return s.v != nil }

// ID returns the view's id: the container element's id and the channel topic's suffix.
func (s *Socket) ID() string {
	if s.v != nil {
		return s.v.id
	}
	return s.d.id
}

// URL returns the view's current URL (after live patches, the patched one).
func (s *Socket) URL() *url.URL {
	if s.v != nil {
		return s.v.url
	}
	return s.d.url
}

// Session returns the user session data bound into the signed session token by
// Options.Session. The caller must not modify it.
func (s *Socket) Session() map[string]string {
	if s.v != nil {
		return s.v.session
	}
	return s.d.session
}

// ErrNotConnected is returned by socket operations that need a connected view.
var ErrNotConnected = errors.New("live: view not connected")

// Subscribe subscribes the view to a PubSub topic; its broadcasts reach HandleInfo as
// *pubsub.Message. The subscription ends with the view. It returns ErrNotConnected during
// the disconnected render.
func (s *Socket) Subscribe(topic string) error {
	if s.v == nil {
		return ErrNotConnected
	}
	if err := s.v.ch.Subscribe(topic); err != nil {
		return err
	}
	if s.v.topics == nil {
		s.v.topics = make(map[string]struct{})
	}
	s.v.topics[topic] = struct{}{}
	return nil
}

// Unsubscribe ends a subscription made with Subscribe or SubscribeCoalesced.
func (s *Socket) Unsubscribe(topic string) {
	if s.v != nil {
		s.v.ch.Unsubscribe(topic)
		delete(s.v.topics, topic)
		if c, ok := s.v.coalesced[topic]; ok {
			c.end()
			delete(s.v.coalesced, topic)
		}
	}
}

// Broadcast publishes payload (encoded once as JSON) to every subscriber of topic, on
// every node. It works connected or not.
func (s *Socket) Broadcast(ctx context.Context, topic, event string, payload any) error {
	return s.srv.PubSub().Broadcast(ctx, topic, event, payload)
}

// Send queues msg for the view's own HandleInfo. It reports false when the view is not
// connected, has ended, or its mailbox is full.
func (s *Socket) Send(msg any) bool { return s.Ref().Send(msg) }

// SendAfter delivers msg to HandleInfo after d. The returned function cancels it. Timers
// end with the view; during the disconnected render nothing is scheduled.
func (s *Socket) SendAfter(msg any, d time.Duration) (cancel func()) {
	if s.v == nil {
		return func() {}
	}
	return s.v.timers.after(d, msg, false)
}

// Every delivers msg to HandleInfo every d until the returned function is called or the
// view ends. A tick that finds the mailbox full is dropped.
func (s *Socket) Every(d time.Duration, msg any) (stop func()) {
	if s.v == nil {
		return func() {}
	}
	return s.v.timers.after(d, msg, true)
}

// SetTitle sets the page title. It is sent with the next render.
func (s *Socket) SetTitle(title string) {
	if s.v != nil {
		s.v.setTitle(title)
		return
	}
	s.d.title = title
}

// PutFlash stores a flash message of the given kind ("info", "error"). Flash returns it;
// it is carried along by PushNavigate and Redirect. A view shows the flash by embedding
// Flash (or implementing FlashSetter); the user clears it with phx-click="lv:clear-flash".
func (s *Socket) PutFlash(kind, msg string) {
	f := s.flash(true)
	f[kind] = msg
	if s.v != nil {
		s.v.dirty = true
	}
}

// Flash returns the flash message of the given kind, or "".
func (s *Socket) Flash(kind string) string { return s.flash(false)[kind] }

// ClearFlash removes every flash message.
func (s *Socket) ClearFlash() {
	clear(s.flash(false))
	if s.v != nil {
		s.v.dirty = true
	}
}

func (s *Socket) flash(create bool) map[string]string {
	var m *map[string]string
	if s.v != nil {
		m = &s.v.flash
	} else {
		m = &s.d.flash
	}
	if *m == nil && create {
		*m = make(map[string]string)
	}
	return *m
}

// PushEvent sends an event to the client (window "phx:"+name and hooks' handleEvent) with
// the next render. payload must encode as a JSON object.
func (s *Socket) PushEvent(name string, payload any) {
	if s.v != nil {
		s.v.pushEvent(name, payload)
	}
}

// Reply sets the reply to the hook pushEvent being handled; the hook's callback receives
// it. v must encode as a JSON object. Outside a hook event it is ignored.
func (s *Socket) Reply(v any) {
	if s.v != nil {
		s.v.setReply(v)
	}
}

// PushPatch changes the URL without remounting: HandleParams runs with the new URL, and
// the browser's history gets a new entry (or the current one is replaced). During the
// disconnected render it redirects.
func (s *Socket) PushPatch(to string, replace bool) {
	if (s.v != nil && s.v.isChild()) || (s.d != nil && s.d.root != "") {
		s.srv.log.Error("live: PushPatch in a nested view is ignored: a nested view has no URL", "view", s.ID(), "to", to)
		return
	}
	if s.v != nil {
		s.v.navigate(navPatch, to, replace)
		return
	}
	s.d.redirect = to
}

// PushNavigate live-navigates to another view of the same session group; the current view
// ends. During the disconnected render it redirects.
func (s *Socket) PushNavigate(to string, replace bool) {
	if s.v != nil {
		s.v.navigate(navNavigate, to, replace)
		return
	}
	s.d.redirect = to
}

// Redirect makes the browser load to (a path or an absolute URL) as a full page; the
// current view ends. During the disconnected render it answers the GET with a 302.
func (s *Socket) Redirect(to string) {
	if s.v != nil {
		s.v.navigate(navRedirect, to, false)
		return
	}
	s.d.redirect = to
}

// Component returns the reference of the component with this id, mounting it with
// newComponent the first time the id is seen. Store the reference in a field of the view
// (or of a parent component) and output it in the template ({{.Card}}); the component's
// own template renders there. Component ids are unique per view.
//
// A component whose element leaves the page is destroyed by the client (cids_will_destroy,
// then cids_destroyed), unless a render shows it again in between. When the view renders
// the reference of a destroyed component again (an {{if}} shows it again), the component
// is mounted afresh, as in LiveView: newComponent and its Mount run again, under a new
// cid, and its state starts over. Calling Component again with the id does the same.
func (s *Socket) Component(id string, newComponent func() Component) (render.ComponentRef, error) {
	return s.components().get(s, id, newComponent)
}

// SendUpdate delivers values to the Update method of the component with this id, on the
// view's goroutine, after the current handler returns. It reports false when no such
// component exists or the view is not connected.
func (s *Socket) SendUpdate(componentID string, values any) bool {
	return s.Ref().SendUpdate(componentID, values)
}

// Ref returns a handle on the connected view that is safe to use from any goroutine.
// During the disconnected render it is a no-op Ref.
func (s *Socket) Ref() Ref {
	if s.v == nil {
		return Ref{}
	}
	return Ref{v: s.v}
}

func (s *Socket) components() *componentSet {
	if s.v != nil {
		return s.v.comps
	}
	return s.d.comps
}

// Ref is a handle on a connected view, safe for concurrent use. The zero Ref is valid and
// drops everything.
type Ref struct{ v *viewProc }

// Send queues msg for the view's HandleInfo. It reports false when the view has ended or
// its mailbox is full.
func (r Ref) Send(msg any) bool {
	if r.v == nil {
		return false
	}
	return r.v.ch.Send(msg)
}

// SendUpdate queues values for the Update method of the view's component with this id.
func (r Ref) SendUpdate(componentID string, values any) bool {
	if r.v == nil {
		return false
	}
	return r.v.ch.Send(sendUpdate{id: componentID, values: values})
}

// ID returns the view's id, or "" for the zero Ref.
func (r Ref) ID() string {
	if r.v == nil {
		return ""
	}
	return r.v.id
}
