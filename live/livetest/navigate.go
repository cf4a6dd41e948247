package livetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// Navigate live-navigates the view to path, as the browser client does for a
// data-phx-link="redirect" link or a live_redirect: it leaves the view's topic and joins the
// same topic again with "redirect" set to the new URL (docs/protocol.md, Navigation), keeping the
// container's id and tokens. The server mounts the view routed at path. A refused join
// (for example "unauthorized" when path belongs to another session group, after which a
// browser would load the page in full) is returned as a *JoinError and leaves the View
// unjoined; other failures fail the test.
func (v *View) Navigate(path string) error {
	v.t.Helper()
	v.check()
	to, err := v.URL().Parse(path)
	if err != nil {
		v.fatalf("navigate %q: %v", path, err)
	}
	v.mu.Lock()
	ref := v.newRefLocked()
	joinRef := v.joinRef
	ch := make(chan reply, 1)
	v.pending[ref] = ch
	v.mu.Unlock()
	if err := v.write(frame{JoinRef: str(joinRef), Ref: str(ref), Topic: v.topic, Event: "phx_leave", Payload: json.RawMessage("{}")}); err != nil {
		v.fatalf("%v", err)
	}
	if r, ok := v.awaitLeave(ref, ch); ok && r.Status != "ok" {
		v.fatalf("phx_leave before navigating to %s: the server replied %s %s, want ok", to, r.Status, r.Response)
	}

	v.mu.Lock()
	v.referer = v.url.String()
	v.url = to
	v.mu.Unlock()
	if err := v.join(0); err != nil {
		var je *JoinError
		if errors.As(err, &je) {
			return je
		}
		v.fatalf("navigate to %s: %v", to, err)
	}
	v.sweepComponents()
	return nil
}

// FollowRedirect follows the last redirect the server asked for, as a browser would: a
// live_redirect navigates this View (see Navigate) and returns it; a full redirect loads the
// target URL and joins its view, returning the new View. It fails the test when there was no
// redirect or the navigation is refused.
func (v *View) FollowRedirect() *View {
	v.t.Helper()
	r, ok := v.Redirected()
	if !ok {
		v.fatalf("FollowRedirect: the server asked for no redirect")
	}
	if r.Kind == "live_redirect" {
		if err := v.Navigate(r.To); err != nil {
			v.fatalf("following the live_redirect to %s: %v", r.To, err)
		}
		return v
	}
	to, err := v.URL().Parse(r.To)
	if err != nil {
		v.fatalf("FollowRedirect: bad target %q: %v", r.To, err)
	}
	if to.Scheme != "http" && to.Scheme != "https" {
		v.fatalf("FollowRedirect: target %s is not an http URL", to)
	}
	page := LoadURL(v.t, to.String(), v.cfgOptions()...)
	nv, err := page.Join()
	if err != nil {
		v.fatalf("FollowRedirect to %s: %v", to, fmt.Errorf("joining: %w", err))
	}
	return nv
}

// cfgOptions turns the View's configuration back into options for a new page.
func (v *View) cfgOptions() []Option {
	cfg := v.cfg
	return []Option{func(c *config) {
		c.timeout, c.trace, c.header = cfg.timeout, cfg.trace, cfg.header.Clone()
	}}
}

// awaitLeave waits for the reply to a phx_leave, or for the phx_close that ends the
// membership anyway. After a live_redirect the server closes the channel itself, and a leave
// sent meanwhile (as the browser client sends it) may not be answered; the 1.8 client does
// not wait for that reply either. ok is false when the close came first.
func (v *View) awaitLeave(ref string, ch chan reply) (r reply, ok bool) {
	v.t.Helper()
	timer := time.NewTimer(v.cfg.timeout)
	defer timer.Stop()
	for {
		// A reply that comes after the close stays pending: its buffered channel takes it,
		// or, once the new join has started, it is dropped as stale.
		v.mu.Lock()
		closed, changed := v.closed, v.changed
		v.mu.Unlock()
		select {
		case r := <-ch:
			return r, true
		default:
		}
		if closed {
			return reply{}, false
		}
		select {
		case r := <-ch:
			return r, true
		case <-changed:
		case <-v.done:
			v.fatalf("socket closed while leaving: %v", v.connErr)
		case <-timer.C:
			v.fatalf("no reply to phx_leave (ref %s) and no phx_close within %v", ref, v.cfg.timeout)
		}
	}
}

// Child joins the nested live view whose container (rendered with live.Socket.LiveRender)
// has this id in v's current HTML, as the browser client joins it once v has joined: on a
// socket of its own here, with the container's session and no URL. The child is a View
// like any other: its events go to the child's goroutine, and a crash there leaves v
// running. It fails the test when no such container is on the page or the join fails.
func (v *View) Child(id string) *View {
	v.t.Helper()
	el := v.doc().Find(`[data-phx-session]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.AttrOr("id", "") == id
	})
	if el.Length() != 1 {
		v.t.Fatalf("livetest: no nested view container with id %q on the page:\n%s", id, v.HTML())
	}
	p := *v.page
	p.ID = id
	p.Session = el.AttrOr("data-phx-session", "")
	p.Static = el.AttrOr("data-phx-static", "")
	p.content, _ = el.Html()
	p.nested = true
	_, p.sticky = el.Attr("data-phx-sticky")
	return p.MustJoin()
}
