package render

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"text/template/parse"
)

// Execution follows text/template's semantics (text/template/exec.go): the same
// evaluation of pipelines, fields, methods, functions and arguments, the same variable
// scoping, the same truth and range rules and the same error messages. Where text/template
// writes, it fills the slots of the compiled bodies instead.

// maxExecDepth bounds template recursion, as in text/template.
const maxExecDepth = 100000

type missingKey int32

const (
	missingInvalid missingKey = iota
	missingZero
	missingError
)

type variable struct {
	name  string
	value reflect.Value
}

// state is the state of one execution of one template body (a template call gets its
// own, as in text/template).
type state struct {
	prog    *program
	node    parse.Node
	vars    []variable
	depth   int
	funcs   map[string]reflect.Value
	missing missingKey
	escArg  [1]any // reused argument list for escaper calls
}

// control says how a body ended.
type control uint8

const (
	ctrlNone control = iota
	ctrlBreak
	ctrlContinue
)

// execError carries an execution error by panic inside the engine; it is returned at
// the boundary. The error is a text/template ExecError, as text/template's errorf makes
// it: html/template returns those for execution errors.
type execError struct{ err texttemplate.ExecError }

// run executes p, a program escaped and compiled as an entry point, on data.
func (p *program) run(data any) (r *Rendered, err error) {
	ns := p.ns
	value, ok := data.(reflect.Value)
	if !ok {
		value = reflect.ValueOf(data)
	}
	s := statePool.Get().(*state)
	s.prog, s.funcs, s.missing = p, ns.funcs.Load().m, missingKey(ns.missing.Load())
	s.vars = append(s.vars[:0], variable{"$", value})
	defer s.recoverError(&err)
	out := newRendered(p.body) // not r: a failed execution returns no tree
	s.runBody(value, p.body, out.Dynamics)
	s.release()
	return out, nil
}

// statePool recycles execution states (an execution that fails is not recycled).
var statePool = sync.Pool{New: func() any { return &state{vars: make([]variable, 0, 8)} }}

// release returns s to statePool, keeping no reference to the data it ran on.
func (s *state) release() {
	vars := s.vars
	if cap(vars) > 64 {
		vars = nil
	}
	clear(vars[:cap(vars)])
	*s = state{vars: vars[:0]}
	statePool.Put(s)
}

// recoverError turns an execution error, or any panic that escaped the recovery around
// user code, into an error naming the template: a text/template ExecError either way.
// (text/template would let such a panic through; render never panics into its caller.)
func (s *state) recoverError(errp *error) {
	e := recover()
	if e == nil {
		return
	}
	if ee, ok := e.(execError); ok {
		*errp = ee.err
		return
	}
	buf := make([]byte, 4096)
	buf = buf[:runtime.Stack(buf, false)]
	*errp = texttemplate.ExecError{
		Name: s.prog.name,
		Err:  fmt.Errorf("template: %s: internal error: %v\n%s", s.prog.name, e, buf),
	}
}

func doublePercent(str string) string {
	return strings.ReplaceAll(str, "%", "%%")
}

func (s *state) at(n parse.Node) { s.node = n }

// errorf stops execution with an ExecError formatted as text/template formats it.
func (s *state) errorf(format string, args ...any) {
	name := doublePercent(s.prog.name)
	if s.node == nil {
		format = fmt.Sprintf("template: %s: %s", name, format)
	} else {
		location, context := s.prog.tree.ErrorContext(s.node)
		format = fmt.Sprintf("template: %s: executing %q at <%s>: %s", location, name, doublePercent(context), format)
	}
	panic(execError{texttemplate.ExecError{Name: s.prog.name, Err: fmt.Errorf(format, args...)}})
}

func (s *state) push(name string, v reflect.Value) { s.vars = append(s.vars, variable{name, v}) }
func (s *state) mark() int                         { return len(s.vars) }
func (s *state) pop(mark int)                      { s.vars = s.vars[:mark] }

func (s *state) setVar(name string, v reflect.Value) {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			s.vars[i].value = v
			return
		}
	}
	s.errorf("undefined variable: %s", name)
}

func (s *state) setTopVar(n int, v reflect.Value) { s.vars[len(s.vars)-n].value = v }

func (s *state) varValue(name string) reflect.Value {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			return s.vars[i].value
		}
	}
	s.errorf("undefined variable: %s", name)
	return reflect.Value{}
}

// runBody executes b with dot, filling dyn (len b.nslots). Slots after a break or
// continue are left as empty strings.
func (s *state) runBody(dot reflect.Value, b *body, dyn []Dynamic) control {
	for _, o := range b.ops {
		s.at(o.node)
		switch o.kind {
		case opAction:
			dyn[o.slot] = s.action(dot, o)
		case opDecl:
			if o.pipe == nil {
				s.errorf("unknown node: %s", o.node)
			}
			s.evalPipeline(dot, o.pipe)
		case opText:
			dyn[o.slot] = Dynamic{Str: o.text}
		case opIf, opWith:
			c := s.ifOrWith(dot, o, &dyn[o.slot])
			if c != ctrlNone {
				return c
			}
		case opRange:
			c := s.rangeOp(dot, o, &dyn[o.slot])
			if c != ctrlNone {
				return c
			}
		case opTemplate:
			dyn[o.slot] = s.templateCall(dot, o)
		case opBreak:
			return ctrlBreak
		case opContinue:
			return ctrlContinue
		}
	}
	return ctrlNone
}

// tree executes b into a new node.
func (s *state) tree(dot reflect.Value, b *body) (Dynamic, control) {
	r := newRendered(b)
	c := s.runBody(dot, b, r.Dynamics)
	return Dynamic{Kind: KindTree, Tree: r}, c
}

// newRendered allocates a node for b, with its dynamics in the same allocation when
// they are few.
func newRendered(b *body) *Rendered {
	switch b.nslots {
	case 0:
		return &Rendered{Statics: b.statics, Dynamics: []Dynamic{}}
	case 1:
		x := &struct {
			r Rendered
			d [1]Dynamic
		}{}
		x.r = Rendered{Statics: b.statics, Dynamics: x.d[:]}
		return &x.r
	case 2:
		x := &struct {
			r Rendered
			d [2]Dynamic
		}{}
		x.r = Rendered{Statics: b.statics, Dynamics: x.d[:]}
		return &x.r
	case 3:
		x := &struct {
			r Rendered
			d [3]Dynamic
		}{}
		x.r = Rendered{Statics: b.statics, Dynamics: x.d[:]}
		return &x.r
	case 4:
		x := &struct {
			r Rendered
			d [4]Dynamic
		}{}
		x.r = Rendered{Statics: b.statics, Dynamics: x.d[:]}
		return &x.r
	}
	return &Rendered{Statics: b.statics, Dynamics: make([]Dynamic, b.nslots)}
}

func (s *state) ifOrWith(dot reflect.Value, o *op, slot *Dynamic) control {
	defer s.pop(s.mark())
	val := s.evalPipeline(dot, o.pipe)
	truth, ok := isTrue(indirectInterface(val))
	if !ok {
		s.errorf("if/with can't use %v", val)
	}
	var c control
	switch {
	case truth && o.kind == opWith:
		*slot, c = s.tree(val, o.list)
	case truth:
		*slot, c = s.tree(dot, o.list)
	case o.elseList != nil:
		*slot, c = s.tree(dot, o.elseList)
	}
	return c
}

func (s *state) templateCall(dot reflect.Value, o *op) Dynamic {
	p := o.callee.Load()
	if p == nil {
		p = s.prog.ns.callee(o.tmpl)
		if p == nil {
			s.errorf("template %q not defined", o.tmpl)
		}
		o.callee.Store(p)
	}
	if s.depth == maxExecDepth {
		s.errorf("exceeded maximum template depth (%v)", maxExecDepth)
	}
	dot = s.evalPipeline(dot, o.pipe)
	if m := snapshotOf(dot); m != nil {
		return s.snapshotCall(dot, p, m)
	}
	var key any
	if dot.IsValid() && dot.CanInterface() && plainValue(dot.Type()) && p.pure() {
		key = dot.Interface()
		if t := o.memo.get(key); t != nil {
			return Dynamic{Kind: KindTree, Tree: t}
		}
	}
	d := s.call(dot, p)
	if key != nil && d.Kind == KindTree && d.Tree != nil {
		o.memo.put(key, d.Tree)
	}
	return d
}

// call executes the called template p with dot, in a state of its own (as text/template
// gives every call), taken from statePool. A failing call leaves its state to the
// garbage collector.
func (s *state) call(dot reflect.Value, p *program) Dynamic {
	ns := statePool.Get().(*state)
	ns.prog, ns.depth, ns.funcs, ns.missing = p, s.depth+1, s.funcs, s.missing
	ns.vars = append(ns.vars[:0], variable{"$", dot})
	d, _ := ns.tree(dot, p.body)
	ns.release()
	return d
}

// snapshotCall executes p with a Snapshot as its dot, once per snapshot (see Snapshot).
func (s *state) snapshotCall(dot reflect.Value, p *program, m *snapshotMemo) Dynamic {
	if t := m.get(p); t != nil {
		return Dynamic{Kind: KindTree, Tree: t, shared: true}
	}
	d := s.call(dot, p)
	if what := perViewSlot(d.Tree); what != "" {
		s.errorf("template %q is called with a Snapshot and renders %s, which belongs to one view", p.name, what)
	}
	return Dynamic{Kind: KindTree, Tree: m.put(p, d.Tree), shared: true}
}

// action evaluates an output action: the user's pipeline, then html/template's escapers.
func (s *state) action(dot reflect.Value, o *op) Dynamic {
	v := missingVal // compileAction leaves at least one user command
	for _, cmd := range o.user {
		v = s.evalCommand(dot, cmd, v)
		if v.Kind() == reflect.Interface && v.Type().NumMethod() == 0 {
			v = v.Elem()
		}
	}
	switch o.escKind {
	case escHTML:
		if v.IsValid() {
			switch v.Type() {
			case stringType:
				return Dynamic{Str: escapeHTMLFast(v.String())}
			case intType, int64Type, int32Type:
				return Dynamic{Str: strconv.FormatInt(v.Int(), 10)}
			case uintType, uint64Type:
				return Dynamic{Str: strconv.FormatUint(v.Uint(), 10)}
			case componentRefType:
				if o.textContext {
					return Dynamic{Kind: KindComponent, CID: int(v.Int())}
				}
			}
		}
	case escNone:
		s.at(o.node)
		iface, ok := printableValue(v)
		if !ok {
			s.errorf("can't print %s of type %s", o.node, v.Type())
		}
		return Dynamic{Str: fmt.Sprint(iface)}
	}
	var arg any
	if v.IsValid() {
		if !v.CanInterface() {
			s.errorf("error calling %s: value obtained using unexported field", o.escNames[0])
		}
		arg = v.Interface()
	}
	var out string
	for i, e := range o.esc {
		switch {
		case i > 0 && o.escHTMLAt[i]:
			// The input is the plain string the previous escaper returned.
			out = escapeHTMLFast(out)
		case i > 0:
			out = s.escape(e, o.escNames[i], out)
		default:
			out = s.escape(e, o.escNames[i], arg)
		}
	}
	return Dynamic{Str: out}
}

// htmlSpecial are the bytes html/template's HTML and attribute escapers change in a
// plain string; a string without them is its own escaping.
const htmlSpecial = "\x00\"&'+<>"

// escape calls an html/template escaper, turning a panic (from a user String or Error
// method) into an execution error as text/template's safeCall does.
func (s *state) escape(fn escaperFunc, name string, arg any) (out string) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				s.errorf("error calling %s: %w", name, e)
			}
			s.errorf("error calling %s: %v", name, r)
		}
	}()
	s.escArg[0] = arg
	out = fn(s.escArg[:]...)
	s.escArg[0] = nil
	return out
}

// escapeHTMLFast is escapeHTMLString without allocating for strings that need no
// escaping.
func escapeHTMLFast(str string) string {
	if !strings.ContainsAny(str, htmlSpecial) {
		return str
	}
	return escapeHTMLString(str)
}

// escapeHTMLString is what html/template's htmlescaper and attrescaper produce for a
// plain string: every special byte replaced by its entity (NUL by U+FFFD). All special
// bytes are ASCII, and bytes of multi-byte or invalid UTF-8 are never ASCII, so a
// byte-wise scan makes the same replacements as html/template's rune-wise one
// (TestEscapeHTMLString checks this against the real escaper).
func escapeHTMLString(str string) string {
	n := len(str)
	for i := 0; i < len(str); i++ {
		n += len(htmlEntity(str[i])) - 1
	}
	var b strings.Builder
	b.Grow(n)
	last := 0
	for i := 0; i < len(str); i++ {
		if e := htmlEntity(str[i]); len(e) != 1 {
			b.WriteString(str[last:i])
			b.WriteString(e)
			last = i + 1
		}
	}
	b.WriteString(str[last:])
	return b.String()
}

// htmlEntity returns the replacement of byte c in an escaped HTML string, or a
// one-byte string when c stays.
func htmlEntity(c byte) string {
	switch c {
	case 0:
		return "\uFFFD"
	case '"':
		return "&#34;"
	case '&':
		return "&amp;"
	case '\'':
		return "&#39;"
	case '+':
		return "&#43;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	}
	return "."
}

var (
	stringType       = reflect.TypeFor[string]()
	intType          = reflect.TypeFor[int]()
	int64Type        = reflect.TypeFor[int64]()
	int32Type        = reflect.TypeFor[int32]()
	uintType         = reflect.TypeFor[uint]()
	uint64Type       = reflect.TypeFor[uint64]()
	componentRefType = reflect.TypeFor[ComponentRef]()
	keyerType        = reflect.TypeFor[Keyer]()
	errorType        = reflect.TypeFor[error]()
	fmtStringerType  = reflect.TypeFor[fmt.Stringer]()
	reflectValueType = reflect.TypeFor[reflect.Value]()
)

// printableValue mirrors text/template's rule for printing a value.
func printableValue(v reflect.Value) (any, bool) {
	if v.Kind() == reflect.Pointer {
		v, _ = indirect(v)
	}
	if !v.IsValid() {
		return "<no value>", true
	}
	if !v.Type().Implements(errorType) && !v.Type().Implements(fmtStringerType) {
		if v.CanAddr() && (reflect.PointerTo(v.Type()).Implements(errorType) || reflect.PointerTo(v.Type()).Implements(fmtStringerType)) {
			v = v.Addr()
		} else {
			switch v.Kind() {
			case reflect.Chan, reflect.Func:
				return nil, false
			}
		}
	}
	return v.Interface(), true
}

// isTrue mirrors text/template's truth.
func isTrue(val reflect.Value) (truth, ok bool) {
	if !val.IsValid() {
		return false, true
	}
	switch val.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		truth = val.Len() > 0
	case reflect.Bool:
		truth = val.Bool()
	case reflect.Complex64, reflect.Complex128:
		truth = val.Complex() != 0
	case reflect.Chan, reflect.Func, reflect.Pointer, reflect.UnsafePointer, reflect.Interface:
		truth = !val.IsNil()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		truth = val.Int() != 0
	case reflect.Float32, reflect.Float64:
		truth = val.Float() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		truth = val.Uint() != 0
	case reflect.Struct:
		truth = true
	default:
		return false, false
	}
	return truth, true
}

func indirect(v reflect.Value) (rv reflect.Value, isNil bool) {
	for ; v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface; v = v.Elem() {
		if v.IsNil() {
			return v, true
		}
	}
	return v, false
}

func indirectInterface(v reflect.Value) reflect.Value {
	if v.Kind() != reflect.Interface {
		return v
	}
	if v.IsNil() {
		return reflect.Value{}
	}
	return v.Elem()
}

var errUnreachable = errors.New("unreachable")
