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
