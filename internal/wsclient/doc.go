// Package wsclient is a minimal RFC 6455 WebSocket client for Glint's load generators,
// benchmarks and tests.
//
// It exists because a load client that shares the machine with the server it measures
// must spend as little CPU as possible: a round trip costs a few microseconds less than
// with a general-purpose client, and reading a message allocates nothing once the
// connection's buffers have grown to the message size.
//
// It is deliberately small and is not a general client: ws:// only (no TLS), no
// extensions (no compression), no subprotocol negotiation, text frames out, text or
// binary messages in, and no UTF-8 validation of text messages. Glint's WebSocket
// library, on the server and everywhere else, stays github.com/coder/websocket.
//
// A Conn supports one reading goroutine and one writing goroutine at a time:
// ReadMessage answers pings and close frames itself, and its writes are serialized with
// WriteText's.
package wsclient
