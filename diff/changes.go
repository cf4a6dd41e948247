package diff

import (
	"slices"
	"strconv"

	"github.com/glint-go/glint/render"
)

// The partial writers below compare what the client holds (old) with the new render and
// write only what differs. Each reports whether it wrote anything; when it did not, the
// caller removes the key it wrote in advance.

// nodeDiff writes a partial node {…} for two nodes of the same template, if they differ.
func (w *writer) nodeDiff(old, next *render.Rendered) bool {
	mark := len(w.buf)
	w.buf = append(w.buf, '{')
	if !w.nodeDiffBody(old, next) {
		w.buf = w.buf[:mark]
		return false
	}
	w.buf = append(w.buf, '}')
	return true
}

// nodeDiffBody writes the changed dynamics of two nodes of the same template, without
// braces.
func (w *writer) nodeDiffBody(old, next *render.Rendered) bool {
	if old == next || !w.checkNode(next) {
		return false
	}
	return w.dynamicsDiff(old.Dynamics, next.Dynamics)
}

// dynamicsDiff writes "i":value for every slot that differs.
func (w *writer) dynamicsDiff(old, next []render.Dynamic) bool {
	wrote := false
	for i := range next {
		if leafEqual(&old[i], &next[i]) {
			continue
		}
		mark := len(w.buf)
		w.buf = appendComma(w.buf)
		w.buf = appendKey(w.buf, i)
		if w.dynamicDiff(&old[i], &next[i]) {
			wrote = true
		} else {
			w.buf = w.buf[:mark]
		}
	}
	return wrote
}

// dynamicDiff writes the value of one slot if it differs: the new value in full when the
// kind or template changed (S1, S3), a partial one otherwise (S2).
func (w *writer) dynamicDiff(old, next *render.Dynamic) bool {
	if old.Kind != next.Kind {
		w.dynamic(next)
		return true
	}
	switch next.Kind {
	case render.KindString:
		if old.Str == next.Str {
			return false
		}
		w.buf = appendString(w.buf, next.Str)
		return true
	case render.KindComponent:
		if old.CID == next.CID {
			return false
		}
		w.cid(next.CID)
		return true
	case render.KindTree:
		if old.Tree == next.Tree {
			return false
		}
		if old.Tree == nil || next.Tree == nil || !sameStatics(old.Tree.Statics, next.Tree.Statics) {
			w.dynamic(next)
			return true
		}
		if old.Shared() && next.Shared() {
			return w.sharedDiff(old.Tree, next.Tree)
		}
		return w.nodeDiff(old.Tree, next.Tree)
	case render.KindComprehension:
		if old.Comp == next.Comp {
			return false
		}
		if old.Comp == nil || next.Comp == nil || !sameStatics(old.Comp.Statics, next.Comp.Statics) {
			w.comprehension(next.Comp)
			return true
		}
		if next.Comp.Stream != nil {
			return w.streamDiff(next.Comp)
		}
		return w.comprehensionDiff(old.Comp, next.Comp)
	}
	w.dynamic(next)
	return true
}

// comprehensionDiff writes {"k":{…,"kc":n[,"km":true]}[,"p":{…}]} for two comprehensions of the
// same template, if they differ (docs/protocol.md, Comprehensions). Entries are matched by key
// when both sides have keys, by position otherwise.
func (w *writer) comprehensionDiff(old, next *render.Comprehension) bool {
	if !w.checkComp(next) {
		return true
	}
	mark := len(w.buf)
	opened := w.openScope()
	w.buf = append(w.buf, `{"k":{`...)
	var wrote, moved bool
	if old.Keys != nil && next.Keys != nil {
		wrote, moved = w.keyedEntries(old, next)
	} else {
		wrote = w.positionalEntries(old.Entries, next.Entries, 0)
	}
	if !wrote && len(old.Entries) == len(next.Entries) {
		if opened {
			w.closeScope()
		}
		w.buf = w.buf[:mark]
		return false
	}
	w.buf = appendComma(w.buf)
	w.buf = append(w.buf, `"kc":`...)
	w.buf = strconv.AppendInt(w.buf, int64(len(next.Entries)), 10)
	if moved {
		w.buf = append(w.buf, `,"km":true`...)
	}
	w.buf = append(w.buf, '}')
	if opened {
		w.closeScope()
	}
	w.buf = append(w.buf, '}')
	return true
}

// positionalEntries writes entries from index from on, comparing entry i with old entry i.
func (w *writer) positionalEntries(old, next [][]render.Dynamic, from int) bool {
	wrote := false
	for i := from; i < len(next); i++ {
		if i < len(old) && equalDynamics(old[i], next[i]) {
			continue
		}
		mark := len(w.buf)
		w.buf = appendComma(w.buf)
		w.buf = appendKey(w.buf, i)
		if i >= len(old) {
			w.entry(next[i])
			wrote = true
		} else if equalDynamics(old[i], next[i]) {
			w.buf = w.buf[:mark]
		} else if w.entryDiff(old[i], next[i]) {
			wrote = true
		} else {
			w.buf = w.buf[:mark]
		}
	}
	return wrote
}

// entryDiff writes a partial entry {…} if the entries differ.
func (w *writer) entryDiff(old, next []render.Dynamic) bool {
	mark := len(w.buf)
	w.buf = append(w.buf, '{')
	if !w.dynamicsDiff(old, next) {
		w.buf = w.buf[:mark]
		return false
	}
	w.buf = append(w.buf, '}')
	return true
}

// keyedEntries writes the entries of a keyed comprehension: a partial entry for a key that
// kept its index, n or [n,{…}] for one that moved, and a full entry for a new key. Each old
// entry is the source of at most one new entry, because the client hands out the moved
// entry itself, not a copy: two entries moved from one index would share their state.
func (w *writer) keyedEntries(old, next *render.Comprehension) (wrote, moved bool) {
	// Keys that match at the start and at the end need no lookup, so the usual edits (one
	// item changed, appended, removed or inserted, two swapped) cost no allocation.
	no, nn := len(old.Keys), len(next.Keys)
	prefix := 0
	for prefix < no && prefix < nn && old.Keys[prefix] == next.Keys[prefix] {
		prefix++
	}
	suffix := 0
	for suffix < no-prefix && suffix < nn-prefix && old.Keys[no-1-suffix] == next.Keys[nn-1-suffix] {
		suffix++
	}
	for i := range prefix {
		wrote = w.keyedEntry(old, next, i, i) || wrote
	}
	var index map[string]int
	if no-suffix > prefix && nn-suffix > prefix {
		index = make(map[string]int, no-suffix-prefix)
		for j := no - suffix - 1; j >= prefix; j-- {
			index[old.Keys[j]] = j
		}
	}
	for i := prefix; i < nn-suffix; i++ {
		j, ok := index[next.Keys[i]]
		if !ok {
			w.buf = appendComma(w.buf)
			w.buf = appendKey(w.buf, i)
			w.entry(next.Entries[i])
			wrote = true
			continue
		}
		delete(index, next.Keys[i])
		wrote = w.keyedEntry(old, next, i, j) || wrote
		moved = moved || i != j
	}
	for k := range suffix {
		i, j := nn-suffix+k, no-suffix+k
		wrote = w.keyedEntry(old, next, i, j) || wrote
		moved = moved || i != j
	}
	return wrote, moved
}

// keyedEntry writes new entry i, which is old entry j: nothing if it is unchanged in
// place, a partial entry if it changed in place, j or [j,{…}] if it moved.
func (w *writer) keyedEntry(old, next *render.Comprehension, i, j int) bool {
	if i == j && equalDynamics(old.Entries[j], next.Entries[i]) {
		return false
	}
	mark := len(w.buf)
	w.buf = appendComma(w.buf)
	w.buf = appendKey(w.buf, i)
	if i == j {
		if !w.entryDiff(old.Entries[j], next.Entries[i]) {
			w.buf = w.buf[:mark]
			return false
		}
		return true
	}
	value := len(w.buf)
	w.buf = append(w.buf, '[')
	w.buf = strconv.AppendInt(w.buf, int64(j), 10)
	w.buf = append(w.buf, ',')
	if w.entryDiff(old.Entries[j], next.Entries[i]) {
		w.buf = append(w.buf, ']')
	} else {
		w.buf = w.buf[:value]
		w.buf = strconv.AppendInt(w.buf, int64(j), 10)
	}
	return true
}

// leafEqual reports, without descending, whether two slots are certainly equal: equal
// strings or cids, or the very same subtree. It spares writing and removing a key for
// every unchanged slot.
func leafEqual(a, b *render.Dynamic) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case render.KindString:
		return a.Str == b.Str
	case render.KindComponent:
		return a.CID == b.CID
	case render.KindTree:
		return a.Tree == b.Tree
	case render.KindComprehension:
		return a.Comp == b.Comp
	}
	return false
}

// equalDynamics reports whether two lists of slots render the same wire state, so that
// unchanged comprehension entries cost a comparison and no writes.
func equalDynamics(a, b []render.Dynamic) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalDynamic(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

func equalDynamic(a, b *render.Dynamic) bool {
	if leafEqual(a, b) {
		return true
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case render.KindTree:
		return a.Tree != nil && b.Tree != nil && sameStatics(a.Tree.Statics, b.Tree.Statics) &&
			equalDynamics(a.Tree.Dynamics, b.Tree.Dynamics)
	case render.KindComprehension:
		x, y := a.Comp, b.Comp
		if x == nil || y == nil || !sameStatics(x.Statics, y.Statics) || len(x.Entries) != len(y.Entries) ||
			(x.Keys == nil) != (y.Keys == nil) || !slices.Equal(x.Keys, y.Keys) {
			return false
		}
		for i := range x.Entries {
			if !equalDynamics(x.Entries[i], y.Entries[i]) {
				return false
			}
		}
		return true
	}
	return false
}
