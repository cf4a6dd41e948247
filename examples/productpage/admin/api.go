package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
)

// routes are the API's endpoints; the same patterns without methods tell a wrong method
// (405) from an unknown path (404).
var routes = []struct{ method, path string }{
	{http.MethodPost, "/admin/api/products/{id}/release"},
	{http.MethodPost, "/admin/api/items/{id}/sell"},
	{http.MethodPost, "/admin/api/reducer"},
	{http.MethodDelete, "/admin/api/reducer"},
	{http.MethodGet, "/admin/api/inventory"},
}

// API serves the admin JSON API under /admin/api/. It does not authenticate: wrap it in
// BasicAuth.
//
//	POST   /admin/api/products/{id}/release      release a product
//	POST   /admin/api/items/{id}/sell?count=N    sell N units (default 1), all or nothing
//	POST   /admin/api/reducer?per_tick=&tick_ms= start (or restart) the cluster's reducer
//	DELETE /admin/api/reducer                    stop the cluster's reducer
//	GET    /admin/api/inventory                  every product and item with counts and levels
//
// Errors are JSON {"error":"…"}: 400 for malformed input, 404 for unknown ids or paths,
// 405 for a wrong method, 409 when an item has fewer units than asked, 503 when the
// reducer's state could not be saved. A refused request changes nothing.
type API struct {
	inv    *inventory.Inventory
	logger *slog.Logger
	mux    *http.ServeMux
	paths  *http.ServeMux
}

// NewAPI returns the API over inv. A nil logger means slog.Default().
func NewAPI(inv *inventory.Inventory, logger *slog.Logger) *API {
	if logger == nil {
		logger = slog.Default()
	}
	a := &API{inv: inv, logger: logger, mux: http.NewServeMux(), paths: http.NewServeMux()}
	handlers := map[string]http.HandlerFunc{
		"POST /admin/api/products/{id}/release": a.release,
		"POST /admin/api/items/{id}/sell":       a.sell,
		"POST /admin/api/reducer":               a.startReducer,
		"DELETE /admin/api/reducer":             a.stopReducer,
		"GET /admin/api/inventory":              a.inventory,
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		a.mux.HandleFunc(rt.method+" "+rt.path, handlers[rt.method+" "+rt.path])
		if !seen[rt.path] {
			seen[rt.path] = true
			a.paths.HandleFunc(rt.path, func(http.ResponseWriter, *http.Request) {})
		}
	}
	a.mux.HandleFunc("/", a.notRouted)
	return a
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

func (a *API) notRouted(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.paths.Handler(r); pattern != "" {
		var allow []string
		for _, rt := range routes {
			if rt.path == pattern {
				allow = append(allow, rt.method)
			}
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path))
		return
	}
	writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
}

// ItemJSON is an item in API responses.
type ItemJSON struct {
	ID             int64           `json:"id"`
	SKU            string          `json:"sku"`
	Size           string          `json:"size"`
	ProductID      int64           `json:"product_id"`
	AvailableCount int             `json:"available_count"`
	Level          inventory.Level `json:"level"`
}

// ProductJSON is a product with its items in API responses.
type ProductJSON struct {
	ID           int64      `json:"id"`
	SKU          string     `json:"sku"`
	Order        int        `json:"order"`
	Brand        string     `json:"brand"`
	Name         string     `json:"name"`
	Color        string     `json:"color"`
	PriceUSD     int        `json:"price_usd"`
	MainImageURL string     `json:"main_image_url"`
	Released     bool       `json:"released"`
	Items        []ItemJSON `json:"items"`
}

// InventoryJSON is the body of GET /admin/api/inventory.
type InventoryJSON struct {
	Products []ProductJSON           `json:"products"` // in display order
	Reducer  inventory.ReducerStatus `json:"reducer"`  // the reducer's state
}

func itemJSON(it inventory.Item) ItemJSON {
	return ItemJSON{ID: it.ID, SKU: it.SKU, Size: it.Size, ProductID: it.ProductID, AvailableCount: it.AvailableCount, Level: it.Level}
}

func productJSON(p inventory.Product) ProductJSON {
	pj := ProductJSON{ID: p.ID, SKU: p.SKU, Order: p.Order, Brand: p.Brand, Name: p.Name, Color: p.Color,
		PriceUSD: p.PriceUSD, MainImageURL: p.MainImageURL, Released: p.Released, Items: make([]ItemJSON, len(p.Items))}
	for i, it := range p.Items {
		pj.Items[i] = itemJSON(it)
	}
	return pj
}

func (a *API) inventory(w http.ResponseWriter, r *http.Request) {
	ps := a.inv.Products()
	body := InventoryJSON{Products: make([]ProductJSON, len(ps)), Reducer: a.inv.ReducerStatus()}
	for i, p := range ps {
		body.Products[i] = productJSON(p)
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *API) release(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := a.inv.Release(r.Context(), id); err != nil {
		a.writeStoreError(w, err)
		return
	}
	p, _ := a.inv.Product(id)
	writeJSON(w, http.StatusOK, map[string]any{"product": productJSON(p)})
}

func (a *API) sell(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	count := 1
	if q := r.URL.Query(); q.Has("count") {
		n, err := strconv.Atoi(q.Get("count"))
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("count must be a whole number of at least 1, got %q", q.Get("count")))
			return
		}
		count = n
	}
	it, err := a.inv.Sell(r.Context(), id, count)
	if err != nil {
		a.writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"item": itemJSON(it)})
}

func (a *API) startReducer(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	perTick, ok := queryInt(w, q.Get("per_tick"), "per_tick")
	if !ok {
		return
	}
	tickMS, ok := queryInt(w, q.Get("tick_ms"), "tick_ms")
	if !ok {
		return
	}
	if perTick < 0 || tickMS < 0 {
		writeError(w, http.StatusBadRequest, "per_tick and tick_ms must not be negative")
		return
	}
	st, err := a.inv.StartReducer(inventory.ReducerConfig{PerTick: perTick, Tick: time.Duration(tickMS) * time.Millisecond})
	switch {
	case errors.Is(err, inventory.ErrBadReducerConfig):
		writeError(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		a.logger.Error("admin api: reducer not started", "err", err)
		writeError(w, http.StatusServiceUnavailable, "the reducer's state could not be saved; try again")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reducer": st})
}

func (a *API) stopReducer(w http.ResponseWriter, r *http.Request) {
	stopped, err := a.inv.StopReducerContext(r.Context())
	if err != nil {
		a.logger.Error("admin api: reducer not stopped", "err", err)
		writeError(w, http.StatusServiceUnavailable, "the reducer's state could not be saved; it still runs; try again")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"stopped": stopped, "reducer": a.inv.ReducerStatus()})
}

// queryInt parses an optional non-empty whole number; "" is 0 (the default).
func queryInt(w http.ResponseWriter, s, name string) (int, bool) {
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s must be a whole number, got %q", name, s))
		return 0, false
	}
	return n, true
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("id must be a positive whole number, got %q", s))
		return 0, false
	}
	return id, true
}

func (a *API) writeStoreError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, store.ErrNotAvailable):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		a.logger.Error("admin api", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
