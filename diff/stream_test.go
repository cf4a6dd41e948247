package diff_test

import (
	"strings"
	"testing"

	"github.com/glint-go/glint/diff"
	"github.com/glint-go/glint/render"
)

// testStream is a render.Stream over strings, each item's DOM id being "s-" + the item.
type testStream struct {
	items []any
	ops   render.StreamOps
}

func (s *testStream) TakeStream() ([]any, *render.StreamOps) {
	items, ops := s.items, s.ops
	s.items, s.ops = nil, render.StreamOps{Ref: ops.Ref}
	return items, &ops
}

func (s *testStream) add(at int, names ...string) {
	for _, n := range names {
		s.items = append(s.items, n)
		s.ops.Inserts = append(s.ops.Inserts, render.StreamInsert{DomID: "s-" + n, At: at, Limit: -2})
	}
}

func TestStreamWire(t *testing.T) {
	tmpl := render.Must(render.New("s").Parse(`<ul id="l" phx-update="stream">{{range .}}<li id="s-{{.}}">{{.}}</li>{{end}}</ul>`))
	st := &testStream{ops: render.StreamOps{Ref: "0"}}
	st.add(-1, "a", "b")
	var enc diff.Encoder
	tree, err := tmpl.Execute(st)
	if err != nil {
		t.Fatal(err)
	}
	out, err := enc.Join(nil, tree, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"0":{"s":["<li id=\"s-","\">","</li>"],"k":{"0":{"0":"a","1":"a"},"1":{"0":"b","1":"b"},"kc":2},"stream":["0",[["s-a",-1,-2,false],["s-b",-1,-2,false]],[]]},"s":["<ul id=\"l\" phx-update=\"stream\">","</ul>"]}`
	if string(out) != want {
		t.Fatalf("join\n got %s\nwant %s", out, want)
	}
	if c := tree.Dynamics[0].Comp; len(c.Entries) != 0 || c.Keys != nil || c.Stream != nil {
		t.Fatalf("the encoder keeps the stream's items: %+v", c)
	}
	steps := []struct {
		do   func()
		want string
	}{
		{func() {}, ""},
		{func() { st.add(0, "c") }, `{"0":{"k":{"0":{"0":"c","1":"c"},"kc":1},"stream":["0",[["s-c",0,-2,false]],[]]}}`},
		{func() { st.ops.Deletes = []string{"s-a"} }, `{"0":{"k":{"kc":0},"stream":["0",[],["s-a"]]}}`},
		{func() { st.ops.Reset = true; st.add(-1, "d") }, `{"0":{"k":{"0":{"0":"d","1":"d"},"kc":1},"stream":["0",[["s-d",-1,-2,false]],[],true]}}`},
	}
	for i, s := range steps {
		s.do()
		tree, err := tmpl.Execute(st)
		if err != nil {
			t.Fatal(err)
		}
		out, changed, err := enc.Update(nil, tree, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != s.want || changed != (s.want != "") {
			t.Fatalf("step %d\n got %s (changed %v)\nwant %s", i, out, changed, s.want)
		}
		if strings.Contains(string(out), `"s":`) {
			t.Errorf("step %d resends statics: %s", i, out)
		}
	}
}
