package inventory_test

import (
	"context"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/live/pubsub"
)

// sharedDB is one database several nodes open, each with a store of its own.
type sharedDB struct {
	name string
	// open opens another store on the database; through, when set, is the proxy its
	// connections go through (PostgreSQL only).
	open func(t *testing.T, through *storetest.Proxy) store.Store
	// pgURL is the PostgreSQL URL of the database, "" for SQLite.
	pgURL string
}

// sharedDBs returns a SQLite file and, when GLINT_TEST_POSTGRES names a server, a fresh
// PostgreSQL schema.
func sharedDBs(t *testing.T) []sharedDB {
	path := filepath.Join(t.TempDir(), "shared.db")
	dbs := []sharedDB{{name: "sqlite", open: func(t *testing.T, _ *storetest.Proxy) store.Store {
		st, err := store.OpenSQLite(context.Background(), path, store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 1)), Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}}}
	if base := os.Getenv(storetest.EnvPostgres); base != "" {
		u := storetest.FreshSchema(t, base, "glint_inv")
		dbs = append(dbs, sharedDB{name: "postgres", pgURL: u, open: func(t *testing.T, through *storetest.Proxy) store.Store {
			return openPostgresVia(t, u, through)
		}})
	}
	return dbs
}

// openPostgresVia opens a store on u, through the proxy when one is given, with a
// connection timeout short enough for a test that cuts the database off.
func openPostgresVia(t *testing.T, u string, through *storetest.Proxy) store.Store {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	q.Set("connect_timeout", "2")
	parsed.RawQuery = q.Encode()
	u = parsed.String()
	if through != nil {
		if u, err = through.URL(u); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.OpenPostgres(context.Background(), u, store.PostgresOptions{Rand: rand.New(rand.NewPCG(1, 1)), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// pgHost returns host:port of a PostgreSQL URL.
func pgHost(t *testing.T, u string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Host
}

// bigCatalog is one released product with n items of stock units each.
func bigCatalog(n, stock int) ([]store.Product, []store.Item) {
	ps := []store.Product{{ID: 1, SKU: "P", Brand: "B", Name: "Many", PriceUSD: 10, MainImageURL: "/p.png", Released: true}}
	items := make([]store.Item, n)
	for i := range items {
		items[i] = store.Item{ID: int64(i + 1), SKU: "I" + strconv.Itoa(i+1), Size: "9", ProductID: 1, AvailableCount: stock}
	}
	return ps, items
}

// unitsLeft sums the stock of every item in the store.
func unitsLeft(t *testing.T, st store.Store) int {
	t.Helper()
	_, items, err := st.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range items {
		n += it.AvailableCount
	}
	return n
}

// loadNode loads an inventory over st with its own in-process PubSub: the nodes of these
// tests share nothing but the database, and reconcile with it often.
func loadNode(t *testing.T, st store.Store) *inventory.Inventory {
	t.Helper()
	inv, err := inventory.Load(context.Background(), st, pubsub.NewLocal(), inventory.Options{Logger: quiet(), ReconcileEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inv.Close)
	return inv
}

// waitFor polls cond every 10 ms until it holds, failing after within.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// storedState reads the reducer's state from st.
func storedState(t *testing.T, st store.Store) store.ReducerState {
	t.Helper()
	s, err := st.ReducerState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReducerSurvivesPostgresRestart runs the reducer while its database goes away twice:
// every backend of the node is terminated (pg_terminate_backend), and later the server
// cannot be reached at all for two seconds, as during a restart (the node's connections
// go through a proxy the test cuts). The reducer must carry on and sell everything, and
// the sales it counted must be exactly the units the store lost.
func TestReducerSurvivesPostgresRestart(t *testing.T) {
	base := os.Getenv(storetest.EnvPostgres)
	if base == "" {
		t.Skip("set " + storetest.EnvPostgres + " to run the PostgreSQL reducer tests")
	}
	ctx := context.Background()
	u := storetest.FreshSchema(t, base, "glint_inv")
	app := "glint_reducer_" + strconv.FormatUint(rand.Uint64()%1e9, 10)
	parsed, _ := url.Parse(u)
	q := parsed.Query()
	q.Set("application_name", app)
	parsed.RawQuery = q.Encode()
	proxy := storetest.NewProxy(t, pgHost(t, base), true)
	st := openPostgresVia(t, parsed.String(), proxy)
	const total = 8 * 75
	ps, items := bigCatalog(8, 75)
	if err := st.Reset(ctx, ps, items); err != nil {
		t.Fatal(err)
	}
	inv := loadNode(t, st)
	if _, err := inv.StartReducer(inventory.ReducerConfig{PerTick: 2, Tick: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	sales := func() int64 { return inv.ReducerStatus().Sales }

	waitFor(t, 30*time.Second, "100 sales", func() bool { return sales() >= 100 })
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed int
	if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	t.Logf("terminated %d backends at %d sales", killed, sales())
	if killed < 2 {
		t.Fatalf("terminated %d backends, want the pool's and the lead's", killed)
	}
	at := sales()
	waitFor(t, 30*time.Second, "sales after the backends were terminated", func() bool { return sales() > at+50 })

	proxy.Cut()
	cutAt := sales()
	time.Sleep(2 * time.Second)
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	t.Logf("database unreachable for 2s at %d sales", cutAt)

	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := inv.WaitReducer(wctx); err != nil {
		t.Fatalf("reducer did not finish: %v (status %+v, store state %+v)", err, inv.ReducerStatus(), storedState(t, st))
	}
	if left := unitsLeft(t, st); left != 0 {
		t.Errorf("%d units left after the reducer finished", left)
	}
	state := storedState(t, st)
	if state.Running || state.Sales != total {
		t.Errorf("stored state = %+v, want stopped with %d sales (sold = acknowledged)", state, total)
	}
	if got := inv.ReducerStatus(); got.Sales != total || got.Running {
		t.Errorf("status = %+v, want stopped with %d sales", got, total)
	}
	waitFor(t, 10*time.Second, "memory equal to the store", func() bool { return agrees(ctx, inv, st) == "" })
}

// TestReducerLeaderTakeover kills the node that runs the reducer; another node must take
// over within 10 s and go on selling, and the sales counted must equal the units sold.
// On PostgreSQL the leader dies in two ways: it closes (its lock is released at once),
// or it crashes (its connections are cut, and the server notices).
func TestReducerLeaderTakeover(t *testing.T) {
	for _, db := range sharedDBs(t) {
		kinds := []string{"closed"}
		if db.pgURL != "" {
			kinds = append(kinds, "crashed")
		}
		for _, kind := range kinds {
			t.Run(db.name+"/"+kind, func(t *testing.T) {
				ctx := context.Background()
				var proxies [2]*storetest.Proxy
				var stores [2]store.Store
				var nodes [2]*inventory.Inventory
				for i := range nodes {
					if db.pgURL != "" {
						proxies[i] = storetest.NewProxy(t, pgHost(t, db.pgURL), true)
					}
					stores[i] = db.open(t, proxies[i])
					if i == 0 {
						ps, items := bigCatalog(10, 100_000)
						if err := stores[0].Reset(ctx, ps, items); err != nil {
							t.Fatal(err)
						}
					}
					nodes[i] = loadNode(t, stores[i])
				}
				before := unitsLeft(t, stores[0])
				waitFor(t, 10*time.Second, "a leader", func() bool { return nodes[0].LeadsReducer() || nodes[1].LeadsReducer() })
				lead := 0
				if nodes[1].LeadsReducer() {
					lead = 1
				}
				other := 1 - lead
				if nodes[other].LeadsReducer() {
					t.Fatal("both nodes lead")
				}
				// The admin starts it on the node that does not lead.
				if _, err := nodes[other].StartReducer(inventory.ReducerConfig{PerTick: 5, Tick: 10 * time.Millisecond}); err != nil {
					t.Fatal(err)
				}
				waitFor(t, 10*time.Second, "the leader sells", func() bool { return nodes[lead].ReducerStatus().Sales >= 50 })

				if kind == "crashed" {
					proxies[lead].Cut()
				} else {
					nodes[lead].Close()
					stores[lead].Close()
				}
				soldBefore := storedState(t, stores[other]).Sales
				took := waitFor(t, 10*time.Second, "another node takes over", func() bool {
					return nodes[other].LeadsReducer() && storedState(t, stores[other]).Sales > soldBefore
				})
				t.Logf("%s/%s: the other node took over and sold again %v after the leader died", db.name, kind, took.Round(time.Millisecond))

				waitFor(t, 10*time.Second, "more sales", func() bool { return nodes[other].ReducerStatus().Sales > soldBefore+50 })
				stopped, err := nodes[other].StopReducerContext(ctx)
				if err != nil || !stopped {
					t.Fatalf("StopReducerContext = %v, %v", stopped, err)
				}
				state := storedState(t, stores[other])
				if sold := before - unitsLeft(t, stores[other]); int64(sold) != state.Sales {
					t.Errorf("the store lost %d units, the reducer counted %d sales", sold, state.Sales)
				}
			})
		}
	}
}

// TestReducerResumesAfterRestartAndStaysStopped restarts the only node twice: a running
// reducer resumes by itself where it was, and one the admin stopped stays stopped.
func TestReducerResumesAfterRestartAndStaysStopped(t *testing.T) {
	for _, db := range sharedDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			st := db.open(t, nil)
			ps, items := bigCatalog(4, 100_000)
			if err := st.Reset(ctx, ps, items); err != nil {
				t.Fatal(err)
			}
			before := unitsLeft(t, st)
			inv := loadNode(t, st)
			if _, err := inv.StartReducer(inventory.ReducerConfig{PerTick: 2, Tick: 10 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "sales", func() bool { return inv.ReducerStatus().Sales >= 20 })
			inv.Close()
			st.Close()

			st = db.open(t, nil)
			inv = loadNode(t, st)
			first := inv.ReducerStatus()
			if !first.Running || first.PerTick != 2 || first.Tick != 10*time.Millisecond || first.Sales < 20 {
				t.Fatalf("status after the restart = %+v, want the run going on", first)
			}
			waitFor(t, 10*time.Second, "sales resumed after the restart", func() bool { return inv.ReducerStatus().Sales > first.Sales+20 })
			if stopped, err := inv.StopReducerContext(ctx); err != nil || !stopped {
				t.Fatalf("StopReducerContext = %v, %v", stopped, err)
			}
			inv.Close()
			st.Close()

			st = db.open(t, nil)
			left := unitsLeft(t, st)
			inv = loadNode(t, st)
			waitFor(t, 10*time.Second, "the restarted node leads", inv.LeadsReducer)
			time.Sleep(2500 * time.Millisecond) // more than two polls of the state
			if s := inv.ReducerStatus(); s.Running {
				t.Errorf("status after a restart of a stopped reducer = %+v", s)
			}
			if now := unitsLeft(t, st); now != left {
				t.Errorf("a stopped reducer sold %d units after the restart", left-now)
			}
			// One run across the restart: its count is every unit it sold.
			if state := storedState(t, st); state.Sales != int64(before-left) {
				t.Errorf("the store lost %d units, the reducer counted %d", before-left, state.Sales)
			}
		})
	}
}
