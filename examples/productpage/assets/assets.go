package assets

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// FS is the static file tree: app.css, favicon.svg and images/*.svg.
var FS, _ = fs.Sub(static, "static")

// StylesheetURL is where Handler serves the stylesheet.
const StylesheetURL = "/assets/app.css"

// FaviconURL is where Handler serves the site's icon, an SVG drawing that the layout links
// with <link rel="icon">. Handler also serves it at /favicon.ico, where browsers look for
// it on responses that link none, when that path is routed to Handler.
const FaviconURL = "/assets/favicon.svg"

// Handler serves the stylesheet at /assets/app.css, the icon at /assets/favicon.svg and the
// images under /images/. The seed
// data names the images /images/hopman.png and /images/breezy.png; those URLs serve the SVG
// drawings hopman.svg and breezy.svg with Content-Type image/svg+xml, so the seed stays as
// specified. Files are immutable per build and cached for an hour.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ctype, ok := resolve(r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		body, err := fs.ReadFile(FS, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", buildTime, bytes.NewReader(body))
	})
}

// resolve maps a request path to a file in FS and its content type.
func resolve(p string) (name, ctype string, ok bool) {
	switch {
	case p == StylesheetURL:
		return "app.css", "text/css; charset=utf-8", true
	case p == FaviconURL || p == "/favicon.ico":
		return "favicon.svg", "image/svg+xml", true
	case strings.HasPrefix(p, "/images/"):
		base := path.Base(p)
		stem := strings.TrimSuffix(strings.TrimSuffix(base, ".png"), ".svg")
		if stem == base || stem == "" || strings.ContainsAny(stem, "/\\.") {
			return "", "", false
		}
		return "images/" + stem + ".svg", "image/svg+xml", true
	}
	return "", "", false
}
