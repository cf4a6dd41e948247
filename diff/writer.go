package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/glint-go/glint/render"
)

// writer appends one message to buf. It follows docs/protocol.md, Diff rules: full nodes carry
// "s" and every dynamic (S1), partial nodes only the changed dynamics (S2), and inside the
// outermost comprehension of each scope, statics go to that comprehension's "p" and nodes refer
// to them by index (P1–P4), once per fingerprint and message.
type writer struct {
	buf   []byte
	err   error
	held  map[int]*render.Rendered
	comps Components

	// scope is the open template scope, or nil outside every comprehension.
	scope *scope
	// spare is the scope reused by the next outermost comprehension.
	spare scope
	// sent lists the cids written as integers in this message, to check they resolve.
	sent []int
	// rootBuf is scratch space for checkRoot.
	rootBuf []byte

	// view is the view's tree as the client will hold it after this message.
	view *render.Rendered
	// noScope turns "p" off: every statics is sent as a list.
	noScope bool
	// scopes counts the "p" written in this message.
	scopes int
	// reach holds the cids reachable from the view, computed when first needed.
	reach     map[int]bool
	reachDone bool
}

// scope collects the shared statics ("p") of one outermost comprehension.
type scope struct {
	index map[uint64]int
	list  []*render.Statics
}

func (s *scope) add(st *render.Statics) int {
	if i, ok := s.index[st.Fingerprint()]; ok && sameStatics(s.list[i], st) {
		return i
	}
	i := len(s.list)
	s.list = append(s.list, st)
	if _, ok := s.index[st.Fingerprint()]; !ok {
		s.index[st.Fingerprint()] = i
	}
	return i
}

func (w *writer) reset(dst []byte, view *render.Rendered, held map[int]*render.Rendered, comps Components) {
	w.buf, w.err, w.held, w.comps, w.scope, w.view = dst, nil, held, comps, nil, view
	w.sent = w.sent[:0]
	w.noScope, w.scopes, w.reachDone = false, 0, false
}

// release drops references to the caller's buffer and trees.
func (w *writer) release() {
	w.buf, w.held, w.comps, w.scope, w.view = nil, nil, nil, nil, nil
}

func (w *writer) fail(format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformedTree}, args...)...)
	}
}

func (w *writer) checkNode(r *render.Rendered) bool {
	switch {
	case r == nil || r.Statics == nil:
		w.fail("node without statics")
	case len(r.Dynamics) != len(r.Statics.Parts())-1:
		w.fail("node has %d dynamics for %d statics", len(r.Dynamics), len(r.Statics.Parts()))
	default:
		return true
	}
	return false
}

func (w *writer) checkComp(c *render.Comprehension) bool {
	switch {
	case c == nil || c.Statics == nil:
		w.fail("comprehension without statics")
	case c.Keys != nil && len(c.Keys) != len(c.Entries):
		w.fail("comprehension has %d keys for %d entries", len(c.Keys), len(c.Entries))
	default:
		n := len(c.Statics.Parts()) - 1
		for i, e := range c.Entries {
			if len(e) != n {
				w.fail("comprehension entry %d has %d dynamics for %d statics", i, len(e), n+1)
				return false
			}
		}
		return true
	}
	return false
}

// statics writes the "s" value of a node: an index into the open scope, or a list.
func (w *writer) statics(st *render.Statics) {
	if w.scope != nil {
		w.buf = strconv.AppendInt(w.buf, int64(w.scope.add(st)), 10)
		return
	}
	w.buf = appendStatics(w.buf, st.Parts())
}

// node writes a full node.
func (w *writer) node(r *render.Rendered, root bool) {
	w.buf = append(w.buf, '{')
	w.nodeBody(r, root)
	w.buf = append(w.buf, '}')
}

// nodeBody writes the members of a full node, without braces.
func (w *writer) nodeBody(r *render.Rendered, root bool) {
	if !w.checkNode(r) {
		return
	}
	for i := range r.Dynamics {
		w.buf = appendComma(w.buf)
		w.buf = appendKey(w.buf, i)
		w.dynamic(&r.Dynamics[i])
	}
	w.buf = appendComma(w.buf)
	if root {
		w.buf = append(w.buf, `"r":1,`...)
	}
	w.buf = append(w.buf, `"s":`...)
	w.statics(r.Statics)
}

// dynamic writes the full value of one slot.
func (w *writer) dynamic(d *render.Dynamic) {
	switch d.Kind {
	case render.KindString:
		w.buf = appendString(w.buf, d.Str)
	case render.KindTree:
		if d.Shared() {
			w.sharedNode(d.Tree)
		} else {
			w.node(d.Tree, false)
		}
	case render.KindComprehension:
		w.comprehension(d.Comp)
	case render.KindComponent:
		w.cid(d.CID)
	default:
		w.fail("unknown dynamic kind %d", d.Kind)
		w.buf = append(w.buf, `""`...)
	}
}

func (w *writer) cid(cid int) {
	if cid <= 0 {
		w.fail("component id %d is not positive", cid)
	}
	w.sent = append(w.sent, cid)
	w.buf = strconv.AppendInt(w.buf, int64(cid), 10)
}

// openScope opens a template scope if none is open, and reports whether it did.
func (w *writer) openScope() bool {
	if w.scope != nil || w.noScope {
		return false
	}
	s := &w.spare
	if s.index == nil {
		s.index = make(map[uint64]int)
	}
	clear(s.index)
	clear(s.list)
	s.list = s.list[:0]
	w.scope = s
	return true
}

// closeScope writes the "p" of the scope, if it holds statics, and closes it.
func (w *writer) closeScope() {
	s := w.scope
	w.scope = nil
	if len(s.list) == 0 {
		return
	}
	w.scopes++
	w.buf = append(w.buf, `,"p":{`...)
	for i, st := range s.list {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendKey(w.buf, i)
		w.buf = appendStatics(w.buf, st.Parts())
	}
	w.buf = append(w.buf, '}')
	clear(s.list)
	s.list = s.list[:0]
}

// comprehension writes a full comprehension: {"s":…,"k":{…,"kc":n},"p":{…}}.
func (w *writer) comprehension(c *render.Comprehension) {
	if !w.checkComp(c) {
		w.buf = append(w.buf, `""`...)
		return
	}
	w.buf = append(w.buf, `{"s":`...)
	w.statics(c.Statics)
	w.buf = append(w.buf, ',')
	w.entries(c)
	w.buf = append(w.buf, '}')
}

// entries writes a comprehension's entries in full, "k":{…,"kc":n}, their "p" scope, and
// a stream's operations.
func (w *writer) entries(c *render.Comprehension) {
	opened := w.openScope()
	w.buf = append(w.buf, `"k":{`...)
	for i, e := range c.Entries {
		w.buf = appendKey(w.buf, i)
		w.entry(e)
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, `"kc":`...)
	w.buf = strconv.AppendInt(w.buf, int64(len(c.Entries)), 10)
	w.buf = append(w.buf, '}')
	if opened {
		w.closeScope()
	}
	w.streamOps(c)
}

// streamOps writes a stream comprehension's operations (docs/protocol.md, Streams):
// ,"stream":[ref,[[dom_id,at,limit,update_only],…],[dom_id,…](,true)]. The entries have
// been written: the comprehension forgets them, so that the view does not keep a
// stream's items.
func (w *writer) streamOps(c *render.Comprehension) {
	st := c.Stream
	if st == nil {
		return
	}
	w.buf = append(w.buf, `,"stream":[`...)
	w.buf = appendString(w.buf, st.Ref)
	w.buf = append(w.buf, ",["...)
	for i, in := range st.Inserts {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, '[')
		w.buf = appendString(w.buf, in.DomID)
		w.buf = append(w.buf, ',')
		w.buf = strconv.AppendInt(w.buf, int64(in.At), 10)
		w.buf = append(w.buf, ',')
		if in.Limit == 0 {
			w.buf = append(w.buf, "null"...)
		} else {
			w.buf = strconv.AppendInt(w.buf, int64(in.Limit), 10)
		}
		w.buf = append(w.buf, ',')
		w.buf = strconv.AppendBool(w.buf, in.UpdateOnly)
		w.buf = append(w.buf, ']')
	}
	w.buf = append(w.buf, "],["...)
	for i, id := range st.Deletes {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendString(w.buf, id)
	}
	w.buf = append(w.buf, ']')
	if st.Reset {
		w.buf = append(w.buf, ",true"...)
	}
	w.buf = append(w.buf, ']')
	c.Entries, c.Keys, c.Stream = nil, nil, nil
}

// streamDiff writes a stream comprehension whose statics the client holds: its new
// entries in full, and its operations. Nothing, when the stream did nothing.
func (w *writer) streamDiff(c *render.Comprehension) bool {
	if !w.checkComp(c) {
		return true
	}
	st := c.Stream
	if len(c.Entries) == 0 && len(st.Deletes) == 0 && !st.Reset {
		c.Stream = nil
		return false
	}
	w.buf = append(w.buf, '{')
	w.entries(c)
	w.buf = append(w.buf, '}')
	return true
}

// entry writes a full comprehension entry.
func (w *writer) entry(e []render.Dynamic) {
	w.buf = append(w.buf, '{')
	for i := range e {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendKey(w.buf, i)
		w.dynamic(&e[i])
	}
	w.buf = append(w.buf, '}')
}

// component writes the entry of one component in "c", if anything changed.
func (w *writer) component(cid int, old, next *render.Rendered) {
	if cid <= 0 {
		w.fail("component id %d is not positive", cid)
		return
	}
	if next == nil {
		w.fail("component %d has a nil tree", cid)
		return
	}
	if !w.checkNode(next) {
		return
	}
	mark := len(w.buf)
	scopes, sent := w.scopes, len(w.sent)
	if !w.componentValue(cid, old, next) {
		w.buf = w.buf[:mark]
		return
	}
	if w.scopes > scopes && !w.reachable(cid) {
		// The client renders only the components on the page, and keeps a "p" it has
		// not rendered yet: a later "p" for the same comprehension would replace it
		// before its indices are resolved. So a component off the page gets lists.
		w.buf, w.sent = w.buf[:mark], w.sent[:sent]
		w.noScope = true
		w.componentValue(cid, old, next)
		w.noScope = false
	}
	w.checkRoot(cid, next)
}

// componentValue writes ,"cid":{…} and reports whether anything changed.
func (w *writer) componentValue(cid int, old, next *render.Rendered) bool {
	w.buf = appendComma(w.buf)
	w.buf = appendKey(w.buf, cid)
	if old == nil || !sameStatics(old.Statics, next.Statics) {
		w.node(next, true)
		return true
	}
	if old == next {
		// The same tree (a memoized component): nothing changed.
		return false
	}
	return w.nodeDiff(old, next)
}

// reachable reports whether component cid is reachable from the view through component
// references: whether the client renders it when it applies this message.
func (w *writer) reachable(cid int) bool {
	if !w.reachDone {
		w.reachDone = true
		if w.reach == nil {
			w.reach = make(map[int]bool)
		}
		clear(w.reach)
		if w.view != nil {
			w.collectCIDs(w.view.Dynamics, 0)
		}
	}
	return w.reach[cid]
}

func (w *writer) collectCIDs(ds []render.Dynamic, depth int) {
	if depth > 1000 {
		return
	}
	for i := range ds {
		d := &ds[i]
		switch d.Kind {
		case render.KindComponent:
			if !w.reach[d.CID] {
				w.reach[d.CID] = true
				if t := w.lookup(d.CID); t != nil {
					w.collectCIDs(t.Dynamics, depth+1)
				}
			}
		case render.KindTree:
			if d.Tree != nil {
				w.collectCIDs(d.Tree.Dynamics, depth+1)
			}
		case render.KindComprehension:
			if d.Comp != nil {
				for _, e := range d.Comp.Entries {
					w.collectCIDs(e, depth+1)
				}
			}
		}
	}
}

// checkCIDs fails if a cid written in this message resolves to no component.
func (w *writer) checkCIDs() {
	for _, cid := range w.sent {
		if _, ok := w.comps[cid]; ok {
			continue
		}
		if _, ok := w.held[cid]; ok {
			continue
		}
		w.fail("component %d is referenced but neither rendered nor held by the client", cid)
		return
	}
}

// extras writes the top-level "t", "e" and "r".
func (w *writer) extras(x *Extras) {
	if x.Title != nil {
		w.buf = appendComma(w.buf)
		w.buf = append(w.buf, `"t":`...)
		w.buf = appendString(w.buf, *x.Title)
	}
	if len(x.Events) > 0 {
		w.buf = appendComma(w.buf)
		w.buf = append(w.buf, `"e":[`...)
		for i, ev := range x.Events {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = append(w.buf, '[')
			w.buf = appendString(w.buf, ev.Name)
			w.buf = append(w.buf, ',')
			if ev.Payload == nil {
				w.buf = append(w.buf, "{}"...)
			} else if !w.rawJSON(ev.Payload, false) {
				w.err = fmt.Errorf("diff: event %q: payload is not valid JSON", ev.Name)
				return
			}
			if ev.BeforePatch {
				w.buf = append(w.buf, ",true"...)
			}
			w.buf = append(w.buf, ']')
		}
		w.buf = append(w.buf, ']')
	}
	if x.Reply != nil {
		w.buf = appendComma(w.buf)
		w.buf = append(w.buf, `"r":`...)
		if !w.rawJSON(x.Reply, true) {
			w.err = fmt.Errorf("diff: hook reply is not a JSON object")
		}
	}
}

// rawJSON appends v compacted, and reports whether it is valid JSON (and an object, if
// object is set).
func (w *writer) rawJSON(v []byte, object bool) bool {
	b := bytes.NewBuffer(w.buf)
	if err := json.Compact(b, v); err != nil {
		return false
	}
	mark := len(w.buf)
	w.buf = b.Bytes()
	return !object || (len(w.buf) > mark && w.buf[mark] == '{')
}
