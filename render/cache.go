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
	methodCache atomic.Pointer[map[lookupKey]methodInfo]
	fieldCache  atomic.Pointer[map[lookupKey]fieldEntry]
)

// methodInfo describes the method called name of a type.
type methodInfo struct {
	index int // as reflect.Value.Method counts; -1 when there is no such method
	// fn is the method as a function taking the receiver first, set when the method
	// takes no arguments and returns what a template can use, so it can be called
	// without building a method value.
	fn reflect.Value
}

// lookupMethod returns the method called name in t's method set.
func lookupMethod(t reflect.Type, name string) methodInfo {
	k := lookupKey{t, name}
	if m := methodCache.Load(); m != nil {
		if i, ok := (*m)[k]; ok {
			return i
		}
	}
	info := methodInfo{index: -1}
	if m, ok := t.MethodByName(name); ok {
		info.index = m.Index
		if t.Kind() != reflect.Interface && m.Type.NumIn() == 1 && goodFunc(name, m.Type) == nil {
			info.fn = m.Func
		}
	}
	lookupMu.Lock()
	defer lookupMu.Unlock()
	old := methodCache.Load()
	next := make(map[lookupKey]methodInfo, mapLen(old)+1)
	if old != nil {
		for kk, v := range *old {
			next[kk] = v
		}
	}
	next[k] = info
	methodCache.Store(&next)
	return info
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
