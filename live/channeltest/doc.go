// Package channeltest tests channel handlers without a network. A Harness serves a real
// channel.Server over in-memory connections (net.Pipe), so every frame goes through the
// same HTTP upgrade, WebSocket framing, socket, router and channel code as in production;
// only the TCP socket is replaced.
//
// A Client connects (with params, so the server's Connect callback runs and sets the
// assigns), joins topics, pushes events and asserts the replies (exactly, as JSON, or with
// a predicate), asserts and refutes pushes and broadcasts, and can list every frame
// received in order. Log captures what the server logs.
package channeltest
