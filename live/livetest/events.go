package livetest

import (
	"encoding/json"
	"golang.org/x/net/html"
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// Click clicks the one element matching selector. The event is the phx-click of the element
// or of its closest ancestor that has one, with the values the browser client sends
// (phx-value-*, the element's value) and then values merged over them, and it goes to the
// component that phx-target names. Click waits for the reply and applies it. A click on a
// live link (<a data-phx-link="patch"> or "redirect") follows it with Patch or Navigate.
func (v *View) Click(selector string, values ...map[string]string) {
	v.t.Helper()
	v.elementEvent(selector, "click", "phx-click", "", values)
}

// Keydown sends the phx-keydown (or phx-window-keydown) event of the element matching
// selector, with the key (for example "Enter"), and applies the reply. When the element has
// phx-key and key differs from it (ignoring case), nothing is sent, as in the browser.
func (v *View) Keydown(selector, key string) {
	v.t.Helper()
	v.elementEvent(selector, "keydown", "phx-keydown", key, nil)
}

// Keyup is Keydown for phx-keyup (or phx-window-keyup).
func (v *View) Keyup(selector, key string) {
	v.t.Helper()
	v.elementEvent(selector, "keyup", "phx-keyup", key, nil)
}

// Focus sends the phx-focus (or phx-window-focus) event of the element matching selector.
func (v *View) Focus(selector string) {
	v.t.Helper()
	v.elementEvent(selector, "focus", "phx-focus", "", nil)
}

// Blur sends the phx-blur (or phx-window-blur) event of the element matching selector.
func (v *View) Blur(selector string) {
	v.t.Helper()
	v.elementEvent(selector, "blur", "phx-blur", "", nil)
}

func (v *View) elementEvent(selector, typ, attr, key string, values []map[string]string) {
	v.t.Helper()
	doc := v.doc()
	el := v.oneIn(doc, selector)
	b := binding(el, attr)
	if b == nil && typ != "click" {
		if _, ok := el.Attr("phx-window-" + typ); ok {
			b, attr = el, "phx-window-"+typ
		}
	}
	if b == nil && typ == "click" {
		if link := binding(el, "data-phx-link"); link != nil {
			v.followLink(link, selector)
			return
		}
	}
	if b == nil {
		v.fatalf("%s %q: neither the element nor an ancestor has %s:\n%s", typ, selector, attr, describe(el))
	}
	if want, ok := b.Attr("phx-key"); ok && key != "" && !strings.EqualFold(want, key) {
		// The client filters on phx-key itself: no event is sent.
		return
	}
	ps, err := pushes(b.AttrOr(attr, ""))
	if err != nil {
		v.fatalf("%s %q: %v:\n%s", typ, selector, err, describe(b))
	}
	extra := map[string]any{}
	for _, m := range values {
		for k, val := range m {
			extra[k] = val
		}
	}
	for _, p := range ps {
		value := extractMeta(b, nil)
		if key != "" {
			value["key"] = key
		}
		for k, val := range p.value {
			value[k] = val
		}
		for k, val := range extra {
			value[k] = val
		}
		for _, cid := range v.targets(doc, b, p.target, selector) {
			payload := map[string]any{"type": typ, "event": p.event, "value": value}
			if cid > 0 {
				payload["cid"] = cid
			}
			v.pushEvent(payload)
		}
	}
	v.sweepComponents()
}

// targets resolves phx-target as the client does: no target sends to the view (cid 0), a
// number is a component id, a selector sends once per matching element to the component
// that contains it (or the view).
func (v *View) targets(doc *goquery.Document, el *goquery.Selection, override, selector string) []int {
	v.t.Helper()
	t := override
	if t == "" {
		t = el.AttrOr("phx-target", "")
	}
	if t == "" {
		return []int{0}
	}
	if cid, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
		return []int{cid}
	}
	matches := doc.Find(t)
	if matches.Length() == 0 {
		v.fatalf("%q: nothing matches its phx-target selector %q:\n%s", selector, t, describe(el))
	}
	var out []int
	matches.Each(func(_ int, m *goquery.Selection) {
		c := m.Closest("[data-phx-component]")
		cid, _ := strconv.Atoi(c.AttrOr("data-phx-component", "0"))
		out = append(out, cid)
	})
	return out
}

// Submit submits the form matching selector (or the form around the matching element) with
// its phx-submit event. The form data is the form's controls as the HTML has them, with the
// fields in values replaced; naming a field the form lacks fails the test. When selector
// matches a named submit button, the button is the submitter and its name=value is sent, as
// a browser does.
func (v *View) Submit(selector string, values url.Values) {
	v.t.Helper()
	doc := v.doc()
	el := v.oneIn(doc, selector)
	form := v.form(el, selector)
	event, ok := form.Attr("phx-submit")
	if !ok {
		v.fatalf("submit %q: the form has no phx-submit:\n%s", selector, describe(form))
	}
	var submitter *html.Node
	if isSubmitButton(el) {
		submitter = el.Nodes[0]
	}
	fields, err := overrideFields(formData(form, submitter), values)
	if err != nil {
		v.fatalf("%q: %v:\n%s", selector, err, describe(form))
	}
	// As a browser does: files selected and not yet sent go first, and the form is not
	// submitted when one is refused.
	if !v.uploadForm(form) {
		v.t.Logf("livetest: submit %q not sent: the form's uploads have errors", selector)
		return
	}
	doc = v.doc()
	form = v.form(v.oneIn(doc, selector), selector)
	data := encodeForm(fields)
	for _, cid := range v.targets(doc, form, "", selector) {
		payload := map[string]any{"type": "form", "event": event, "value": data, "meta": extractMeta(form, nil)}
		if cid > 0 {
			payload["cid"] = cid
		}
		v.pushEvent(payload)
	}
	v.sweepComponents()
}

// Change sends the phx-change event of the form matching selector, or of the matching input
// (its own phx-change, or its form's), with the form's data updated by values. target is the
// name of the input that changed (meta._target); "" uses the matching input's name, or
// "undefined" as the client does. Unlike the browser client, Change adds no _unused_ keys
// for inputs the user has not touched.
func (v *View) Change(selector string, values url.Values, target string) {
	v.t.Helper()
	doc := v.doc()
	el := v.oneIn(doc, selector)
	form := v.form(el, selector)
	owner := form
	if goquery.NodeName(el) != "form" {
		if _, ok := el.Attr("phx-change"); ok {
			owner = el
		}
		if target == "" {
			target = el.AttrOr("name", "")
		}
	}
	event, ok := owner.Attr("phx-change")
	if !ok {
		v.fatalf("change %q: no phx-change on the input or its form:\n%s", selector, describe(form))
	}
	fields, err := overrideFields(formData(form, nil), values)
	if err != nil {
		v.fatalf("change %q: %v:\n%s", selector, err, describe(form))
	}
	if owner != form {
		// An input with its own phx-change sends only itself.
		name := el.AttrOr("name", "")
		kept := fields[:0]
		for _, f := range fields {
			if f.name == name {
				kept = append(kept, f)
			}
		}
		fields = kept
	}
	if target == "" {
		target = "undefined"
	}
	meta := extractMeta(form, nil)
	meta["_target"] = target
	for _, cid := range v.targets(doc, form, "", selector) {
		payload := map[string]any{"type": "form", "event": event, "value": encodeForm(fields), "meta": meta, "uploads": map[string]any{}}
		if cid > 0 {
			payload["cid"] = cid
		}
		v.pushEvent(payload)
	}
	v.sweepComponents()
}

// PushHook sends a hook's pushEvent(event, payload) to the view (type "hook") and returns
// the handler's reply (the diff's "r"), or nil when it sent none.
func (v *View) PushHook(event string, payload any) json.RawMessage {
	v.t.Helper()
	if payload == nil {
		payload = map[string]any{}
	}
	resp := v.pushEvent(map[string]any{"type": "hook", "event": event, "value": payload})
	v.sweepComponents()
	var r struct {
		Diff struct {
			R json.RawMessage `json:"r"`
		} `json:"diff"`
	}
	json.Unmarshal(resp, &r)
	return r.Diff.R
}

// Patch follows a live patch link to path (a path with a query, or an absolute URL) as the
// client does: it sends live_patch and applies the reply. It returns false when the server
// answered link_redirect (the URL belongs to another view, so a browser would navigate).
func (v *View) Patch(path string) bool {
	v.t.Helper()
	to, err := v.URL().Parse(path)
	if err != nil {
		v.fatalf("patch %q: %v", path, err)
	}
	b, _ := json.Marshal(map[string]string{"url": to.String()})
	resp := v.send("live_patch", b)
	var r struct {
		LinkRedirect bool `json:"link_redirect"`
	}
	json.Unmarshal(resp, &r)
	if r.LinkRedirect {
		return false
	}
	v.mu.Lock()
	v.url = to
	v.mu.Unlock()
	v.sweepComponents()
	return true
}

// ExpectCrash runs do, which must crash the view: the server answers with phx_error instead
// of a reply, which would otherwise fail the test. ExpectCrash fails the test unless the view
// has crashed by the time do returns or within the View's timeout. Follow it with Rejoin.
func (v *View) ExpectCrash(do func()) {
	v.t.Helper()
	v.mu.Lock()
	v.expectCrash = true
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		v.expectCrash = false
		v.mu.Unlock()
	}()
	do()
	v.waitUntil("crash (phx_error)", func() bool { return v.errored })
}

// Rejoin joins the view again on the same socket, as the browser client does after a
// phx_error: the server remounts the view and sends a full render.
func (v *View) Rejoin() {
	v.t.Helper()
	if err := v.join(1); err != nil {
		v.fatalf("rejoin: %v", err)
	}
}

// pushEvent sends an "event" message and returns the reply's response.
func (v *View) pushEvent(payload map[string]any) json.RawMessage {
	v.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		v.fatalf("encoding event %v: %v", payload, err)
	}
	return v.send("event", b)
}

// send sends a message on the view's topic, waits for its reply and returns the response. An
// error reply fails the test: events must always be answered ok (docs/protocol.md, Event
// replies).
func (v *View) send(event string, payload []byte) json.RawMessage {
	v.t.Helper()
	v.check()
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		v.fatalf("sending %s %s: %v", event, payload, errClosedByServer)
	}
	if v.errored {
		v.mu.Unlock()
		v.fatalf("sending %s %s: the view has crashed (phx_error); call Rejoin first", event, payload)
	}
	ref := v.newRefLocked()
	joinRef := v.joinRef
	ch := make(chan reply, 1)
	v.pending[ref] = ch
	v.mu.Unlock()
	if err := v.write(frame{JoinRef: str(joinRef), Ref: str(ref), Topic: v.topic, Event: event, Payload: payload}); err != nil {
		v.fatalf("%v", err)
	}
	r, err := v.await(ref, ch)
	if err != nil {
		v.fatalf("%s %s: %v", event, payload, err)
	}
	v.check()
	if r.crashed {
		v.mu.Lock()
		expected := v.expectCrash
		v.mu.Unlock()
		if !expected {
			v.fatalf("%s %s: the view crashed (phx_error) instead of replying; the server log has the panic", event, payload)
		}
		return nil
	}
	if r.Status != "ok" {
		v.fatalf("%s %s: the server replied %s %s, want ok", event, payload, r.Status, r.Response)
	}
	v.mu.Lock()
	v.seen = max(v.seen, r.renders)
	v.mu.Unlock()
	return r.Response
}

// form returns el if it is a form, else the form around it.
func (v *View) form(el *goquery.Selection, selector string) *goquery.Selection {
	v.t.Helper()
	if goquery.NodeName(el) == "form" {
		return el
	}
	f := el.Closest("form")
	if f.Length() == 0 {
		v.fatalf("%q is neither a form nor inside one:\n%s", selector, describe(el))
	}
	return f
}

// isSubmitButton reports whether el submits its form when clicked.
func isSubmitButton(el *goquery.Selection) bool {
	t := strings.ToLower(el.AttrOr("type", ""))
	switch goquery.NodeName(el) {
	case "button":
		return t == "" || t == "submit"
	case "input":
		return t == "submit" || t == "image"
	}
	return false
}

func (v *View) oneIn(doc *goquery.Document, selector string) *goquery.Selection {
	v.t.Helper()
	s := doc.Find(selector)
	if s.Length() != 1 {
		v.fatalf("selector %q matches %d elements, want 1", selector, s.Length())
	}
	return s
}

// followLink follows a live link as the client does: data-phx-link="patch" sends live_patch,
// "redirect" live-navigates. A patch the server answers with link_redirect, or a refused
// navigation, fails the test: a browser would fall back to a full page load, which a View
// cannot do.
func (v *View) followLink(link *goquery.Selection, selector string) {
	v.t.Helper()
	href, ok := link.Attr("href")
	if !ok {
		v.fatalf("click %q: the live link has no href:\n%s", selector, describe(link))
	}
	switch kind := link.AttrOr("data-phx-link", ""); kind {
	case "patch":
		if !v.Patch(href) {
			v.fatalf("click %q: the server answered the patch to %s with link_redirect", selector, href)
		}
	case "redirect":
		if err := v.Navigate(href); err != nil {
			v.fatalf("click %q: navigating to %s: %v", selector, href, err)
		}
	default:
		v.fatalf("click %q: unknown data-phx-link %q:\n%s", selector, kind, describe(link))
	}
}
