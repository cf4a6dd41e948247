// Package live is Glint's runtime: the HTTP page handler for the first render, the
// WebSocket endpoint speaking Phoenix Channels v2, and one goroutine per connected view.
package live
