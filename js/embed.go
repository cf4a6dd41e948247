package js

import (
	_ "embed"
	"net/http"
	"strconv"
)

// Script is the minified Glint browser client, morphdom included.
//
//go:embed dist/glint.min.js
var Script []byte

// Style is the stylesheet of the default layout: the offline notice (an element of class
// glint-offline after the live container, shown while the socket is lost) and the optional
// page-loading bar (glint-progress).
//
//go:embed glint.css
var Style []byte

// Handler serves Script as JavaScript with a long-lived cache header. Mount it at a path
// that changes when the bundle does, or rely on the ETag.
func Handler() http.Handler { return serve(Script, "text/javascript; charset=utf-8") }

// StyleHandler serves Style as CSS, cached as Handler does.
func StyleHandler() http.Handler { return serve(Style, "text/css; charset=utf-8") }

func serve(b []byte, ctype string) http.Handler {
	etag := `"` + strconv.Itoa(len(b)) + `-` + strconv.FormatUint(uint64(fnv(b)), 36) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=3600")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(b)
	})
}

func fnv(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}
