package live

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/glint-go/glint/render"
)

// rowCard is a component of a 200-row table; memoRow is the same with MemoKey.
type rowCard struct {
	ComponentBase
	Name  string
	Likes int
	Tags  [3]string
}

var rowCardTmpl = mustParse("row", `<tr id="row-{{.Name}}"><td>{{.Name}}</td><td>{{range .Tags}}<span class="tag">{{.}}</span>{{end}}</td><td><button phx-click="like" phx-target="{{.Myself}}">{{.Likes}} likes</button></td></tr>`)

func (c *rowCard) Template() *render.Template { return rowCardTmpl }

func (c *rowCard) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	c.Likes++
	return nil
}

type memoRow struct{ rowCard }

func (c *memoRow) MemoKey() any { return c.rowCard }

// revRow keys its memo by a revision that every change bumps: a cheaper key than a copy of
// the struct, which must be boxed on every render.
type revRow struct {
	rowCard
	rev int
}

func (c *revRow) MemoKey() any { return c.rev }

func (c *revRow) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	c.rev++
	return c.rowCard.HandleEvent(ctx, s, e)
}

// rowTable mounts n rows: plain, memoized by a copy of their state, or by a revision.
type rowTable struct {
	n    int
	kind string
	Rows []render.ComponentRef
}

var rowTableTmpl = mustParse("table", `<table>{{range .Rows}}{{.}}{{end}}</table>`)

func (t *rowTable) Mount(ctx context.Context, s *Socket, p Params) error {
	for i := range t.n {
		name := "r" + strconv.Itoa(i)
		ref, err := s.Component(name, func() Component {
			row := rowCard{Name: name, Tags: [3]string{"a", "b", "c"}}
			switch t.kind {
			case "memoized":
				return &memoRow{row}
			case "revision":
				return &revRow{rowCard: row}
			}
			return &row
		})
		if err != nil {
			return err
		}
		t.Rows = append(t.Rows, ref)
	}
	return nil
}

// newRowTable mounts a table view ready for clicks, as BenchmarkHandleClick does.
func newRowTable(tb testing.TB, n int, kind string) *viewProc {
	s := New(Options{Secret: testSecret, Logger: discardLogger()})
	v := &viewProc{srv: s, id: "phx-bench", route: &route{pattern: "/", page: Page{Template: rowTableTmpl}}, comps: newComponentSet()}
	v.sock = Socket{srv: s, v: v, ctx: context.Background()}
	t := &rowTable{n: n, kind: kind}
	if err := t.Mount(context.Background(), &v.sock, nil); err != nil {
		tb.Fatal(err)
	}
	v.view = t
	tree, comps, err := renderAll(&v.sock, rowTableTmpl, v.view, v.comps)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := v.enc.Join(nil, tree, comps, nil); err != nil {
		tb.Fatal(err)
	}
	return v
}

// click likes row cid as an event targeting it does, and returns the render's diff.
func click(tb testing.TB, v *viewProc, cid int) string {
	ce := v.comps.byCID[cid]
	ce.touch()
	if err := ce.c.(EventHandler).HandleEvent(context.Background(), &v.sock, Event{Name: "like", CID: cid}); err != nil {
		tb.Fatal(err)
	}
	out, _, err := v.render(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return string(out)
}

// A memoized table sends exactly the diffs a plain one does.
func TestMemoizedComponentsSendTheSameDiffs(t *testing.T) {
	plain, memo, rev := newRowTable(t, 20, "plain"), newRowTable(t, 20, "memoized"), newRowTable(t, 20, "revision")
	for i, cid := range []int{3, 3, 7, 20, 1, 3} {
		p, m, r := click(t, plain, cid), click(t, memo, cid), click(t, rev, cid)
		if p != m || p != r {
			t.Fatalf("click %d on row %d:\nplain    %s\nmemo     %s\nrevision %s", i, cid, p, m, r)
		}
		if want := fmt.Sprintf(`"%d":{"`, cid); !contains(m, want) {
			t.Fatalf("click %d on row %d: the diff does not change the row: %s", i, cid, m)
		}
	}
	// The parent changing a row's state directly (not through an event) is seen through
	// the key.
	memo.comps.byCID[5].c.(*memoRow).Likes = 99
	plain.comps.byCID[5].c.(*rowCard).Likes = 99
	memo.markDirty()
	plain.markDirty()
	mo, _, err := memo.render(nil)
	if err != nil {
		t.Fatal(err)
	}
	po, _, err := plain.render(nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(mo) != string(po) || !contains(string(mo), `"99"`) {
		t.Fatalf("a change made by the parent:\nplain %s\nmemo  %s", po, mo)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// BenchmarkComponentClick compares, side by side, a click on one of 200 stateful
// components when every component renders again (plain) and when the components are
// memoized (Memoizer), keyed by a copy of their state or by a revision: only the clicked
// one executes its template.
func BenchmarkComponentClick(b *testing.B) {
	for _, kind := range []string{"plain", "memoized", "revision"} {
		b.Run(kind, func(b *testing.B) {
			v := newRowTable(b, 200, kind)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				payload := json.RawMessage(fmt.Sprintf(`{"type":"click","event":"like","value":{},"cid":%d}`, 1+i%200))
				v.HandleIn(context.Background(), nil, "event", payload)
			}
		})
	}
}
