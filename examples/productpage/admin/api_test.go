package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/live/pubsub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type env struct {
	handler http.Handler // the API behind basic auth
	srv     *httptest.Server
	inv     *inventory.Inventory
	st      *store.SQLite
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "a.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 1)), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ps, items := storetest.Fixture()
	if err := st.Reset(ctx, ps, items); err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Load(ctx, st, pubsub.NewLocal(), inventory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inv.Close)
	h := admin.BasicAuth(admin.User, "s3cret", admin.NewAPI(inv, slog.New(slog.NewTextHandler(io.Discard, nil))))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{handler: h, srv: srv, inv: inv, st: st}
}

// do sends an authenticated request and decodes the JSON body.
func (e *env) do(t *testing.T, method, path string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(admin.User, "s3cret")
	return doJSON(t, req)
}

func doJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q, body %s", req.Method, req.URL.Path, ct, raw)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", req.Method, req.URL.Path, raw, err)
	}
	return resp.StatusCode, body
}

func (e *env) catalog(t *testing.T) ([]store.Product, []store.Item) {
	t.Helper()
	ps, items, err := e.st.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ps, items
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name       string
		user, pass string
		setAuth    bool
		want       int
	}{
		{"no credentials", "", "", false, http.StatusUnauthorized},
		{"wrong password", admin.User, "nope", true, http.StatusUnauthorized},
		{"wrong user", "root", "s3cret", true, http.StatusUnauthorized},
		{"right", admin.User, "s3cret", true, http.StatusOK},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/api/products/1/release", nil)
		if tt.setAuth {
			req.SetBasicAuth(tt.user, tt.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
		if tt.want == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("%s: no basic challenge", tt.name)
		}
		ps, _ := e.catalog(t)
		if released := ps[1].Released; released != (tt.want == http.StatusOK) {
			t.Errorf("%s: product 1 released = %v", tt.name, released)
		}
	}
}

func TestPasswordFromEnv(t *testing.T) {
	t.Setenv("ADMIN_PASSWORD", "")
	if got := admin.PasswordFromEnv(nil); got != admin.DevPassword {
		t.Errorf("unset: %q", got)
	}
	t.Setenv("ADMIN_PASSWORD", "hunter2")
	if got := admin.PasswordFromEnv(nil); got != "hunter2" {
		t.Errorf("set: %q", got)
	}
}

// Every refused request answers a 4xx JSON error and leaves the store as it was.
func TestBadRequestsChangeNothing(t *testing.T) {
	e := newEnv(t)
	if _, err := e.inv.Sell(context.Background(), 3, 3); err != nil { // i3 is out
		t.Fatal(err)
	}
	beforePs, beforeItems := e.catalog(t)
	tests := []struct {
		method, path string
		want         int
	}{
		{"POST", "/admin/api/products/99/release", 404},
		{"POST", "/admin/api/products/abc/release", 400},
		{"POST", "/admin/api/products/-1/release", 400},
		{"POST", "/admin/api/products/0/release", 400},
		{"GET", "/admin/api/products/1/release", 405},
		{"PUT", "/admin/api/products/1/release", 405},
		{"POST", "/admin/api/items/99/sell", 404},
		{"POST", "/admin/api/items/x/sell", 400},
		{"POST", "/admin/api/items/1/sell?count=abc", 400},
		{"POST", "/admin/api/items/1/sell?count=-1", 400},
		{"POST", "/admin/api/items/1/sell?count=0", 400},
		{"POST", "/admin/api/items/1/sell?count=1.5", 400},
		{"POST", "/admin/api/items/1/sell?count=", 400},
		{"POST", "/admin/api/items/1/sell?count=99999999999999999999", 400},
		{"POST", "/admin/api/items/1/sell?count=2", 409}, // only 1 left: all or nothing
		{"POST", "/admin/api/items/3/sell", 409},         // out
		{"GET", "/admin/api/items/1/sell", 405},
		{"DELETE", "/admin/api/items/1/sell", 405},
		{"POST", "/admin/api/reducer?per_tick=abc", 400},
		{"POST", "/admin/api/reducer?per_tick=-5", 400},
		{"POST", "/admin/api/reducer?tick_ms=-5", 400},
		{"POST", "/admin/api/reducer?tick_ms=100000000", 400},
		{"POST", "/admin/api/reducer?per_tick=1000000000", 400},
		{"GET", "/admin/api/reducer", 405},
		{"POST", "/admin/api/inventory", 405},
		{"GET", "/admin/api/nothing", 404},
	}
	for _, tt := range tests {
		status, body := e.do(t, tt.method, tt.path)
		msg, _ := body["error"].(string)
		if status != tt.want || msg == "" {
			t.Errorf("%s %s: %d %v, want %d with an error message", tt.method, tt.path, status, body, tt.want)
		}
	}
	afterPs, afterItems := e.catalog(t)
	if !reflect.DeepEqual(beforePs, afterPs) || !reflect.DeepEqual(beforeItems, afterItems) {
		t.Errorf("refused requests changed the store:\n%+v %+v\n%+v %+v", beforePs, beforeItems, afterPs, afterItems)
	}
	if e.inv.ReducerStatus().Running {
		t.Error("a refused request started the reducer")
	}
}

func TestReleaseSellInventory(t *testing.T) {
	e := newEnv(t)
	status, body := e.do(t, "POST", "/admin/api/products/1/release")
	if status != 200 || body["product"].(map[string]any)["released"] != true {
		t.Fatalf("release: %d %v", status, body)
	}
	status, body = e.do(t, "POST", "/admin/api/items/2/sell?count=2")
	item, _ := body["item"].(map[string]any)
	if status != 200 || item["available_count"] != 0.0 || item["level"] != "out" {
		t.Fatalf("sell: %d %v", status, body)
	}
	status, body = e.do(t, "POST", "/admin/api/items/3/sell") // count defaults to 1
	if item, _ := body["item"].(map[string]any); status != 200 || item["available_count"] != 2.0 || item["level"] != "low" {
		t.Fatalf("sell default count: %d %v", status, body)
	}

	req, _ := http.NewRequest("GET", e.srv.URL+"/admin/api/inventory", nil)
	req.SetBasicAuth(admin.User, "s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var inv admin.InventoryJSON
	if err := json.NewDecoder(resp.Body).Decode(&inv); err != nil {
		t.Fatal(err)
	}
	want := admin.InventoryJSON{Products: []admin.ProductJSON{
		{ID: 2, SKU: "P2", Order: 0, Brand: "B2", Name: "Two", Color: "blue", PriceUSD: 200, MainImageURL: "/images/two.png",
			Items: []admin.ItemJSON{{ID: 3, SKU: "I3", Size: "8", ProductID: 2, AvailableCount: 2, Level: "low"}}},
		{ID: 1, SKU: "P1", Order: 1, Brand: "B1", Name: "One", Color: "red", PriceUSD: 100, MainImageURL: "/images/one.png", Released: true,
			Items: []admin.ItemJSON{
				{ID: 1, SKU: "I1", Size: "6", ProductID: 1, AvailableCount: 1, Level: "low"},
				{ID: 2, SKU: "I2", Size: "7", ProductID: 1, AvailableCount: 0, Level: "out"},
			}},
	}}
	if !reflect.DeepEqual(inv, want) {
		t.Errorf("inventory =\n%+v\nwant\n%+v", inv, want)
	}
	_, items := e.catalog(t)
	if items[1].AvailableCount != 0 || items[2].AvailableCount != 2 {
		t.Errorf("store not updated: %+v", items)
	}
}

func TestReducerEndpoints(t *testing.T) {
	e := newEnv(t)
	status, body := e.do(t, "POST", "/admin/api/reducer?per_tick=1&tick_ms=60000")
	red, _ := body["reducer"].(map[string]any)
	if status != 200 || red["running"] != true || red["per_tick"] != 1.0 || red["tick_ms"] != 60000.0 {
		t.Fatalf("start: %d %v", status, body)
	}
	status, body = e.do(t, "DELETE", "/admin/api/reducer")
	if status != 200 || body["stopped"] != true || body["reducer"].(map[string]any)["running"] != false {
		t.Fatalf("stop: %d %v", status, body)
	}
	if status, body = e.do(t, "DELETE", "/admin/api/reducer"); status != 200 || body["stopped"] != false {
		t.Fatalf("second stop: %d %v", status, body)
	}
	// Defaults, then a fast run to the end: everything sells out.
	if status, body = e.do(t, "POST", "/admin/api/reducer"); status != 200 || body["reducer"].(map[string]any)["per_tick"] != float64(inventory.DefaultPerTick) {
		t.Fatalf("start with defaults: %d %v", status, body)
	}
	if status, _ = e.do(t, "POST", "/admin/api/reducer?per_tick=2&tick_ms=1"); status != 200 {
		t.Fatalf("restart: %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.inv.WaitReducer(ctx); err != nil {
		t.Fatal(err)
	}
	_, items := e.catalog(t)
	for _, it := range items {
		if it.AvailableCount != 0 {
			t.Errorf("item %d left with %d", it.ID, it.AvailableCount)
		}
	}
}
