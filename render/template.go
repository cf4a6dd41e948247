package render

import (
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/template/parse"
)

// FuncMap maps template function names to functions, exactly as html/template's FuncMap.
type FuncMap = htmltemplate.FuncMap

// Template is a parsed Go template that executes into a Rendered tree. Its API mirrors
// html/template's. Parsing and escaping are delegated to html/template, so a Template
// accepts and rejects exactly what html/template does, and a Rendered tree's HTML is
// byte-identical to html/template's output for the same template and data.
//
// A Template may be executed by many goroutines at once. Like html/template's, a set of
// templates may not be parsed again once one of them has been executed, even if that
// execution failed.
type Template struct {
	name string
	ht   *htmltemplate.Template
	// ns is the set t belongs to. It changes once, if html/template resets t (see New).
	ns atomic.Pointer[namespace]
	// prog is what Execute runs, stored by its first successful call (or by Reload).
	prog atomic.Pointer[program]
	// digest is the files' contents Reload last saw.
	digest atomic.Pointer[[32]byte]
}

// namespace is shared by all templates associated with each other (by define, New or
// Parse*), like html/template's name space.
type namespace struct {
	// root is a hidden member of the html/template set, through which the set is
	// reached. No call of this package's API replaces it, whereas any template the
	// caller holds may be replaced by New or ParseFiles and so leave the set.
	root *htmltemplate.Template

	mu sync.Mutex // guards everything below but the sync.Maps and atomics
	// tmpls holds the Template of each html/template member handed out, so that one
	// member always has one Template, as in html/template.
	tmpls     map[*htmltemplate.Template]*Template
	wrapped   bool             // escape wrappers were added and the set frozen
	freezeErr error            // the error adding the wrappers, if any
	escapes   map[string]error // escape result per executed name
	programs  sync.Map         // name -> *program, compiled after escaping
	// entries holds the programs escaped as entry points: a template that was only
	// escaped as a callee may still fail to escape when executed directly.
	entries sync.Map // name -> *program
	// steps are the calls that built the set, for Reload.
	steps   []step
	funcs   atomic.Pointer[funcTable]
	missing atomic.Int32 // missingKey option
}

// funcTable holds the functions visible to templates of a namespace: builtins, the
// escapers, markdown and the user's, looked up by name at execution time.
type funcTable struct {
	m map[string]reflect.Value
}

// rootName names each set's root. Like the escape wrappers' names, it starts with a NUL
// byte, so that no template a user writes or a file name can take it.
const rootName = internalPrefix + "root"

// newNamespace makes the namespace of the html/template set ht belongs to, with the
// given functions and missingkey option, and ht's Template.
func newNamespace(ht *htmltemplate.Template, funcs *funcTable, missing int32) *Template {
	ns := &namespace{
		root:    ht.New(rootName),
		tmpls:   map[*htmltemplate.Template]*Template{},
		escapes: map[string]error{},
	}
	ns.funcs.Store(funcs)
	ns.missing.Store(missing)
	return ns.templateLocked(ht)
}

// defaultFuncTable is the function table of a new Template.
func defaultFuncTable() *funcTable {
	ft := &funcTable{m: map[string]reflect.Value{}}
	for n, f := range defaultFuncs() {
		ft.m[n] = reflect.ValueOf(f)
	}
	return ft
}

// templateLocked returns the Template of member ht, making it on first use. Callers
// hold ns.mu, or are alone in using ns.
func (ns *namespace) templateLocked(ht *htmltemplate.Template) *Template {
	if t := ns.tmpls[ht]; t != nil {
		return t
	}
	t := &Template{name: ht.Name(), ht: ht}
	t.ns.Store(ns)
	ns.tmpls[ht] = t
	return t
}

// replacedLocked is called after html/template replaced old, the member called name,
// by cur: html/template resets old to a new, unassociated template. render follows:
// cached results for name are dropped, and old's Template moves to a namespace of its
// own, as if New had made it. Callers hold ns.mu.
func (ns *namespace) replacedLocked(name string, old, cur *htmltemplate.Template) {
	ns.entries.Delete(name)
	delete(ns.escapes, name)
	if old == ns.root {
		// Only a template given the root's own name replaces it; keep a member.
		ns.root = cur
	}
	t := ns.tmpls[old]
	if t == nil {
		return
	}
	delete(ns.tmpls, old)
	old.Funcs(defaultFuncs())
	fresh := &namespace{
		root:    old.New(rootName),
		tmpls:   map[*htmltemplate.Template]*Template{old: t},
		escapes: map[string]error{},
	}
	fresh.funcs.Store(defaultFuncTable())
	t.prog.Store(nil)
	t.ns.Store(fresh)
}

// members returns the templates of the set by name.
func (ns *namespace) members() map[string]*htmltemplate.Template {
	m := map[string]*htmltemplate.Template{}
	for _, ht := range ns.root.Templates() {
		m[ht.Name()] = ht
	}
	return m
}

// New allocates a new, undefined template with the given name. The markdown function is
// available to it by default.
func New(name string) *Template {
	ht := htmltemplate.New(name)
	ht.Funcs(defaultFuncs())
	return newNamespace(ht, defaultFuncTable(), int32(missingInvalid))
}

// Must is a helper that wraps a call to a function returning (*Template, error) and
// panics if the error is non-nil. It is intended for variable initializations.
func Must(t *Template, err error) *Template {
	if err != nil {
		panic(err)
	}
	return t
}

// New allocates a new, undefined template associated with t, sharing its functions,
// options and definitions.
//
// As in html/template, if a template with the given name already exists, the new
// template replaces it: the existing one (t itself, if t has that name) is reset and
// disassociated from the set. Executing it then fails as executing an unparsed
// template does, and it is otherwise as New(name) would return it.
func (t *Template) New(name string) *Template {
	ns := t.ns.Load()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	old := ns.root.Lookup(name)
	ht := t.ht.New(name)
	if old != nil {
		ns.replacedLocked(name, old, ht)
	}
	return ns.templateLocked(ht)
}

// Clone returns a duplicate of the template, including all associated templates, so
// that more definitions can be added to the copy (a page to a shared layout, say)
// without affecting the original. As with html/template, it fails once the template has
// been executed.
func (t *Template) Clone() (*Template, error) {
	ns := t.ns.Load()
	ht, err := t.ht.Clone()
	if err != nil {
		return nil, err
	}
	c := newNamespace(ht, ns.funcs.Load(), ns.missing.Load())
	ns.mu.Lock()
	c.ns.Load().steps = append([]step(nil), ns.steps...)
	ns.mu.Unlock()
	return c, nil
}

// Name returns the name of the template.
func (t *Template) Name() string { return t.name }

// Funcs adds the elements of the argument map to the template's function map. It must
// be called before the template is parsed. It panics if a value in the map is not a
// function with appropriate return type or if the name cannot be used syntactically
// as a function in a template. It is legal to overwrite elements of the map.
func (t *Template) Funcs(funcMap FuncMap) *Template {
	t.ht.Funcs(funcMap) // validates and panics exactly as html/template does
	ns := t.ns.Load()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	old := ns.funcs.Load()
	ft := &funcTable{m: make(map[string]reflect.Value, len(old.m)+len(funcMap))}
	for n, f := range old.m {
		ft.m[n] = f
	}
	for n, f := range funcMap {
		ft.m[n] = reflect.ValueOf(f)
	}
	ns.funcs.Store(ft)
	ns.recordLocked(step{member: t.name, apply: func(m *Template) error { m.Funcs(funcMap); return nil }})
	return t
}

// Delims sets the action delimiters to the specified strings, to be used in subsequent
// calls to Parse, ParseFiles, ParseGlob or ParseFS. An empty delimiter stands for the
// corresponding default: {{ or }}.
func (t *Template) Delims(left, right string) *Template {
	t.ht.Delims(left, right)
	t.record(step{apply: func(m *Template) error { m.Delims(left, right); return nil }})
	return t
}

// Option sets options for the template, as html/template's Option does. The one known
// option is missingkey, which controls what indexing a map with an absent key yields:
// "missingkey=default" or "missingkey=invalid" (no value), "missingkey=zero" (the zero
// value of the element type) or "missingkey=error" (execution stops with an error).
// Option panics on an unknown or malformed option.
func (t *Template) Option(opt ...string) *Template {
	t.ht.Option(opt...) // validates and panics exactly as html/template does
	ns := t.ns.Load()
	for _, o := range opt {
		switch o {
		case "missingkey=invalid", "missingkey=default":
			ns.missing.Store(int32(missingInvalid))
		case "missingkey=zero":
			ns.missing.Store(int32(missingZero))
		case "missingkey=error":
			ns.missing.Store(int32(missingError))
		}
	}
	t.record(step{apply: func(m *Template) error { m.Option(opt...); return nil }})
	return t
}

// Parse parses text as a template body for t. Named template definitions ({{define}}
// and {{block}}) become templates associated with t. Parse errors name the template,
// line and column.
func (t *Template) Parse(text string) (*Template, error) {
	if _, err := t.ht.Parse(text); err != nil {
		return nil, err
	}
	t.record(step{apply: func(m *Template) error { _, err := m.Parse(text); return err }})
	return t, nil
}

// ParseFiles creates a new Template and parses the template definitions from the named
// files. The returned template's name is the base name of the first file.
func ParseFiles(filenames ...string) (*Template, error) {
	if len(filenames) == 0 {
		return nil, fmt.Errorf("html/template: no files named in call to ParseFiles")
	}
	return New(filepath.Base(filenames[0])).ParseFiles(filenames...)
}

// ParseFiles parses the named files and associates the resulting templates with t. A
// file whose base name is t's name becomes t's body; others become templates named by
// their base names.
func (t *Template) ParseFiles(filenames ...string) (*Template, error) {
	return t.parseFiles(func() error {
		_, err := t.ht.ParseFiles(filenames...)
		return err
	}, step{apply: func(m *Template) error { _, err := m.ParseFiles(filenames...); return err }, files: osFiles(filenames)})
}

// parseFiles runs parse, a call of one of html/template's ParseFiles, ParseGlob or
// ParseFS. Those make each file whose base name is not t's a template with New, which
// replaces an existing template of that name (a second file with the same base name,
// say); render follows each replacement.
func (t *Template) parseFiles(parse func() error, s step) (*Template, error) {
	ns := t.ns.Load()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	before := ns.members()
	err := parse()
	for name, old := range before {
		// Through t.ht: t itself is never replaced by its own ParseFiles.
		if cur := t.ht.Lookup(name); cur != old {
			ns.replacedLocked(name, old, cur)
		}
	}
	if err != nil {
		return nil, err
	}
	s.member = t.name
	ns.recordLocked(s)
	return t, nil
}

// ParseGlob creates a new Template and parses the template definitions from the files
// matched by the pattern (see filepath.Match). The returned template's name is the base
// name of the first matched file.
func ParseGlob(pattern string) (*Template, error) {
	name := ""
	if m, err := filepath.Glob(pattern); err == nil && len(m) > 0 {
		name = filepath.Base(m[0])
	}
	return New(name).ParseGlob(pattern)
}

// ParseGlob parses the files matched by the pattern and associates the resulting
// templates with t, as ParseFiles does.
func (t *Template) ParseGlob(pattern string) (*Template, error) {
	return t.parseFiles(func() error {
		_, err := t.ht.ParseGlob(pattern)
		return err
	}, step{apply: func(m *Template) error { _, err := m.ParseGlob(pattern); return err }, files: globFiles(pattern)})
}

// ParseFS is like ParseGlob but reads from the file system fsys (an embed.FS, say). It
// accepts a list of glob patterns (see path.Match).
func ParseFS(fsys fs.FS, patterns ...string) (*Template, error) {
	name := ""
	if len(patterns) > 0 {
		if m, err := fs.Glob(fsys, patterns[0]); err == nil && len(m) > 0 {
			name = path.Base(m[0])
		}
	}
	return New(name).ParseFS(fsys, patterns...)
}

// ParseFS is like ParseGlob but reads from the file system fsys.
func (t *Template) ParseFS(fsys fs.FS, patterns ...string) (*Template, error) {
	return t.parseFiles(func() error {
		_, err := t.ht.ParseFS(fsys, patterns...)
		return err
	}, step{apply: func(m *Template) error { _, err := m.ParseFS(fsys, patterns...); return err }, files: fsFiles(fsys, patterns)})
}

// Lookup returns the template with the given name that is associated with t, or nil if
// there is no such template. As in html/template, the same name gives the same
// *Template until New replaces it.
func (t *Template) Lookup(name string) *Template {
	if isInternalName(name) {
		return nil
	}
	ns := t.ns.Load()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ht := ns.root.Lookup(name)
	if ht == nil {
		return nil
	}
	return ns.templateLocked(ht)
}

// Templates returns the templates associated with t, including t itself, in no
// particular order.
func (t *Template) Templates() []*Template {
	ns := t.ns.Load()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	var out []*Template
	for _, ht := range ns.root.Templates() {
		if !isInternalName(ht.Name()) {
			out = append(out, ns.templateLocked(ht))
		}
	}
	return out
}

// DefinedTemplates returns a string listing the defined templates, prefixed by the
// string "; defined templates are: ", or the empty string if there are none. Like
// html/template's, the list comes from the underlying text/template set: it keeps a
// body New has replaced but no Parse has superseded, after execution it includes the
// copies escaping derives for calls in non-text contexts, and it leaves out a template
// that failed to escape when executed. Unlike html/template's, the list is sorted.
func (t *Template) DefinedTemplates() string {
	ns := t.ns.Load()
	ns.mu.Lock() // escaping rewrites the templates' Tree fields
	defer ns.mu.Unlock()
	var names []string
	add := func(name string, tree *parse.Tree) {
		// html/template drops the body of a template that failed to escape when
		// executed; render escapes through a wrapper and leaves it.
		if tree != nil && tree.Root != nil && !isInternalName(name) && ns.escapes[name] == nil {
			names = append(names, fmt.Sprintf("%q", name))
		}
	}
	if tt, err := textTemplateOf(ns.root); err == nil {
		for _, x := range tt.Templates() {
			add(x.Name(), x.Tree)
		}
	} else {
		for _, ht := range ns.root.Templates() {
			add(ht.Name(), ht.Tree)
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	return "; defined templates are: " + strings.Join(names, ", ")
}

// Execute applies the template to data and returns the Rendered tree. Walking the tree
// (Rendered.HTML) yields exactly what html/template's Execute writes. An error names the
// template location; execution never panics into the caller. An error that arises while
// executing (rather than parsing or escaping) is a text/template ExecError, as
// html/template's are.
//
// Like html/template's, Execute runs t itself, not whichever template of its set now
// has t's name: a t that New has since replaced fails.
func (t *Template) Execute(data any) (*Rendered, error) {
	p := t.prog.Load()
	if p == nil {
		var err error
		if p, err = t.entry(); err != nil {
			return nil, err
		}
	}
	return p.run(data)
}

// ExecuteTemplate applies the template associated with t that has the given name to
// data and returns the Rendered tree. Its errors are typed as Execute's are.
func (t *Template) ExecuteTemplate(name string, data any) (*Rendered, error) {
	p, err := t.ns.Load().entry(name)
	if err != nil {
		return nil, err
	}
	return p.run(data)
}

// Keyer is implemented by range items that have a stable identity. When every item of a
// range implements it, the comprehension's Keys hold the items' keys, so that a diff can
// express moves and insertions instead of resending shifted items.
type Keyer interface {
	Key() string
}

// ComponentRef refers to a stateful component by its id (cid). An action in HTML text
// context whose value is a ComponentRef becomes a KindComponent slot with that CID
// instead of a string.
type ComponentRef int
