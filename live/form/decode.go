package form

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/glint-go/glint/live/channel"
)

// Limits on the forms Decode accepts. A form over either limit is refused as a whole, before
// anything is decoded.
const (
	// MaxFields bounds the number of values in one form: every value of a repeated key
	// counts.
	MaxFields = 10_000
	// MaxValueBytes bounds the length of one value, and of one key. It is the socket's
	// default frame limit (channel.DefaultMaxFrameBytes, 1 MiB): with the default options
	// no longer value can arrive in an event.
	MaxValueBytes = channel.DefaultMaxFrameBytes
)

// ErrTooLarge is wrapped by the error Decode returns for a form over MaxFields or
// MaxValueBytes.
var ErrTooLarge = errors.New("form: too large")

// Decode stores the values of a form in the struct dst points to.
//
// Each exported field is decoded from the form's key named by its `form` tag, or by its Go
// name when it has none; `form:"-"` leaves a field out. A struct field is a group: its
// fields' keys are nested in brackets, as Phoenix writes them ("address[city]"). Fields of
// an embedded struct without a tag are promoted, as in encoding/json.
//
// Supported field types are strings, booleans, every int, uint and float kind, time.Time,
// types whose pointer implements encoding.TextUnmarshaler, structs, pointers to any of
// these and slices of the scalar ones. Other exported fields make Decode fail whatever the
// form holds, so that a struct it cannot fill is noticed at once.
//
//   - A scalar takes the key's last value, so that a hidden input placed before a checkbox
//     ("false") gives the value when the box is unchecked. Numbers, booleans and times are
//     trimmed of spaces. An empty value stores the zero value (nil for a pointer).
//   - A bool is false for "", "false", "off" and "0" (any case), and true for any other
//     value: a checked box sends "on" or its value attribute.
//   - A time.Time is parsed in UTC. Its `layout` tag names the format: "date"
//     (2006-01-02), "datetime-local" (2006-01-02T15:04, seconds optional), "time" (15:04,
//     seconds optional), or a Go layout. Without the tag, all three HTML formats are
//     accepted.
//   - A slice takes every value of "name[]" and of a repeated "name", leaving out empty
//     ones (a hidden input with an empty value can so send an empty group).
//   - Strings are stored as sent, with invalid UTF-8 replaced by U+FFFD.
//
// Keys that name no field are ignored: the `_target` and `_unused_` keys of LiveView
// clients, the CSRF token, other inputs. Fields whose keys the form lacks are left as they
// are; decode into a zero value to decode a whole form.
//
// A value that does not fit its field (a word for a number, a number out of range, a bad
// date) or a key whose nesting does not match the struct ("address" for a struct,
// "name[x]" for a string) leaves that field as it was and is reported, with a message for
// the user, in an Errors, which Decode returns after decoding every other field. A form
// over the limits returns an error wrapping ErrTooLarge, and a dst that is not a non-nil
// pointer to a supported struct an error of its own; in both cases dst is not changed.
func Decode(vals url.Values, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("form: Decode needs a non-nil pointer to a struct, not %T", dst)
	}
	root, err := structInfo(rv.Elem().Type())
	if err != nil {
		return err
	}
	if err := checkSize(vals); err != nil {
		return err
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	d := decoder{errs: Errors{}}
	for _, k := range keys {
		d.key(rv.Elem(), root, k, vals[k])
	}
	return d.errs.Err()
}

// checkSize refuses a form over MaxFields or MaxValueBytes.
func checkSize(vals url.Values) error {
	n := 0
	for k, vs := range vals {
		n += max(1, len(vs))
		if len(k) > MaxValueBytes {
			return fmt.Errorf("%w: a key of %d bytes, at most %d", ErrTooLarge, len(k), MaxValueBytes)
		}
		for _, v := range vs {
			if len(v) > MaxValueBytes {
				return fmt.Errorf("%w: field %s has a value of %d bytes, at most %d", ErrTooLarge, quoteShort(k), len(v), MaxValueBytes)
			}
		}
	}
	if n > MaxFields {
		return fmt.Errorf("%w: %d values, at most %d", ErrTooLarge, n, MaxFields)
	}
	return nil
}

// quoteShort quotes s, cut to 64 bytes, for an error message.
func quoteShort(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "…"
	}
	return strconv.Quote(s)
}

// nodeKind is what a type is to a form.
type nodeKind uint8

const (
	leafNode  nodeKind = iota // one value: a string, number, bool, time, TextUnmarshaler
	groupNode                 // a struct: a group of fields
	listNode                  // a slice of leaves
	ptrNode                   // a pointer to any of these
)

// node describes how to decode one type.
type node struct {
	typ    reflect.Type
	kind   nodeKind
	elem   *node             // listNode, ptrNode
	fields map[string]*field // groupNode
	parse  parser            // leafNode
	text   bool              // leafNode: a string kind, neither trimmed nor parsed
}

// field is a struct field as the form sees it.
type field struct {
	path []int // indexes from the struct through promoted embedded structs
	node *node
}

// parser converts a non-empty value into v, or returns the message for the user and the
// cause.
type parser func(v reflect.Value, s string) (msg string, cause error)

var (
	timeType            = reflect.TypeFor[time.Time]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	structCache         sync.Map // reflect.Type → *node, or error
)

// structInfo returns the node of struct type t, analysing it on first use.
func structInfo(t reflect.Type) (*node, error) {
	if c, ok := structCache.Load(t); ok {
		if err, ok := c.(error); ok {
			return nil, err
		}
		return c.(*node), nil
	}
	n, err := analyseStruct(t, map[reflect.Type]*node{})
	if err != nil {
		structCache.Store(t, err)
		return nil, err
	}
	structCache.Store(t, n)
	return n, nil
}

// analyse returns the node of t; layout is the field's layout tag, for a time.Time.
// building holds the structs being analysed, for recursive types.
func analyse(t reflect.Type, layout string, building map[reflect.Type]*node) (*node, error) {
	switch {
	case t == timeType:
		return &node{typ: t, kind: leafNode, parse: timeParser(layout)}, nil
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textUnmarshalerType):
		return &node{typ: t, kind: leafNode, parse: parseText}, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem, err := analyse(t.Elem(), layout, building)
		if err != nil {
			return nil, err
		}
		return &node{typ: t, kind: ptrNode, elem: elem}, nil
	case reflect.Slice:
		elem, err := analyse(t.Elem(), layout, building)
		if err != nil {
			return nil, err
		}
		if leaf(elem) == nil {
			return nil, fmt.Errorf("type %s is not supported: a slice holds single values", t)
		}
		return &node{typ: t, kind: listNode, elem: elem}, nil
	case reflect.Struct:
		if n, ok := building[t]; ok {
			return n, nil
		}
		if c, ok := structCache.Load(t); ok {
			if n, ok := c.(*node); ok {
				return n, nil
			}
		}
		return analyseStruct(t, building)
	case reflect.String:
		return &node{typ: t, kind: leafNode, parse: parseString, text: true}, nil
	case reflect.Bool:
		return &node{typ: t, kind: leafNode, parse: parseBool}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &node{typ: t, kind: leafNode, parse: parseInt}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &node{typ: t, kind: leafNode, parse: parseUint}, nil
	case reflect.Float32, reflect.Float64:
		return &node{typ: t, kind: leafNode, parse: parseFloat}, nil
	}
	return nil, fmt.Errorf("type %s is not supported", t)
}

// leaf returns the leaf a node holds directly or through pointers, or nil.
func leaf(n *node) *node {
	for n.kind == ptrNode {
		n = n.elem
	}
	if n.kind == leafNode {
		return n
	}
	return nil
}

// analyseStruct builds the node of struct type t.
func analyseStruct(t reflect.Type, building map[reflect.Type]*node) (*node, error) {
	n := &node{typ: t, kind: groupNode, fields: map[string]*field{}}
	building[t] = n
	var embedded []reflect.StructField
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, tagged := sf.Tag.Lookup("form")
		if tag == "-" {
			continue
		}
		if sf.Anonymous && !tagged {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && !isLeafType(ft) {
				if sf.IsExported() || sf.Type.Kind() == reflect.Struct {
					embedded = append(embedded, sf)
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		name := tag
		if name == "" {
			name = sf.Name
		}
		if strings.ContainsAny(name, "[]") {
			return nil, fmt.Errorf("form: %s.%s: the name %q has brackets; nest a struct instead", t, sf.Name, name)
		}
		layout := sf.Tag.Get("layout")
		if layout != "" && !holdsTime(sf.Type) {
			return nil, fmt.Errorf("form: %s.%s: a layout tag on type %s, which holds no time.Time", t, sf.Name, sf.Type)
		}
		fn, err := analyse(sf.Type, layout, building)
		if err != nil {
			return nil, fmt.Errorf("form: %s.%s: %w", t, sf.Name, unwrapForm(err))
		}
		if _, dup := n.fields[name]; dup {
			return nil, fmt.Errorf("form: %s: two fields are named %q", t, name)
		}
		n.fields[name] = &field{path: []int{i}, node: fn}
	}
	// Promoted fields: the outer struct's own fields win; two embedded structs promoting
	// the same name is an error.
	promoted := map[string]bool{}
	for _, sf := range embedded {
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if _, ok := building[ft]; ok {
			continue // a struct embedding itself, through pointers: nothing more to promote
		}
		en, err := analyse(ft, "", building)
		if err != nil {
			return nil, err
		}
		for name, f := range en.fields {
			if _, own := n.fields[name]; own && !promoted[name] {
				continue
			}
			if promoted[name] {
				return nil, fmt.Errorf("form: %s: two embedded structs promote a field named %q", t, name)
			}
			promoted[name] = true
			n.fields[name] = &field{path: append([]int{sf.Index[0]}, f.path...), node: f.node}
		}
	}
	delete(building, t)
	return n, nil
}

// holdsTime reports whether t is a time.Time, or pointers or a slice of them.
func holdsTime(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t == timeType
}

// isLeafType reports whether struct type t decodes from one value.
func isLeafType(t reflect.Type) bool {
	return t == timeType || reflect.PointerTo(t).Implements(textUnmarshalerType)
}

// unwrapForm drops the "form: " prefix of a nested analysis error.
func unwrapForm(err error) error {
	if s, ok := strings.CutPrefix(err.Error(), "form: "); ok {
		return errors.New(s)
	}
	return err
}

// decoder holds the state of one Decode.
type decoder struct {
	errs  Errors
	lists map[string]bool // the lists already reset by this Decode, by field name
}

// key decodes one key of the form into root.
func (d *decoder) key(root reflect.Value, n *node, key string, vals []string) {
	base, rest := key, ""
	if i := strings.IndexByte(key, '['); i >= 0 {
		base, rest = key[:i], key[i:]
	}
	f := n.fields[base]
	if f == nil {
		return
	}
	if !wellFormed(rest) {
		d.errs.Add(base, "has a malformed name")
		return
	}
	d.set(fieldValue(root, f.path), f.node, base, rest, vals)
}

// wellFormed reports whether rest is a sequence of "[segment]", where only the last
// segment may be empty.
func wellFormed(rest string) bool {
	for rest != "" {
		if rest[0] != '[' {
			return false
		}
		end := strings.IndexAny(rest[1:], "[]")
		if end < 0 || rest[1+end] != ']' {
			return false
		}
		if end == 0 && len(rest) > 2 {
			return false // "[]" in the middle
		}
		rest = rest[end+2:]
	}
	return true
}

// next splits a well-formed rest into its first segment and the rest.
func next(rest string) (seg, after string) {
	end := strings.IndexByte(rest, ']')
	return rest[1:end], rest[end+1:]
}

// fieldValue returns the field at path in struct v, allocating embedded pointers on the
// way.
func fieldValue(v reflect.Value, path []int) reflect.Value {
	for i, idx := range path {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(idx)
	}
	return v
}

// set decodes vals, the values of a key whose remaining segments are rest, into v of node
// n; name is the field's name in the form so far. It reports whether v was set.
func (d *decoder) set(v reflect.Value, n *node, name, rest string, vals []string) bool {
	switch n.kind {
	case ptrNode:
		if l := leaf(n); l != nil && rest == "" {
			if len(vals) == 0 {
				return false
			}
			if blank(l, vals[len(vals)-1]) {
				v.SetZero()
				return true
			}
		}
		p := v
		if v.IsNil() {
			p = reflect.New(n.typ.Elem())
		}
		if !d.set(p.Elem(), n.elem, name, rest, vals) {
			return false
		}
		v.Set(p)
		return true
	case groupNode:
		if rest == "" {
			d.errs.Add(name, "must be a group of fields")
			return false
		}
		seg, after := next(rest)
		if seg == "" {
			d.errs.Add(name, "must be a group of fields")
			return false
		}
		f := n.fields[seg]
		if f == nil {
			return false // an unknown field, or a _unused_ key: ignored
		}
		return d.set(fieldValue(v, f.path), f.node, name+"["+seg+"]", after, vals)
	case listNode:
		if rest != "" && rest != "[]" {
			d.errs.Add(name, "must be a list of values")
			return false
		}
		if d.lists == nil {
			d.lists = map[string]bool{}
		}
		if !d.lists[name] {
			d.lists[name] = true
			v.SetZero()
		}
		l := leaf(n.elem)
		for _, s := range vals {
			if blank(l, s) {
				continue
			}
			e := reflect.New(n.elem.typ).Elem()
			if msg, cause := d.parseInto(e, n.elem, s); msg != "" {
				d.errs.add(name, "each value "+msg, cause)
				continue
			}
			v.Set(reflect.Append(v, e))
		}
		return true
	default: // leafNode
		if rest != "" {
			d.errs.Add(name, "must be a single value")
			return false
		}
		if len(vals) == 0 {
			return false
		}
		s := vals[len(vals)-1]
		if blank(n, s) {
			v.SetZero()
			return true
		}
		tmp := reflect.New(n.typ).Elem()
		if msg, cause := n.parse(tmp, clean(n, s)); msg != "" {
			d.errs.add(name, msg, cause)
			return false
		}
		v.Set(tmp)
		return true
	}
}

// parseInto parses the non-blank s into e, a list element: a leaf or pointers to one.
func (d *decoder) parseInto(e reflect.Value, n *node, s string) (string, error) {
	for n.kind == ptrNode {
		e.Set(reflect.New(n.typ.Elem()))
		e, n = e.Elem(), n.elem
	}
	return n.parse(e, clean(n, s))
}

// blank reports whether s is an empty value for leaf l (the leaf under any pointers).
func blank(l *node, s string) bool {
	if l = leaf(l); l != nil && !l.text {
		return strings.TrimSpace(s) == ""
	}
	return s == ""
}

// clean trims the value of a leaf that is not text.
func clean(n *node, s string) string {
	if n.text {
		return s
	}
	return strings.TrimSpace(s)
}

func parseString(v reflect.Value, s string) (string, error) {
	v.SetString(strings.ToValidUTF8(s, "\uFFFD"))
	return "", nil
}

func parseBool(v reflect.Value, s string) (string, error) {
	switch strings.ToLower(s) {
	case "false", "off", "0":
		v.SetBool(false)
	default:
		v.SetBool(true)
	}
	return "", nil
}

func parseInt(v reflect.Value, s string) (string, error) {
	bits := v.Type().Bits()
	n, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
			return fmt.Sprintf("must be between %d and %d", lo, hi), err
		}
		return "must be a whole number", err
	}
	v.SetInt(n)
	return "", nil
}

func parseUint(v reflect.Value, s string) (string, error) {
	bits := v.Type().Bits()
	n, err := strconv.ParseUint(s, 10, bits)
	if err != nil {
		_, ierr := strconv.ParseInt(s, 10, 64)
		neg := strings.HasPrefix(s, "-") && (ierr == nil || errors.Is(ierr, strconv.ErrRange))
		if errors.Is(err, strconv.ErrRange) || neg {
			return fmt.Sprintf("must be between 0 and %d", uint64(math.MaxUint64)>>(64-bits)), err
		}
		return "must be a whole number", err
	}
	v.SetUint(n)
	return "", nil
}

func parseFloat(v reflect.Value, s string) (string, error) {
	// Decimal notation only: no NaN, Inf, hexadecimal or underscores.
	if strings.Trim(s, "0123456789+-.eE") != "" {
		return "must be a number", &strconv.NumError{Func: "ParseFloat", Num: s, Err: strconv.ErrSyntax}
	}
	f, err := strconv.ParseFloat(s, v.Type().Bits())
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return "is out of range", err
		}
		return "must be a number", err
	}
	v.SetFloat(f)
	return "", nil
}

func parseText(v reflect.Value, s string) (string, error) {
	if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
		return "is not valid", err
	}
	return "", nil
}

// The layouts of the HTML inputs' values. Go's parser accepts fractional seconds after
// the seconds, which datetime-local and time send with a step under a second.
var (
	dateLayouts          = []string{"2006-01-02"}
	datetimeLocalLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}
	timeLayouts          = []string{"15:04", "15:04:05"}
)

// timeParser returns the parser for a time.Time with the given layout tag.
func timeParser(layout string) parser {
	var layouts []string
	msg := ""
	switch layout {
	case "":
		layouts = slices.Concat(dateLayouts, datetimeLocalLayouts, timeLayouts)
		msg = "must be a date or a time"
	case "date":
		layouts, msg = dateLayouts, "must be a date"
	case "datetime-local":
		layouts, msg = datetimeLocalLayouts, "must be a date and time"
	case "time":
		layouts, msg = timeLayouts, "must be a time"
	default:
		layouts, msg = []string{layout}, "must be formatted like "+layout
	}
	return func(v reflect.Value, s string) (string, error) {
		var first error
		for _, l := range layouts {
			t, err := time.Parse(l, s)
			if err == nil {
				v.Set(reflect.ValueOf(t))
				return "", nil
			}
			if first == nil {
				first = err
			}
		}
		return msg, first
	}
}
