package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// FuzzAPI sends arbitrary methods, paths and queries to the admin API. Every answer is JSON
// with a status below 500, every refusal carries an error message, and a refused request
// leaves the store exactly as it was.
func FuzzAPI(f *testing.F) {
	seeds := []struct{ method, path string }{
		{"POST", "/admin/api/products/1/release"},
		{"POST", "/admin/api/items/3/sell?count=2"},
		{"POST", "/admin/api/items/1/sell?count=-1"},
		{"POST", "/admin/api/items/1/sell?count=1e3"},
		{"POST", "/admin/api/reducer?per_tick=5&tick_ms=60000"},
		{"DELETE", "/admin/api/reducer"},
		{"GET", "/admin/api/inventory"},
		{"PATCH", "/admin/api/products/%ff/release"},
		{"POST", "/admin/api/items/9223372036854775808/sell"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path)
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, method, target string) {
		if !validMethod(method) || !strings.HasPrefix(target, "/admin/api/") || strings.ContainsAny(target, " \r\n\t#") {
			return
		}
		if _, err := url.ParseRequestURI(target); err != nil {
			return // a server refuses it before any handler runs
		}
		req := httptest.NewRequest(method, "http://example.test"+target, nil)
		req.SetBasicAuth("admin", "s3cret")
		beforePs, beforeItems, err := e.st.Catalog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		e.inv.StopReducer()
		resp := rec.Result()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s: %d %s", method, target, resp.StatusCode, body)
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			return // the mux cleaning a path: nothing was handled
		}
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("%s %s: body %q is not JSON: %v", method, target, body, err)
		}
		if resp.StatusCode >= 400 {
			if msg, _ := v["error"].(string); msg == "" {
				t.Fatalf("%s %s: %d without an error message: %s", method, target, resp.StatusCode, body)
			}
			afterPs, afterItems, _ := e.st.Catalog(context.Background())
			if !reflect.DeepEqual(beforePs, afterPs) || !reflect.DeepEqual(beforeItems, afterItems) {
				t.Fatalf("%s %s: refused with %d but changed the store", method, target, resp.StatusCode)
			}
		}
	})
}

func validMethod(m string) bool {
	if m == "" || m == "CONNECT" {
		return false
	}
	for _, r := range m {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
