package diff

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/glint-go/glint/render"
)

// Benchmarks of the performance table, on templates executed by render. Each
// reports the diff's size (diff-bytes) next to the full render's (full-bytes); ns/op and
// allocs/op are for one Update, trees already executed.

// benchDiff joins with a, then alternates Update(b) and Update(a).
func benchDiff(b *testing.B, a, next *render.Rendered) {
	b.Helper()
	var enc Encoder
	full, err := enc.Join(nil, a, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	d, changed, err := enc.Update(nil, next, nil, nil)
	if err != nil || !changed {
		b.Fatalf("no diff: %v", err)
	}
	if _, _, err := enc.Update(nil, a, nil, nil); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	trees := [2]*render.Rendered{next, a}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf, _, err = enc.Update(buf[:0], trees[i&1], nil, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	// After the loop: ResetTimer, which b.Loop calls, drops metrics reported before it.
	b.ReportMetric(float64(len(d)), "diff-bytes")
	b.ReportMetric(float64(len(full)), "full-bytes")
}

func mustExecute(b *testing.B, t *render.Template, data any) *render.Rendered {
	b.Helper()
	r, err := t.Execute(data)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func BenchmarkCounterIncrement(b *testing.B) {
	tpl := render.Must(render.New("counter").Parse(`Count: {{.Count}} <button phx-click="inc">+</button>`))
	benchDiff(b, mustExecute(b, tpl, map[string]int{"Count": 42}), mustExecute(b, tpl, map[string]int{"Count": 43}))
}

// dropsTemplate is the /drops markup of the Sneakers23 demo (examples/productpage).
const dropsTemplate = `<main class="product-list">{{range .Products}}<div class="product-listing" data-product-id="{{.ID}}"><div class="product-listing__image-wrap"><img src="{{.MainImageURL}}"></div><div class="product-listing__details"><h4 class="product-listing__detail-header">{{.Name}}</h4><div>by {{.Brand}}</div> <div>{{.Color}}</div> <div>${{.PriceUSD}}</div>{{if .Released}}<form class="size-container" action="/cart/add" method="POST">{{range .Items}}<button type="submit" class="size-container__entry size-container__entry--level-{{.Level}}" name="item_id" value="{{.ID}}"{{if eq .Level "out"}} disabled{{end}}>{{.Size}}</button>{{end}}</form>{{else}}<h4 class="product-soon-{{.ID}}">coming soon...</h4>{{end}}</div></div>{{end}}</main>`

type dropsProduct struct {
	ID                               int
	Name, Brand, Color, MainImageURL string
	PriceUSD                         int
	Released                         bool
	Items                            []dropsItem
}

func (p dropsProduct) Key() string { return strconv.Itoa(p.ID) }

type dropsItem struct {
	ID          int
	Size, Level string
}

func (i dropsItem) Key() string { return strconv.Itoa(i.ID) }

type dropsPage struct{ Products []dropsProduct }

// seedDrops is the demo's seed data: 2 products of 13 sizes.
func seedDrops(released1, released2 bool) dropsPage {
	levels := []string{"high", "medium", "out", "high", "low", "high", "medium", "high", "high", "out", "medium", "high", "low"}
	mk := func(id int, name, brand, color, img string, price int, released bool, first int) dropsProduct {
		p := dropsProduct{ID: id, Name: name, Brand: brand, Color: color, MainImageURL: img, PriceUSD: price, Released: released}
		for i := range 13 {
			size := strconv.FormatFloat(6+float64(i)/2, 'f', -1, 64)
			p.Items = append(p.Items, dropsItem{ID: first + i, Size: size, Level: levels[(i+id)%13]})
		}
		return p
	}
	return dropsPage{Products: []dropsProduct{
		mk(1, "Hop Man 3", "Snks 23", "yellow/blue", "/images/hopman.png", 120, released1, 1),
		mk(2, "Breezy Boost 600", "Asler", "momentum", "/images/breezy.png", 140, released2, 14),
	}}
}

func (d dropsPage) clone() dropsPage {
	out := dropsPage{}
	for _, p := range d.Products {
		p.Items = append([]dropsItem(nil), p.Items...)
		out.Products = append(out.Products, p)
	}
	return out
}

func BenchmarkDrops(b *testing.B) {
	tpl := render.Must(render.New("drops").Parse(dropsTemplate))
	both := seedDrops(true, true)
	level := both.clone()
	level.Products[1].Items[5].Level = "medium" // high → medium
	out := both.clone()
	out.Products[1].Items[5].Level = "out" // high → out: the button also gets disabled
	b.Run("size_level_changes", func(b *testing.B) {
		benchDiff(b, mustExecute(b, tpl, both), mustExecute(b, tpl, level))
	})
	b.Run("size_sells_out", func(b *testing.B) {
		benchDiff(b, mustExecute(b, tpl, both), mustExecute(b, tpl, out))
	})
	b.Run("product_released", func(b *testing.B) {
		benchDiff(b, mustExecute(b, tpl, seedDrops(true, false)), mustExecute(b, tpl, both))
	})
	b.Run("size_level_changes_listing_component", func(b *testing.B) {
		page, listing := dropsComponents(b)
		a := page(both)
		next := listing(level.Products[1])
		var enc Encoder
		full, err := enc.Join(nil, a, Components{1: listing(both.Products[0]), 2: listing(both.Products[1])}, nil)
		if err != nil {
			b.Fatal(err)
		}
		d, _, err := enc.Update(nil, nil, Components{2: next}, nil)
		if err != nil {
			b.Fatal(err)
		}
		trees := [2]*render.Rendered{listing(both.Products[1]), next}
		comps := [2]Components{{2: trees[0]}, {2: trees[1]}}
		buf := make([]byte, 0, 4096)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			buf, _, err = enc.Update(buf[:0], nil, comps[i&1], nil)
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(d)), "diff-bytes")
		b.ReportMetric(float64(len(full)), "full-bytes")
	})
}

// dropsComponents splits /drops into a page that lists components and a listing component
// per product, the way a view with one stateful component per product renders it.
func dropsComponents(tb testing.TB) (page func(dropsPage) *render.Rendered, listing func(dropsProduct) *render.Rendered) {
	tb.Helper()
	start := strings.Index(dropsTemplate, "{{range .Products}}") + len("{{range .Products}}")
	end := strings.LastIndex(dropsTemplate, "{{end}}</main>")
	pageTpl := render.Must(render.New("page").Parse(`<main class="product-list">{{range .}}{{.}}{{end}}</main>`))
	listingTpl := render.Must(render.New("listing").Parse(dropsTemplate[start:end]))
	page = func(d dropsPage) *render.Rendered {
		var cids []render.ComponentRef
		for _, p := range d.Products {
			cids = append(cids, render.ComponentRef(p.ID))
		}
		r, err := pageTpl.Execute(cids)
		if err != nil {
			tb.Fatal(err)
		}
		return r
	}
	listing = func(p dropsProduct) *render.Rendered {
		r, err := listingTpl.Execute(p)
		if err != nil {
			tb.Fatal(err)
		}
		return r
	}
	return page, listing
}

const rowsTemplate = `<table>{{range .Rows}}<tr class="{{if .Active}}active{{else}}inactive{{end}}"><td>{{.ID}}</td><td>{{.Name}}</td><td><a href="mailto:{{.Email}}">{{.Email}}</a></td></tr>{{end}}</table>`

type benchRow struct {
	ID          int
	Name, Email string
	Active      bool
}

type keyedRow struct{ benchRow }

func (r keyedRow) Key() string { return strconv.Itoa(r.ID) }

func BenchmarkListOneRowChanged(b *testing.B) {
	tpl := render.Must(render.New("rows").Parse(rowsTemplate))
	for _, keyed := range []bool{false, true} {
		for _, n := range []int{10, 1000, 10000} {
			rows := make([]benchRow, n)
			for i := range rows {
				rows[i] = benchRow{ID: i, Name: "user " + strconv.Itoa(i), Email: "u" + strconv.Itoa(i) + "@example.com", Active: i%3 == 0}
			}
			changed := append([]benchRow(nil), rows...)
			changed[5].Name = "renamed"
			data := func(rs []benchRow) any {
				if !keyed {
					return map[string]any{"Rows": rs}
				}
				ks := make([]keyedRow, len(rs))
				for i, r := range rs {
					ks[i] = keyedRow{r}
				}
				return map[string]any{"Rows": ks}
			}
			name := fmt.Sprintf("by_position/N=%d", n)
			if keyed {
				name = fmt.Sprintf("keyed/N=%d", n)
			}
			b.Run(name, func(b *testing.B) {
				benchDiff(b, mustExecute(b, tpl, data(rows)), mustExecute(b, tpl, data(changed)))
			})
		}
	}
}

// TestPerformanceGoals asserts the sizes of the table, so a regression fails CI
// rather than only showing in a benchmark.
func TestPerformanceGoals(t *testing.T) {
	diffOf := func(tpl *render.Template, a, next any) (diff, full []byte) {
		t.Helper()
		var enc Encoder
		ra, err := tpl.Execute(a)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := tpl.Execute(next)
		if err != nil {
			t.Fatal(err)
		}
		full, err = enc.Join(nil, ra, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		diff, _, err = enc.Update(nil, rb, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return diff, full
	}
	counter := render.Must(render.New("counter").Parse(`Count: {{.Count}} <button phx-click="inc">+</button>`))
	if d, _ := diffOf(counter, map[string]int{"Count": 42}, map[string]int{"Count": 43}); string(d) != `{"0":"43"}` {
		t.Errorf("counter diff %s", d)
	}

	drops := render.Must(render.New("drops").Parse(dropsTemplate))
	both := seedDrops(true, true)
	level := both.clone()
	level.Products[1].Items[5].Level = "medium"
	// With the markup as one template, a level change crosses two comprehensions, each
	// of whose k must carry kc (S6): 71 bytes, of which 15 are the two kc.
	if d, _ := diffOf(drops, both, level); string(d) != `{"0":{"k":{"1":{"6":{"0":{"k":{"5":{"0":"medium"},"kc":13}}}},"kc":2}}}` {
		t.Errorf("drops level change: %d bytes: %s", len(d), d)
	}
	// With one stateful component per listing, it is within the goal of 60 bytes.
	page, listing := dropsComponents(t)
	var enc Encoder
	if _, err := enc.Join(nil, page(both), Components{1: listing(both.Products[0]), 2: listing(both.Products[1])}, nil); err != nil {
		t.Fatal(err)
	}
	if d, _, err := enc.Update(nil, nil, Components{2: listing(level.Products[1])}, nil); err != nil || len(d) > 60 {
		t.Errorf("drops level change in a component: %d bytes > 60: %s (%v)", len(d), d, err)
	}
	d, _ := diffOf(drops, seedDrops(true, false), both)
	// The size form's statics once (form, button, disabled), plus the values.
	for _, once := range []string{`<form class=\"size-container\"`, `<button type=\"submit\"`, `" disabled"`} {
		if n := strings.Count(string(d), once); n != 1 {
			t.Errorf("release diff holds %q %d times: %s", once, n, d)
		}
	}

	rows := render.Must(render.New("rows").Parse(rowsTemplate))
	var sizes []int
	for _, n := range []int{10, 1000, 10000} {
		rs := make([]benchRow, n)
		for i := range rs {
			rs[i] = benchRow{ID: i, Name: "user", Email: "e"}
		}
		changed := append([]benchRow(nil), rs...)
		changed[5].Name = "renamed"
		d, _ := diffOf(rows, map[string]any{"Rows": rs}, map[string]any{"Rows": changed})
		sizes = append(sizes, len(d))
	}
	// Only kc's digits grow with N.
	if sizes[2]-sizes[0] > 3 {
		t.Errorf("one-row diff grows with N: %v", sizes)
	}
}

// BenchmarkJoin measures the full render of a join.
func BenchmarkJoin(b *testing.B) {
	drops := render.Must(render.New("drops").Parse(dropsTemplate))
	rows := render.Must(render.New("rows").Parse(rowsTemplate))
	rs := make([]benchRow, 1000)
	for i := range rs {
		rs[i] = benchRow{ID: i, Name: "user " + strconv.Itoa(i), Email: "u" + strconv.Itoa(i) + "@example.com", Active: i%3 == 0}
	}
	for _, tc := range []struct {
		name string
		tree *render.Rendered
	}{
		{"drops", mustExecute(b, drops, seedDrops(true, true))},
		{"rows/N=1000", mustExecute(b, rows, map[string]any{"Rows": rs})},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var enc Encoder
			buf := make([]byte, 0, 1<<20)
			var err error
			b.ReportAllocs()
			for b.Loop() {
				buf, err = enc.Join(buf[:0], tc.tree, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(buf)), "full-bytes")
		})
	}
}

// BenchmarkListKeyedEdits shows the cost of inserting, removing and moving in a keyed
// 1,000-row list. Entries are addressed by their new index, so an entry whose index
// changes costs a move form ("i":j, a few bytes) and never a resend of its content.
func BenchmarkListKeyedEdits(b *testing.B) {
	tpl := render.Must(render.New("rows").Parse(rowsTemplate))
	const n = 1000
	rows := make([]keyedRow, n)
	for i := range rows {
		rows[i] = keyedRow{benchRow{ID: i, Name: "user " + strconv.Itoa(i), Email: "u" + strconv.Itoa(i) + "@example.com"}}
	}
	added := keyedRow{benchRow{ID: n, Name: "new", Email: "new@example.com"}}
	for _, tc := range []struct {
		name string
		next []keyedRow
	}{
		{"append", append(append([]keyedRow(nil), rows...), added)},
		{"remove_last", rows[:n-1]},
		{"swap_two", func() []keyedRow {
			r := append([]keyedRow(nil), rows...)
			r[10], r[20] = r[20], r[10]
			return r
		}()},
		{"prepend", append([]keyedRow{added}, rows...)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			benchDiff(b, mustExecute(b, tpl, map[string]any{"Rows": rows}), mustExecute(b, tpl, map[string]any{"Rows": tc.next}))
		})
	}
}
