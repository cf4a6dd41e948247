package inventory_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/live/pubsub/natspubsub"
)

// backends returns the stores the cluster tests run on: SQLite, and PostgreSQL when
// GLINT_TEST_POSTGRES names a server. Each opens a new empty database per call.
func backends(t *testing.T) map[string]func(t *testing.T) store.Store {
	b := map[string]func(t *testing.T) store.Store{
		"sqlite": func(t *testing.T) store.Store {
			st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "shared.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 1)), Logger: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
	if base := os.Getenv(storetest.EnvPostgres); base != "" {
		b["postgres"] = func(t *testing.T) store.Store {
			st, err := store.OpenPostgres(context.Background(), storetest.FreshSchema(t, base, "glint_inv"), store.PostgresOptions{Rand: rand.New(rand.NewPCG(1, 1)), Logger: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}
	}
	return b
}

// natsCluster is an embedded NATS server on a fixed port, which a test can stop and start
// again, and nodes sharing one store.
type natsCluster struct {
	t     *testing.T
	st    store.Store
	port  int
	srv   *natspubsub.Server
	nodes []*node
}

func newNATSCluster(t *testing.T, st store.Store, opts inventory.Options, ids ...string) *natsCluster {
	t.Helper()
	c := &natsCluster{t: t, st: st}
	c.start()
	u, err := url.Parse(c.srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(u.Host)
	c.port, _ = strconv.Atoi(port)
	t.Cleanup(func() {
		if c.srv != nil {
			c.srv.Shutdown()
		}
	})
	if opts.Logger == nil {
		opts.Logger = quiet()
	}
	for _, id := range ids {
		c.nodes = append(c.nodes, startNode(t, c.srv.ClientURL(), id, st, opts))
	}
	return c
}

// start starts the server, on the port it had before when it had one.
func (c *natsCluster) start() {
	c.t.Helper()
	srv, err := natspubsub.StartServer(natspubsub.ServerOptions{Port: c.port, Logger: quiet()})
	if err != nil {
		c.t.Fatal(err)
	}
	c.srv = srv
}

func (c *natsCluster) stop() {
	c.srv.Shutdown()
	c.srv = nil
}

// converged waits until every node's memory equals the store and returns how long that
// took, failing after deadline.
func (c *natsCluster) converged(deadline time.Duration) time.Duration {
	c.t.Helper()
	ctx := context.Background()
	start := time.Now()
	for {
		diffs := make([]string, 0, len(c.nodes))
		for i, n := range c.nodes {
			if d := agrees(ctx, n.inv, c.st); d != "" {
				diffs = append(diffs, c.nodes[i].ps.NodeID()+": "+d)
			}
		}
		if len(diffs) == 0 {
			return time.Since(start)
		}
		if time.Since(start) > deadline {
			c.t.Fatalf("nodes differ from the store after %v: %v", deadline, diffs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestNATSOutageConverges stops the NATS server for a few seconds while two nodes sell and
// release; a third only watches. Once NATS is back, every node equals the store within
// five seconds, through the resync on reconnection alone (the periodic reconciliation is
// off), and every node's views heard of the item that sold out.
//
//	go test -race -run TestNATSOutageConverges -count 5 -v ./examples/productpage/inventory/
func TestNATSOutageConverges(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			ps, items := storetest.Fixture()
			items[2].AvailableCount = 50 // item 3
			if err := st.Reset(ctx, ps, items); err != nil {
				t.Fatal(err)
			}
			c := newNATSCluster(t, st, inventory.Options{ReconcileEvery: -1}, "a", "b", "c")
			a, b, watcher := c.nodes[0], c.nodes[1], c.nodes[2]
			if _, err := a.inv.Sell(ctx, 3, 1); err != nil { // replication works before the outage
				t.Fatal(err)
			}
			c.converged(5 * time.Second)

			c.stop()
			stopped := time.Now()
			for _, n := range c.nodes {
				for up, _ := n.ps.LinkState(); up; up, _ = n.ps.LinkState() {
					time.Sleep(5 * time.Millisecond)
				}
			}
			// During the outage: a release on a, sales on both, one taking item 1's last
			// unit, and enough sales to overflow nothing but reorder everything.
			if err := a.inv.Release(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if _, err := b.inv.Sell(ctx, 1, 1); err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				seller := []*node{a, b}[i%2]
				if _, err := seller.inv.Sell(ctx, 3, 1); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := a.inv.Sell(ctx, 2, 1); err != nil {
				t.Fatal(err)
			}
			// NATS stays down for 10 s in all.
			time.Sleep(time.Until(stopped.Add(10 * time.Second)))
			watcher.rec.take()

			c.start()
			took := c.converged(5 * time.Second)
			t.Logf("%s: converged %v after NATS came back", name, took.Round(time.Millisecond))

			// The sell-out reached the views of every node.
			out := `product:1 stock_change {"product_id":1,"item_id":1,"level":"out"}`
			deadline := time.Now().Add(5 * time.Second)
			for !slices.Contains(describe(watcher.rec.take()), out) {
				if time.Now().After(deadline) {
					t.Fatal("the watcher's views never heard that item 1 sold out")
				}
				time.Sleep(10 * time.Millisecond)
			}
			// And replication works again.
			if _, err := b.inv.Sell(ctx, 3, 1); err != nil {
				t.Fatal(err)
			}
			c.converged(5 * time.Second)
		})
	}
}

// TestCancelledSellsLeaveNoPhantoms sells from two nodes with client deadlines of 1 to 4
// ms, which expire at every stage of a sale (some before the call). Whatever each call
// answered, once it is over every node's memory equals the store, and the sales that
// answered success are exactly the units the store lost: no sale is committed unknown.
func TestCancelledSellsLeaveNoPhantoms(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			ps, items := storetest.Fixture()
			for i := range items {
				items[i].AvailableCount = 1000
			}
			if err := st.Reset(ctx, ps, items); err != nil {
				t.Fatal(err)
			}
			c := newNATSCluster(t, st, inventory.Options{ReconcileEvery: -1}, "a", "b")
			var mu sync.Mutex
			sold := map[int64]int{}
			var refused, succeeded int
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(w), 9))
					n := c.nodes[w%2]
					for i := range 60 {
						id := int64(1 + r.IntN(3))
						cctx, cancel := context.WithTimeout(ctx, time.Duration(1+r.IntN(4))*time.Millisecond)
						if i%5 == 0 {
							<-cctx.Done() // a client that gave up before the call
						}
						_, err := n.inv.Sell(cctx, id, 1)
						cancel()
						mu.Lock()
						switch {
						case err == nil:
							sold[id]++
							succeeded++
						case errors.Is(err, context.DeadlineExceeded):
							refused++
						default:
							t.Errorf("Sell: %v", err)
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			t.Logf("%s: %d sales answered, %d refused as already timed out", name, succeeded, refused)
			c.converged(5 * time.Second)
			_, stored, err := st.Catalog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range stored {
				if lost := 1000 - it.AvailableCount; lost != sold[it.ID] {
					t.Errorf("item %d: the store lost %d units, Sell answered %d sales", it.ID, lost, sold[it.ID])
				}
			}
		})
	}
}
