package live

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/glint-go/glint/render"
)

// A product page in two forms, for the cost of a broadcast fan-out: every view holds its
// own copy of the catalog and ranges over it (per view), or holds the catalog's shared
// snapshot and calls a template with it (shared). Both have a per-view part, a cart.

type fanItem struct {
	ID    int
	Size  string
	Level string
}

type fanProduct struct {
	ID       int
	Name     string
	Released bool
	Items    []fanItem
}

const fanList = `{{define "list"}}{{range .}}<div class="product" data-product-id="{{.ID}}"><h4>{{.Name}}</h4>` +
	`{{if .Released}}<form phx-submit="add">{{range .Items}}<button class="level-{{.Level}}" value="{{.ID}}"{{if eq .Level "out"}} disabled{{end}}>{{.Size}}</button>{{end}}</form>` +
	`{{else}}<h4>coming soon...</h4>{{end}}</div>{{end}}{{end}}` +
	`{{define "cart"}}{{if .Cart}}<div class="cart">{{range .Cart}}<p>{{.}}</p>{{end}}</div>{{end}}{{end}}`

var (
	fanPerView = mustParse("per-view", fanList+`{{define "products"}}{{template "list" .}}{{end}}{{template "cart" .}}<main>{{template "products" .Products}}</main>`)
	fanShared  = mustParse("shared", fanList+`{{define "products"}}{{template "list" .Value}}{{end}}{{template "cart" .}}<main>{{template "products" .Stock}}</main>`)
)

// fanView is the view of both forms.
type fanView struct {
	Cart     []string
	Products []fanProduct                   // per view
	Stock    *render.Snapshot[[]fanProduct] // shared
}

func (*fanView) Mount(context.Context, *Socket, Params) error { return nil }

// fanCatalog is version v of a catalog of three products of 13 sizes: product v%3 is
// released, and one size's level changes with v.
func fanCatalog(v int) []fanProduct {
	levels := []string{"high", "medium", "low", "out"}
	ps := make([]fanProduct, 3)
	id := 1
	for p := range ps {
		ps[p] = fanProduct{ID: p + 1, Name: "Shoe " + strconv.Itoa(p+1), Released: p <= v%3}
		for s := range 13 {
			ps[p].Items = append(ps[p].Items, fanItem{ID: id, Size: strconv.Itoa(6 + s/2), Level: levels[(id+v*(s%2))%4]})
			id++
		}
	}
	return ps
}

// newFanViews joins n views of one form on catalog version 0.
func newFanViews(tb testing.TB, n int, shared bool) []*viewProc {
	s := New(Options{Secret: testSecret, Logger: discardLogger()})
	tmpl := fanPerView
	if shared {
		tmpl = fanShared
	}
	snap := render.NewSnapshot(fanCatalog(0))
	views := make([]*viewProc, n)
	for i := range views {
		v := &viewProc{srv: s, id: "phx-fan" + strconv.Itoa(i), route: &route{pattern: "/", page: Page{Template: tmpl}}, comps: newComponentSet()}
		v.sock = Socket{srv: s, v: v, ctx: context.Background()}
		fv := &fanView{}
		if shared {
			fv.Stock = snap
		} else {
			fv.Products = fanCatalog(0)
		}
		if i%10 == 0 {
			fv.Cart = []string{"Shoe 1, size 7"} // a view with its own state
		}
		v.view = fv
		tree, comps, err := renderAll(&v.sock, tmpl, v.view, v.comps)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := v.enc.Join(nil, tree, comps, nil); err != nil {
			tb.Fatal(err)
		}
		views[i] = v
	}
	return views
}

// fanOut delivers catalog version ver to every view, as each view's HandleInfo would
// (a copy of the catalog each, or the one snapshot), renders each and returns the bytes
// of its diff.
func fanOut(tb testing.TB, views []*viewProc, shared bool, ver int, buf []byte) (total int) {
	var snap *render.Snapshot[[]fanProduct]
	if shared {
		snap = render.NewSnapshot(fanCatalog(ver))
	}
	for _, v := range views {
		fv := v.view.(*fanView)
		if shared {
			fv.Stock = snap
		} else {
			fv.Products = fanCatalog(ver)
		}
		out, _, err := v.render(buf[:0])
		if err != nil {
			tb.Fatal(err)
		}
		total += len(out)
	}
	return total
}

// Both forms send every view the same bytes.
func TestSharedFanoutSendsTheSameDiffs(t *testing.T) {
	per, shared := newFanViews(t, 12, false), newFanViews(t, 12, true)
	for ver := 1; ver <= 7; ver++ {
		for i := range per {
			pf, sf := per[i].view.(*fanView), shared[i].view.(*fanView)
			pf.Products = fanCatalog(ver)
			sf.Stock = render.NewSnapshot(fanCatalog(ver))
			if ver%3 == 0 && i == 3 {
				pf.Cart = append(pf.Cart, "v"+strconv.Itoa(ver))
				sf.Cart = append(sf.Cart, "v"+strconv.Itoa(ver))
			}
			p, _, err := per[i].render(nil)
			if err != nil {
				t.Fatal(err)
			}
			s, _, err := shared[i].render(nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(p) != string(s) || len(p) == 0 {
				t.Fatalf("version %d, view %d:\nper view %s\nshared   %s", ver, i, p, s)
			}
		}
	}
}

// BenchmarkFanoutRender measures what one broadcast costs the views it reaches, without
// sockets: every view takes the new catalog and renders its diff. Per view, each view
// copies the catalog, executes the whole template and diffs it; shared, the views hold
// one snapshot, which the first view renders and diffs and the others reuse.
func BenchmarkFanoutRender(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		for _, shared := range []bool{false, true} {
			name := "per-view"
			if shared {
				name = "shared"
			}
			b.Run(fmt.Sprintf("%s/views=%d", name, n), func(b *testing.B) {
				views := newFanViews(b, n, shared)
				buf := make([]byte, 0, 4096)
				b.ReportAllocs()
				ver, bytes := 0, 0
				for b.Loop() {
					ver++
					bytes += fanOut(b, views, shared, ver, buf)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/view")
				b.ReportMetric(float64(bytes)/float64(b.N*n), "diff-B/view")
			})
		}
	}
}
