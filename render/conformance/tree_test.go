package conformance

import (
	"bytes"
	"fmt"

	"github.com/glint-go/glint/render"
)

// checkTree checks the structural invariants of a Rendered tree: every node and every
// comprehension entry has one more static part than dynamic slots, keys match entries,
// and slots hold what their kind says. It returns the dynamic kinds found.
func checkTree(r *render.Rendered) (map[render.Kind]int, error) {
	kinds := map[render.Kind]int{}
	var walkDyn func(path string, ds []render.Dynamic) error
	var walk func(path string, r *render.Rendered) error
	walk = func(path string, r *render.Rendered) error {
		if r == nil {
			return fmt.Errorf("%s: nil tree", path)
		}
		if r.Statics == nil {
			return fmt.Errorf("%s: nil statics", path)
		}
		if n := len(r.Statics.Parts()); n != len(r.Dynamics)+1 {
			return fmt.Errorf("%s: %d static parts for %d dynamics", path, n, len(r.Dynamics))
		}
		return walkDyn(path, r.Dynamics)
	}
	walkDyn = func(path string, ds []render.Dynamic) error {
		for i, d := range ds {
			p := fmt.Sprintf("%s/%d", path, i)
			kinds[d.Kind]++
			switch d.Kind {
			case render.KindString:
				if d.Tree != nil || d.Comp != nil {
					return fmt.Errorf("%s: string slot also holds a tree or comprehension", p)
				}
			case render.KindTree:
				if err := walk(p, d.Tree); err != nil {
					return err
				}
			case render.KindComprehension:
				c := d.Comp
				if c == nil || c.Statics == nil {
					return fmt.Errorf("%s: comprehension without statics", p)
				}
				if c.Keys != nil && len(c.Keys) != len(c.Entries) {
					return fmt.Errorf("%s: %d keys for %d entries", p, len(c.Keys), len(c.Entries))
				}
				want := len(c.Statics.Parts()) - 1
				for j, e := range c.Entries {
					if len(e) != want {
						return fmt.Errorf("%s[%d]: %d dynamics for %d static parts", p, j, len(e), want+1)
					}
					if err := walkDyn(fmt.Sprintf("%s[%d]", p, j), e); err != nil {
						return err
					}
				}
			case render.KindComponent:
				return fmt.Errorf("%s: unexpected component slot (cid %d)", p, d.CID)
			default:
				return fmt.Errorf("%s: unknown kind %d", p, d.Kind)
			}
		}
		return nil
	}
	err := walk("root", r)
	return kinds, err
}

// sameStatics reports the first place where two renders of the same template and data
// do not share their statics: the engine must compile statics once, never per render.
func sameStatics(a, b *render.Rendered) error {
	var dyn func(path string, x, y []render.Dynamic) error
	var node func(path string, x, y *render.Rendered) error
	node = func(path string, x, y *render.Rendered) error {
		if x.Statics != y.Statics {
			return fmt.Errorf("%s: statics copied between renders (fingerprints %x, %x)", path, x.Statics.Fingerprint(), y.Statics.Fingerprint())
		}
		return dyn(path, x.Dynamics, y.Dynamics)
	}
	dyn = func(path string, x, y []render.Dynamic) error {
		if len(x) != len(y) {
			return fmt.Errorf("%s: %d vs %d dynamics", path, len(x), len(y))
		}
		for i := range x {
			p := fmt.Sprintf("%s/%d", path, i)
			if x[i].Kind != y[i].Kind {
				return fmt.Errorf("%s: kind %d vs %d", p, x[i].Kind, y[i].Kind)
			}
			switch x[i].Kind {
			case render.KindTree:
				if err := node(p, x[i].Tree, y[i].Tree); err != nil {
					return err
				}
			case render.KindComprehension:
				cx, cy := x[i].Comp, y[i].Comp
				if cx.Statics != cy.Statics {
					return fmt.Errorf("%s: comprehension statics copied between renders", p)
				}
				if len(cx.Entries) != len(cy.Entries) {
					return fmt.Errorf("%s: %d vs %d entries", p, len(cx.Entries), len(cy.Entries))
				}
				for j := range cx.Entries {
					if err := dyn(fmt.Sprintf("%s[%d]", p, j), cx.Entries[j], cy.Entries[j]); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return node("root", a, b)
}

// appendMatchesHTML checks that AppendHTML into a non-empty buffer appends exactly HTML.
func appendMatchesHTML(r *render.Rendered) error {
	prefix := []byte("prefix:")
	got := r.AppendHTML(bytes.Clone(prefix), nil)
	want := append(bytes.Clone(prefix), r.HTML(nil)...)
	if !bytes.Equal(got, want) {
		return fmt.Errorf("AppendHTML appended %q, HTML is %q", got[len(prefix):], want[len(prefix):])
	}
	return nil
}

var kindNames = map[string]render.Kind{
	"comprehension": render.KindComprehension,
	"tree":          render.KindTree,
}
