// Package app assembles the Sneakers23 demo: the SQLite store, the in-memory inventory, the
// live /drops page, the /admin page and JSON API (basic auth), and the static assets, as one
// http.Handler. The main package only parses flags and serves it.
package app
