package live_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// Shared renders, end to end: views that render a render.Snapshot get their diffs from
// one render and one diff per snapshot, and each still sees exactly its own page.

// stockRow is one row of the shared list.
type stockRow struct {
	ID    int
	Name  string
	Level string
	Out   bool
}

// catalog hands out one snapshot per version, as a store's cache would.
type catalog struct {
	mu    sync.Mutex
	snaps []*render.Snapshot[[]stockRow]
}

func (c *catalog) at(v int) *render.Snapshot[[]stockRow] {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snaps[v]
}

func (c *catalog) latest() (int, *render.Snapshot[[]stockRow]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.snaps) - 1, c.snaps[len(c.snaps)-1]
}

func (c *catalog) publish(rows []stockRow) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snaps = append(c.snaps, render.NewSnapshot(rows))
	return len(c.snaps) - 1
}

// stockTopic is where the tests tell view "who" to read version {"v":n} of the catalog:
// every view has its own, so that a test can leave some views behind.
func stockTopic(who string) string { return "stock:" + who }

// stockPage shows the catalog's shared list beside a cart of its own. "add" puts a row
// in the cart, "toggle" hides or shows the list, "sync" does nothing (its reply tells
// the test that everything sent before has been handled).
type stockPage struct {
	cat   *catalog
	Stock *render.Snapshot[[]stockRow]
	Cart  []string
	Hide  bool
}

// renders counts the executions of the shared list's template.
var renders atomic.Int64

var stockPageTemplate = render.Must(render.New("shop").Funcs(render.FuncMap{
	"counted": func() string { renders.Add(1); return "" },
}).Parse(`{{define "stock"}}{{counted}}<ul id="stock">{{range .Value}}` +
	`<li id="r{{.ID}}" class="{{.Level}}">{{.Name}}{{if .Out}} <b>sold out</b>{{end}}</li>{{end}}</ul>{{end}}` +
	`<div id="cart">{{range .Cart}}<p>{{.}}</p>{{else}}empty{{end}}</div>` +
	`{{if .Hide}}<p>hidden</p>{{else}}{{template "stock" .Stock}}{{end}}` +
	`<footer>{{template "stock" .Stock}}</footer>`))

func (v *stockPage) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	_, v.Stock = v.cat.latest()
	if s.Connected() {
		return s.Subscribe(stockTopic(p.Get("who")))
	}
	return nil
}

func (v *stockPage) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	m, ok := msg.(*pubsub.Message)
	if !ok {
		return nil
	}
	var p struct{ V int }
	if err := m.Decode(&p); err != nil {
		return err
	}
	v.Stock = v.cat.at(p.V)
	return nil
}

func (v *stockPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "add":
		v.Cart = append(v.Cart, e.Get("item"))
	case "toggle":
		v.Hide = !v.Hide
	}
	return nil
}

type shopRig struct {
	srv *live.Server
	cat *catalog
}

func newShopRig(t *testing.T) *shopRig {
	t.Helper()
	cat := &catalog{}
	cat.publish([]stockRow{{ID: 1, Name: "first", Level: "high"}})
	srv := live.New(live.Options{Secret: testSecret, Logger: quietLogger()})
	srv.Handle("/", live.Page{New: func() live.View { return &stockPage{cat: cat} }, Template: stockPageTemplate})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return &shopRig{srv: srv, cat: cat}
}

// tell makes view who read version ver.
func (r *shopRig) tell(t *testing.T, who string, ver int) {
	t.Helper()
	if err := r.srv.PubSub().Broadcast(context.Background(), stockTopic(who), "changed", map[string]int{"v": ver}); err != nil {
		t.Fatal(err)
	}
}

// shopModel is what the test knows a view holds.
type shopModel struct {
	who  string
	v    *livetest.View
	ver  int
	cart []string
	hide bool
}

// want is a fresh full render of the model's state, from a snapshot of its own (so
// nothing rendered for the views is reused).
func (r *shopRig) want(t *testing.T, m *shopModel) string {
	t.Helper()
	tree, err := stockPageTemplate.Execute(&stockPage{Stock: render.NewSnapshot(r.cat.at(m.ver).Value()), Cart: m.cart, Hide: m.hide})
	if err != nil {
		t.Fatal(err)
	}
	return tree.HTML(nil)
}

func randomRows(rng *rand.Rand) []stockRow {
	levels := []string{"high", "medium", "low", "out"}
	var rows []stockRow
	for id := 1; id <= 6; id++ {
		if rng.IntN(4) == 0 {
			continue // not listed in this version
		}
		l := levels[rng.IntN(len(levels))]
		rows = append(rows, stockRow{ID: id, Name: "shoe " + strconv.Itoa(id), Level: l, Out: l == "out"})
	}
	return rows
}

// TestPropertySharedRenders interleaves at random: new catalog versions, telling some
// views (not all: some fall behind, and catch up later across several versions), cart
// events and list toggles on single views, and views joining. After every step, every
// view's client model (livetest's, the Go model of the browser client) equals a fresh
// full render of what that view should show.
func TestPropertySharedRenders(t *testing.T) {
	seeds, steps := 6, 40
	if testing.Short() {
		seeds, steps = 2, 20
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 21))
			r := newShopRig(t)
			var views []*shopModel
			join := func() {
				m := &shopModel{who: strconv.Itoa(len(views))}
				m.ver, _ = r.cat.latest()
				m.v = livetest.Open(t, r.srv, "/?who="+m.who)
				views = append(views, m)
			}
			for range 3 {
				join()
			}
			for step := range steps {
				var did string
				switch k := rng.IntN(10); {
				case k < 3:
					ver := r.cat.publish(randomRows(rng))
					var told []string
					for _, m := range views {
						if rng.IntN(3) > 0 {
							r.tell(t, m.who, ver)
							m.ver = ver
							told = append(told, m.who)
						}
					}
					did = fmt.Sprintf("version %d, told %v", ver, told)
				case k < 5:
					m := views[rng.IntN(len(views))]
					ver, _ := r.cat.latest()
					r.tell(t, m.who, ver) // a view catching up, across versions
					m.ver = ver
					did = fmt.Sprintf("view %s caught up with version %d", m.who, ver)
				case k < 7:
					m := views[rng.IntN(len(views))]
					item := "item " + strconv.Itoa(step)
					m.v.PushHook("add", map[string]string{"item": item})
					m.cart = append(m.cart, item)
					did = fmt.Sprintf("view %s added %s", m.who, item)
				case k < 9:
					m := views[rng.IntN(len(views))]
					m.v.PushHook("toggle", nil)
					m.hide = !m.hide
					did = fmt.Sprintf("view %s toggled", m.who)
				default:
					join()
					did = "view " + views[len(views)-1].who + " joined"
				}
				for _, m := range views {
					m.v.PushHook("sync", nil) // everything sent before is handled and applied
					if got, want := m.v.HTML(), r.want(t, m); got != want {
						t.Fatalf("step %d (%s): view %s at version %d:\n got %s\nwant %s", step, did, m.who, m.ver, got, want)
					}
				}
			}
		})
	}
}

// Views told of a new version together render its list once between them.
func TestSharedRenderOnce(t *testing.T) {
	r := newShopRig(t)
	var views []*livetest.View
	for i := range 5 {
		views = append(views, livetest.Open(t, r.srv, "/?who="+strconv.Itoa(i)))
	}
	before := renders.Load()
	ver := r.cat.publish([]stockRow{{ID: 1, Name: "first", Level: "low"}, {ID: 2, Name: "second", Level: "out", Out: true}})
	for i, v := range views {
		r.tell(t, strconv.Itoa(i), ver)
		v.PushHook("sync", nil)
		if !strings.Contains(v.HTML(), `<li id="r2" class="out">second <b>sold out</b></li>`) {
			t.Fatalf("view %d: %s", i, v.HTML())
		}
	}
	if n := renders.Load() - before; n != 1 {
		t.Fatalf("5 views rendered the new list %d times, want once", n)
	}
}
