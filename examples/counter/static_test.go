package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// The page links its icon and stylesheet, and the handler serves both, and the icon again
// at /favicon.ico, with their content types.
func TestStaticFiles(t *testing.T) {
	ts := httptest.NewServer(newHandler(newTestServer(t, 7)))
	defer ts.Close()

	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}

	resp, page := get("/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	icon, _ := doc.Find(`head link[rel="icon"]`).Attr("href")
	var css []string
	doc.Find(`head link[rel="stylesheet"]`).Each(func(_ int, l *goquery.Selection) { css = append(css, l.AttrOr("href", "")) })
	// Glint's stylesheet first, so that the counter's can restyle what it draws.
	if icon == "" || len(css) != 2 || css[0] != "/live/glint.css" {
		t.Fatalf("the page links icon %q and stylesheets %q:\n%s", icon, css, page)
	}
	if doc.Find("#count").Text() != "7" || doc.Find("main.counter").Length() != 1 || doc.Find("body > .glint-offline").Length() != 1 {
		t.Errorf("the layout lost the page or the offline notice:\n%s", page)
	}

	for _, tt := range []struct {
		path, ctype, contains string
	}{
		{icon, "image/svg+xml", "<svg"},
		{"/favicon.ico", "image/svg+xml", "<svg"},
		{css[1], "text/css; charset=utf-8", ".counter__card"},
		{css[0], "text/css; charset=utf-8", ".glint-offline"},
	} {
		resp, body := get(tt.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", tt.path, resp.StatusCode)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != tt.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.path, ct, tt.ctype)
		}
		if !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s: body lacks %q", tt.path, tt.contains)
		}
	}
	// The live server still answers behind the static routes.
	if resp, _ := get("/live/glint.js"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /live/glint.js: %d", resp.StatusCode)
	}
	if resp, _ := get("/static/nope.css"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /static/nope.css: %d, want 404", resp.StatusCode)
	}
}
