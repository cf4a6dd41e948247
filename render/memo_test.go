package render_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/glint-go/glint/render"
)

type plainRow struct {
	ID    int
	Name  string
	Stock [3]int
}

// methodRow is plainRow with a method: a field could then be a method call.
type methodRow plainRow

func (r methodRow) Label() string { return strings.ToUpper(r.Name) }

type rowPage[T any] struct{ Rows []T }

const rowsTemplate = `{{define "row"}}<tr id="r{{.ID}}"><td>{{.Name}}</td>{{range .Stock}}<td>{{.}}</td>{{end}}</tr>{{end}}<table>{{range .Rows}}{{template "row" .}}{{end}}</table>`

// slotTree returns the tree of the i-th row's {{template}} slot.
func slotTree(t testing.TB, r *render.Rendered, i int) *render.Rendered {
	t.Helper()
	return r.Dynamics[0].Comp.Entries[i][0].Tree
}

func TestTemplateCallMemo(t *testing.T) {
	tmpl := render.Must(render.New("rows").Parse(rowsTemplate))
	rows := []plainRow{{1, "a", [3]int{1, 2, 3}}, {2, "b", [3]int{4, 5, 6}}}
	first, err := tmpl.Execute(rowPage[plainRow]{rows})
	if err != nil {
		t.Fatal(err)
	}
	rows[1].Name = "B"
	second, err := tmpl.Execute(rowPage[plainRow]{rows})
	if err != nil {
		t.Fatal(err)
	}
	if slotTree(t, first, 0) != slotTree(t, second, 0) {
		t.Error("an unchanged plain row was executed again")
	}
	if slotTree(t, first, 1) == slotTree(t, second, 1) {
		t.Error("a changed row reused its old tree")
	}
	if got, want := second.HTML(nil), `<table><tr id="r1"><td>a</td><td>1</td><td>2</td><td>3</td></tr><tr id="r2"><td>B</td><td>4</td><td>5</td><td>6</td></tr></table>`; got != want {
		t.Errorf("HTML\n got %s\nwant %s", got, want)
	}
}

func TestTemplateCallMemoOnlyWhenSafe(t *testing.T) {
	tests := []struct {
		name string
		tmpl string
		data func(i int) any
	}{
		{"a type with methods", rowsTemplate, func(i int) any { return rowPage[methodRow]{[]methodRow{{ID: 1, Name: "a"}}} }},
		{"a pointer", rowsTemplate, func(i int) any { return rowPage[*plainRow]{[]*plainRow{{ID: 1, Name: "a"}}} }},
		{"a user function", `{{define "row"}}<tr>{{shout .Name}}</tr>{{end}}<table>{{range .Rows}}{{template "row" .}}{{end}}</table>`,
			func(i int) any { return rowPage[plainRow]{[]plainRow{{ID: 1, Name: "a"}}} }},
		{"a redefined builtin", `{{define "row"}}<tr>{{printf "%s" .Name}}</tr>{{end}}<table>{{range .Rows}}{{template "row" .}}{{end}}</table>`,
			func(i int) any { return rowPage[plainRow]{[]plainRow{{ID: 1, Name: "a"}}} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			funcs := render.FuncMap{"shout": func(s string) string { calls++; return strings.ToUpper(s) + strconv.Itoa(calls) }}
			if tc.name == "a redefined builtin" {
				funcs = render.FuncMap{"printf": func(f string, a ...any) string { calls++; return strconv.Itoa(calls) }}
			}
			tmpl := render.Must(render.New("rows").Funcs(funcs).Parse(tc.tmpl))
			a, err := tmpl.Execute(tc.data(0))
			if err != nil {
				t.Fatal(err)
			}
			b, err := tmpl.Execute(tc.data(1))
			if err != nil {
				t.Fatal(err)
			}
			if slotTree(t, a, 0) == slotTree(t, b, 0) {
				t.Errorf("reused a tree: %s", b.HTML(nil))
			}
		})
	}
}

// BenchmarkTemplateCallMemo renders a table of 200 rows, one of which changes each time,
// side by side: rows of a plain type (each unchanged row's {{template}} call reuses its tree)
// and the same rows as a type with a method (every row executes again).
func BenchmarkTemplateCallMemo(b *testing.B) {
	tmpl := render.Must(render.New("rows").Parse(rowsTemplate))
	rows := make([]plainRow, 200)
	for i := range rows {
		rows[i] = plainRow{ID: i, Name: "row " + strconv.Itoa(i), Stock: [3]int{i, i + 1, i + 2}}
	}
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			rows[i%200].Stock[0]++
			if _, err := tmpl.Execute(rowPage[plainRow]{rows}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("with-methods", func(b *testing.B) {
		mrows := make([]methodRow, len(rows))
		for i := range rows {
			mrows[i] = methodRow(rows[i])
		}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			mrows[i%200].Stock[0]++
			if _, err := tmpl.Execute(rowPage[methodRow]{mrows}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Floats are not plain: 0 and -0 are equal keys but print differently.
func TestTemplateCallMemoFloats(t *testing.T) {
	tmpl := render.Must(render.New("f").Parse(`{{define "v"}}{{.}}{{end}}<p>{{template "v" .}}</p>`))
	for _, v := range []float64{0, negZero(), 0} {
		r, err := tmpl.Execute(v)
		if err != nil {
			t.Fatal(err)
		}
		want := "<p>0</p>"
		if 1/v < 0 {
			want = "<p>-0</p>"
		}
		if got := r.HTML(nil); got != want {
			t.Fatalf("%v: %s, want %s", v, got, want)
		}
	}
}

func negZero() float64 {
	z := 0.0
	return -z
}
