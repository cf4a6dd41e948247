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
)

// FuncMap maps template function names to functions, exactly as html/template's FuncMap.
type FuncMap = htmltemplate.FuncMap

// Template is a parsed Go template that executes into a Rendered tree. Its API mirrors
// html/template's. Parsing and escaping are delegated to html/template, so a Template
// accepts and rejects exactly what html/template does, and a Rendered tree's HTML is
// byte-identical to html/template's output for the same template and data.
//
// A Template may be executed by many goroutines at once. Like html/template, it may not
// be parsed again after its first execution.
type Template struct {
	name string
	ht   *htmltemplate.Template
	ns   *namespace
}

// namespace is shared by all templates associated with each other (by define, New or
// Parse*), like html/template's name space.
type namespace struct {
	root *htmltemplate.Template // any template of the set; html/template shares the set

	mu       sync.Mutex       // guards wrapped, escapes and compiles
	wrapped  bool             // escape wrappers were added
	escapes  map[string]error // escape result per executed name
	programs sync.Map         // name -> *program, compiled after escaping
	// entries holds the programs escaped as entry points: a template that was only
	// escaped as a callee may still fail to escape when executed directly.
	entries sync.Map // name -> *program
	funcs   atomic.Pointer[funcTable]
	missing atomic.Int32 // missingKey option
}

// funcTable holds the functions visible to templates of a namespace: builtins, the
// escapers, markdown and the user's, looked up by name at execution time.
type funcTable struct {
	m map[string]reflect.Value
}

// New allocates a new, undefined template with the given name. The markdown function is
// available to it by default.
func New(name string) *Template {
	ht := htmltemplate.New(name)
	ns := &namespace{root: ht, escapes: map[string]error{}}
	ht.Funcs(defaultFuncs())
	ft := &funcTable{m: map[string]reflect.Value{}}
	for n, f := range defaultFuncs() {
		ft.m[n] = reflect.ValueOf(f)
	}
	ns.funcs.Store(ft)
	return &Template{name: name, ht: ht, ns: ns}
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
func (t *Template) New(name string) *Template {
	return &Template{name: name, ht: t.ht.New(name), ns: t.ns}
}

// Clone returns a duplicate of the template, including all associated templates, so
// that more definitions can be added to the copy (a page to a shared layout, say)
// without affecting the original. As with html/template, it fails once the template has
// been executed.
func (t *Template) Clone() (*Template, error) {
	ht, err := t.ht.Clone()
	if err != nil {
		return nil, err
	}
	ns := &namespace{root: ht, escapes: map[string]error{}}
	ns.funcs.Store(t.ns.funcs.Load())
	ns.missing.Store(t.ns.missing.Load())
	return &Template{name: t.name, ht: ht, ns: ns}, nil
}

// Name returns the name of the template.
func (t *Template) Name() string { return t.name }

// Funcs adds the elements of the argument map to the template's function map. It must
// be called before the template is parsed. It panics if a value in the map is not a
// function with appropriate return type or if the name cannot be used syntactically
// as a function in a template. It is legal to overwrite elements of the map.
func (t *Template) Funcs(funcMap FuncMap) *Template {
	t.ht.Funcs(funcMap) // validates and panics exactly as html/template does
	t.ns.mu.Lock()
	defer t.ns.mu.Unlock()
	old := t.ns.funcs.Load()
	ft := &funcTable{m: make(map[string]reflect.Value, len(old.m)+len(funcMap))}
	for n, f := range old.m {
		ft.m[n] = f
	}
	for n, f := range funcMap {
		ft.m[n] = reflect.ValueOf(f)
	}
	t.ns.funcs.Store(ft)
	return t
}

// Delims sets the action delimiters to the specified strings, to be used in subsequent
// calls to Parse, ParseFiles, ParseGlob or ParseFS. An empty delimiter stands for the
// corresponding default: {{ or }}.
func (t *Template) Delims(left, right string) *Template {
	t.ht.Delims(left, right)
	return t
}

// Option sets options for the template, as html/template's Option does. The one known
// option is missingkey, which controls what indexing a map with an absent key yields:
// "missingkey=default" or "missingkey=invalid" (no value), "missingkey=zero" (the zero
// value of the element type) or "missingkey=error" (execution stops with an error).
// Option panics on an unknown or malformed option.
func (t *Template) Option(opt ...string) *Template {
	t.ht.Option(opt...) // validates and panics exactly as html/template does
	for _, o := range opt {
		switch o {
		case "missingkey=invalid", "missingkey=default":
			t.ns.missing.Store(int32(missingInvalid))
		case "missingkey=zero":
			t.ns.missing.Store(int32(missingZero))
		case "missingkey=error":
			t.ns.missing.Store(int32(missingError))
		}
	}
	return t
}

// Parse parses text as a template body for t. Named template definitions ({{define}}
// and {{block}}) become templates associated with t. Parse errors name the template,
// line and column.
func (t *Template) Parse(text string) (*Template, error) {
	if _, err := t.ht.Parse(text); err != nil {
		return nil, err
	}
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
	if _, err := t.ht.ParseFiles(filenames...); err != nil {
		return nil, err
	}
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
	if _, err := t.ht.ParseGlob(pattern); err != nil {
		return nil, err
	}
	return t, nil
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
	if _, err := t.ht.ParseFS(fsys, patterns...); err != nil {
		return nil, err
	}
	return t, nil
}

// Lookup returns the template with the given name that is associated with t, or nil if
// there is no such template.
func (t *Template) Lookup(name string) *Template {
	if isWrapperName(name) {
		return nil
	}
	ht := t.ht.Lookup(name)
	if ht == nil {
		return nil
	}
	return &Template{name: name, ht: ht, ns: t.ns}
}

// Templates returns the templates associated with t, including t itself, in no
// particular order.
func (t *Template) Templates() []*Template {
	t.ns.mu.Lock()
	defer t.ns.mu.Unlock()
	var out []*Template
	for _, ht := range t.ht.Templates() {
		if !isWrapperName(ht.Name()) {
			out = append(out, &Template{name: ht.Name(), ht: ht, ns: t.ns})
		}
	}
	return out
}

// DefinedTemplates returns a string listing the defined templates, prefixed by the
// string "; defined templates are: ", or the empty string if there are none. Unlike
// html/template's, the list is sorted.
func (t *Template) DefinedTemplates() string {
	t.ns.mu.Lock() // escaping rewrites the templates' Tree fields
	defer t.ns.mu.Unlock()
	var names []string
	for _, ht := range t.ht.Templates() {
		if ht.Tree == nil || ht.Tree.Root == nil || isWrapperName(ht.Name()) {
			continue
		}
		names = append(names, fmt.Sprintf("%q", ht.Name()))
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	return "; defined templates are: " + strings.Join(names, ", ")
}

// Execute applies the template to data and returns the Rendered tree. Walking the tree
// (Rendered.HTML) yields exactly what html/template's Execute writes. An error names the
// template location; execution never panics into the caller.
func (t *Template) Execute(data any) (*Rendered, error) {
	return t.ns.execute(t.name, data, false)
}

// ExecuteTemplate applies the template associated with t that has the given name to
// data and returns the Rendered tree.
func (t *Template) ExecuteTemplate(name string, data any) (*Rendered, error) {
	return t.ns.execute(name, data, true)
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
