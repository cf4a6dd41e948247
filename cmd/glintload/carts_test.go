package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/store"
)

// startShop serves the Sneakers23 demo on a fresh, seeded SQLite file.
func startShop(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "shop.db"), store.SQLiteOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, app.Config{Store: st, AdminPassword: "pw", Secret: []byte(strings.Repeat("s", 32)), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Errorf("app Close: %v", err)
		}
	})
	return srv
}

func TestCartsFillTheDashboard(t *testing.T) {
	srv := startShop(t)
	const shoppers = 60
	vals, _ := runCLI(t, "-url", srv.URL+"/drops", "-scenario", "carts", "-shoppers", "60", "-arrive", "1s",
		"-admin-password", "pw", "-settle", "10s")
	if got := num(t, vals, "products released by the run"); got < 1 {
		t.Errorf("the run released %v products; the seed catalog starts unreleased", got)
	}
	for _, key := range []string{"shoppers joined", "adds accepted"} {
		if got := num(t, vals, key); got != shoppers {
			t.Errorf("%s = %v, want %d", key, got, shoppers)
		}
	}
	if got := num(t, vals, "dashboard correct after last add"); got < 0 || got > 10_000 {
		t.Errorf("dashboard correct after %v ms", got)
	}
	// The dashboard recounts at most once per coalescing window (150 ms).
	if got := num(t, vals, "dashboard frames/s max (1-s window)"); got < 1 || got > 10 {
		t.Errorf("dashboard frames/s max = %v, want between 1 and 10", got)
	}
	if got := num(t, vals, "add reply p50"); got <= 0 {
		t.Errorf("add reply p50 = %v B", got)
	}
}

func TestCartsRefusesAWrongAdminPassword(t *testing.T) {
	srv := startShop(t)
	var out, errb strings.Builder
	code := cli([]string{"-url", srv.URL + "/drops", "-scenario", "carts", "-shoppers", "2", "-quiet", "-admin-password", "wrong"}, &out, &errb)
	if code == 0 {
		t.Fatalf("exit 0 with a wrong admin password:\n%s", out.String())
	}
	if !strings.Contains(errb.String()+out.String(), "401") {
		t.Errorf("the error does not say the admin API refused: %s %s", errb.String(), out.String())
	}
}
