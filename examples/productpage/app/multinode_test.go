package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/internal/browsertest"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/live/pubsub/natspubsub"
)

// cluster is an embedded NATS server and a shared SQLite file that nodes join.
type cluster struct {
	nats *natspubsub.Server
	db   string
}

func newCluster(t testing.TB) *cluster {
	t.Helper()
	srv, err := natspubsub.StartServer(natspubsub.ServerOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	c := &cluster{nats: srv, db: filepath.Join(t.TempDir(), "shared.db")}
	st, err := store.OpenSQLite(context.Background(), c.db, store.SQLiteOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ps, items := storetest.Fixture()
	if err := st.Reset(context.Background(), ps, items); err != nil {
		t.Fatal(err)
	}
	st.Close()
	return c
}

// node starts one productpage node of the cluster on a loopback port.
func (c *cluster) node(t testing.TB, id string) *liveServer {
	t.Helper()
	ctx := context.Background()
	ps, err := natspubsub.Connect(ctx, natspubsub.Options{URL: c.nats.ClientURL(), NodeID: id, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	st, err := store.OpenSQLite(ctx, c.db, store.SQLiteOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, app.Config{Limits: channel.Unlimited(), Store: st, PubSub: ps, AdminPassword: testPassword, Secret: testSecret, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	return serveApp(t, a, a, "127.0.0.1:0")
}

func TestTwoNodesShareReleasesAndSales(t *testing.T) {
	c := newCluster(t)
	a, b := c.node(t, "a"), c.node(t, "b")
	onB := livetest.OpenURL(t, b.url()+"/drops")
	onA := livetest.OpenURL(t, a.url()+"/drops")
	if !strings.Contains(onB.HTML(), "coming soon...") {
		t.Fatalf("fresh /drops on b:\n%s", onB.HTML())
	}

	// Operations through node a's admin API reach the view on node b.
	adminPost(t, a.url(), "/admin/api/products/1/release")
	released := func(html string) bool {
		return strings.Contains(html, `name="item_id" value="1"`) && strings.Contains(html, `name="item_id" value="2"`)
	}
	onB.WaitFor(released)
	onA.WaitFor(released)
	adminPost(t, a.url(), "/admin/api/items/1/sell?count=1")
	out := func(html string) bool {
		return strings.Contains(html, `size-container__entry--level-out" name="item_id" value="1"`)
	}
	onB.WaitFor(out)
	onA.WaitFor(out)

	// And the other way round, with node b's in-memory inventory now the one that learns.
	adminPost(t, b.url(), "/admin/api/products/2/release")
	onA.WaitFor(func(html string) bool { return !strings.Contains(html, "coming soon...") })
	if p, _ := a.app.Inventory.Product(2); !p.Released {
		t.Error("node a's inventory did not learn of node b's release")
	}

	// Both nodes converge on the store's state: a fresh page from either equals the views.
	for _, n := range []*liveServer{a, b} {
		fresh := livetest.OpenURL(t, n.url()+"/drops")
		if fresh.HTML() != onB.HTML() || fresh.HTML() != onA.HTML() {
			t.Errorf("node %s's fresh render differs from the live views", n.addr)
		}
	}
}

func TestDisconnectSocketIDOnAnotherNode(t *testing.T) {
	c := newCluster(t)
	a, b := c.node(t, "a"), c.node(t, "b")
	visitor, someoneElse := cart.NewID(), cart.NewID()
	v := livetest.OpenURL(t, b.url()+"/drops", livetest.Header("Cookie", cart.CookieName+"="+b.app.Cookies.Value(visitor)))
	other := livetest.OpenURL(t, b.url()+"/drops", livetest.Header("Cookie", cart.CookieName+"="+b.app.Cookies.Value(someoneElse)))

	// Node b subscribes the socket to its disconnect topic on NATS as it connects; that
	// subscription reaches the server asynchronously, so repeat the request until it lands.
	deadline := time.Now().Add(10 * time.Second)
	for next := time.Now(); v.CloseStatus() == -1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the visitor's socket on node b was not closed within 10s")
		}
		if time.Now().After(next) {
			adminPost(t, a.url(), "/admin/api/sockets/"+app.ShopperSocketID(visitor)+"/disconnect")
			next = time.Now().Add(500 * time.Millisecond)
		}
	}
	if code := v.CloseStatus(); code != 1001 {
		t.Errorf("close code %d, want 1001 (the client reconnects)", code)
	}
	if !other.Connected() {
		t.Error("another visitor's socket was closed too")
	}
}

// proxy forwards TCP connections to a target that the test can switch, as a load
// balancer would after a node dies.
type proxy struct {
	ln     net.Listener
	target atomic.Value // string
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	p.target.Store(target)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target.Load().(string))
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		p.wg.Add(2)
		pipe := func(dst, src net.Conn) {
			defer p.wg.Done()
			io.Copy(dst, src)
			dst.Close()
			src.Close()
		}
		go pipe(in, out)
		go pipe(out, in)
	}
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestFailoverToAnotherNode kills node b while a browser is connected to it through a
// proxy, points the proxy at node a, and checks that the page reconnects by itself,
// remounts on a and shows the store's current state, without a reload.
func TestFailoverToAnotherNode(t *testing.T) {
	browser := browsertest.New(t)
	c := newCluster(t)
	a, b := c.node(t, "a"), c.node(t, "b")
	p := newProxy(t, b.addr)

	ctx := openDrops(t, browser, p.url())
	waitJS(t, ctx, "two listings, both coming soon", `document.querySelectorAll(".product-listing").length === 2 && !document.querySelector(".size-container")`)

	b.kill()
	p.target.Store(a.addr)
	// A release the page could not have heard of: it happens while the page is offline.
	adminPost(t, a.url(), "/admin/api/products/2/release")

	waitJS(t, ctx, "the page to reconnect to node a and show the release",
		jsConnected+` && !!document.querySelector('.product-listing[data-product-id="2"] .size-container')`)
	waitJS(t, ctx, "no reload", jsNoReload)

	// The remounted view is live on node a.
	adminPost(t, a.url(), "/admin/api/items/3/sell?count=3")
	waitJS(t, ctx, "the sale on node a to show", `(() => { const b = document.querySelector(".size-container__entry[value='3']"); return !!b && b.disabled && b.className.includes("--level-out") })()`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](jsNoReload)); err != nil {
		t.Fatal(err)
	}
}

var _ http.Handler = (*app.App)(nil)

func TestDrainEndpoint(t *testing.T) {
	a := fixtureApp(t)
	srv := httptest.NewServer(a)
	defer srv.Close()
	v := livetest.OpenURL(t, srv.URL+"/drops")
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/admin/api/sockets/drain", http.StatusNotFound},
		{http.MethodPost, "/admin/api/sockets/bad%20id/disconnect", http.StatusBadRequest},
		{http.MethodPost, "/admin/api/sockets/nope", http.StatusNotFound},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		req.SetBasicAuth(admin.User, testPassword)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
	if !v.Connected() {
		t.Fatal("a refused request disconnected the view")
	}
	adminPost(t, srv.URL, "/admin/api/sockets/drain")
	deadline := time.Now().Add(15 * time.Second) // the default drain window is 10s
	for v.CloseStatus() == -1 {
		if time.Now().After(deadline) {
			t.Fatal("drain did not close the socket")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := v.CloseStatus(); code != 1012 {
		t.Errorf("close code %d, want 1012", code)
	}
	// The node still serves after a drain.
	livetest.OpenURL(t, srv.URL+"/drops")
}
