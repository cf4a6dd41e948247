package diff

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/glint-go/glint/diff/client"
	"github.com/glint-go/glint/render"
)

// A generator of random template shapes and random renders of them, for the property and
// fuzz tests. A shape plays the role of a compiled template: its statics are created once
// and shared by every render, as render's compiled templates share theirs.

// chooser is the source of every random decision.
type chooser interface {
	intn(n int) int
}

type randChooser struct{ r *rand.Rand }

func (c randChooser) intn(n int) int { return c.r.IntN(n) }

// byteChooser draws decisions from fuzz input; once it runs out, every decision is 0.
type byteChooser struct {
	data []byte
}

func (c *byteChooser) intn(n int) int {
	if len(c.data) == 0 || n <= 1 {
		return 0
	}
	b := c.data[0]
	c.data = c.data[1:]
	return int(b) % n
}

type slotKind int

const (
	slotString    slotKind = iota
	slotIf                 // one of several branches, or "" when none applies
	slotTemplate           // always the same nested template
	slotRange              // a comprehension; keyed or by position
	slotComponent          // a cid
)

type shape struct {
	statics *render.Statics
	slots   []slot
}

type slot struct {
	kind     slotKind
	branches []*shape // slotIf; slotTemplate uses branches[0]
	body     *shape   // slotRange
	keyed    bool
}

var staticPool = []string{"", "<b>", "</b>", "x", " ", `"`, "<li>", "</li>", "\n", "é", `<a href="/">`, "</a>", "\\", "<!-- c -->"}

var valuePool = []string{"", "a", "b", "&lt;x&gt;", `"q"`, "é", "\n", "10", "\u2028", "long value with spaces", "\x00", "\\"}

type gen struct {
	c chooser
	// cids is how many component ids may be used (0 disables components).
	cids       int
	compShapes map[int]*shape
}

func newGen(c chooser, cids int) *gen {
	g := &gen{c: c, cids: cids, compShapes: map[int]*shape{}}
	for cid := 1; cid <= cids; cid++ {
		s := g.shape(2, false)
		parts := append([]string(nil), s.statics.Parts()...)
		parts[0] = `<div class="c">` + parts[0]
		parts[len(parts)-1] += "</div>"
		s.statics = render.NewStatics(parts...)
		g.compShapes[cid] = s
	}
	return g
}

func (g *gen) shape(depth int, comps bool) *shape {
	n := g.c.intn(4)
	s := &shape{}
	parts := make([]string, n+1)
	for i := range parts {
		parts[i] = staticPool[g.c.intn(len(staticPool))]
	}
	s.statics = render.NewStatics(parts...)
	for range n {
		k := slotString
		if depth > 0 {
			k = slotKind(g.c.intn(5))
		}
		if k == slotComponent && !comps {
			k = slotString
		}
		sl := slot{kind: k}
		switch k {
		case slotIf:
			for range 1 + g.c.intn(2) {
				sl.branches = append(sl.branches, g.shape(depth-1, comps))
			}
		case slotTemplate:
			sl.branches = []*shape{g.shape(depth-1, comps)}
		case slotRange:
			sl.body = g.shape(depth-1, comps)
			sl.keyed = g.c.intn(2) == 0
		}
		s.slots = append(s.slots, sl)
	}
	return s
}

// render makes one random render of s; used records the cids it references.
func (g *gen) render(s *shape, used map[int]bool) *render.Rendered {
	return &render.Rendered{Statics: s.statics, Dynamics: g.dynamics(s, used)}
}

func (g *gen) dynamics(s *shape, used map[int]bool) []render.Dynamic {
	dyn := make([]render.Dynamic, len(s.slots))
	for i, sl := range s.slots {
		switch sl.kind {
		case slotString:
			dyn[i] = str(valuePool[g.c.intn(len(valuePool))])
		case slotIf:
			if b := g.c.intn(len(sl.branches) + 1); b < len(sl.branches) {
				dyn[i] = sub(g.render(sl.branches[b], used))
			} else {
				dyn[i] = str("")
			}
		case slotTemplate:
			dyn[i] = sub(g.render(sl.branches[0], used))
		case slotRange:
			n := g.c.intn(6)
			c := &render.Comprehension{Statics: sl.body.statics}
			perm := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
			for j := len(perm) - 1; j > 0; j-- {
				k := g.c.intn(j + 1)
				perm[j], perm[k] = perm[k], perm[j]
			}
			for j := range n {
				c.Entries = append(c.Entries, g.dynamics(sl.body, used))
				if sl.keyed {
					key := perm[j]
					if g.c.intn(8) == 0 {
						key = "a" // duplicate keys must not break anything
					}
					c.Keys = append(c.Keys, key)
				}
			}
			if sl.keyed && c.Keys == nil {
				c.Keys = []string{}
			}
			dyn[i] = render.Dynamic{Kind: render.KindComprehension, Comp: c}
		case slotComponent:
			id := 1 + g.c.intn(g.cids)
			used[id] = true
			dyn[i] = cid(id)
		}
	}
	return dyn
}

// withComponentAttr returns the expected client HTML of a tree: render's HTML, with
// data-phx-component injected into every component root.
func expectedHTML(tree *render.Rendered, comps map[int]*render.Rendered) string {
	var lookup render.Components
	lookup = func(id int) *render.Rendered {
		c := comps[id]
		if c == nil {
			return nil
		}
		parts := append([]string(nil), c.Statics.Parts()...)
		parts[0] = strings.Replace(parts[0], "<div", `<div data-phx-component="`+strconv.Itoa(id)+`"`, 1)
		return &render.Rendered{Statics: render.NewStatics(parts...), Dynamics: c.Dynamics}
	}
	return tree.HTML(lookup)
}

// wireForms are the forms of the wire format the generator must reach.
var wireForms = map[string]*regexp.Regexp{
	"move and change": regexp.MustCompile(`"\d+":\[\d+,\{`),
	"km":              regexp.MustCompile(`"km":true`),
	"p":               regexp.MustCompile(`"p":\{`),
	"statics index":   regexp.MustCompile(`"s":\d`),
	"components":      regexp.MustCompile(`"c":\{`),
	"emptied list":    regexp.MustCompile(`\{"k":\{"kc":0\}`),
}

// roundTrip joins with a random render, then applies random updates, checking after every
// message that the client model's HTML equals render's HTML of the latest data.
func roundTrip(t testing.TB, c chooser, steps int, rec *goldenFile) (seen map[string]int) {
	t.Helper()
	seen = map[string]int{}
	g := newGen(c, 1+c.intn(3))
	tops := []*shape{g.shape(3, true), g.shape(3, true)}
	var enc Encoder
	m := client.New()
	latest := map[int]*render.Rendered{} // every component's latest tree
	held := map[int]bool{}               // what the encoder believes the client holds
	top := tops[0]
	var tree *render.Rendered

	for i := 0; i <= steps; i++ {
		switchTop := i > 0 && c.intn(6) == 0
		if switchTop {
			top = tops[c.intn(2)]
		}
		used := map[int]bool{}
		next := g.render(top, used)
		if i > 0 && c.intn(5) == 0 {
			next = nil // the view was not re-rendered; only components may change
			for _, id := range sortedKeys(held) {
				used[id] = true
			}
		}
		replaced := next != nil && tree != nil && !sameStatics(tree.Statics, next.Statics)
		if i == 0 || replaced {
			clear(held)
		}
		var forget []int
		for _, id := range sortedKeys(held) {
			if c.intn(6) == 0 {
				forget = append(forget, id)
				delete(held, id)
			}
		}
		comps := Components{}
		for _, id := range sortedKeys(used) {
			if !held[id] || c.intn(2) == 0 {
				comps[id] = g.render(g.compShapes[id], nil)
			}
		}

		var msg []byte
		var err error
		if i == 0 {
			msg, err = enc.Join(nil, next, comps, nil)
			if err == nil {
				err = m.Join(msg)
			}
		} else {
			enc.Forget(forget...)
			var changed bool
			msg, changed, err = enc.Update(nil, next, comps, nil)
			if err == nil && changed {
				err = m.Apply(msg)
			}
		}
		if err != nil {
			t.Fatalf("step %d: %v\nmessage: %s", i, err, msg)
		}
		if next != nil {
			tree = next
		}
		for id, ct := range comps {
			latest[id] = ct
			held[id] = true
		}
		for form, re := range wireForms {
			if re.Match(msg) {
				seen[form]++
			}
		}
		want := expectedHTML(tree, latest)
		if got := m.HTML(); got != want {
			t.Fatalf("step %d: HTML differs\nmessage: %s\n got %q\nwant %q", i, msg, got, want)
		}
		rec.add(msg, want)
	}
	return seen
}

func TestPropertyRoundTrip(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 50
	}
	total := map[string]int{}
	for seed := range n {
		c := randChooser{rand.New(rand.NewPCG(uint64(seed), 42))}
		for form, k := range roundTrip(t, c, 12, nil) {
			total[form] += k
		}
	}
	// The generator must reach every form of the wire format, or the property proves
	// little: moves, shared statics, components, move-and-change, emptied lists.
	for form := range wireForms {
		if total[form] == 0 {
			t.Errorf("no message used %s", form)
		}
	}
	t.Logf("forms seen: %v", total)
}

// FuzzDiffRoundTrip checks the same property from fuzz input, on random shapes and on
// random templates executed by render: every diff, merged by the client model, gives
// render's HTML of the latest data.
func FuzzDiffRoundTrip(f *testing.F) {
	for seed := range 8 {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		b := make([]byte, 64+32*seed)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			data = data[:4096]
		}
		// The first byte picks hand-built shapes or real templates executed by render.
		c := &byteChooser{data: data}
		if c.intn(2) == 0 {
			roundTrip(t, c, 8, nil)
		} else {
			templateRoundTrip(t, c, 6, nil, nil)
		}
	})
}

// sortedKeys keeps the generators deterministic: a seed always gives the same run.
func sortedKeys(m map[int]bool) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
