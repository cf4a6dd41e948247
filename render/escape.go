package render

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strconv"
	"strings"
	"text/template/parse"
)

// Escaping is html/template's own: it analyses and rewrites the parse trees, inserting
// escaper calls into actions, and the rewritten trees are then compiled into programs.
//
// html/template escapes lazily, on a template's first execution, and refuses Parse
// afterwards. To escape template X without running any user code, render adds a private
// wrapper template per name, {{if false}}{{template "X" .}}{{end}}, and executes the
// wrapper into io.Discard: html/template escapes X (and everything X reaches, including
// derived copies for calls in non-text contexts), and the false branch runs nothing.

// internalPrefix starts the names of the templates render adds to a set: the escape
// wrappers and the set's root. The NUL byte keeps them out of any name a user can write
// in a template or give a file.
const internalPrefix = "\x00render-"

// wrapperPrefix starts the names of escape wrappers.
const wrapperPrefix = internalPrefix + "escape:"

func isInternalName(name string) bool { return strings.HasPrefix(name, internalPrefix) }

// freezeLocked is called by every execution, successful or not, as html/template marks
// a set executed on every Execute and ExecuteTemplate call, after which it refuses to
// parse into the set. The first call adds the escape wrappers, while parsing is still
// allowed, and then marks the set executed. Callers hold ns.mu.
func (ns *namespace) freezeLocked() error {
	if ns.wrapped {
		return ns.freezeErr
	}
	ns.wrapped = true
	// All names are known now: html/template refuses Parse from here on.
	for _, t := range ns.root.Templates() {
		if isInternalName(t.Name()) {
			continue
		}
		// AddParseTree, not Parse: html/template's Parse also copies every body of
		// the text/template set onto the member of the same name, which would give
		// a template that New made, and that was never parsed, the body of the one
		// it replaced.
		w := wrapperPrefix + t.Name()
		body := `{{if false}}{{template ` + strconv.Quote(t.Name()) + ` .}}{{end}}`
		trees, err := parse.Parse(w, body, "", "")
		if err == nil {
			_, err = ns.root.AddParseTree(w, trees[w])
		}
		if err != nil {
			ns.freezeErr = fmt.Errorf("render: adding escape wrapper for %q: %w", t.Name(), err)
			return ns.freezeErr
		}
	}
	// The root has no body: executing it only marks the set executed, and fails.
	_ = ns.root.Execute(io.Discard, nil)
	return nil
}

// escape escapes the template called name, once. Callers hold ns.mu and have frozen
// the set.
func (ns *namespace) escape(name string) error {
	if err, ok := ns.escapes[name]; ok {
		return err
	}
	w := ns.root.Lookup(wrapperPrefix + name)
	if w == nil {
		// Defined after the first execution: impossible through this package's API.
		return fmt.Errorf("html/template: %q is undefined", name)
	}
	var ifNode parse.Node
	if w.Tree != nil && w.Tree.Root != nil && len(w.Tree.Root.Nodes) == 1 {
		// html/template reports the branch node and drops the tree if escaping fails.
		if n, ok := w.Tree.Root.Nodes[0].(*parse.IfNode); ok {
			ifNode = &n.BranchNode
		}
	}
	err := w.Execute(io.Discard, nil)
	if err != nil {
		err = unwrapEscapeError(err, name, ifNode)
	}
	ns.escapes[name] = err
	return err
}

// unwrapEscapeError turns an escape error reported for the wrapper of name into the
// error html/template reports when name itself is executed.
func unwrapEscapeError(err error, name string, ifNode parse.Node) error {
	var he *htmltemplate.Error
	if !errors.As(err, &he) {
		return err
	}
	e := *he
	if e.Name == wrapperPrefix+name {
		e.Name = name
	}
	// The wrapper's {{if}} joins the end context of name with the text context; a
	// mismatch means name itself ends in a non-text context.
	if e.ErrorCode == htmltemplate.ErrBranchEnd && ifNode != nil && e.Node == ifNode {
		desc := e.Description
		if i := strings.Index(desc, ": "); i >= 0 {
			desc = desc[i+2:]
		}
		if i := strings.LastIndex(desc, ", {"); i >= 0 {
			desc = desc[:i]
		}
		return &htmltemplate.Error{ErrorCode: htmltemplate.ErrEndContext, Name: name, Description: "ends in a non-text context: " + desc}
	}
	return &e
}

// compileLocked returns the compiled program of the escaped template called name,
// compiling it on first use, or nil if there is no such template. Callers hold ns.mu.
func (ns *namespace) compileLocked(name string) (*program, error) {
	if p, ok := ns.programs.Load(name); ok {
		return p.(*program), nil
	}
	tt, err := textTemplateOf(ns.root)
	if err != nil {
		return nil, err
	}
	t := tt.Lookup(name)
	if t == nil || t.Tree == nil || t.Tree.Root == nil {
		return nil, nil
	}
	p := compile(ns, t.Tree)
	ns.programs.Store(name, p)
	return p, nil
}

// entry returns the program Execute runs for t, escaping and compiling it on first use,
// with html/template's errors for templates that are empty, unsafe or replaced.
func (t *Template) entry() (*program, error) {
	if internalsErr != nil {
		return nil, internalsErr
	}
	ns := t.ns.Load()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if err := ns.freezeLocked(); err != nil {
		return nil, err
	}
	if ns.root.Lookup(t.name) != t.ht {
		// New replaced t (see Template.New): html/template reset t to a template
		// with no body, and no call can give it one again.
		return nil, fmt.Errorf("template: %q is an incomplete or empty template", t.name)
	}
	p, err := ns.entryLocked(t.name, false)
	if err != nil {
		return nil, err
	}
	t.prog.Store(p)
	return p, nil
}

// entry returns the program ExecuteTemplate runs for name, escaping and compiling it
// on first use, with html/template's errors for names that are undefined, empty or
// unsafe.
func (ns *namespace) entry(name string) (*program, error) {
	if internalsErr != nil {
		return nil, internalsErr
	}
	if p, ok := ns.entries.Load(name); ok {
		return p.(*program), nil
	}
	// html/template rewrites every template's Tree field when a template is parsed
	// (as the escape wrappers are), so all of this happens under the lock.
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if err := ns.freezeLocked(); err != nil {
		return nil, err
	}
	return ns.entryLocked(name, true)
}

// entryLocked returns the program to execute for name, escaping and compiling it on
// first use, with the errors of html/template's Execute (or, viaExecuteTemplate, its
// ExecuteTemplate) for names that are undefined, empty or unsafe. Callers hold ns.mu
// and have frozen the set.
func (ns *namespace) entryLocked(name string, viaExecuteTemplate bool) (*program, error) {
	if p, ok := ns.entries.Load(name); ok {
		return p.(*program), nil
	}
	ht := ns.root.Lookup(name)
	if ht == nil || isInternalName(name) {
		if viaExecuteTemplate {
			return nil, fmt.Errorf("html/template: %q is undefined", name)
		}
		return nil, fmt.Errorf("template: %q is an incomplete or empty template", name)
	}
	if ht.Tree == nil || ht.Tree.Root == nil {
		if err := ns.escapes[name]; err != nil {
			return nil, err
		}
		if viaExecuteTemplate {
			return nil, fmt.Errorf("html/template: %q is an incomplete template", name)
		}
		return nil, fmt.Errorf("template: %q is an incomplete or empty template", name)
	}
	if err := ns.escape(name); err != nil {
		return nil, err
	}
	p, err := ns.compileLocked(name)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("template: %q is an incomplete or empty template", name)
	}
	ns.entries.Store(name, p)
	return p, nil
}

// callee returns the program of a template called by {{template}}; it has been escaped
// along with its caller.
func (ns *namespace) callee(name string) *program {
	if p, ok := ns.programs.Load(name); ok {
		return p.(*program)
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	p, _ := ns.compileLocked(name)
	return p
}
