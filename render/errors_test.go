package render

import (
	"errors"
	htmltemplate "html/template"
	"strings"
	"testing"
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
