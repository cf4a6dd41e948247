package conformance

import (
	"bytes"
	"html/template"
	"os"
	"path/filepath"
	"testing"

	"github.com/glint-go/glint/render"
)

// benchInputs are the two benchmark inputs: the /drops page of the Sneakers23 demo with 2
// products x 13 sizes, both released (26 size buttons, the heavier state of the page), and
// a 1,000-row table of 5 columns (id, name and email with special characters, a URL
// attribute, a class from a conditional).
func benchInputs(b *testing.B) []struct {
	name, text string
	data       any
} {
	src, err := os.ReadFile(filepath.Join("testdata", "corpus", "drops.txtar"))
	if err != nil {
		b.Fatal(err)
	}
	secs := map[string]string{}
	for _, s := range parseTxtar(string(src)) {
		secs[s.name] = s.body
	}
	if secs["drops"] == "" || secs["rows_table"] == "" {
		b.Fatal("drops.txtar lacks the drops or rows_table template")
	}
	return []struct {
		name, text string
		data       any
	}{
		{"drops", secs["drops"], dropsPage(true, true)},
		{"table1000", secs["rows_table"], map[string]any{"Rows": tableRows(1000)}},
	}
}

// BenchmarkExecute runs the same template and data through html/template (into a reused
// buffer), through render's Execute (the tree alone), and through render's Execute plus
// AppendHTML into a reused buffer (the first, disconnected render of a page).
func BenchmarkExecute(b *testing.B) {
	for _, in := range benchInputs(b) {
		ht := template.Must(template.New(in.name).Funcs(htmlFuncs()).Parse(in.text))
		rt := render.Must(render.New(in.name).Funcs(funcs()).Parse(in.text))
		var want bytes.Buffer
		if err := ht.Execute(&want, in.data); err != nil {
			b.Fatal(err)
		}
		tree, err := rt.Execute(in.data)
		if err != nil {
			b.Fatal(err)
		}
		if got := tree.HTML(nil); got != want.String() {
			b.Fatalf("%s: render and html/template differ:\n%s", in.name, describeDiff(want.String(), got))
		}
		size := float64(want.Len())

		b.Run(in.name+"/htmltemplate", func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := ht.Execute(&buf, in.data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(size, "html-bytes/op")
		})
		b.Run(in.name+"/render", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := rt.Execute(in.data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(size, "html-bytes/op")
		})
		b.Run(in.name+"/render_html", func(b *testing.B) {
			buf := make([]byte, 0, 2*want.Len())
			b.ReportAllocs()
			for b.Loop() {
				t, err := rt.Execute(in.data)
				if err != nil {
					b.Fatal(err)
				}
				buf = t.AppendHTML(buf[:0], nil)
			}
			b.ReportMetric(size, "html-bytes/op")
		})
	}
}
