package render

import (
	"reflect"
	"sync"
)

// Snapshot is an immutable value that many renders share: a template called with a
// snapshot as its argument, {{template "name" .Field}}, is executed once per snapshot,
// and every later call with the same snapshot, from any view and any goroutine, returns
// the very same tree without executing anything. A package that compares trees (diff)
// then recognises that tree by identity: ten thousand views showing the same snapshot
// cost one render, and one diff.
//
// The called template sees only the snapshot (its Value), never the caller's data, so
// its output can depend on nothing else. What the caller must guarantee is that the
// value does not change: once made, neither the value nor anything it reaches (slice
// elements, maps, pointed-to structs) may be modified, and its methods and the
// template's functions must return the same results every time. To show a change, make
// a new snapshot; the template then renders it once, and diffs against the previous
// snapshot's tree are made once too.
//
// Identity is what is shared: two snapshots of equal values are rendered separately.
// So the source of the data should hand out one snapshot per version (for example,
// rebuild it on each change and keep it until the next), rather than each reader
// making its own.
//
// The called template must not render components or streams, which belong to one view:
// executing it fails if it does. Used in any other way (.Field.Value in the caller's own
// template, for instance) a snapshot is an ordinary value and nothing is shared.
type Snapshot[T any] struct {
	value T
	memo  snapshotMemo
}

// NewSnapshot returns a snapshot of v. v must not be modified afterwards (see Snapshot).
func NewSnapshot[T any](v T) *Snapshot[T] { return &Snapshot[T]{value: v} }

// Value returns the snapshot's value, which must not be modified. A nil snapshot holds
// the zero value.
func (s *Snapshot[T]) Value() T {
	if s == nil {
		var zero T
		return zero
	}
	return s.value
}

func (s *Snapshot[T]) snapshotMemo() *snapshotMemo {
	if s == nil {
		return nil
	}
	return &s.memo
}

// snapshotter is implemented by *Snapshot[T] only (the method is unexported).
type snapshotter interface{ snapshotMemo() *snapshotMemo }

// snapshotMemo holds the trees a snapshot was rendered into, one per called template
// (a template reloaded in development is another program, so it renders afresh).
type snapshotMemo struct {
	mu    sync.Mutex
	trees []snapshotTree
}

type snapshotTree struct {
	prog *program
	tree *Rendered
}

// maxSnapshotTrees bounds the templates one snapshot keeps trees for; past it, it starts
// over.
const maxSnapshotTrees = 16

func (m *snapshotMemo) get(p *program) *Rendered {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.trees {
		if t.prog == p {
			return t.tree
		}
	}
	return nil
}

// put keeps tree for p and returns the tree to use: one rendered meanwhile by another
// goroutine wins, so that every render of the snapshot shares one tree.
func (m *snapshotMemo) put(p *program, tree *Rendered) *Rendered {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.trees {
		if t.prog == p {
			return t.tree
		}
	}
	if len(m.trees) >= maxSnapshotTrees {
		clear(m.trees)
		m.trees = m.trees[:0]
	}
	m.trees = append(m.trees, snapshotTree{prog: p, tree: tree})
	return tree
}

// snapshotOf returns the memo of dot when dot is a non-nil *Snapshot.
func snapshotOf(dot reflect.Value) *snapshotMemo {
	if !dot.IsValid() || dot.Kind() != reflect.Pointer || dot.IsNil() || !dot.CanInterface() {
		return nil
	}
	sn, ok := dot.Interface().(snapshotter)
	if !ok {
		return nil
	}
	return sn.snapshotMemo()
}

// perViewSlot returns a description of the first slot of r that belongs to one view (a
// component or a stream), or "".
func perViewSlot(r *Rendered) string {
	if r == nil {
		return ""
	}
	return perViewDynamics(r.Dynamics, 0)
}

func perViewDynamics(ds []Dynamic, depth int) string {
	if depth > maxExecDepth {
		return ""
	}
	for i := range ds {
		d := &ds[i]
		switch d.Kind {
		case KindComponent:
			return "a component"
		case KindTree:
			if d.Tree == nil {
				continue
			}
			if s := perViewDynamics(d.Tree.Dynamics, depth+1); s != "" {
				return s
			}
		case KindComprehension:
			if d.Comp == nil {
				continue
			}
			if d.Comp.Stream != nil {
				return "a stream"
			}
			for _, e := range d.Comp.Entries {
				if s := perViewDynamics(e, depth+1); s != "" {
					return s
				}
			}
		}
	}
	return ""
}
