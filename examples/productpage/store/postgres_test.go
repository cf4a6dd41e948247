package store_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
)

// EnvTestPostgres names the PostgreSQL server the Postgres tests use.
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
	base := storetest.PostgresURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openPostgres(t, storetest.FreshSchema(t, base, "glint_test"), store.PostgresOptions{Rand: rand.New(rand.NewPCG(1, 1))})
	})
}

// TestPostgresTwoNodes runs the concurrency tests over two stores, each with its own
// connection pool, on one database: carts and checkouts spread over two nodes.
func TestPostgresTwoNodes(t *testing.T) {
	url := storetest.FreshSchema(t, storetest.PostgresURL(t), "glint_test")
	a := openPostgres(t, url, store.PostgresOptions{})
	defer a.Close()
	b := openPostgres(t, url, store.PostgresOptions{})
	defer b.Close()
	storetest.RunConcurrent(t, a, b)
}

func TestPostgresSeedsOnceAcrossNodes(t *testing.T) {
	url := storetest.FreshSchema(t, storetest.PostgresURL(t), "glint_test")
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
