package js

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

func TestScriptIsTheBuiltBundle(t *testing.T) {
	disk, err := os.ReadFile("dist/glint.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(Script, disk) {
		t.Fatal("Script differs from dist/glint.min.js")
	}
	for _, want := range []string{"phx_join", "vsn", "2.0.0", "data-phx-session", "glintLiveConfig"} {
		if !bytes.Contains(Script, []byte(want)) {
			t.Errorf("bundle lacks %q: is it the placeholder?", want)
		}
	}
}

func TestHandler(t *testing.T) {
	h := Handler()
	get := func(etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/live/glint.js", nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := get("")
	if first.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", first.Code)
	}
	if ct := first.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !bytes.Equal(first.Body.Bytes(), Script) {
		t.Error("body is not Script")
	}
	etag := first.Header().Get("ETag")
	if len(etag) < 4 || etag[0] != '"' {
		t.Fatalf("ETag %q is not a quoted tag", etag)
	}
	tests := []struct {
		name  string
		etag  string
		code  int
		empty bool
	}{
		{"matching ETag", etag, http.StatusNotModified, true},
		{"other ETag", `"other"`, http.StatusOK, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(tt.etag)
			if rec.Code != tt.code || (rec.Body.Len() == 0) != tt.empty {
				t.Fatalf("status %d with %d bytes, want %d (empty %v)", rec.Code, rec.Body.Len(), tt.code, tt.empty)
			}
		})
	}
}

func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("GET /live/glint.js", Handler())

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/live/glint.js", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output: 200 text/javascript; charset=utf-8
}
