package render

import (
	"reflect"
	"sync"
	"sync/atomic"
)

// Method and field lookups by name are cached per type: reflect's by-name lookups are a
// large part of text/template's cost. The caches are copy-on-write maps, so lookups
// take no lock; a type's entries are added once.

type lookupKey struct {
	t    reflect.Type
	name string
}

type fieldEntry struct {
	field *reflect.StructField // nil when the type has no such field
}

var (
	lookupMu    sync.Mutex
	methodCache atomic.Pointer[map[lookupKey]int]
	fieldCache  atomic.Pointer[map[lookupKey]fieldEntry]
)

// lookupMethod returns the index of the method called name in t's method set (as
// reflect.Value.Method counts them), or -1.
func lookupMethod(t reflect.Type, name string) int {
	k := lookupKey{t, name}
	if m := methodCache.Load(); m != nil {
		if i, ok := (*m)[k]; ok {
			return i
		}
	}
	i := -1
	if m, ok := t.MethodByName(name); ok {
		i = m.Index
	}
	lookupMu.Lock()
	defer lookupMu.Unlock()
	old := methodCache.Load()
	next := make(map[lookupKey]int, mapLen(old)+1)
	if old != nil {
		for kk, v := range *old {
			next[kk] = v
		}
	}
	next[k] = i
	methodCache.Store(&next)
	return i
}

// lookupField returns the struct field called name of struct type t, or nil.
func lookupField(t reflect.Type, name string) *reflect.StructField {
	k := lookupKey{t, name}
	if m := fieldCache.Load(); m != nil {
		if e, ok := (*m)[k]; ok {
			return e.field
		}
	}
	var e fieldEntry
	if f, ok := t.FieldByName(name); ok {
		e.field = &f
	}
	lookupMu.Lock()
	defer lookupMu.Unlock()
	old := fieldCache.Load()
	next := make(map[lookupKey]fieldEntry, mapLen(old)+1)
	if old != nil {
		for kk, v := range *old {
			next[kk] = v
		}
	}
	next[k] = e
	fieldCache.Store(&next)
	return e.field
}

func mapLen[K comparable, V any](m *map[K]V) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
