package render

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"testing"
)

// Side-by-side benchmarks of Execute against html/template's on the same template and
// data. The full comparison lives in render/conformance; these are for quick checks:
//
//	go test -run '^$' -bench . -benchmem ./render/

const dropsTemplate = `<!DOCTYPE html>
<html><head><title>Sneakers23</title></head>
<body><header><a href="/">Sneakers23</a></header>
<main class="product-list">
{{range .Products}}<div class="product-listing" data-product-id="{{.ID}}">
  <div class="product-listing__image-wrap"><img src="{{.MainImageURL}}"></div>
  <div class="product-listing__details">
    <h4 class="product-listing__detail-header">{{.Name}}</h4>
    <div>by {{.Brand}}</div> <div>{{.Color}}</div> <div>${{.PriceUSD}}</div>
    {{if .Released}}<form class="size-container" action="/cart/add" method="POST">
      {{range .Items}}<button type="submit" class="size-container__entry size-container__entry--level-{{.Level}}" name="item_id" value="{{.ID}}"{{if eq .Level "out"}} disabled{{end}}>{{.Size}}</button>
      {{end}}</form>{{else}}<h4 class="product-soon-{{.ID}}">coming soon...</h4>{{end}}
  </div>
</div>
{{end}}</main>
</body></html>`

type benchItem struct {
	ID    int
	Size  string
	Count int
}

// Level is the stock level shown for the item.
func (i benchItem) Level() string {
	switch {
	case i.Count == 0:
		return "out"
	case i.Count < 150:
		return "low"
	case i.Count < 500:
		return "medium"
	}
	return "high"
}

type benchProduct struct {
	ID                               int
	Name, Brand, Color, MainImageURL string
	PriceUSD                         int
	Released                         bool
	Items                            []benchItem
}

func dropsData() map[string]any {
	sizes := []string{"6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12"}
	ps := []benchProduct{
		{ID: 1, Name: "Hop Man 3", Brand: "Snks 23", Color: "yellow/blue", MainImageURL: "/images/hopman.png", PriceUSD: 120, Released: true},
		{ID: 2, Name: "Breezy Boost 600", Brand: "Asler", Color: "momentum", MainImageURL: "/images/breezy.png", PriceUSD: 140, Released: true},
	}
	id := 1
	for p := range ps {
		for i, s := range sizes {
			ps[p].Items = append(ps[p].Items, benchItem{ID: id, Size: s, Count: (id * 97) % 1201 * (i % 7)})
			id++
		}
	}
	return map[string]any{"Products": ps}
}

const tableTemplate = `<table><thead><tr><th>#</th><th>Name</th><th>Email</th><th>Score</th></tr></thead><tbody>
{{range .}}<tr id="row-{{.ID}}"><td>{{.ID}}</td><td>{{.Name}}</td><td><a href="mailto:{{.Email}}">{{.Email}}</a></td><td class="{{if gt .Score 50}}hi{{else}}lo{{end}}">{{.Score}}</td></tr>
{{end}}</tbody></table>`

type benchRow struct {
	ID          int
	Name, Email string
	Score       int
}

func tableData() []benchRow {
	rows := make([]benchRow, 1000)
	for i := range rows {
		rows[i] = benchRow{ID: i, Name: fmt.Sprintf("User <%d>", i), Email: fmt.Sprintf("user%d@example.com", i), Score: i % 100}
	}
	return rows
}

func benchPair(b *testing.B, src string, data any) {
	b.Run("render", func(b *testing.B) {
		t := Must(New("page").Parse(src))
		r, err := t.Execute(data)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(r.HTML(nil))), "html-bytes")
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := t.Execute(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Execute and then write the HTML: the fair comparison with html/template, which
	// writes bytes.
	b.Run("render_and_html", func(b *testing.B) {
		t := Must(New("page").Parse(src))
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			r, err := t.Execute(data)
			if err != nil {
				b.Fatal(err)
			}
			buf = r.AppendHTML(buf[:0], nil)
		}
	})
	b.Run("html_template", func(b *testing.B) {
		t := htmltemplate.Must(htmltemplate.New("page").Parse(src))
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(buf.Len()), "html-bytes")
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			buf.Reset()
			if err := t.Execute(&buf, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkExecuteDrops(b *testing.B) { benchPair(b, dropsTemplate, dropsData()) }

func BenchmarkExecuteTable1000(b *testing.B) { benchPair(b, tableTemplate, tableData()) }
