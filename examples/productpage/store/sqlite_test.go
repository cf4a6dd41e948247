package store_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"

	"go.uber.org/goleak"

	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func openSQLite(t *testing.T, path string, opts store.SQLiteOptions) *store.SQLite {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := store.OpenSQLite(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	return s
}

func TestSQLiteSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openSQLite(t, filepath.Join(t.TempDir(), "s.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 1))})
	})
}

// TestSQLiteTwoStoresOneFile runs the concurrency tests over two stores opened on one file
// (two connection pools, as two processes would have).
func TestSQLiteTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	a := openSQLite(t, path, store.SQLiteOptions{})
	defer a.Close()
	b := openSQLite(t, path, store.SQLiteOptions{})
	defer b.Close()
	storetest.RunConcurrent(t, a, b)
}

func TestSQLiteSeedsNewDatabaseAndKeepsIt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sneakers.db")
	s := openSQLite(t, path, store.SQLiteOptions{Rand: rand.New(rand.NewPCG(7, 7))})
	ps, items, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantPs, wantItems := store.Seed(rand.New(rand.NewPCG(7, 7)))
	if !reflect.DeepEqual(ps, wantPs) || !reflect.DeepEqual(items, wantItems) {
		t.Fatalf("new database not seeded from the given source")
	}
	if _, err := s.Sell(ctx, firstInStock(t, items), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Release(ctx, 2); err != nil {
		t.Fatal(err)
	}
	_, before, _ := s.Catalog(ctx)
	s.Close()

	// Reopening keeps the data (and does not re-run migrations).
	s = openSQLite(t, path, store.SQLiteOptions{Rand: rand.New(rand.NewPCG(8, 8))})
	ps, after, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) || !ps[1].Released {
		t.Errorf("reopen lost data: released=%v, items equal=%v", ps[1].Released, reflect.DeepEqual(before, after))
	}
	s.Close()

	// -reseed starts over.
	s = openSQLite(t, path, store.SQLiteOptions{Reseed: true, Rand: rand.New(rand.NewPCG(7, 7))})
	defer s.Close()
	ps, items, err = s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The new catalog's versions start above the old ones, so that caches notice.
	var maxBefore int64
	for _, it := range before {
		maxBefore = max(maxBefore, it.Version)
	}
	for i := range items {
		if items[i].Version <= maxBefore {
			t.Errorf("reseeded item %d at version %d, not above the old highest %d", items[i].ID, items[i].Version, maxBefore)
		}
		items[i].Version = 0
	}
	if !reflect.DeepEqual(ps, wantPs) || !reflect.DeepEqual(items, wantItems) {
		t.Errorf("reseed did not start over")
	}
}

func firstInStock(t *testing.T, items []store.Item) int64 {
	for _, it := range items {
		if it.AvailableCount > 0 {
			return it.ID
		}
	}
	t.Fatal("no item in stock")
	return 0
}

func TestOpenSQLiteErrors(t *testing.T) {
	if _, err := store.OpenSQLite(context.Background(), "", store.SQLiteOptions{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("empty path: err = %v, want ErrInvalid", err)
	}
	if _, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "a?b.db"), store.SQLiteOptions{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("path with '?': err = %v, want ErrInvalid", err)
	}
	dir := t.TempDir() // a directory is not a database file
	if _, err := store.OpenSQLite(context.Background(), dir, store.SQLiteOptions{}); err == nil {
		t.Errorf("opening a directory succeeded")
	}
}

func TestSeed(t *testing.T) {
	ps, items := store.Seed(rand.New(rand.NewPCG(3, 4)))
	if err := store.Validate(ps, items); err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].SKU != "SHU6000" || ps[1].SKU != "SHU6100" || ps[0].MainImageURL != "/images/hopman.png" {
		t.Errorf("products = %+v", ps)
	}
	if len(items) != 26 {
		t.Fatalf("items = %d, want 26", len(items))
	}
	checks := []struct {
		idx         int
		id, product int64
		sku, size   string
	}{
		{0, 1, 1, "SHU6001", "6"},
		{1, 2, 1, "SHU6002", "6.5"},
		{12, 13, 1, "SHU6013", "12"},
		{13, 14, 2, "SHU6101", "6"},
		{25, 26, 2, "SHU6113", "12"},
	}
	for _, c := range checks {
		it := items[c.idx]
		if it.ID != c.id || it.ProductID != c.product || it.SKU != c.sku || it.Size != c.size {
			t.Errorf("items[%d] = %+v, want id %d product %d sku %s size %s", c.idx, it, c.id, c.product, c.sku, c.size)
		}
	}
	// Over many draws: stock is 0 about 10% of the time and otherwise within 201..1200.
	r := rand.New(rand.NewPCG(5, 6))
	zeros, n := 0, 0
	for range 400 {
		_, items := store.Seed(r)
		for _, it := range items {
			n++
			switch c := it.AvailableCount; {
			case c == 0:
				zeros++
			case c < 201 || c > 1200:
				t.Fatalf("stock %d outside 201..1200", c)
			}
		}
	}
	if frac := float64(zeros) / float64(n); frac < 0.08 || frac > 0.12 {
		t.Errorf("zero-stock fraction = %.3f, want about 0.1", frac)
	}
}

func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
	}{
		{"no number", fstest.MapFS{"m/init.sql": {Data: []byte("SELECT 1")}}},
		{"duplicate version", fstest.MapFS{"m/0001_a.sql": {Data: []byte("")}, "m/1_b.sql": {Data: []byte("")}}},
	}
	for _, tt := range tests {
		if _, err := store.LoadMigrationsForTest(tt.files, "m"); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
