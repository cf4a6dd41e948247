package render

import (
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"text/template/parse"
)

// Change tracking for {{template}} calls. A called template's output depends on nothing
// but its argument when the template calls no function other than the pure builtins and
// html/template's escapers, and the argument is a plain value: booleans, integers, strings,
// and arrays and structs of them (no floats: 0 and -0 are equal but print differently), with
// no methods (so that a field cannot be a method call
// with effects), no pointers, maps, slices, interfaces, channels or functions (so that
// nothing can change behind it), and no ComponentRef (whose slot the live runtime
// rewrites). Such a call site keeps the trees it rendered by argument value and hands the
// same tree out again for an equal argument, without executing the template: the output is
// the same, and a diff sees the same tree and skips it at once.

// maxMemoEntries bounds the trees one call site keeps; past it, it starts over.
const maxMemoEntries = 1024

// callMemo is a call site's trees by argument value.
type callMemo struct {
	mu    sync.Mutex
	trees map[any]*Rendered
}

func (m *callMemo) get(key any) *Rendered {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.trees[key]
}

func (m *callMemo) put(key any, t *Rendered) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.trees == nil || len(m.trees) >= maxMemoEntries {
		m.trees = make(map[any]*Rendered)
	}
	m.trees[key] = t
}

// pureTypes caches plainValue per type.
var pureTypes sync.Map // reflect.Type -> bool

// plainValue reports whether values of t are plain in the sense above.
func plainValue(t reflect.Type) bool {
	if v, ok := pureTypes.Load(t); ok {
		return v.(bool)
	}
	ok := plainType(t, 0)
	pureTypes.Store(t, ok)
	return ok
}

func plainType(t reflect.Type, depth int) bool {
	if depth > 16 || t.NumMethod() > 0 || reflect.PointerTo(t).NumMethod() > 0 || t == componentRefType {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.String:
		return true
	case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		// 0 and -0 are equal and print differently; NaN is never equal.
		return false
	case reflect.Array:
		return plainType(t.Elem(), depth+1)
	case reflect.Struct:
		for i := range t.NumField() {
			if !plainType(t.Field(i).Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// pureFuncs are the builtins whose results depend on their arguments only.
var pureFuncs = map[string]bool{
	"and": true, "or": true, "not": true, "len": true, "index": true, "slice": true,
	"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"print": true, "printf": true, "println": true, "html": true, "js": true, "urlquery": true,
}

// pure reports whether p's output depends on its dot only (see above), computing it once.
func (p *program) pure() bool {
	switch p.purity.Load() {
	case purityYes:
		return true
	case purityNo:
		return false
	}
	ok := p.ns.pureTree(p.tree.Root, map[string]bool{p.name: true})
	if ok {
		p.purity.Store(purityYes)
	} else {
		p.purity.Store(purityNo)
	}
	return ok
}

const (
	purityUnknown int32 = iota
	purityYes
	purityNo
)

// pureTree walks a template tree; visiting holds the templates being walked, a call of
// which (recursion) counts as impure.
func (ns *namespace) pureTree(n parse.Node, visiting map[string]bool) bool {
	switch n := n.(type) {
	case nil:
		return true
	case *parse.ListNode:
		if n == nil {
			return true
		}
		for _, c := range n.Nodes {
			if !ns.pureTree(c, visiting) {
				return false
			}
		}
		return true
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
		return true
	case *parse.ActionNode:
		return ns.purePipe(n.Pipe, visiting)
	case *parse.IfNode:
		return ns.purePipe(n.Pipe, visiting) && ns.pureTree(n.List, visiting) && ns.pureTree(n.ElseList, visiting)
	case *parse.RangeNode:
		return ns.purePipe(n.Pipe, visiting) && ns.pureTree(n.List, visiting) && ns.pureTree(n.ElseList, visiting)
	case *parse.WithNode:
		return ns.purePipe(n.Pipe, visiting) && ns.pureTree(n.List, visiting) && ns.pureTree(n.ElseList, visiting)
	case *parse.TemplateNode:
		if visiting[n.Name] || !ns.purePipe(n.Pipe, visiting) {
			return false
		}
		callee := ns.callee(n.Name)
		if callee == nil {
			return false
		}
		visiting[n.Name] = true
		defer delete(visiting, n.Name)
		return ns.pureTree(callee.tree.Root, visiting)
	}
	return false
}

func (ns *namespace) purePipe(p *parse.PipeNode, visiting map[string]bool) bool {
	if p == nil {
		return true
	}
	user := ns.funcs.Load().m
	for _, cmd := range p.Cmds {
		for _, arg := range cmd.Args {
			switch a := arg.(type) {
			case *parse.IdentifierNode:
				name := a.Ident
				if strings.HasPrefix(name, "_html_template_") {
					continue
				}
				if !pureFuncs[name] {
					return false
				}
				// A builtin the application redefined with Funcs is the application's.
				if _, ok := user[name]; ok {
					return false
				}
			case *parse.PipeNode:
				if !ns.purePipe(a, visiting) {
					return false
				}
			case *parse.ChainNode:
				if _, ok := a.Node.(*parse.PipeNode); ok && !ns.purePipe(a.Node.(*parse.PipeNode), visiting) {
					return false
				}
			}
		}
	}
	return true
}

// purityFlag is embedded in program: whether its output depends on its dot only.
type purityFlag struct {
	purity atomic.Int32
}
