package diff

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"weak"

	"github.com/glint-go/glint/diff/client"
	"github.com/glint-go/glint/render"
)

// sPage is the dot of the shared-render tests: a view's own data beside a value that is
// either a *render.Snapshot[pData] (shared) or a *box (the same value, not shared).
type sPage struct {
	Own pData
	S   any
}

// box is a snapshot's twin that render does not recognise: same method, nothing shared.
type box struct{ v pData }

func (b *box) Value() pData { return b.v }

// sView is one view: its encoder and client model, and a twin encoder fed the same data
// without snapshots.
type sView struct {
	enc, twin Encoder
	model     *client.Model
	own       pData
	version   int // the snapshot version it last rendered
}

func randomShared(c chooser) string {
	var b strings.Builder
	b.WriteString(`{{define "s"}}{{with .Value}}`)
	templateText(c, &b, 2, nil, false)
	b.WriteString(`{{end}}{{end}}`)
	b.WriteString(`<main>{{with .Own}}`)
	templateText(c, &b, 1, nil, false)
	b.WriteString(`{{end}}`)
	switch c.intn(3) {
	case 0: // at the top: its bytes are shared
		b.WriteString(`{{template "s" .S}}`)
	case 1: // twice, and once under an if
		b.WriteString(`{{template "s" .S}}{{if .Own.T}}{{template "s" .S}}{{end}}`)
	default: // inside a range: a "p" scope is open, nothing is cached
		b.WriteString(`{{range .Own.L}}{{template "s" $.S}}{{end}}{{template "s" .S}}`)
	}
	b.WriteString(`</main>{{with .Own}}`)
	templateText(c, &b, 1, nil, false)
	b.WriteString(`{{end}}`)
	return b.String()
}

// render executes the page for one view at a snapshot version: tree with the snapshot,
// twin with the box.
func (p *sPropRun) render(v *sView, version int) (tree, twin *render.Rendered) {
	p.t.Helper()
	tree, err := p.tmpl.Execute(sPage{Own: v.own, S: p.snaps[version]})
	if err != nil {
		p.t.Fatalf("template %q: %v", p.text, err)
	}
	twin, err = p.tmpl.Execute(sPage{Own: v.own, S: &box{p.snaps[version].Value()}})
	if err != nil {
		p.t.Fatalf("template %q: %v", p.text, err)
	}
	return tree, twin
}

type sPropRun struct {
	t     testing.TB
	c     chooser
	text  string
	tmpl  *render.Template
	snaps []*render.Snapshot[pData]
	views []*sView
	// same counts the updates whose bytes another view had already sent (cache hits are
	// the point; the property holds either way).
	same int
}

func (p *sPropRun) join(v *sView) {
	p.t.Helper()
	v.version = len(p.snaps) - 1
	tree, twin := p.render(v, v.version)
	msg, err := v.enc.Join(nil, tree, nil, nil)
	if err != nil {
		p.t.Fatalf("template %q: Join: %v", p.text, err)
	}
	want, err := v.twin.Join(nil, twin, nil, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	if !bytes.Equal(msg, want) {
		p.t.Fatalf("template %q: join with the snapshot\n got %s\nwant %s", p.text, msg, want)
	}
	v.model = client.New()
	if err := v.model.Join(msg); err != nil {
		p.t.Fatalf("template %q: model Join(%s): %v", p.text, msg, err)
	}
	p.check(v, tree, "join", msg)
}

func (p *sPropRun) update(v *sView, seen map[string]bool) {
	p.t.Helper()
	v.version = len(p.snaps) - 1
	tree, twin := p.render(v, v.version)
	msg, changed, err := v.enc.Update(nil, tree, nil, nil)
	if err != nil {
		p.t.Fatalf("template %q: Update: %v", p.text, err)
	}
	want, wantChanged, err := v.twin.Update(nil, twin, nil, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	if changed != wantChanged || !bytes.Equal(msg, want) {
		p.t.Fatalf("template %q: update with the snapshot (changed %v)\n got %s\nwant %s (changed %v)", p.text, changed, msg, want, wantChanged)
	}
	if changed {
		if err := v.model.Apply(msg); err != nil {
			p.t.Fatalf("template %q: model Apply(%s): %v", p.text, msg, err)
		}
		if seen[string(msg)] {
			p.same++
		}
		seen[string(msg)] = true
	}
	p.check(v, tree, "update", msg)
}

// check compares a view's client model with a fresh full render of its state.
func (p *sPropRun) check(v *sView, tree *render.Rendered, what string, msg []byte) {
	p.t.Helper()
	if got, want := v.model.HTML(), tree.HTML(nil); got != want {
		p.t.Fatalf("template %q: after %s %s\n got %q\nwant %q", p.text, what, msg, got, want)
	}
}

// TestPropertySharedSnapshots interleaves, at random, new snapshot versions, views
// catching up with the latest one (some skipping versions), views changing their own
// data, and views joining afresh. After every step, the view's client model equals a
// fresh render, and every message is byte for byte what the same data without a snapshot
// gives (so the cached bytes are exactly those the encoder would write).
func TestPropertySharedSnapshots(t *testing.T) {
	n := 150
	if testing.Short() {
		n = 30
	}
	valid, same := 0, 0
	for seed := range n {
		c := randChooser{rand.New(rand.NewPCG(uint64(seed), 21))}
		text := randomShared(c)
		tmpl, err := render.New("page").Parse(text)
		if err != nil {
			continue
		}
		if _, err := tmpl.Execute(sPage{S: render.NewSnapshot(pData{})}); err != nil {
			continue
		}
		valid++
		p := &sPropRun{t: t, c: c, text: text, tmpl: tmpl, snaps: []*render.Snapshot[pData]{render.NewSnapshot(randomData(c, 2, 1))}}
		for range 4 {
			v := &sView{own: randomData(c, 2, 1)}
			p.views = append(p.views, v)
			p.join(v)
		}
		seen := map[string]bool{}
		for range 40 {
			v := p.views[c.intn(len(p.views))]
			switch k := c.intn(10); {
			case k < 3:
				p.snaps = append(p.snaps, render.NewSnapshot(randomData(c, 2, 1)))
				seen = map[string]bool{}
			case k < 4 && len(p.snaps) > 1:
				// A new version equal to the last: other trees, the same HTML.
				p.snaps = append(p.snaps, render.NewSnapshot(p.snaps[len(p.snaps)-1].Value()))
			case k < 7:
				p.update(v, seen)
			case k < 9:
				v.own = randomData(c, 2, 1)
				p.update(v, seen)
			default:
				v.enc, v.twin = Encoder{}, Encoder{}
				p.join(v)
			}
		}
		same += p.same
	}
	if valid < n/2 {
		t.Fatalf("only %d of %d random templates were valid", valid, n)
	}
	if same == 0 {
		t.Fatal("no two views ever sent the same update")
	}
	t.Logf("%d of %d templates valid; %d updates repeated another view's bytes", valid, n, same)
}

// snapPage is the shared slot's page for the tests below.
var snapPage = render.Must(render.New("page").Parse(`{{define "s"}}<ul>{{range .Value}}<li>{{.}}</li>{{end}}</ul>{{end}}<p>{{.Own.A}}</p>{{template "s" .S}}`))

func execSnap(t testing.TB, own string, s *render.Snapshot[[]string]) *render.Rendered {
	t.Helper()
	r, err := snapPage.Execute(struct {
		Own pData
		S   *render.Snapshot[[]string]
	}{pData{A: own}, s})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Two views moving between the same snapshots send the same bytes, written once: the
// second view's encoder copies them from the cache.
func TestSharedDiffWrittenOnce(t *testing.T) {
	v1 := render.NewSnapshot([]string{"a", "b"})
	v2 := render.NewSnapshot([]string{"a", "c", "d"})
	var ann, bob Encoder
	if _, err := ann.Join(nil, execSnap(t, "ann", v1), nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Join(nil, execSnap(t, "bob", v1), nil, nil); err != nil {
		t.Fatal(err)
	}
	a, _, err := ann.Update(nil, execSnap(t, "ann", v2), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	held, next := execSnap(t, "", v1).Dynamics[1].Tree, execSnap(t, "", v2).Dynamics[1].Tree
	cached, ok := sharedGet(sharedKey{held: weakOf(held), next: weakOf(next)})
	if !ok || !cached.changed || !bytes.Contains(a, cached.b) {
		t.Fatalf("after the first view's update the cache holds %q (found %v), message %s", cached.b, ok, a)
	}
	if want := `{"1":{"0":{"k":{"1":{"0":"c"},"2":{"0":"d"},"kc":3}}}}`; string(a) != want {
		t.Fatalf("update\n got %s\nwant %s", a, want)
	}
	// The second view copies the cached bytes: mark them to see it.
	marked := sharedBytes{b: []byte(`{"marked":1}`), changed: true}
	sharedPut(sharedKey{held: weakOf(held), next: weakOf(next)}, marked) // a no-op: the key is there
	sharedCache.mu.Lock()
	sharedCache.m[sharedKey{held: weakOf(held), next: weakOf(next)}] = marked
	sharedCache.mu.Unlock()
	b, _, err := bob.Update(nil, execSnap(t, "bob", v2), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"1":{"marked":1}}`; string(b) != want {
		t.Fatalf("the second view's update %s, want %s (from the cache)", b, want)
	}
}

func weakOf(r *render.Rendered) weak.Pointer[render.Rendered] { return weak.Make(r) }
