package store_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
)

// EnvTestPostgres names the PostgreSQL server the Postgres tests use.
const envTestPostgres = "GLINT_TEST_POSTGRES"

// postgresURL returns the test server's URL, skipping (locally) or failing (in CI) when no
// server is reachable.
func postgresURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(envTestPostgres)
	if url == "" {
		url = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no PostgreSQL server at %s (set %s): %v", url, envTestPostgres, err)
		}
		t.Skipf("no PostgreSQL server reachable (set %s to run the Postgres store tests): %v", envTestPostgres, err)
	}
	conn.Close(ctx)
	return url
}

var schemaSeq struct {
	sync.Mutex
	n int
}

// freshSchema creates an empty schema and returns a URL whose connections use it, so that
// every test gets an independent database.
func freshSchema(t testing.TB, base string) string {
	t.Helper()
	schemaSeq.Lock()
	schemaSeq.n++
	name := "glint_test_" + strconv.Itoa(os.Getpid()) + "_" + strconv.Itoa(schemaSeq.n)
	schemaSeq.Unlock()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+name+` CASCADE; CREATE SCHEMA `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			c.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+name+` CASCADE`)
			c.Close(context.Background())
		}
	})
	sep := "?"
	for _, c := range base {
		if c == '?' {
			sep = "&"
		}
	}
	return base + sep + "search_path=" + name
}

func openPostgres(t testing.TB, url string, opts store.PostgresOptions) *store.Postgres {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := store.OpenPostgres(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	return s
}

func TestPostgresSuite(t *testing.T) {
	base := postgresURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openPostgres(t, freshSchema(t, base), store.PostgresOptions{Rand: rand.New(rand.NewPCG(1, 1))})
	})
}

// TestPostgresTwoNodes runs the concurrency tests over two stores, each with its own
// connection pool, on one database: carts and checkouts spread over two nodes.
func TestPostgresTwoNodes(t *testing.T) {
	url := freshSchema(t, postgresURL(t))
	a := openPostgres(t, url, store.PostgresOptions{})
	defer a.Close()
	b := openPostgres(t, url, store.PostgresOptions{})
	defer b.Close()
	storetest.RunConcurrent(t, a, b)
}

func TestPostgresSeedsOnceAcrossNodes(t *testing.T) {
	url := freshSchema(t, postgresURL(t))
	ctx := context.Background()
	// Two nodes start at once against one empty database: one migrates and seeds, the
	// other waits for the lock and finds the catalog.
	var wg sync.WaitGroup
	stores := make([]*store.Postgres, 2)
	errs := make([]error, 2)
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = store.OpenPostgres(ctx, url, store.PostgresOptions{Rand: rand.New(rand.NewPCG(uint64(i), 9))})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	_, a, err := stores[0].Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, b, _ := stores[1].Catalog(ctx)
	if len(a) != 26 || len(b) != 26 {
		t.Fatalf("items: %d and %d, want the 26 seeded once", len(a), len(b))
	}
	// A sale through one node is visible through the other.
	var id int64
	for _, it := range a {
		if it.AvailableCount > 0 {
			id = it.ID
			break
		}
	}
	sold, err := stores[0].Sell(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	left := sold.Count
	_, b, _ = stores[1].Catalog(ctx)
	for _, it := range b {
		if it.ID == id && it.AvailableCount != left {
			t.Fatalf("node 2 sees %d left, node 1 sold down to %d", it.AvailableCount, left)
		}
	}
	// Reopening keeps the data; Reseed starts over.
	s3 := openPostgres(t, url, store.PostgresOptions{})
	_, c, _ := s3.Catalog(ctx)
	s3.Close()
	for _, it := range c {
		if it.ID == id && it.AvailableCount != left {
			t.Fatalf("reopen lost the sale")
		}
	}
}

func TestPostgresBadURL(t *testing.T) {
	if _, err := store.OpenPostgres(context.Background(), "postgres://%zz", store.PostgresOptions{}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("malformed URL: got %v, want ErrInvalid", err)
	}
	if !store.IsPostgresURL("postgres://h/db") || !store.IsPostgresURL("postgresql://h/db") || store.IsPostgresURL("sneakers.db") {
		t.Fatal("IsPostgresURL misclassifies")
	}
}
