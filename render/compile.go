package render

import (
	"reflect"
	"strings"
	"sync/atomic"
	"text/template/parse"
)

// A program is one escaped template compiled into bodies of shared statics and ops.
type program struct {
	name string
	tree *parse.Tree
	ns   *namespace
	body *body
	// strs holds the values of the string constants in the tree, made once so that
	// using a constant does not allocate.
	strs       map[*parse.StringNode]reflect.Value
	purityFlag // whether its output depends on its dot only (memo.go)
}

// A body is a list of nodes (a template, a branch, a range body) compiled into statics
// and the ops that fill its slots.
type body struct {
	statics *Statics
	ops     []*op
	nslots  int
}

type opKind uint8

const (
	opAction   opKind = iota // slot: the escaped value of a pipeline
	opDecl                   // no slot: a pipeline that declares or assigns variables
	opText                   // slot: text that a break or continue may cut off
	opIf                     // slot: tree of the chosen branch
	opWith                   // slot: tree of the chosen branch
	opRange                  // slot: comprehension, or tree of the else branch
	opTemplate               // slot: tree of the called template
	opBreak                  // no slot
	opContinue               // no slot
)

// An op is one step of a body.
type op struct {
	kind opKind
	slot int // index into the body's dynamics; -1 for none
	node parse.Node
	pipe *parse.PipeNode

	// Actions: the user's commands, then the escaper commands html/template appended.
	user     []*parse.CommandNode
	esc      []escaperFunc
	escNames []string
	// escHTMLAt[i]: escaper i is the HTML text or attribute escaper, which agree on
	// plain strings.
	escHTMLAt []bool
	escKind   escKind
	// textContext: the escaper chain is exactly the HTML text escaper, so the action
	// sits in HTML text, where a ComponentRef may stand.
	textContext bool

	text           string // opText
	list, elseList *body  // opIf, opWith, opRange
	tmpl           string // opTemplate: callee name
	callee         atomic.Pointer[program]
	memo           callMemo // opTemplate: trees by argument, for a pure callee (memo.go)
}

// escKind classifies an action's escaper chain for fast paths.
type escKind uint8

const (
	escOther escKind = iota
	escNone          // no escapers: printed as text/template prints
	escHTML          // exactly one of htmlescaper or attrescaper, which agree on plain strings
)

func compile(ns *namespace, tree *parse.Tree) *program {
	p := &program{name: tree.Name, tree: tree, ns: ns, body: compileList(tree.Root)}
	p.strs = map[*parse.StringNode]reflect.Value{}
	collectStrings(tree.Root, p.strs)
	return p
}

// collectStrings records the value of every string constant under n.
func collectStrings(n parse.Node, m map[*parse.StringNode]reflect.Value) {
	switch n := n.(type) {
	case *parse.StringNode:
		m[n] = reflect.ValueOf(n.Text)
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				collectStrings(c, m)
			}
		}
	case *parse.ActionNode:
		collectStrings(n.Pipe, m)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				collectStrings(c, m)
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			collectStrings(a, m)
		}
	case *parse.ChainNode:
		collectStrings(n.Node, m)
	case *parse.IfNode:
		collectBranch(&n.BranchNode, m)
	case *parse.WithNode:
		collectBranch(&n.BranchNode, m)
	case *parse.RangeNode:
		collectBranch(&n.BranchNode, m)
	case *parse.TemplateNode:
		collectStrings(n.Pipe, m)
	}
}

func collectBranch(b *parse.BranchNode, m map[*parse.StringNode]reflect.Value) {
	collectStrings(b.Pipe, m)
	collectStrings(b.List, m)
	if b.ElseList != nil {
		collectStrings(b.ElseList, m)
	}
}

// str returns the value of a string constant.
func (p *program) str(n *parse.StringNode) reflect.Value {
	if v, ok := p.strs[n]; ok {
		return v
	}
	return reflect.ValueOf(n.Text)
}

func compileList(list *parse.ListNode) *body {
	b := &body{}
	if list == nil {
		b.statics = NewStatics("")
		return b
	}
	var parts []string
	var cur strings.Builder
	// After an op that may break or continue, text is no longer static: if the loop is
	// cut short, the rest of the body must produce nothing.
	cut := false
	addSlot := func(o *op) {
		o.slot = b.nslots
		b.nslots++
		parts = append(parts, cur.String())
		cur.Reset()
		b.ops = append(b.ops, o)
	}
	for _, n := range list.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			if cut {
				addSlot(&op{kind: opText, node: n, text: string(n.Text)})
			} else {
				cur.Write(n.Text)
			}
		case *parse.CommentNode:
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 {
				b.ops = append(b.ops, &op{kind: opDecl, slot: -1, node: n, pipe: n.Pipe, user: n.Pipe.Cmds})
				continue
			}
			addSlot(compileAction(n))
		case *parse.IfNode:
			addSlot(&op{kind: opIf, node: n, pipe: n.Pipe, list: compileList(n.List), elseList: compileElse(n.ElseList)})
			cut = cut || mayCut(n)
		case *parse.WithNode:
			addSlot(&op{kind: opWith, node: n, pipe: n.Pipe, list: compileList(n.List), elseList: compileElse(n.ElseList)})
			cut = cut || mayCut(n)
		case *parse.RangeNode:
			addSlot(&op{kind: opRange, node: n, pipe: n.Pipe, list: compileList(n.List), elseList: compileElse(n.ElseList)})
			cut = cut || mayCut(n)
		case *parse.TemplateNode:
			addSlot(&op{kind: opTemplate, node: n, pipe: n.Pipe, tmpl: n.Name})
		case *parse.BreakNode:
			b.ops = append(b.ops, &op{kind: opBreak, slot: -1, node: n})
			cut = true
		case *parse.ContinueNode:
			b.ops = append(b.ops, &op{kind: opContinue, slot: -1, node: n})
			cut = true
		default:
			// The parser produces no other node in a list; keep the text/template error.
			b.ops = append(b.ops, &op{kind: opDecl, slot: -1, node: n})
		}
	}
	parts = append(parts, cur.String())
	b.statics = &Statics{parts: parts, fp: fingerprint(parts)}
	return b
}

func compileElse(list *parse.ListNode) *body {
	if list == nil {
		return nil
	}
	return compileList(list)
}

// compileAction splits an action's pipeline into the user's commands and the trailing
// escaper commands that html/template appended.
func compileAction(n *parse.ActionNode) *op {
	o := &op{kind: opAction, node: n, pipe: n.Pipe}
	cmds := n.Pipe.Cmds
	i := len(cmds)
	for i > 1 {
		c := cmds[i-1]
		if len(c.Args) != 1 {
			break
		}
		id, ok := c.Args[0].(*parse.IdentifierNode)
		if !ok || !strings.HasPrefix(id.Ident, "_html_template_") || escapers[id.Ident] == nil {
			break
		}
		i--
	}
	o.user = cmds[:i]
	for _, c := range cmds[i:] {
		name := c.Args[0].(*parse.IdentifierNode).Ident
		o.esc = append(o.esc, escapers[name])
		o.escNames = append(o.escNames, name)
		o.escHTMLAt = append(o.escHTMLAt, name == "_html_template_htmlescaper" || name == "_html_template_attrescaper")
	}
	switch {
	case len(cmds[i:]) == 0:
		o.escKind = escNone
	case len(cmds[i:]) == 1:
		switch cmds[i].Args[0].(*parse.IdentifierNode).Ident {
		case "_html_template_htmlescaper":
			o.escKind = escHTML
			o.textContext = true
		case "_html_template_attrescaper":
			o.escKind = escHTML
		}
	}
	return o
}

// mayCut reports whether executing n may break or continue the enclosing range. A
// range's own body binds its breaks; its else branch belongs to the enclosing range.
func mayCut(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.BreakNode, *parse.ContinueNode:
		return true
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if mayCut(c) {
				return true
			}
		}
	case *parse.IfNode:
		return mayCut(n.List) || (n.ElseList != nil && mayCut(n.ElseList))
	case *parse.WithNode:
		return mayCut(n.List) || (n.ElseList != nil && mayCut(n.ElseList))
	case *parse.RangeNode:
		return n.ElseList != nil && mayCut(n.ElseList)
	}
	return false
}
