package render

import (
	"reflect"
	"testing"
)

func mustExec(t *testing.T, text string, data any) (*Template, *Rendered) {
	t.Helper()
	tm, err := New("t").Funcs(testFuncs()).Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tm.Execute(data)
	if err != nil {
		t.Fatal(err)
	}
	return tm, r
}

func TestTreeShapeActionsAndText(t *testing.T) {
	_, r := mustExec(t, `<p class="{{.A}}">{{.B}}{{$x := 1}}{{/* c */}}</p>`, map[string]string{"A": "a", "B": "<b>"})
	if got, want := r.Statics.Parts(), []string{`<p class="`, `">`, `</p>`}; !reflect.DeepEqual(got, want) {
		t.Fatalf("statics %q, want %q", got, want)
	}
	if len(r.Dynamics) != 2 || r.Dynamics[0] != (Dynamic{Str: "a"}) || r.Dynamics[1] != (Dynamic{Str: "&lt;b&gt;"}) {
		t.Fatalf("dynamics %+v", r.Dynamics)
	}
}

func TestTreeShapeBranches(t *testing.T) {
	const text = `{{if .}}<b>yes {{.}}</b>{{else}}<i>no</i>{{end}}{{if .}}only{{end}}`
	tm, yes := mustExec(t, text, 1)
	no, err := tm.Execute(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Rendered{yes, no} {
		if len(r.Dynamics) != 2 || r.Dynamics[0].Kind != KindTree {
			t.Fatalf("want a tree slot then a slot, got %+v", r.Dynamics)
		}
	}
	y, n := yes.Dynamics[0].Tree, no.Dynamics[0].Tree
	if y.Statics.Fingerprint() == n.Statics.Fingerprint() {
		t.Fatal("the two branches share a fingerprint")
	}
	if got := y.Statics.Parts(); !reflect.DeepEqual(got, []string{"<b>yes ", "</b>"}) || y.Dynamics[0].Str != "1" {
		t.Fatalf("then-branch %q %+v", got, y.Dynamics)
	}
	// A false if without else is the empty string slot.
	if d := no.Dynamics[1]; d != (Dynamic{Kind: KindString, Str: ""}) {
		t.Fatalf("false if without else: %+v", d)
	}
	if d := yes.Dynamics[1]; d.Kind != KindTree || d.Tree.HTML(nil) != "only" {
		t.Fatalf("true if without else: %+v", d)
	}
}

func TestTreeShapeWithAndTemplateCall(t *testing.T) {
	tm, r := mustExec(t, `{{define "x"}}<x>{{.}}</x>{{end}}{{with .}}{{template "x" .}}{{end}}`, "v")
	w := r.Dynamics[0]
	if w.Kind != KindTree {
		t.Fatalf("with: %+v", w)
	}
	call := w.Tree.Dynamics[0]
	if call.Kind != KindTree || !reflect.DeepEqual(call.Tree.Statics.Parts(), []string{"<x>", "</x>"}) {
		t.Fatalf("template call: %+v", call)
	}
	direct, err := tm.ExecuteTemplate("x", "v")
	if err != nil {
		t.Fatal(err)
	}
	if direct.Statics != call.Tree.Statics {
		t.Fatal("a called template and the same template executed directly do not share statics")
	}
}

func TestTreeShapeComprehension(t *testing.T) {
	tm, r := mustExec(t, `<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>`, []string{"a", "b", "c"})
	d := r.Dynamics[0]
	if d.Kind != KindComprehension {
		t.Fatalf("range: %+v", d)
	}
	c := d.Comp
	if !reflect.DeepEqual(c.Statics.Parts(), []string{"<li>", "</li>"}) || len(c.Entries) != 3 || c.Keys != nil {
		t.Fatalf("comprehension %q %+v keys %v", c.Statics.Parts(), c.Entries, c.Keys)
	}
	for i, want := range []string{"a", "b", "c"} {
		if len(c.Entries[i]) != 1 || c.Entries[i][0].Str != want {
			t.Fatalf("entry %d: %+v", i, c.Entries[i])
		}
	}
	// Statics are compiled once and shared by every render.
	r2, err := tm.Execute([]string{"z"})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Statics != r.Statics || r2.Dynamics[0].Comp.Statics != c.Statics {
		t.Fatal("statics copied between renders")
	}
	// No items and no else: an empty comprehension.
	r3, err := tm.Execute([]string{})
	if err != nil {
		t.Fatal(err)
	}
	if d := r3.Dynamics[0]; d.Kind != KindComprehension || len(d.Comp.Entries) != 0 {
		t.Fatalf("empty range: %+v", d)
	}
}

func TestTreeShapeRangeElse(t *testing.T) {
	_, r := mustExec(t, `{{range .}}x{{else}}<i>none</i>{{end}}`, []int{})
	if d := r.Dynamics[0]; d.Kind != KindTree || d.Tree.HTML(nil) != "<i>none</i>" {
		t.Fatalf("range else: %+v", d)
	}
}

func TestComprehensionKeys(t *testing.T) {
	_, r := mustExec(t, `{{range .}}<p>{{.Name}}</p>{{end}}`, []keyed{{7, "a"}, {3, "b"}})
	if got := r.Dynamics[0].Comp.Keys; !reflect.DeepEqual(got, []string{"k7", "k3"}) {
		t.Fatalf("keys %q", got)
	}
	// Pointers to Keyers and Keyers behind interfaces count too.
	_, r = mustExec(t, `{{range .}}{{.Name}}{{end}}`, []any{&keyed{1, "a"}, keyed{2, "b"}})
	if got := r.Dynamics[0].Comp.Keys; !reflect.DeepEqual(got, []string{"k1", "k2"}) {
		t.Fatalf("keys %q", got)
	}
	// One item without a key: no keys at all.
	_, r = mustExec(t, `{{range .}}{{.}}{{end}}`, []any{keyed{1, "a"}, "plain"})
	if got := r.Dynamics[0].Comp.Keys; got != nil {
		t.Fatalf("mixed items got keys %q", got)
	}
}

func TestBreakLeavesRemainingSlotsEmpty(t *testing.T) {
	_, r := mustExec(t, `{{range .}}<a>{{if eq . 2}}{{break}}{{end}}<b>{{.}}</b>{{end}}`, []int{1, 2, 3})
	if got, want := r.HTML(nil), "<a><b>1</b><a>"; got != want {
		t.Fatalf("html %q, want %q", got, want)
	}
	c := r.Dynamics[0].Comp
	if len(c.Entries) != 2 {
		t.Fatalf("entries %d, want 2", len(c.Entries))
	}
	// Text after a possible break is dynamic, so the cut entry just holds empty slots.
	if parts := c.Statics.Parts(); parts[len(parts)-1] != "" {
		t.Fatalf("text after a break is static: %q", parts)
	}
}

func TestComponentRef(t *testing.T) {
	_, r := mustExec(t, `<div>{{.}}</div>`, ComponentRef(3))
	if d := r.Dynamics[0]; d.Kind != KindComponent || d.CID != 3 {
		t.Fatalf("component slot: %+v", d)
	}
	got := r.HTML(func(cid int) *Rendered {
		if cid != 3 {
			t.Fatalf("asked for cid %d", cid)
		}
		return &Rendered{Statics: NewStatics("<c>3</c>")}
	})
	if got != "<div><c>3</c></div>" {
		t.Fatalf("html %q", got)
	}
}

func TestAppendHTMLMatchesHTML(t *testing.T) {
	_, r := mustExec(t, `{{range $i, $v := .}}{{if $i}}, {{end}}<i>{{$v}}</i>{{end}}`, []string{"a", "b"})
	if got := string(r.AppendHTML([]byte("x:"), nil)); got != "x:"+r.HTML(nil) || r.HTML(nil) != "<i>a</i>, <i>b</i>" {
		t.Fatalf("AppendHTML %q, HTML %q", got, r.HTML(nil))
	}
}
