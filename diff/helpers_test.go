package diff

import (
	"testing"

	"github.com/glint-go/glint/diff/client"
	"github.com/glint-go/glint/render"
)

// Builders for hand-made trees.

func st(parts ...string) *render.Statics { return render.NewStatics(parts...) }

func node(s *render.Statics, dyn ...render.Dynamic) *render.Rendered {
	return &render.Rendered{Statics: s, Dynamics: dyn}
}

func str(s string) render.Dynamic { return render.Dynamic{Kind: render.KindString, Str: s} }

func sub(r *render.Rendered) render.Dynamic { return render.Dynamic{Kind: render.KindTree, Tree: r} }

func cid(n int) render.Dynamic { return render.Dynamic{Kind: render.KindComponent, CID: n} }

func list(s *render.Statics, keys []string, entries ...[]render.Dynamic) render.Dynamic {
	return render.Dynamic{Kind: render.KindComprehension, Comp: &render.Comprehension{Statics: s, Entries: entries, Keys: keys}}
}

func entry(dyn ...render.Dynamic) []render.Dynamic { return dyn }

// step is one render handed to an Encoder: step 0 joins, later steps update.
type step struct {
	tree  *render.Rendered
	comps Components
	x     *Extras
	// forget is passed to Encoder.Forget before this step, as after cids_will_destroy.
	forget []int
}

// run encodes the steps, applies every message to a client model and returns the messages
// (nil for a step that changed nothing) and the model's HTML after each step.
func run(t testing.TB, steps []step) (msgs [][]byte, htmls []string) {
	t.Helper()
	var enc Encoder
	m := client.New()
	for i, s := range steps {
		var out []byte
		if i == 0 {
			b, err := enc.Join(nil, s.tree, s.comps, s.x)
			if err != nil {
				t.Fatalf("step 0: Join: %v", err)
			}
			if err := m.Join(b); err != nil {
				t.Fatalf("step 0: model Join(%s): %v", b, err)
			}
			out = b
		} else {
			enc.Forget(s.forget...)
			b, changed, err := enc.Update(nil, s.tree, s.comps, s.x)
			if err != nil {
				t.Fatalf("step %d: Update: %v", i, err)
			}
			if changed != (len(b) > 0) {
				t.Fatalf("step %d: changed=%v with %d bytes", i, changed, len(b))
			}
			if changed {
				if err := m.Apply(b); err != nil {
					t.Fatalf("step %d: model Apply(%s): %v", i, b, err)
				}
				out = b
			}
		}
		msgs = append(msgs, out)
		htmls = append(htmls, m.HTML())
	}
	return msgs, htmls
}
