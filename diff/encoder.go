package diff

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/glint-go/glint/render"
)

// Components maps component ids (cids) to the trees rendered for them. It is what a view
// passes to the Encoder beside its own tree: the components rendered in this pass.
type Components map[int]*render.Rendered

// Extras are the top-level keys of a message that are not part of the view's tree.
type Extras struct {
	// Title, when non-nil, sets the page title ("t").
	Title *string
	// Events are dispatched on the page ("e").
	Events []Event
	// Reply, when non-nil, is the reply to a hook's pushEvent ("r"). It must be a JSON
	// object.
	Reply json.RawMessage
}

// Event is one page event of Extras.Events.
type Event struct {
	// Name is the event name.
	Name string
	// Payload is the event's JSON payload; nil means {}.
	Payload json.RawMessage
	// BeforePatch asks the client to dispatch the event before it patches the DOM.
	BeforePatch bool
}

func (x *Extras) empty() bool {
	return x == nil || (x.Title == nil && len(x.Events) == 0 && x.Reply == nil)
}

// ErrMalformedTree is wrapped by every error about a tree that breaks render's contract.
var ErrMalformedTree = errors.New("diff: malformed tree")

// Encoder turns the renders of one connected view into the messages of the wire protocol. It
// remembers what the client holds (docs/protocol.md, Diff rules, S10): the last tree sent for
// the view and for every component. Use one Encoder per joined view; it is not safe for
// concurrent use. Trees passed to an Encoder must not be modified afterwards, because it keeps
// them as the client's state.
//
// The zero Encoder is ready to use; call Join before Update.
type Encoder struct {
	tree  *render.Rendered
	comps map[int]*render.Rendered

	// Scratch state reused across messages.
	w    writer
	cids []int
}

// Join starts the client's state over (S10) and appends the full render of tree and comps
// to dst: the "rendered" object of a join reply. Every component referenced by the tree
// must be in comps. On error dst is returned unchanged and the Encoder keeps its state.
func (e *Encoder) Join(dst []byte, tree *render.Rendered, comps Components, x *Extras) ([]byte, error) {
	if tree == nil {
		return dst, fmt.Errorf("%w: nil view tree", ErrMalformedTree)
	}
	var held map[int]*render.Rendered
	out, _, err := e.encode(dst, nil, tree, held, comps, x)
	if err != nil {
		return dst, err
	}
	e.tree = tree
	if e.comps == nil {
		e.comps = make(map[int]*render.Rendered, len(comps))
	}
	clear(e.comps)
	for cid, c := range comps {
		e.comps[cid] = c
	}
	return out, nil
}

// Update appends to dst the diff that brings the client from the last message to tree and
// comps, and reports whether anything changed. A nil tree means the view itself was not
// re-rendered. comps holds only the components rendered in this pass: a component the
// client holds is sent as a partial diff, a new or forgotten one in full. If the view's
// root template changed, the client drops every component, so comps must then hold all
// components the tree references. When nothing
// changed and x is empty, dst is returned as it was and changed is false (S9).
// On error dst is returned unchanged and the Encoder keeps its state.
func (e *Encoder) Update(dst []byte, tree *render.Rendered, comps Components, x *Extras) (out []byte, changed bool, err error) {
	if e.tree == nil {
		return dst, false, errors.New("diff: Update before Join")
	}
	held := e.comps
	replaced := tree != nil && !sameStatics(e.tree.Statics, tree.Statics)
	if replaced {
		// A new root template replaces the client's whole tree, and its components
		// with it (rendered.js keeps them inside the tree): they must all be sent again.
		held = nil
	}
	out, changed, err = e.encode(dst, e.tree, tree, held, comps, x)
	if err != nil {
		return dst, false, err
	}
	if tree != nil {
		e.tree = tree
	}
	if replaced {
		clear(e.comps)
	}
	for cid, c := range comps {
		e.comps[cid] = c
	}
	return out, changed, nil
}

// Forget drops what the encoder remembers of the given components. Call it when the
// client announces cids_will_destroy or cids_destroyed: if such a component is rendered
// again it is sent in full, as docs/protocol.md, Components, requires.
func (e *Encoder) Forget(cids ...int) {
	for _, cid := range cids {
		delete(e.comps, cid)
	}
}

// Replaces reports whether tree has another root template than the last one encoded: its
// Update then replaces everything the client holds, components included, so it needs every
// component the tree references.
func (e *Encoder) Replaces(tree *render.Rendered) bool {
	return e.tree != nil && tree != nil && !sameStatics(e.tree.Statics, tree.Statics)
}

// Holds reports whether the client holds component cid, as far as the encoder knows.
func (e *Encoder) Holds(cid int) bool {
	_, ok := e.comps[cid]
	return ok
}

// encode writes one message. prev is nil for a full render.
func (e *Encoder) encode(dst []byte, prev, tree *render.Rendered, held map[int]*render.Rendered, comps Components, x *Extras) ([]byte, bool, error) {
	w := &e.w
	view := tree
	if view == nil {
		view = prev
	}
	w.reset(dst, view, held, comps)
	start := len(dst)
	w.buf = append(w.buf, '{')

	switch {
	case tree == nil:
	case prev == nil || !sameStatics(prev.Statics, tree.Statics):
		w.nodeBody(tree, false)
	default:
		w.nodeDiffBody(prev, tree)
	}

	if len(comps) > 0 {
		e.cids = e.cids[:0]
		for cid := range comps {
			e.cids = append(e.cids, cid)
		}
		slices.Sort(e.cids)
		mark := len(w.buf)
		w.buf = appendComma(w.buf)
		w.buf = append(w.buf, `"c":{`...)
		open := len(w.buf)
		for _, cid := range e.cids {
			w.component(cid, held[cid], comps[cid])
		}
		if len(w.buf) == open {
			w.buf = w.buf[:mark]
		} else {
			w.buf = append(w.buf, '}')
		}
	}
	if w.err == nil {
		w.checkCIDs()
	}
	if w.err == nil && !x.empty() {
		w.extras(x)
	}
	if w.err != nil {
		err := w.err
		w.release()
		return dst, false, err
	}
	if len(w.buf) == start+1 {
		w.release()
		return dst, false, nil
	}
	w.buf = append(w.buf, '}')
	out := w.buf
	w.release()
	return out, true, nil
}

// sameStatics reports whether two statics belong to the same body.
func sameStatics(a, b *render.Statics) bool {
	return a == b || (a != nil && b != nil && a.Fingerprint() == b.Fingerprint() && slices.Equal(a.Parts(), b.Parts()))
}
