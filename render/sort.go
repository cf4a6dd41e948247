package render

import (
	"cmp"
	"reflect"
	"slices"
)

// Ranging over a map visits its keys in sorted order, the order fmt and text/template
// use: numbers and strings by value, NaN first, false before true, pointers and channels
// by address, structs and arrays element by element, interfaces by type then value.

type mapEntry struct{ key, value reflect.Value }

func sortedEntries(m reflect.Value) []mapEntry {
	out := make([]mapEntry, 0, m.Len())
	it := m.MapRange()
	for it.Next() {
		out = append(out, mapEntry{it.Key(), it.Value()})
	}
	slices.SortStableFunc(out, func(a, b mapEntry) int { return compareKeys(a.key, b.key) })
	return out
}

func compareKeys(a, b reflect.Value) int {
	if a.Type() != b.Type() {
		return -1 // no consistent order; like fmt, keep going
	}
	switch a.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(a.Uint(), b.Uint())
	case reflect.String:
		return cmp.Compare(a.String(), b.String())
	case reflect.Float32, reflect.Float64:
		return cmp.Compare(a.Float(), b.Float())
	case reflect.Complex64, reflect.Complex128:
		ac, bc := a.Complex(), b.Complex()
		if c := cmp.Compare(real(ac), real(bc)); c != 0 {
			return c
		}
		return cmp.Compare(imag(ac), imag(bc))
	case reflect.Bool:
		switch ab, bb := a.Bool(), b.Bool(); {
		case ab == bb:
			return 0
		case ab:
			return 1
		}
		return -1
	case reflect.Pointer, reflect.UnsafePointer:
		return cmp.Compare(a.Pointer(), b.Pointer())
	case reflect.Chan:
		if c, ok := compareNil(a, b); ok {
			return c
		}
		return cmp.Compare(a.Pointer(), b.Pointer())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if c := compareKeys(a.Field(i), b.Field(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if c := compareKeys(a.Index(i), b.Index(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Interface:
		if c, ok := compareNil(a, b); ok {
			return c
		}
		if c := compareKeys(reflect.ValueOf(a.Elem().Type()), reflect.ValueOf(b.Elem().Type())); c != 0 {
			return c
		}
		return compareKeys(a.Elem(), b.Elem())
	}
	return 0
}

func compareNil(a, b reflect.Value) (int, bool) {
	if a.IsNil() {
		if b.IsNil() {
			return 0, true
		}
		return -1, true
	}
	if b.IsNil() {
		return 1, true
	}
	return 0, false
}
