package diff

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/glint-go/glint/diff/client"
	"github.com/glint-go/glint/render"
)

// The property test on real templates: random template text from a small grammar (if,
// else if, range with else, keyed ranges, with, template calls, components), executed by
// package render against random data. After the join and every diff, the client model's
// HTML must equal render's own HTML for the latest data.

// pData is the dot at every depth of a generated template, so that any fragment of the
// grammar fits anywhere.
type pData struct {
	A, B string
	T, F bool
	L    []pData
	K    []pKeyed
	Sub  *pData
	C    render.ComponentRef
}

// pKeyed is a range item with a stable key: ranges over it become keyed comprehensions.
type pKeyed struct {
	pData
	ID string
}

func (k pKeyed) Key() string { return k.ID }

var textPool = []string{"", "x", " ", "<b>", "</b>", "<p>", "</p>", "é", "&amp;", "\n", "<br>", `<a href="/x">l</a>`, "<!-- c -->"}

var dataPool = []string{"", "a", "b", "<i>", `"q"`, "&", "é", "1", "\u2028", "long text"}

// templateText writes a random template body of the given depth.
func templateText(c chooser, b *strings.Builder, depth int, calls []string, comps bool) {
	n := 1 + c.intn(4)
	for range n {
		k := c.intn(14)
		if depth <= 0 {
			k %= 4
		}
		switch k {
		case 0:
			b.WriteString(textPool[c.intn(len(textPool))])
		case 1:
			b.WriteString("{{.A}}")
		case 2:
			b.WriteString(`<span title="{{.B}}">`)
		case 3:
			if comps {
				b.WriteString("{{.C}}")
			} else {
				b.WriteString("{{.B}}")
			}
		case 4, 5:
			b.WriteString("{{if .T}}")
			templateText(c, b, depth-1, calls, comps)
			switch c.intn(3) {
			case 0:
				b.WriteString("{{else}}")
				templateText(c, b, depth-1, calls, comps)
			case 1:
				b.WriteString("{{else if .F}}")
				templateText(c, b, depth-1, calls, comps)
			}
			b.WriteString("{{end}}")
		case 6, 7:
			b.WriteString("{{range .L}}")
			templateText(c, b, depth-1, calls, comps)
			if c.intn(3) == 0 {
				b.WriteString("{{else}}")
				templateText(c, b, depth-1, calls, comps)
			}
			b.WriteString("{{end}}")
		case 8, 9:
			b.WriteString("{{range .K}}<li id=\"k{{.ID}}\">")
			templateText(c, b, depth-1, calls, comps)
			b.WriteString("</li>{{end}}")
		case 10:
			b.WriteString("{{range $i, $e := .L}}{{$i}}:{{$e.A}}{{end}}")
		case 11:
			b.WriteString("{{with .Sub}}")
			templateText(c, b, depth-1, calls, comps)
			b.WriteString("{{end}}")
		default:
			if len(calls) > 0 {
				b.WriteString(`{{template "` + calls[c.intn(len(calls))] + `" .}}`)
			} else {
				b.WriteString("{{.A}}")
			}
		}
	}
}

// randomTemplate returns the text of a template with up to two defined sub-templates.
func randomTemplate(c chooser, comps bool) string {
	var b strings.Builder
	var calls []string
	for i := range c.intn(3) {
		name := "t" + strconv.Itoa(i)
		b.WriteString(`{{define "` + name + `"}}`)
		templateText(c, &b, 1, nil, comps)
		b.WriteString("{{end}}")
		calls = append(calls, name)
	}
	templateText(c, &b, 3, calls, comps)
	return b.String()
}

func randomData(c chooser, depth, cids int) pData {
	d := pData{
		A: dataPool[c.intn(len(dataPool))],
		B: dataPool[c.intn(len(dataPool))],
		T: c.intn(2) == 0,
		F: c.intn(2) == 0,
		C: render.ComponentRef(1 + c.intn(cids)),
	}
	if depth <= 0 {
		return d
	}
	for range c.intn(4) {
		d.L = append(d.L, randomData(c, depth-1, cids))
	}
	ids := []string{"1", "2", "3", "4", "5"}
	for j := len(ids) - 1; j > 0; j-- {
		k := c.intn(j + 1)
		ids[j], ids[k] = ids[k], ids[j]
	}
	for i := range c.intn(5) {
		d.K = append(d.K, pKeyed{pData: randomData(c, depth-1, cids), ID: ids[i]})
	}
	if c.intn(2) == 0 {
		sub := randomData(c, depth-1, cids)
		d.Sub = &sub
	}
	return d
}

// referencedCIDs lists the components a tree references.
func referencedCIDs(r *render.Rendered, into map[int]bool) {
	var dyn func(d []render.Dynamic)
	dyn = func(ds []render.Dynamic) {
		for _, d := range ds {
			switch d.Kind {
			case render.KindComponent:
				into[d.CID] = true
			case render.KindTree:
				dyn(d.Tree.Dynamics)
			case render.KindComprehension:
				for _, e := range d.Comp.Entries {
					dyn(e)
				}
			}
		}
	}
	dyn(r.Dynamics)
}

// componentTemplates are the stateful components' templates: one root element each.
var componentTemplates = []*render.Template{
	render.Must(render.New("c1").Parse(`<div class="c">{{.A}}{{range .L}}<i>{{.B}}</i>{{end}}</div>`)),
	render.Must(render.New("c2").Parse(`<section>{{if .T}}<b>{{.A}}</b>{{else}}{{.B}}{{end}}</section>`)),
}

// templateRoundTrip runs one random template through steps random data, and reports
// whether the template was valid (html/template rejects some random texts).
func templateRoundTrip(t testing.TB, c chooser, steps int, seen map[string]int, rec *goldenFile) bool {
	t.Helper()
	const cids = 3
	text := randomTemplate(c, true)
	tpl, err := render.New("page").Parse(text)
	if err != nil {
		return false
	}
	var enc Encoder
	m := client.New()
	latest := map[int]*render.Rendered{}
	held := map[int]bool{}
	for i := 0; i <= steps; i++ {
		tree, err := tpl.Execute(randomData(c, 2, cids))
		if err != nil {
			return false
		}
		used := map[int]bool{}
		referencedCIDs(tree, used)
		comps := Components{}
		for _, id := range sortedKeys(used) {
			if !held[id] || c.intn(2) == 0 {
				ct, err := componentTemplates[id%len(componentTemplates)].Execute(randomData(c, 1, cids))
				if err != nil {
					t.Fatal(err)
				}
				comps[id] = ct
			}
		}
		var msg []byte
		if i == 0 {
			msg, err = enc.Join(nil, tree, comps, nil)
			if err == nil {
				err = m.Join(msg)
			}
		} else {
			var changed bool
			msg, changed, err = enc.Update(nil, tree, comps, nil)
			if err == nil && changed {
				err = m.Apply(msg)
			}
		}
		if err != nil {
			t.Fatalf("template %q step %d: %v\nmessage: %s", text, i, err, msg)
		}
		for form, re := range wireForms {
			if seen != nil && re.Match(msg) {
				seen[form]++
			}
		}
		for id, ct := range comps {
			latest[id] = ct
			held[id] = true
		}
		want := expectedComponentHTML(tree, latest)
		if got := m.HTML(); got != want {
			t.Fatalf("template %q step %d: HTML differs\nmessage: %s\n got %q\nwant %q", text, i, msg, got, want)
		}
		rec.add(msg, want)
	}
	return true
}

// expectedComponentHTML is render's HTML with data-phx-component injected after the tag
// name of each component's root.
func expectedComponentHTML(tree *render.Rendered, comps map[int]*render.Rendered) string {
	return tree.HTML(func(id int) *render.Rendered {
		c := comps[id]
		if c == nil {
			return nil
		}
		parts := append([]string(nil), c.Statics.Parts()...)
		end := strings.IndexAny(parts[0][1:], " >") + 1
		parts[0] = parts[0][:end] + fmt.Sprintf(` data-phx-component="%d"`, id) + parts[0][end:]
		return &render.Rendered{Statics: render.NewStatics(parts...), Dynamics: c.Dynamics}
	})
}

func TestPropertyTemplates(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 40
	}
	valid := 0
	seen := map[string]int{}
	for seed := range n {
		c := randChooser{rand.New(rand.NewPCG(uint64(seed), 99))}
		if templateRoundTrip(t, c, 10, seen, nil) {
			valid++
		}
	}
	if valid < n*3/4 {
		t.Fatalf("only %d of %d random templates were valid", valid, n)
	}
	for form := range wireForms {
		if seen[form] == 0 {
			t.Errorf("no message used %s", form)
		}
	}
	t.Logf("%d of %d templates valid; forms seen: %v", valid, n, seen)
}
