package diff

import (
	"sync"
	"weak"

	"github.com/glint-go/glint/render"
)

// Shared trees. A tree rendered from a render.Snapshot is the same *render.Rendered in
// every view that shows the snapshot, and never changes (render.Dynamic.Shared). Outside
// every comprehension's "p" scope, what a message says about such a slot depends on
// nothing but that tree and the tree the client holds in its place: the full node when
// the client holds nothing like it, or the partial diff between two shared trees. So those
// bytes are written once and copied by every encoder that needs them: ten thousand views
// moving from one snapshot to the next cost one diff.
//
// The cache is keyed by weak pointers, so it keeps no tree alive, and a key never matches
// another tree allocated later at the same address.

type sharedKey struct {
	held weak.Pointer[render.Rendered] // zero for a full node
	next weak.Pointer[render.Rendered]
}

type sharedBytes struct {
	b       []byte
	scopes  int  // the "p" scopes the bytes hold (writer.scopes counts them)
	changed bool // false: no change to write (b is empty)
}

// Bounds of the cache; past either, it starts over.
const (
	maxSharedEntries = 4096
	maxSharedBytes   = 16 << 20
)

var sharedCache struct {
	mu    sync.Mutex
	m     map[sharedKey]sharedBytes
	bytes int
}

func sharedGet(k sharedKey) (sharedBytes, bool) {
	sharedCache.mu.Lock()
	v, ok := sharedCache.m[k]
	sharedCache.mu.Unlock()
	return v, ok
}

func sharedPut(k sharedKey, v sharedBytes) {
	sharedCache.mu.Lock()
	defer sharedCache.mu.Unlock()
	if _, ok := sharedCache.m[k]; ok {
		return
	}
	if sharedCache.m == nil || len(sharedCache.m) >= maxSharedEntries || sharedCache.bytes+len(v.b) > maxSharedBytes {
		sharedCache.m = make(map[sharedKey]sharedBytes)
		sharedCache.bytes = 0
	}
	sharedCache.m[k] = v
	sharedCache.bytes += len(v.b)
}

// cacheable reports whether what is written now depends on the trees alone: no scope is
// open (nor turned off), and nothing failed.
func (w *writer) cacheable() bool {
	return w.scope == nil && !w.noScope && w.err == nil
}

// sharedNode writes the full node of a shared tree, from the cache when it can.
func (w *writer) sharedNode(next *render.Rendered) {
	if !w.cacheable() {
		w.node(next, false)
		return
	}
	k := sharedKey{next: weak.Make(next)}
	if v, ok := sharedGet(k); ok {
		w.buf = append(w.buf, v.b...)
		w.scopes += v.scopes
		return
	}
	mark, scopes, sent := len(w.buf), w.scopes, len(w.sent)
	w.node(next, false)
	w.keep(k, mark, scopes, sent, true)
}

// sharedDiff writes the partial diff between two shared trees of the same template, from
// the cache when it can, and reports whether they differ.
func (w *writer) sharedDiff(held, next *render.Rendered) bool {
	if !w.cacheable() {
		return w.nodeDiff(held, next)
	}
	k := sharedKey{held: weak.Make(held), next: weak.Make(next)}
	if v, ok := sharedGet(k); ok {
		w.buf = append(w.buf, v.b...)
		w.scopes += v.scopes
		return v.changed
	}
	mark, scopes, sent := len(w.buf), w.scopes, len(w.sent)
	changed := w.nodeDiff(held, next)
	w.keep(k, mark, scopes, sent, changed)
	return changed
}

// keep caches what was written since mark, unless writing it failed or referred to
// components (whose trees are the view's own: a shared tree holds none, but the check
// costs nothing).
func (w *writer) keep(k sharedKey, mark, scopes, sent int, changed bool) {
	if w.err != nil || len(w.sent) != sent {
		return
	}
	var b []byte
	if changed {
		b = append([]byte(nil), w.buf[mark:]...)
	}
	sharedPut(k, sharedBytes{b: b, scopes: w.scopes - scopes, changed: changed})
}
