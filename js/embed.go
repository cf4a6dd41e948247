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

// Handler serves Script as JavaScript with a long-lived cache header. Mount it at a path
// that changes when the bundle does, or rely on the ETag.
func Handler() http.Handler {
	etag := `"` + strconv.Itoa(len(Script)) + `-` + strconv.FormatUint(uint64(fnv(Script)), 36) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=3600")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(Script)
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
