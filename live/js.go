package live

import (
	"encoding/json"
	"strings"
	"time"
)

// JS is a chain of JS commands: client-side operations that a binding runs in the browser
// instead of, or as well as, sending an event, as LiveView's JS module does. Build one by
// chaining methods on the zero value, and render it as the binding's value:
//
//	v.Open = live.JS{}.Show(live.JSOpts{To: "#modal", Transition: live.Transition{"fade-in"}}).
//		Push("opened")
//
// with <button phx-click="{{.Open}}">. A JS renders as its JSON in an attribute: the template
// escapes it there, so any value is safe. Both Glint's client and the official
// phoenix_live_view client run them; the classes, attributes and display they set stay
// through the server's later patches of the element.
//
// The bindings that take a JS: phx-click, phx-click-away, phx-submit, phx-change,
// phx-keydown, phx-keyup, phx-focus, phx-blur, their phx-window-* forms, and the lifecycle
// bindings phx-mounted, phx-remove, phx-connected and phx-disconnected.
//
// JS values are immutable: each method returns a new chain, so a shared prefix may be
// extended in several ways.
type JS struct{ cmds []jsCmd }

type jsCmd struct {
	kind string
	args map[string]any
}

// JSOpts are the options of the commands that act on elements.
type JSOpts struct {
	// To selects the elements acted on with a CSS selector; empty means the element the
	// binding is on. Closest (the nearest ancestor-or-self matching) or Inner (descendants
	// of the element matching) select relative to that element instead.
	To, Closest, Inner string
	// Transition runs while the command acts (see Transition).
	Transition Transition
	// In and Out are Toggle's transitions when showing and hiding.
	In, Out Transition
	// Time is how long the transition runs; 0 means 200 ms.
	Time time.Duration
	// Display is the display value Show and Toggle set; empty means "block" ("table-row"
	// and "table-cell" for tr and td).
	Display string
}

// Transition is a CSS transition as three space-separated class lists: the classes
// applied while it runs, those it starts from, and those it ends with:
// Transition{"ease-out duration-300", "opacity-0", "opacity-100"}. Transition{"fade-in"}
// applies one class for the duration.
type Transition [3]string

// PushOpts are the options of Push.
type PushOpts struct {
	// Value is added to the event's value (over phx-value-* attributes).
	Value map[string]any
	// Target sends the event to a component: a CSS selector inside it, as phx-target.
	Target string
	// Loading selects more elements that get the loading class until the reply.
	Loading string
	// PageLoading dispatches phx:page-loading-start and -stop around the event.
	PageLoading bool
}

func (j JS) with(kind string, args map[string]any) JS {
	cmds := make([]jsCmd, len(j.cmds), len(j.cmds)+1)
	copy(cmds, j.cmds)
	return JS{cmds: append(cmds, jsCmd{kind: kind, args: args})}
}

// opts turns the first of o into command arguments; withTiming adds the transition.
func opts(o []JSOpts, withTiming bool) (JSOpts, map[string]any) {
	var op JSOpts
	if len(o) > 0 {
		op = o[0]
	}
	a := map[string]any{}
	switch {
	case op.To != "":
		a["to"] = op.To
	case op.Closest != "":
		a["to"] = map[string]string{"closest": op.Closest}
	case op.Inner != "":
		a["to"] = map[string]string{"inner": op.Inner}
	}
	if withTiming {
		a["time"] = jsTime(op.Time)
		a["transition"] = op.Transition.classes()
	}
	return op, a
}

func jsTime(d time.Duration) int64 {
	if d <= 0 {
		return 200
	}
	return d.Milliseconds()
}

func (t Transition) classes() [3][]string {
	var out [3][]string
	for i, s := range t {
		out[i] = strings.Fields(s)
		if out[i] == nil {
			out[i] = []string{}
		}
	}
	return out
}

// Push sends event to the server, as a binding naming it does, with the binding's value
// and the options.
func (j JS) Push(event string, o ...PushOpts) JS {
	a := map[string]any{"event": event}
	if len(o) > 0 {
		p := o[0]
		if p.Value != nil {
			a["value"] = p.Value
		}
		if p.Target != "" {
			a["target"] = p.Target
		}
		if p.Loading != "" {
			a["loading"] = p.Loading
		}
		if p.PageLoading {
			a["page_loading"] = true
		}
	}
	return j.with("push", a)
}

// Show shows the elements (display from the options, "block" by default), running the
// transition first.
func (j JS) Show(o ...JSOpts) JS { return j.display("show", o) }

// Hide hides the elements (display none) once the transition has run.
func (j JS) Hide(o ...JSOpts) JS { return j.display("hide", o) }

func (j JS) display(kind string, o []JSOpts) JS {
	op, a := opts(o, true)
	if op.Display != "" {
		a["display"] = op.Display
	}
	return j.with(kind, a)
}

// Toggle shows the elements that are hidden and hides those that are shown, with the
// options' In and Out transitions.
func (j JS) Toggle(o ...JSOpts) JS {
	op, a := opts(o, false)
	a["time"] = jsTime(op.Time)
	a["ins"] = op.In.classes()
	a["outs"] = op.Out.classes()
	if op.Display != "" {
		a["display"] = op.Display
	}
	return j.with("toggle", a)
}

// AddClass adds the space-separated class names to the elements.
func (j JS) AddClass(names string, o ...JSOpts) JS { return j.classes("add_class", names, o) }

// RemoveClass removes the space-separated class names from the elements.
func (j JS) RemoveClass(names string, o ...JSOpts) JS { return j.classes("remove_class", names, o) }

// ToggleClass adds each of the space-separated class names that an element lacks and
// removes those it has.
func (j JS) ToggleClass(names string, o ...JSOpts) JS { return j.classes("toggle_class", names, o) }

func (j JS) classes(kind, names string, o []JSOpts) JS {
	_, a := opts(o, true)
	a["names"] = strings.Fields(names)
	return j.with(kind, a)
}

// SetAttribute sets an attribute on the elements.
func (j JS) SetAttribute(name, value string, o ...JSOpts) JS {
	_, a := opts(o, false)
	a["attr"] = []string{name, value}
	return j.with("set_attr", a)
}

// RemoveAttribute removes an attribute from the elements.
func (j JS) RemoveAttribute(name string, o ...JSOpts) JS {
	_, a := opts(o, false)
	a["attr"] = name
	return j.with("remove_attr", a)
}

// ToggleAttribute sets the attribute to v1 on the elements that lack it; on the others
// it switches between v1 and v2, or, with no v2, removes it.
func (j JS) ToggleAttribute(name, v1 string, v2 ...string) JS {
	return j.ToggleAttributeOf(JSOpts{}, name, v1, v2...)
}

// ToggleAttributeOf is ToggleAttribute on the elements that o selects.
func (j JS) ToggleAttributeOf(o JSOpts, name, v1 string, v2 ...string) JS {
	_, a := opts([]JSOpts{o}, false)
	attr := []string{name, v1}
	if len(v2) > 0 {
		attr = append(attr, v2[0])
	}
	a["attr"] = attr
	return j.with("toggle_attr", a)
}

// Transition runs the options' transition on the elements.
func (j JS) Transition(o ...JSOpts) JS {
	_, a := opts(o, true)
	return j.with("transition", a)
}

// Dispatch dispatches a DOM event (a CustomEvent that bubbles) on the elements, with
// detail as its detail; detail.dispatcher is the binding's element.
func (j JS) Dispatch(event string, detail map[string]any, o ...JSOpts) JS {
	_, a := opts(o, false)
	a["event"] = event
	if detail != nil {
		a["detail"] = detail
	}
	return j.with("dispatch", a)
}

// Exec runs the JS commands held in the attribute attr of the elements (of the binding's
// element by default), so that a page can name a chain once and run it from many places.
func (j JS) Exec(attr string, o ...JSOpts) JS {
	_, a := opts(o, false)
	a["attr"] = attr
	return j.with("exec", a)
}

// Focus focuses the element.
func (j JS) Focus(o ...JSOpts) JS { _, a := opts(o, false); return j.with("focus", a) }

// FocusFirst focuses the first focusable element inside the element.
func (j JS) FocusFirst(o ...JSOpts) JS { _, a := opts(o, false); return j.with("focus_first", a) }

// PushFocus remembers the element (the binding's by default) for a later PopFocus.
func (j JS) PushFocus(o ...JSOpts) JS { _, a := opts(o, false); return j.with("push_focus", a) }

// PopFocus focuses the element the last PushFocus remembered.
func (j JS) PopFocus() JS { return j.with("pop_focus", map[string]any{}) }

// Navigate live-navigates to href (Socket.PushNavigate's client side).
func (j JS) Navigate(href string, replace bool) JS {
	return j.with("navigate", map[string]any{"href": href, "replace": replace})
}

// Patch live-patches the page's URL to href (Socket.PushPatch's client side).
func (j JS) Patch(href string, replace bool) JS {
	return j.with("patch", map[string]any{"href": href, "replace": replace})
}

// MarshalJSON encodes the chain as the client reads it: [["kind",{args}],…].
func (j JS) MarshalJSON() ([]byte, error) {
	list := make([][2]any, len(j.cmds))
	for i, c := range j.cmds {
		list[i] = [2]any{c.kind, c.args}
	}
	return json.Marshal(list)
}

// String returns the chain's JSON, the value a binding attribute carries. A template
// escapes it for the attribute it is written into.
func (j JS) String() string {
	b, err := j.MarshalJSON()
	if err != nil {
		return "[]"
	}
	return string(b)
}
