package conformance

import (
	"slices"
	"testing"

	"github.com/glint-go/glint/render"
)

// firstOfKind returns the first dynamic slot of kind k, depth first.
func firstOfKind(r *render.Rendered, k render.Kind) *render.Dynamic {
	var inDyn func(ds []render.Dynamic) *render.Dynamic
	inDyn = func(ds []render.Dynamic) *render.Dynamic {
		for i := range ds {
			d := &ds[i]
			if d.Kind == k {
				return d
			}
			switch d.Kind {
			case render.KindTree:
				if f := inDyn(d.Tree.Dynamics); f != nil {
					return f
				}
			case render.KindComprehension:
				for _, e := range d.Comp.Entries {
					if f := inDyn(e); f != nil {
						return f
					}
				}
			}
		}
		return nil
	}
	return inDyn(r.Dynamics)
}

func mustRender(t *testing.T, text string, data any) *render.Rendered {
	t.Helper()
	tmpl, err := render.New("shape").Funcs(funcs()).Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tmpl.Execute(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTreeShapes checks the tree shapes render promises, on small templates: ranges become
// comprehensions with one entry per item and shared statics, Keyer items give keys, and
// switching branch or called template changes the nested tree's fingerprint while the
// same branch keeps its statics.
func TestTreeShapes(t *testing.T) {
	t.Run("range is a comprehension with one entry per item", func(t *testing.T) {
		for _, n := range []int{0, 1, 3, 50} {
			r := mustRender(t, `<ul>{{range .}}<li class="x">{{.}}</li>{{end}}</ul>`, seqOf(n))
			d := firstOfKind(r, render.KindComprehension)
			if n == 0 {
				if d != nil && len(d.Comp.Entries) != 0 {
					t.Errorf("empty range: %d entries", len(d.Comp.Entries))
				}
				continue
			}
			if d == nil {
				t.Fatalf("n=%d: no comprehension in the tree", n)
			}
			if len(d.Comp.Entries) != n {
				t.Errorf("n=%d: %d entries", n, len(d.Comp.Entries))
			}
			if got := d.Comp.Statics.Parts(); !slices.Contains(got, `<li class="x">`) {
				t.Errorf("comprehension statics %q lack the item markup", got)
			}
		}
	})
	t.Run("Keyer items give keys", func(t *testing.T) {
		r := mustRender(t, `{{range .}}<li>{{.Name}}</li>{{end}}`, fixtures["keyed"]())
		d := firstOfKind(r, render.KindComprehension)
		if d == nil {
			t.Fatal("no comprehension")
		}
		if want := []string{"k1", "k2", "k3"}; !slices.Equal(d.Comp.Keys, want) {
			t.Errorf("keys %q, want %q", d.Comp.Keys, want)
		}
	})
	t.Run("plain items have no keys", func(t *testing.T) {
		r := mustRender(t, `{{range .}}<li>{{.}}</li>{{end}}`, []string{"a", "b"})
		d := firstOfKind(r, render.KindComprehension)
		if d == nil || d.Comp.Keys != nil {
			t.Fatalf("want a comprehension without keys, got %+v", d)
		}
	})

	tests := []struct {
		name, text string
		a, b       any // select different branches
	}{
		{"if/else", `<p>{{if .}}<b>yes {{.}}</b>{{else}}<i>no</i>{{end}}</p>`, true, false},
		{"else if", `{{if eq . 1}}one {{.}}{{else if eq . 2}}two {{.}}{{else}}many {{.}}{{end}}`, 1, 2},
		{"with/else", `{{with .}}<b>{{.}}</b>{{else}}<i>none</i>{{end}}`, "x", ""},
		{"template call", `{{define "a"}}<b>A{{.}}</b>{{end}}{{define "b"}}<i>B{{.}}</i>{{end}}{{if .}}{{template "a" .}}{{else}}{{template "b" .}}{{end}}`, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name+" fingerprints", func(t *testing.T) {
			tmpl := render.Must(render.New("branches").Funcs(funcs()).Parse(tc.text))
			exec := func(data any) *render.Rendered {
				r, err := tmpl.Execute(data)
				if err != nil {
					t.Fatal(err)
				}
				if firstOfKind(r, render.KindTree) == nil {
					t.Fatalf("%v: no nested tree", data)
				}
				return r
			}
			a1, a2, b1 := exec(tc.a), exec(tc.a), exec(tc.b)
			if err := sameStatics(a1, a2); err != nil {
				t.Errorf("the same branch did not share its statics between renders: %v", err)
			}
			// A diff walks nested trees comparing fingerprints; the switch must show at
			// some level (for a template call, at the call's own tree).
			fa, fb := treeFingerprints(a1), treeFingerprints(b1)
			if slices.Equal(fa, fb) {
				t.Errorf("branches %v and %v have the same nested fingerprints %x", tc.a, tc.b, fa)
			}
		})
	}
}

// treeFingerprints lists the fingerprints of the nested trees, depth first.
func treeFingerprints(r *render.Rendered) []uint64 {
	var out []uint64
	var walk func(ds []render.Dynamic)
	walk = func(ds []render.Dynamic) {
		for _, d := range ds {
			switch d.Kind {
			case render.KindTree:
				out = append(out, d.Tree.Statics.Fingerprint())
				walk(d.Tree.Dynamics)
			case render.KindComprehension:
				for _, e := range d.Comp.Entries {
					walk(e)
				}
			}
		}
	}
	walk(r.Dynamics)
	return out
}

func seqOf(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
