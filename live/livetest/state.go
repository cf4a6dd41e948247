package livetest

import (
	"encoding/json"
	"github.com/coder/websocket"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// HTML returns the container's children as the browser client would render them from the
// messages received so far (component roots carry data-phx-component).
func (v *View) HTML() string {
	v.t.Helper()
	v.check()
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.html
}

// ID returns the view's id: the container element's id.
func (v *View) ID() string { return v.page.ID }

// Title returns the page title: the disconnected render's <title>, or the last title a
// message set.
func (v *View) Title() string {
	v.t.Helper()
	v.check()
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.title
}

// URL returns the view's current URL: the page's, or the last live patch's.
func (v *View) URL() *url.URL {
	v.mu.Lock()
	defer v.mu.Unlock()
	u := *v.url
	return &u
}

// Redirected returns the last redirect or live redirect the server asked for, if any.
func (v *View) Redirected() (Redirect, bool) {
	v.t.Helper()
	v.check()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.redirect == nil {
		return Redirect{}, false
	}
	return *v.redirect, true
}

// Closed reports whether the server ended the view normally (phx_close), as it does after
// a redirect.
func (v *View) Closed() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.closed
}

// Connected reports whether the View's socket is open and its view joined: not ended by the
// server (phx_close), not crashed (phx_error) and not closed.
func (v *View) Connected() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.connErr == nil && !v.closed && !v.errored
}

// CloseStatus returns the WebSocket close code the server closed the socket with (1012 for
// a graceful restart, for example), or -1 while the socket is open or when it ended without
// a close frame.
func (v *View) CloseStatus() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.connErr == nil {
		return -1
	}
	return int(websocket.CloseStatus(v.connErr))
}

// Errored reports whether the server reported the view crashed (phx_error) since the last
// join. Rejoin joins again, as the browser client does.
func (v *View) Errored() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.errored
}

// PageEvent is an event the server pushed to the page (Socket.PushEvent).
type PageEvent struct {
	Name    string
	Payload json.RawMessage
}

// PageEvents returns every event the server pushed to the page so far, in order.
func (v *View) PageEvents() []PageEvent {
	v.t.Helper()
	v.check()
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]PageEvent, len(v.events))
	for i, e := range v.events {
		out[i] = PageEvent{Name: e.Name, Payload: e.Payload}
	}
	return out
}

// Find returns the elements of the current HTML matching a goquery selector. The document
// root is the container element itself, so selectors may start with its id.
func (v *View) Find(selector string) *goquery.Selection {
	v.t.Helper()
	return v.doc().Find(selector)
}

// Has reports whether the current HTML has an element matching selector.
func (v *View) Has(selector string) bool {
	v.t.Helper()
	return v.Find(selector).Length() > 0
}

// Text returns the trimmed text of the one element matching selector. It fails the test
// unless exactly one element matches.
func (v *View) Text(selector string) string {
	v.t.Helper()
	return strings.TrimSpace(v.one(selector).Text())
}

// doc parses the current HTML inside its container.
func (v *View) doc() *goquery.Document {
	v.t.Helper()
	html := v.HTML()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(
		`<div id="` + v.page.ID + `" data-phx-main data-phx-session>` + html + `</div>`))
	if err != nil {
		v.fatalf("parsing the view's HTML: %v", err)
	}
	return doc
}

// one returns the single element matching selector, failing the test otherwise.
func (v *View) one(selector string) *goquery.Selection {
	v.t.Helper()
	s := v.doc().Find(selector)
	if s.Length() != 1 {
		v.fatalf("selector %q matches %d elements, want 1", selector, s.Length())
	}
	return s
}

// WaitRender waits until the view has rendered something the test has not observed yet (a
// diff pushed after a broadcast or a timer, say). Joins and event replies count as observed.
// It fails the test after the View's timeout.
func (v *View) WaitRender() {
	v.t.Helper()
	v.waitUntil("a new render", func() bool { return v.renders > v.seen })
	v.sweepComponents()
}

// WaitFor waits until cond holds for the view's HTML, checking now and after every message.
// It fails the test after the View's timeout, showing the last HTML.
func (v *View) WaitFor(cond func(html string) bool) {
	v.t.Helper()
	for deadline := time.Now().Add(v.cfg.timeout); ; {
		v.check()
		v.mu.Lock()
		html, changed, gone := v.html, v.changed, v.connErr
		v.mu.Unlock()
		if cond(html) {
			v.mu.Lock()
			v.seen = v.renders
			v.mu.Unlock()
			v.sweepComponents()
			return
		}
		if gone != nil {
			v.fatalf("WaitFor: the socket closed before the condition held: %v", gone)
		}
		left := time.Until(deadline)
		if left <= 0 {
			v.fatalf("WaitFor: the condition did not hold within %v", v.cfg.timeout)
		}
		select {
		case <-changed:
		case <-time.After(left):
		}
	}
}

// waitUntil waits for cond (evaluated under the lock) and marks the renders as seen.
func (v *View) waitUntil(what string, cond func() bool) {
	v.t.Helper()
	timer := time.NewTimer(v.cfg.timeout)
	defer timer.Stop()
	for {
		v.check()
		v.mu.Lock()
		ok, changed, gone := cond(), v.changed, v.connErr
		if ok {
			v.seen = v.renders
		}
		v.mu.Unlock()
		if ok {
			return
		}
		if gone != nil {
			v.fatalf("waiting for %s: the socket closed: %v", what, gone)
		}
		select {
		case <-changed:
		case <-timer.C:
			v.fatalf("timed out after %v waiting for %s", v.cfg.timeout, what)
		}
	}
}
