package main

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"time"
)

//go:embed static
var staticFS embed.FS

// The page's stylesheet and icon, and where newHandler serves them.
const (
	stylesheetURL = "/static/counter.css"
	faviconURL    = "/static/favicon.svg"
)

// staticModTime is the Last-Modified of the embedded files, which carry no times.
var staticModTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// pageLayout is the runtime's DefaultLayout (Glint's stylesheet and offline notice
// included) with the counter's stylesheet and icon.
var pageLayout = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{{.CSRFToken}}">
<title>{{.Title}}</title>
<link rel="icon" href="` + faviconURL + `" type="image/svg+xml">
<link rel="stylesheet" href="/live/glint.css">
<link rel="stylesheet" href="` + stylesheetURL + `">
<script defer src="{{.ScriptURL}}"></script>
</head>
<body>
{{.Content}}
<div class="glint-offline" role="status" aria-live="polite">Connection lost. Reconnecting…</div>
</body>
</html>
`))

// newHandler serves the live server lv with the page's static files: the stylesheet, the
// icon, and the icon again at /favicon.ico for browsers that ask there without reading the
// page's <link rel="icon">.
func newHandler(lv http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+stylesheetURL, serveStatic("static/counter.css", "text/css; charset=utf-8"))
	mux.Handle("GET "+faviconURL, serveStatic("static/favicon.svg", "image/svg+xml"))
	mux.Handle("GET /favicon.ico", serveStatic("static/favicon.svg", "image/svg+xml"))
	mux.Handle("/", lv)
	return mux
}

// serveStatic serves one embedded file with its content type, cached for an hour.
func serveStatic(name, ctype string) http.Handler {
	body, err := staticFS.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: a missing file is a programming error
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", staticModTime, bytes.NewReader(body))
	})
}
