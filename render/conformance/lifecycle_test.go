package conformance

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"github.com/glint-go/glint/render"
)

// TestParseAfterExecute: html/template refuses to parse a template set again once it has
// been executed (escaping has rewritten it); render must refuse too, not serve stale or
// unescaped trees.
func TestParseAfterExecute(t *testing.T) {
	const first, second = `{{define "x"}}<a href="{{.}}">x</a>{{end}}{{template "x" .}}`, `{{define "y"}}{{.}}{{end}}`
	ht := template.Must(template.New("p").Parse(first))
	rt := render.Must(render.New("p").Parse(first))
	var buf bytes.Buffer
	if err := ht.Execute(&buf, "javascript:x"); err != nil {
		t.Fatal(err)
	}
	tree, err := rt.Execute("javascript:x")
	if err != nil {
		t.Fatal(err)
	}
	if got := tree.HTML(nil); got != buf.String() {
		t.Fatalf("render %q, html/template %q", got, buf.String())
	}
	_, herr := ht.Parse(second)
	_, rerr := rt.Parse(second)
	if herr == nil {
		t.Fatal("html/template accepted Parse after Execute; the premise of this test changed")
	}
	if rerr == nil {
		t.Fatalf("render accepted Parse after Execute (html/template: %v)", herr)
	}
	if !strings.Contains(rerr.Error(), "p") {
		t.Errorf("render's error %q does not name the template", rerr)
	}
	// The executed template still works and is unchanged.
	tree, err = rt.Execute("/ok")
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := ht.Execute(&buf, "/ok"); err != nil {
		t.Fatal(err)
	}
	if got := tree.HTML(nil); got != buf.String() {
		t.Errorf("after the refused Parse: render %q, html/template %q", got, buf.String())
	}
}

// TestCloneLayouts: one layout cloned per page, each page overriding the layout's blocks,
// as html/template users share layouts; every clone and the base render identically in
// both engines, and cloning after execution fails in both.
func TestCloneLayouts(t *testing.T) {
	const layout = `<html><head><title>{{block "title" .}}Default{{end}}</title></head>` +
		`<body onload="init({{.}})">{{block "content" .}}<p>default {{.}}</p>{{end}}</body></html>`
	pages := map[string]string{
		"home":  `{{define "title"}}Home {{.}}{{end}}{{define "content"}}<a href="{{.}}">home</a>{{end}}`,
		"drops": `{{define "content"}}<main><script>var d = {{.}};</script></main>{{end}}`,
		"empty": ``,
	}
	hbase := template.Must(template.New("layout").Parse(layout))
	rbase := render.Must(render.New("layout").Parse(layout))
	const data = `javascript:alert("x")`
	for name, page := range pages {
		hc, err := hbase.Clone()
		if err != nil {
			t.Fatal(err)
		}
		rc, err := rbase.Clone()
		if err != nil {
			t.Fatalf("%s: render Clone: %v", name, err)
		}
		template.Must(hc.Parse(page))
		render.Must(rc.Parse(page))
		var buf bytes.Buffer
		if err := hc.Execute(&buf, data); err != nil {
			t.Fatal(err)
		}
		tree, err := rc.Execute(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := tree.HTML(nil); got != buf.String() {
			t.Errorf("%s: output differs\n%s", name, describeDiff(buf.String(), got))
		}
	}
	// The base is untouched by its clones' definitions.
	var buf bytes.Buffer
	if err := hbase.Execute(&buf, data); err != nil {
		t.Fatal(err)
	}
	tree, err := rbase.Execute(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := tree.HTML(nil); got != buf.String() {
		t.Errorf("base: output differs\n%s", describeDiff(buf.String(), got))
	}
	if _, err := hbase.Clone(); err == nil {
		t.Fatal("html/template cloned an executed template; the premise of this test changed")
	}
	if _, err := rbase.Clone(); err == nil {
		t.Error("render cloned an executed template; html/template refuses")
	}
}
