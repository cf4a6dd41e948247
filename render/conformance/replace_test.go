package conformance

import (
	"bytes"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"testing"

	"github.com/glint-go/glint/render"
)

// TestReplaceLifecycle runs scripts of calls on html/template and on render side by side
// and requires every call to give the same result in both: New replacing templates of
// the same name (before and after the set's first execution), the reset templates left
// behind, Lookup, ExecuteTemplate, ParseFiles replacing a file's template, and execution
// freezing the set even when it fails.
//
// A step is one line:
//
//	T = new NAME             T := New(NAME), with the corpus's functions
//	T = U.new NAME           T := U.New(NAME)
//	T = U.lookup NAME        T := U.Lookup(NAME)
//	T = U.clone              T := U.Clone()
//	T.parse TEXT             T.Parse(TEXT): the rest of the line
//	T.files PATH...          T.ParseFiles(PATH...)
//	T.funcs NAME             T.Funcs, adding NAME as strings.ToUpper
//	T.exec                   T.Execute(data)
//	T.exectemplate NAME      T.ExecuteTemplate(NAME, data)
//	T.defined                T.DefinedTemplates(), as a sorted list
//	T.templates              the names of T.Templates(), sorted
//	same T U                 whether T and U are the same *Template
func TestReplaceLifecycle(t *testing.T) {
	tests := []struct {
		name  string
		steps []string
	}{
		{"New replaces a template before execution", []string{
			"t1 = new foo",
			"t1.parse {{.}}",
			"t2 = t1.new foo",
			"t2.parse bar {{.}}",
			"t2.exec",
			"t1.exec",
			"t3 = t1.lookup foo",
			"t3.exec",
			"same t3 t1",
			"same t3 t2",
			"t4 = t2.lookup foo",
			"same t4 t2",
			"t1.exectemplate foo",
			"t2.exectemplate foo",
			"t1.defined",
			"t2.defined",
			"t1.templates",
			"t2.templates",
			"t2.exec",
			"t1.exec",
		}},
		{"New replaces a template before execution, old value executed first", []string{
			"t1 = new foo",
			"t1.parse {{.}}",
			"t2 = t1.new foo",
			"t2.parse bar {{.}}",
			"t1.exec",
			"t1.exectemplate foo",
			"t2.exec",
			"t2.parse again",
		}},
		{"New replaces a template after execution", []string{
			"t1 = new foo",
			"t1.parse {{.}}",
			"t1.exec",
			"t2 = t1.new foo",
			"t2.parse bar",
			"t2.exec",
			"t1.exec",
			"t3 = t1.lookup foo",
			"t3.exec",
			"t1.exectemplate foo",
			"t2.exectemplate foo",
			"t2.defined",
			"t2.templates",
		}},
		{"New replaces the template it is called on", []string{
			"t = new a",
			"t.parse A {{.}}",
			"a2 = t.new a",
			"a2.parse B {{.}}",
			"a2.exec",
			"t.exec",
			"t.exectemplate a",
			"a3 = a2.lookup a",
			"same a3 a2",
		}},
		{"a reset template is parsed again", []string{
			"t1 = new foo",
			`t1.parse {{define "d"}}D{{end}}{{.}}`,
			"t2 = t1.new foo",
			"t2.parse bar",
			`t1.parse x{{.}}{{define "e"}}E{{end}}`,
			"t1.exec",
			"t3 = t1.lookup foo",
			"t3.exec",
			"t4 = t1.lookup e",
			"t4.exec",
			"t1.exectemplate foo",
			"t1.exectemplate d",
			"t2.exectemplate d",
			"t2.exec",
			"t1.exec",
			"t1.templates",
			"t1.defined",
			"t2.defined",
			"c = t1.clone",
		}},
		{"a reset template has functions of its own", []string{
			"t1 = new foo",
			"t1.parse {{.}}",
			"t2 = t1.new foo",
			"t1.funcs shout",
			"g = t2.new g",
			"g.parse {{shout .}}",
			"h = t1.new h",
			"h.parse {{shout .}}",
			"h.exec",
			"u = t1.new u",
			"u.parse {{upper .}}",
			"v = t2.new v",
			"v.parse {{upper .}}",
			"v.exec",
		}},
		{"New on a reset template", []string{
			"t1 = new foo",
			"t1.parse x",
			"t2 = t1.new foo",
			"t3 = t1.new foo",
			"t3.parse y",
			"t3.exec",
			"t1.exec",
			"t2.exec",
			"t2.parse z",
			"t2.exec",
		}},
		{"New replaces a define before execution", []string{
			"t = new page",
			`t.parse <a title="{{template "d" .}}">{{template "d" .}}</a>{{define "d"}}D{{.}}{{end}}`,
			"d = t.lookup d",
			"n = t.new d",
			`n.parse E "{{.}}"`,
			"t.exec",
			"d.exec",
			"n.exec",
			"t.exectemplate d",
		}},
		{"New replaces a define after execution", []string{
			"t = new page",
			`t.parse [{{template "d" .}}]{{define "d"}}D{{.}}{{end}}`,
			"d = t.lookup d",
			"t.exec",
			"d.exec",
			"n = t.new d",
			"n.parse E",
			"t.exec",
			"d.exec",
			"n.exec",
			"t.exectemplate d",
			"t.defined",
		}},
		{"DefinedTemplates lists derived templates after execution", []string{
			"t = new p",
			`t.parse <script>var x = {{template "d" .}};</script><a onclick="{{template "d" .}}">{{define "d"}}{{.}}{{end}}`,
			"t.defined",
			"t.exec",
			"t.defined",
			"u = new u",
			`u.parse <a href="{{.}}`,
			"u.exec",
			"u.defined",
		}},
		{"New replaces a template that failed to escape", []string{
			"t1 = new foo",
			"t1.parse ok",
			"t2 = t1.new foo",
			`t2.parse <a href="{{.}}`,
			"t2.exec",
			"t2.exec",
			"t1.exec",
			"t2.exectemplate foo",
		}},
		{"ParseFiles replaces a template of the same base name", []string{
			"p = new p",
			`p.parse {{template "b.tmpl" .}}`,
			"p.files testdata/replace/one/b.tmpl",
			"b1 = p.lookup b.tmpl",
			"p.files testdata/replace/two/b.tmpl",
			"p.exec",
			"b1.exec",
			"b2 = p.lookup b.tmpl",
			"b2.exec",
			"same b1 b2",
			"p.files testdata/replace/one/b.tmpl",
			"b2.exec",
			"p.exectemplate b.tmpl",
		}},
		{"one ParseFiles call with two files of the same base name", []string{
			"p = new p",
			`p.parse {{template "b.tmpl" .}}`,
			"p.files testdata/replace/one/b.tmpl testdata/replace/two/b.tmpl",
			"p.exec",
			"p.templates",
		}},
		{"a failed Execute freezes the set", []string{
			"t = new x",
			"t.exec",
			"t.parse y",
			"t.exec",
		}},
		{"a failed ExecuteTemplate freezes the set", []string{
			"u = new u",
			"u.parse u",
			"u.exectemplate nope",
			"u.parse y",
			"u.exec",
			"c = u.clone",
		}},
		{"Lookup gives the same template for the same name", []string{
			"t = new a",
			`t.parse {{define "b"}}B{{end}}A`,
			"b1 = t.lookup b",
			"b2 = t.lookup b",
			"same b1 b2",
			"a = t.lookup a",
			"same a t",
			"c = b1.lookup a",
			"same c t",
			"x = t.lookup nope",
			"x.exec",
		}},
		{"New in a clone replaces only the clone's template", []string{
			"base = new layout",
			`base.parse <p>{{block "c" .}}default {{.}}{{end}}</p>`,
			"c = base.clone",
			"n = c.new c",
			"n.parse <b>{{.}}</b>",
			"c.exec",
			"base.exec",
			"n.exec",
			"c2 = base.clone",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript()
			for i, step := range tt.steps {
				want, got := s.do(t, step)
				if want != got {
					t.Fatalf("step %d, %s:\nhtml/template: %s\nrender:        %s", i+1, step, want, got)
				}
			}
		})
	}
}

// lifecycleData is the dot of every execution in TestReplaceLifecycle.
const lifecycleData = `d<"`

// script holds the templates a TestReplaceLifecycle script has named, per engine.
type script struct {
	h map[string]*template.Template
	r map[string]*render.Template
}

func newScript() *script {
	return &script{h: map[string]*template.Template{}, r: map[string]*render.Template{}}
}

// do runs one step on both engines and describes each result.
func (s *script) do(t *testing.T, step string) (want, got string) {
	t.Helper()
	if rest, ok := strings.CutPrefix(step, "same "); ok {
		a, b, _ := strings.Cut(rest, " ")
		return fmt.Sprint(s.h[a] == s.h[b]), fmt.Sprint(s.r[a] == s.r[b])
	}
	if lhs, rhs, ok := strings.Cut(step, " = "); ok && !strings.ContainsAny(lhs, " .") {
		if name, ok := strings.CutPrefix(rhs, "new "); ok {
			s.h[lhs] = template.New(name).Funcs(htmlFuncs())
			s.r[lhs] = render.New(name).Funcs(funcs())
			return "ok", "ok"
		}
		recv, call, _ := strings.Cut(rhs, ".")
		h, r := s.h[recv], s.r[recv]
		if h == nil || r == nil {
			t.Fatalf("%s: no template %s in both engines", step, recv)
		}
		op, arg, _ := strings.Cut(call, " ")
		var herr, rerr error
		switch op {
		case "new":
			s.h[lhs], s.r[lhs] = h.New(arg), r.New(arg)
		case "lookup":
			s.h[lhs], s.r[lhs] = h.Lookup(arg), r.Lookup(arg)
		case "clone":
			s.h[lhs], herr = h.Clone()
			s.r[lhs], rerr = r.Clone()
		default:
			t.Fatalf("unknown step %q", step)
		}
		want, got = describe(s.h[lhs] != nil, herr), describe(s.r[lhs] != nil, rerr)
		if herr != nil {
			s.h[lhs] = nil
		}
		if rerr != nil {
			s.r[lhs] = nil
		}
		return want, got
	}
	recv, call, _ := strings.Cut(step, ".")
	op, arg, _ := strings.Cut(call, " ")
	h, r := s.h[recv], s.r[recv]
	if h == nil || r == nil {
		if h != nil || r != nil {
			return fmt.Sprintf("template %v", h != nil), fmt.Sprintf("template %v", r != nil)
		}
		return "no template", "no template"
	}
	switch op {
	case "parse":
		_, herr := h.Parse(arg)
		_, rerr := r.Parse(arg)
		return errText(herr), errText(rerr)
	case "files":
		_, herr := h.ParseFiles(strings.Fields(arg)...)
		_, rerr := r.ParseFiles(strings.Fields(arg)...)
		return errText(herr), errText(rerr)
	case "funcs":
		h.Funcs(template.FuncMap{arg: strings.ToUpper})
		r.Funcs(render.FuncMap{arg: strings.ToUpper})
		return "ok", "ok"
	case "exec", "exectemplate":
		var buf bytes.Buffer
		var herr, rerr error
		var tree *render.Rendered
		if op == "exec" {
			herr = h.Execute(&buf, lifecycleData)
			tree, rerr = r.Execute(lifecycleData)
		} else {
			herr = h.ExecuteTemplate(&buf, arg, lifecycleData)
			tree, rerr = r.ExecuteTemplate(arg, lifecycleData)
		}
		want = execResult(buf.String(), herr)
		if rerr == nil {
			return want, execResult(tree.HTML(nil), nil)
		}
		return want, execResult("", rerr)
	case "defined":
		return sortedList(h.DefinedTemplates()), sortedList(r.DefinedTemplates())
	case "templates":
		var hn, rn []string
		for _, x := range h.Templates() {
			hn = append(hn, x.Name())
		}
		for _, x := range r.Templates() {
			rn = append(rn, x.Name())
		}
		slices.Sort(hn)
		slices.Sort(rn)
		return fmt.Sprintf("%q", hn), fmt.Sprintf("%q", rn)
	}
	t.Fatalf("unknown step %q", step)
	return "", ""
}

// describe describes the result of a step that makes a template.
func describe(found bool, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	if !found {
		return "nil"
	}
	return "ok"
}

func errText(err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

// execResult describes an execution: its output, or its error with the typed errors in
// it.
func execResult(out string, err error) string {
	if err != nil {
		return fmt.Sprintf("error: %v (%s)", err, errorShape(err, true))
	}
	return fmt.Sprintf("ok: %q", out)
}

// sortedList sorts the names of a DefinedTemplates result, which html/template lists in
// no particular order.
func sortedList(defined string) string {
	list, ok := strings.CutPrefix(defined, "; defined templates are: ")
	if !ok {
		return fmt.Sprintf("%q", defined)
	}
	names := strings.Split(list, ", ")
	slices.Sort(names)
	return strings.Join(names, ", ")
}
