package live_test

import (
	"context"
	"sync"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// Shoe is one line of a catalog that thousands of pages show.
type Shoe struct {
	Name    string
	Left    int
	SoldOut bool
}

// Catalog is the source of truth: it hands out one immutable snapshot per version, the
// same to every reader, and announces each change.
type Catalog struct {
	mu    sync.Mutex
	shoes []Shoe
	snap  *render.Snapshot[[]Shoe] // nil after a change, until the next read
	ps    pubsub.PubSub
}

// Snapshot returns the current version, made once for all readers.
func (c *Catalog) Snapshot() *render.Snapshot[[]Shoe] {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap == nil {
		c.snap = render.NewSnapshot(append([]Shoe(nil), c.shoes...)) // a copy: nobody changes it
	}
	return c.snap
}

// Sell changes the catalog, drops the snapshot and tells every page.
func (c *Catalog) Sell(ctx context.Context, i int) error {
	c.mu.Lock()
	c.shoes[i].Left--
	c.shoes[i].SoldOut = c.shoes[i].Left == 0
	c.snap = nil
	c.mu.Unlock()
	return c.ps.Broadcast(ctx, "catalog", "changed", nil)
}

// ShoePage shows the shared catalog beside a cart of its own.
type ShoePage struct {
	Shoes *render.Snapshot[[]Shoe] // shared: rendered once per version for every page
	Cart  []string                 // the page's own: rendered per page
	cat   *Catalog
}

// The list is a template called with the snapshot: it sees only the snapshot, so its
// output cannot depend on anything else.
var shoePageTemplate = render.Must(render.New("shoes").Parse(
	`{{define "list"}}<ul>{{range .Value}}<li>{{.Name}}: {{if .SoldOut}}sold out{{else}}{{.Left}} left{{end}}</li>{{end}}</ul>{{end}}` +
		`<p>{{len .Cart}} in your cart</p>{{template "list" .Shoes}}`))

func (p *ShoePage) Mount(ctx context.Context, s *live.Socket, _ live.Params) error {
	p.Shoes = p.cat.Snapshot()
	if s.Connected() {
		return s.Subscribe("catalog")
	}
	return nil
}

func (p *ShoePage) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	p.Shoes = p.cat.Snapshot() // every page gets the same snapshot
	return nil
}

// Share one render among the pages of a crowd: when a sale reaches ten thousand open
// pages, the list is rendered once and diffed once, and every page that showed the same
// list before receives the same bytes. A page whose own part changed, or that missed a
// version, still gets exactly its own diff.
func Example_sharedRenders() {
	srv := live.New(live.Options{Secret: []byte("a secret of at least 32 bytes, from config")})
	cat := &Catalog{shoes: []Shoe{{"Hop Man 3", 2, false}, {"Breezy Boost", 0, true}}, ps: srv.PubSub()}
	srv.Handle("/{$}", live.Page{New: func() live.View { return &ShoePage{cat: cat} }, Template: shoePageTemplate})
	// … serve srv; then each sale re-renders the list once for every open page:
	_ = cat.Sell(context.Background(), 0)
}
