package render

import (
	"errors"
	htmltemplate "html/template"
	"io"
	"strings"
	"testing"
	texttemplate "text/template"
)

func TestParseErrorsNameLocation(t *testing.T) {
	tests := []struct{ text, want string }{
		{"<p>\n{{.A</p>", "template: page:2: "},
		{"{{if .A}}x", "template: page:1: unexpected EOF"},
		{"{{end}}", "template: page:1: unexpected {{end}}"},
		{"{{nofunc .}}", `template: page:1: function "nofunc" not defined`},
		{"{{break}}", "template: page:1: {{break}} outside {{range}}"},
	}
	for _, tt := range tests {
		_, err := New("page").Parse(tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tt.text, err, tt.want)
		}
		_, herr := htmltemplate.New("page").Parse(tt.text)
		if herr == nil || err == nil || herr.Error() != err.Error() {
			t.Errorf("Parse(%q): render %v, html/template %v", tt.text, err, herr)
		}
	}
}

func TestParseFilesErrorNamesFile(t *testing.T) {
	_, err := ParseFiles("testdata/broken.html")
	if err == nil || !strings.Contains(err.Error(), "broken.html:2") {
		t.Fatalf("got %v, want an error naming broken.html:2", err)
	}
}

func TestEscapeErrorsNameLocation(t *testing.T) {
	tests := []struct{ text, want string }{
		{`<a href="{{.}}`, `html/template:t: ends in a non-text context`},
		{`<a {{if .}}href="{{else}}title="{{end}}x">`, `html/template:t:1:8: {{if}} branches end in different contexts`},
		{`{{template "nope"}}`, `html/template:t:1:11: no such template "nope"`},
		{`<script>var x = "{{.}}</script>{{if .}}`, `template: t:1:`},
	}
	for _, tt := range tests {
		tm, err := New("t").Parse(tt.text)
		if err == nil {
			_, err = tm.Execute("x")
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want an error containing %q", tt.text, err, tt.want)
		}
		// Errors are sticky: the second try reports the same.
		if tm != nil {
			if _, err2 := tm.Execute("x"); err2 == nil || err != nil && err2.Error() != err.Error() {
				t.Errorf("%q: second Execute: %v, first %v", tt.text, err2, err)
			}
		}
	}
}

func TestExecErrorsNameLocationAndNeverPanic(t *testing.T) {
	tests := []struct{ text, want string }{
		{"a\n{{.Alice.Nope}}", `template: t:2:8: executing "t" at <.Alice.Nope>: can't evaluate field Nope in type interface {}`},
		{`{{.NilPtr.Name}}`, `template: t:1:9: executing "t" at <.NilPtr.Name>: nil pointer evaluating interface {}.Name`},
		{`{{fail}}`, `template: t:1:2: executing "t" at <fail>: error calling fail: func failed`},
		{`{{boom}}`, `template: t:1:2: executing "t" at <boom>: error calling boom: func panicked`},
		{`{{.Alice.Panics}}`, `error calling Panics: boom`},
		{`{{.Alice.Checked false}}`, `error calling Checked: not ok`},
		{`{{index .List 5}}`, `error calling index: index out of range: 5`},
		{`{{.Alice.Plus "x"}}`, `expected integer; found "x"`},
		{`{{len 3}}`, `error calling len: len of type int`},
		{`{{lt .Alice 1}}`, `error calling lt: invalid type for comparison`},
		{`{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}`, `exceeded maximum template depth (100000)`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panicked into the caller: %v", p)
				}
			}()
			tm, err := New("t").Funcs(testFuncs()).Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			r, err := tm.Execute(testData())
			if err == nil || !strings.Contains(err.Error(), tt.want) || r != nil {
				t.Fatalf("got %v (tree %v), want an error containing %q", err, r, tt.want)
			}
		})
	}
}

func TestFuncErrorIsWrapped(t *testing.T) {
	sentinel := errors.New("sentinel")
	tm := Must(New("t").Funcs(FuncMap{"f": func() (string, error) { return "", sentinel }}).Parse(`{{f}}`))
	_, err := tm.Execute(nil)
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not wrap the func's error", err)
	}
}

func TestExecuteUndefinedAndEmpty(t *testing.T) {
	tm := Must(New("t").Parse(`{{define "a"}}A{{end}}`))
	if _, err := tm.ExecuteTemplate("nope", nil); err == nil || err.Error() != `html/template: "nope" is undefined` {
		t.Fatalf("undefined: %v", err)
	}
	r, err := tm.ExecuteTemplate("a", nil)
	if err != nil || r.HTML(nil) != "A" {
		t.Fatalf("a: %v %v", r, err)
	}
	if _, err := New("empty").Execute(nil); err == nil || !strings.Contains(err.Error(), "incomplete or empty template") {
		t.Fatalf("empty: %v", err)
	}
}

func TestParseAfterExecute(t *testing.T) {
	tm := Must(New("t").Parse(`x`))
	if _, err := tm.Execute(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Parse(`y`); err == nil || !strings.Contains(err.Error(), "cannot Parse after Execute") {
		t.Fatalf("Parse after Execute: %v", err)
	}
}

// TestErrorsAs checks that errors.As finds in render's errors what it finds in
// html/template's: a text/template ExecError, with the executing template's name, for
// errors that arise while executing; an *html/template.Error for escaping errors; and
// neither for a template that is undefined or has no body.
func TestErrorsAs(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		exec     string // ExecuteTemplate this name instead of Execute
		wantExec string // the ExecError's Name, or "" for no ExecError
		wantHTML bool   // an *html/template.Error
	}{
		{name: "missing field", text: "a\n{{.Alice.Nope}}", wantExec: "t"},
		{name: "func error", text: `{{fail}}`, wantExec: "t"},
		{name: "func panic", text: `{{boom}}`, wantExec: "t"},
		{name: "method error", text: `{{.Alice.Checked false}}`, wantExec: "t"},
		{name: "builtin error", text: `{{index .List 5}}`, wantExec: "t"},
		{name: "in a callee", text: `{{define "c"}}<i>{{.Alice.Nope}}</i>{{end}}{{template "c" .}}`, wantExec: "c"},
		{name: "via ExecuteTemplate", text: `{{define "c"}}{{fail}}{{end}}`, exec: "c", wantExec: "c"},
		{name: "percent in name", text: `{{define "a%d"}}{{fail}}{{end}}{{template "a%d"}}`, wantExec: "a%d"},
		{name: "depth", text: `{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}`, wantExec: "r"},
		{name: "escape", text: `<a href="{{.}}`, wantHTML: true},
		{name: "missing callee", text: `{{template "nope"}}`, wantHTML: true},
		{name: "undefined", text: `x`, exec: "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := Must(New("t").Funcs(testFuncs()).Parse(tt.text))
			ht := htmltemplate.Must(htmltemplate.New("t").Funcs(htmltemplate.FuncMap(testFuncs())).Parse(tt.text))
			var err, herr error
			if tt.exec != "" {
				_, err = tm.ExecuteTemplate(tt.exec, testData())
				herr = ht.ExecuteTemplate(io.Discard, tt.exec, testData())
			} else {
				_, err = tm.Execute(testData())
				herr = ht.Execute(io.Discard, testData())
			}
			if err == nil || herr == nil {
				t.Fatalf("render %v, html/template %v; want errors from both", err, herr)
			}
			for _, e := range []struct {
				engine string
				err    error
			}{{"render", err}, {"html/template", herr}} {
				var ee texttemplate.ExecError
				switch ok := errors.As(e.err, &ee); {
				case ok != (tt.wantExec != ""):
					t.Errorf("%s: errors.As(ExecError) = %v for %v", e.engine, ok, e.err)
				case ok && (ee.Name != tt.wantExec || ee.Err == nil || ee.Error() != e.err.Error()):
					t.Errorf("%s: ExecError{Name: %q, Err: %v} for %v, want Name %q and the same message", e.engine, ee.Name, ee.Err, e.err, tt.wantExec)
				}
				var he *htmltemplate.Error
				if ok := errors.As(e.err, &he); ok != tt.wantHTML {
					t.Errorf("%s: errors.As(*html/template.Error) = %v for %v", e.engine, ok, e.err)
				}
			}
			if err.Error() != herr.Error() {
				t.Errorf("messages differ\nrender:        %v\nhtml/template: %v", err, herr)
			}
		})
	}
}

// TestReplacedTemplate: New with the name of an existing template replaces it, and the
// replaced value, reset, fails to execute, as in html/template; Lookup sees the new
// template. After the first execution the new template can no longer be parsed.
func TestReplacedTemplate(t *testing.T) {
	const empty = `error: template: "foo" is an incomplete or empty template`
	tests := []struct {
		name         string
		executeFirst bool
		wantParse    string // the error of the new template's Parse, "" for none
		wantNew      string // executing the new template
		wantOld      string // executing the replaced one
	}{
		{"before execution", false, "", "bar", empty},
		{"after execution", true, "html/template: cannot Parse after Execute", empty, empty},
	}
	result := func(r *Rendered, err error) string {
		if err != nil {
			return "error: " + err.Error()
		}
		return r.HTML(nil)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t1 := Must(New("foo").Parse(`{{.}}`))
			if tt.executeFirst {
				if _, err := t1.Execute("x"); err != nil {
					t.Fatal(err)
				}
			}
			t2 := t1.New("foo")
			if _, err := t2.Parse("bar"); (err == nil) != (tt.wantParse == "") || err != nil && err.Error() != tt.wantParse {
				t.Errorf("Parse: %v, want %q", err, tt.wantParse)
			}
			if got := result(t2.Execute(nil)); got != tt.wantNew {
				t.Errorf("new template: %q, want %q", got, tt.wantNew)
			}
			if got := result(t1.Execute(nil)); got != tt.wantOld {
				t.Errorf("replaced template: %q, want %q", got, tt.wantOld)
			}
			if t2.Lookup("foo") != t2 {
				t.Error("t2.Lookup(foo) is not t2")
			}
			if l := t1.Lookup("foo"); l == t1 || l == t2 || l == nil {
				t.Errorf("t1.Lookup(foo) = %p (t1 %p, t2 %p); want the reset set's own, new template", l, t1, t2)
			}
		})
	}
}
