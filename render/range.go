package render

import (
	"reflect"
)

// rangeOp executes a {{range}}: each item fills one entry of a comprehension that shares
// the body's statics. No items and an else branch give a tree of the else branch instead.
func (s *state) rangeOp(dot reflect.Value, o *op, slot *Dynamic) control {
	defer s.pop(s.mark())
	val, _ := indirect(s.evalPipeline(dot, o.pipe))
	mark := s.mark()
	decl := o.pipe.Decl
	comp := &Comprehension{Statics: o.list.statics}
	if st, ok := streamOf(val); ok {
		items, ops := st.TakeStream()
		val = reflect.ValueOf(items)
		comp.Stream = ops
		if ops == nil {
			comp.Stream = &StreamOps{}
		}
	}
	ns := o.list.nslots
	var flat []Dynamic // backing store for the entries when the length is known
	keyed := true
	stopped := false

	one := func(index, elem reflect.Value) {
		if len(decl) > 0 {
			if o.pipe.IsAssign {
				if len(decl) > 1 {
					s.setVar(decl[0].Ident[0], index)
				} else {
					s.setVar(decl[0].Ident[0], elem)
				}
			} else {
				s.setTopVar(1, elem)
			}
		}
		if len(decl) > 1 {
			if o.pipe.IsAssign {
				s.setVar(decl[1].Ident[0], elem)
			} else {
				s.setTopVar(2, index)
			}
		}
		var dyn []Dynamic
		if i := len(comp.Entries); flat != nil && (i+1)*ns <= len(flat) {
			dyn = flat[i*ns : (i+1)*ns : (i+1)*ns]
		} else {
			dyn = make([]Dynamic, ns)
		}
		if keyed {
			if k, ok := keyOf(elem); ok {
				comp.Keys = append(comp.Keys, k)
			} else {
				keyed = false
				comp.Keys = nil
			}
		}
		c := s.runBody(elem, o.list, dyn)
		s.pop(mark)
		comp.Entries = append(comp.Entries, dyn)
		if c == ctrlBreak {
			stopped = true
		}
	}
	sized := func(n int) {
		if ns > 0 {
			flat = make([]Dynamic, n*ns)
		}
		comp.Entries = make([][]Dynamic, 0, n)
	}

	run := false
	switch val.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if len(decl) > 1 {
			s.errorf("can't use %v to iterate over more than one variable", val)
		}
		// Preallocate for small counts only: the count is not backed by data.
		if n := rangeCount(val); n > 0 && n <= 1024 {
			sized(int(n))
		}
		for v := range val.Seq() {
			run = true
			one(reflect.Value{}, v)
			if stopped {
				break
			}
		}
	case reflect.Array, reflect.Slice:
		n := val.Len()
		if n > 0 {
			run = true
			sized(n)
		}
		for i := 0; i < n && !stopped; i++ {
			one(reflect.ValueOf(i), val.Index(i))
		}
	case reflect.Map:
		if val.Len() > 0 {
			run = true
			entries := sortedEntries(val)
			sized(len(entries))
			for _, e := range entries {
				one(e.key, e.value)
				if stopped {
					break
				}
			}
		}
	case reflect.Chan:
		if val.IsNil() {
			break
		}
		if val.Type().ChanDir() == reflect.SendDir {
			s.errorf("range over send-only channel %v", val)
		}
		for i := 0; !stopped; i++ {
			elem, ok := val.Recv()
			if !ok {
				break
			}
			run = true
			one(reflect.ValueOf(i), elem)
		}
	case reflect.Invalid:
		// A nil map or the like acts like an empty map.
	case reflect.Func:
		switch {
		case val.Type().CanSeq():
			if len(decl) > 1 {
				s.errorf("can't use %v iterate over more than one variable", val)
			}
			for v := range val.Seq() {
				run = true
				one(reflect.Value{}, v)
				if stopped {
					break
				}
			}
		case val.Type().CanSeq2():
			for i, v := range val.Seq2() {
				run = true
				if len(decl) > 1 {
					one(i, v)
				} else {
					one(reflect.Value{}, i)
				}
				if stopped {
					break
				}
			}
		default:
			s.errorf("range can't iterate over %v", val)
		}
	default:
		s.errorf("range can't iterate over %v", val)
	}
	if run {
		if !keyed {
			comp.Keys = nil
		}
		*slot = Dynamic{Kind: KindComprehension, Comp: comp}
		return ctrlNone
	}
	if o.elseList != nil && comp.Stream == nil {
		// As in text/template, a break in the else branch ends this range (the one
		// executing), while a continue goes on to the enclosing range's next item.
		d, c := s.tree(dot, o.elseList)
		*slot = d
		if c == ctrlBreak {
			c = ctrlNone
		}
		return c
	}
	*slot = Dynamic{Kind: KindComprehension, Comp: comp}
	return ctrlNone
}

// rangeCount returns how many values ranging over the integer val yields.
func rangeCount(val reflect.Value) uint64 {
	switch val.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if val.Int() <= 0 {
			return 0
		}
		return uint64(val.Int())
	}
	return val.Uint()
}

// keyOf returns the key of a range item implementing Keyer (directly or through its
// address).
func keyOf(elem reflect.Value) (string, bool) {
	if !elem.IsValid() {
		return "", false
	}
	if elem.Kind() == reflect.Interface || elem.Kind() == reflect.Pointer {
		if elem.IsNil() {
			return "", false
		}
	}
	if elem.Type().Implements(keyerType) && elem.CanInterface() {
		return safeKey(elem.Interface().(Keyer))
	}
	if elem.Kind() == reflect.Interface {
		return keyOf(elem.Elem())
	}
	if elem.CanAddr() && reflect.PointerTo(elem.Type()).Implements(keyerType) && elem.Addr().CanInterface() {
		return safeKey(elem.Addr().Interface().(Keyer))
	}
	return "", false
}

// safeKey calls Key, treating a panic as "no key": keys are an optimisation for diffs,
// never a reason to fail a render.
func safeKey(k Keyer) (key string, ok bool) {
	defer func() {
		if recover() != nil {
			key, ok = "", false
		}
	}()
	return k.Key(), true
}

// streamType is the reflect.Type of the Stream interface.
var streamType = reflect.TypeFor[Stream]()

// streamOf returns val as a Stream, if it is one (directly or through a pointer).
func streamOf(val reflect.Value) (Stream, bool) {
	if !val.IsValid() {
		return nil, false
	}
	if val.Type().Implements(streamType) && val.CanInterface() {
		st, ok := val.Interface().(Stream)
		return st, ok
	}
	if val.CanAddr() && reflect.PointerTo(val.Type()).Implements(streamType) && val.Addr().CanInterface() {
		st, ok := val.Addr().Interface().(Stream)
		return st, ok
	}
	return nil, false
}
