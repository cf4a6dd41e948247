package render_test

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	"sync"
	"testing"

	"github.com/glint-go/glint/render"
)

type stockRow struct {
	Name  string
	Level string
	Price float64 // a float: the {{template}} memo of plain values would not apply
}

// stockPage is a view's dot: its own data beside a shared snapshot.
type stockPage struct {
	User  string
	Stock *render.Snapshot[[]stockRow]
}

const stockTemplate = `{{define "stock"}}<ul>{{range .Value}}<li class="{{.Level}}">{{.Name}} {{.Price}}</li>{{end}}</ul>{{end}}` +
	`<p>{{.User}}</p>{{template "stock" .Stock}}`

// sharedSlot returns the {{template "stock"}} slot of a stockTemplate render.
func sharedSlot(t testing.TB, r *render.Rendered) *render.Dynamic {
	t.Helper()
	d := &r.Dynamics[1]
	if d.Kind != render.KindTree {
		t.Fatalf("slot 1 is of kind %d, want a tree", d.Kind)
	}
	return d
}

func TestSnapshotRendersOnce(t *testing.T) {
	tmpl := render.Must(render.New("page").Parse(stockTemplate))
	v1 := render.NewSnapshot([]stockRow{{"a", "high", 1.5}, {"b", "low", 2}})
	ann, err := tmpl.Execute(stockPage{User: "ann", Stock: v1})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := tmpl.Execute(&stockPage{User: "bob", Stock: v1})
	if err != nil {
		t.Fatal(err)
	}
	a, b := sharedSlot(t, ann), sharedSlot(t, bob)
	if a.Tree != b.Tree || !a.Shared() || !b.Shared() {
		t.Fatalf("two views of one snapshot: same tree %v, shared %v %v", a.Tree == b.Tree, a.Shared(), b.Shared())
	}
	if ann.Dynamics[0].Shared() {
		t.Error("a view's own slot is marked shared")
	}
	// An equal value in another snapshot is another version: rendered again.
	v2 := render.NewSnapshot([]stockRow{{"a", "high", 1.5}, {"b", "low", 2}})
	again, err := tmpl.Execute(stockPage{User: "ann", Stock: v2})
	if err != nil {
		t.Fatal(err)
	}
	if sharedSlot(t, again).Tree == a.Tree {
		t.Error("another snapshot reused the first one's tree")
	}
	if got, want := bob.HTML(nil), `<p>bob</p><ul><li class="high">a 1.5</li><li class="low">b 2</li></ul>`; got != want {
		t.Errorf("HTML\n got %s\nwant %s", got, want)
	}
}

// The output is html/template's for the same template and data, with the snapshot as an
// ordinary value there.
func TestSnapshotMatchesHTMLTemplate(t *testing.T) {
	rows := []stockRow{{"<b>", `"q"`, 0.1}, {"é", "x&y", -3}}
	tests := []struct {
		name string
		text string
		data any
	}{
		{"call", stockTemplate, stockPage{User: "<i>", Stock: render.NewSnapshot(rows)}},
		{"nil snapshot", stockTemplate, stockPage{User: "x"}},
		{"call in a range", `{{define "s"}}<i title="{{.Value}}">{{len .Value}}</i>{{end}}{{range .}}{{template "s" .}}{{end}}`,
			[]*render.Snapshot[string]{render.NewSnapshot("a"), render.NewSnapshot("<b>"), nil}},
		{"in an attribute's template", `{{define "s"}}{{.Value}}{{end}}<a href="/{{template "s" .}}">x</a>`, render.NewSnapshot("a b&c")},
		{"used as a value", `<p>{{.Stock.Value}}</p>`, stockPage{Stock: render.NewSnapshot(rows)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ht, err := htmltemplate.New("page").Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := ht.Execute(&want, tt.data); err != nil {
				t.Fatal(err)
			}
			tmpl := render.Must(render.New("page").Parse(tt.text))
			for i := range 2 { // the second render comes from the snapshots' memos
				r, err := tmpl.Execute(tt.data)
				if err != nil {
					t.Fatal(err)
				}
				if got := r.HTML(nil); got != want.String() {
					t.Fatalf("render %d:\n got %s\nwant %s", i, got, want.String())
				}
			}
		})
	}
}

type compRow struct{ C render.ComponentRef }

type streamRows struct{}

func (streamRows) TakeStream() ([]any, *render.StreamOps) {
	return []any{"x"}, &render.StreamOps{Ref: "s", Inserts: []render.StreamInsert{{DomID: "i1", At: -1}}}
}

// A snapshot's template may not render what belongs to one view.
func TestSnapshotRefusesPerViewSlots(t *testing.T) {
	tests := []struct {
		name, text string
		data       any
		want       string
	}{
		{"component", `{{define "s"}}<div>{{range .Value}}{{.C}}{{end}}</div>{{end}}{{template "s" .}}`,
			render.NewSnapshot([]compRow{{1}}), "a component"},
		{"stream", `{{define "s"}}<ul>{{range .Value}}<li>{{.}}</li>{{end}}</ul>{{end}}{{template "s" .}}`,
			render.NewSnapshot(streamRows{}), "a stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := render.Must(render.New("page").Parse(tt.text))
			_, err := tmpl.Execute(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "Snapshot") {
				t.Fatalf("err = %v, want one naming %s and the Snapshot", err, tt.want)
			}
		})
	}
}

// Views rendering one snapshot at once all end up with one tree.
func TestSnapshotConcurrentRenders(t *testing.T) {
	tmpl := render.Must(render.New("page").Parse(stockTemplate))
	snap := render.NewSnapshot([]stockRow{{"a", "high", 1}})
	const n = 16
	trees := make([]*render.Rendered, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := tmpl.Execute(stockPage{User: "u", Stock: snap})
			if err != nil {
				t.Error(err)
				return
			}
			trees[i] = r.Dynamics[1].Tree
		})
	}
	wg.Wait()
	for i, tr := range trees {
		if tr != trees[0] {
			t.Fatalf("render %d holds another tree than render 0", i)
		}
	}
}

func TestSnapshotValue(t *testing.T) {
	var nilSnap *render.Snapshot[[]int]
	if v := nilSnap.Value(); v != nil {
		t.Errorf("nil snapshot's value = %v", v)
	}
	if v := render.NewSnapshot(7).Value(); v != 7 {
		t.Errorf("Value = %d, want 7", v)
	}
}
