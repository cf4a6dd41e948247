package render

import "strconv"

// Statics are the fixed HTML fragments of one compiled template body (a whole template,
// an if/with branch, a range body or a called template). They are created once, when the
// template is compiled, and shared by every render: a render never copies them.
//
// Parts has one more element than the body has dynamic slots; the HTML of a node is
// Parts[0] + dyn[0] + Parts[1] + … + Parts[n].
type Statics struct {
	parts []string
	fp    uint64
}

// NewStatics returns statics with the given parts. The fingerprint is derived from the
// parts, so two bodies with equal text share a fingerprint. It is meant for tests and for
// packages that build trees by hand; compiled templates make their own.
func NewStatics(parts ...string) *Statics {
	return &Statics{parts: parts, fp: fingerprint(parts)}
}

// Parts returns the static fragments. The caller must not modify the slice.
func (s *Statics) Parts() []string { return s.parts }

// Fingerprint identifies the body these statics belong to. Two renders of the same body
// have equal fingerprints; a switch of branch or template changes it.
func (s *Statics) Fingerprint() uint64 { return s.fp }

// fingerprint hashes the parts with FNV-1a, separating parts so that ["ab"] and ["a","b"]
// differ.
func fingerprint(parts []string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			h ^= uint64(p[i])
			h *= prime
		}
		h ^= 0xff
		h *= prime
	}
	h ^= uint64(len(parts))
	h *= prime
	return h
}

// Kind says what a Dynamic slot holds.
type Kind uint8

const (
	// KindString is escaped HTML, inserted verbatim.
	KindString Kind = iota
	// KindTree is a nested node: an if/else/with branch or a template call.
	KindTree
	// KindComprehension is the output of a range: shared statics and one set of
	// dynamics per item.
	KindComprehension
	// KindComponent is a stateful component, addressed by its cid. Its tree lives
	// outside the parent tree (see diff.Components).
	KindComponent
)

// Dynamic is one dynamic slot of a node. Exactly one field, chosen by Kind, is meaningful.
type Dynamic struct {
	Kind Kind
	// shared marks a KindTree slot whose tree a Snapshot memoized: every render of that
	// snapshot holds the same tree, which never changes (see Shared).
	shared bool
	// Str is the escaped HTML of a KindString slot.
	Str string
	// Tree is the nested node of a KindTree slot.
	Tree *Rendered
	// Comp is the comprehension of a KindComprehension slot.
	Comp *Comprehension
	// CID is the component id of a KindComponent slot.
	CID int
}

// Shared reports whether the slot holds a tree rendered from a Snapshot: the same
// *Rendered in every render of that snapshot, which is never modified. Whatever is
// derived from such a tree alone (or from it and another shared tree) may be cached by
// the trees' identity and reused for every view that shows them.
func (d *Dynamic) Shared() bool { return d.shared }

// Rendered is the result of executing a template: statics interleaved with dynamic slots.
// len(Dynamics) == len(Statics.Parts()) - 1.
type Rendered struct {
	Statics  *Statics
	Dynamics []Dynamic
}

// Comprehension is the output of a range. Every entry interleaves the shared Statics with
// its own dynamics.
type Comprehension struct {
	Statics *Statics
	// Entries holds one slice of dynamics per item, in output order.
	Entries [][]Dynamic
	// Keys, when non-nil, gives each entry a stable identity (len(Keys) == len(Entries)),
	// so that diffs can express moves. When nil, entries are keyed by position.
	Keys []string
	// Stream, when non-nil, makes the comprehension a stream's: Entries are the items
	// inserted since the last render only, and Stream says where they go and what else
	// changed. See Stream.
	Stream *StreamOps
}

// Stream is implemented by values that a {{range}} renders as a stream (LiveView's
// phx-update="stream"): the items to render are only those inserted since the last render,
// which the value hands over, together with the stream's other operations, and forgets.
// The range's else branch is not used for streams.
type Stream interface {
	TakeStream() (items []any, ops *StreamOps)
}

// StreamOps are a stream's operations since the last render.
type StreamOps struct {
	// Ref identifies the stream in its view.
	Ref string
	// Inserts say where each rendered item goes, in the order of the entries.
	Inserts []StreamInsert
	// Deletes are the DOM ids of items to remove.
	Deletes []string
	// Reset removes every item the client holds before the inserts.
	Reset bool
}

// StreamInsert places one rendered item: At is its index (-1 appends, 0 prepends), Limit
// (when not 0) caps the stream's items after it (positive: keep the first Limit; negative:
// keep the last -Limit), and UpdateOnly updates an item only if the client holds it.
type StreamInsert struct {
	DomID      string
	At         int
	Limit      int
	UpdateOnly bool
}

// Components resolves the tree of a component by cid when rendering HTML. It may be nil
// when a tree holds no components.
type Components func(cid int) *Rendered

// HTML returns the HTML of the tree. Component slots are rendered through comps.
func (r *Rendered) HTML(comps Components) string {
	return string(r.AppendHTML(nil, comps))
}

// AppendHTML appends the HTML of the tree to dst and returns the extended slice.
func (r *Rendered) AppendHTML(dst []byte, comps Components) []byte {
	if r == nil {
		return dst
	}
	parts := r.Statics.parts
	for i, d := range r.Dynamics {
		dst = append(dst, parts[i]...)
		dst = d.appendHTML(dst, comps)
	}
	return append(dst, parts[len(parts)-1]...)
}

func (d *Dynamic) appendHTML(dst []byte, comps Components) []byte {
	switch d.Kind {
	case KindString:
		return append(dst, d.Str...)
	case KindTree:
		return d.Tree.AppendHTML(dst, comps)
	case KindComprehension:
		return d.Comp.AppendHTML(dst, comps)
	case KindComponent:
		if comps != nil {
			if t := comps(d.CID); t != nil {
				return t.AppendHTML(dst, comps)
			}
		}
		return append(dst, "<!-- missing component "+strconv.Itoa(d.CID)+" -->"...)
	}
	return dst
}

// AppendHTML appends the HTML of every entry, in order.
func (c *Comprehension) AppendHTML(dst []byte, comps Components) []byte {
	if c == nil {
		return dst
	}
	parts := c.Statics.parts
	for _, e := range c.Entries {
		for i := range e {
			dst = append(dst, parts[i]...)
			dst = e[i].appendHTML(dst, comps)
		}
		dst = append(dst, parts[len(parts)-1]...)
	}
	return dst
}
