// Package compat holds the compatibility test of the channel layer against the official
// phoenix JavaScript client (npm "phoenix" 1.8.x, run under Node with the "ws" package as
// its WebSocket). It has no exported API.
package compat
