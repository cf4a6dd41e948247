package wsclient

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// coderServer starts a loopback HTTP server whose handler runs fn on each accepted
// coder/websocket connection, and returns its ws:// URL.
func coderServer(t testing.TB, fn func(ctx context.Context, c *websocket.Conn, r *http.Request)) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 30)
		fn(r.Context(), c, r)
	}))
	t.Cleanup(ts.Close)
	return "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws"
}

// echo sends every message back with the same type until the connection ends.
func echo(ctx context.Context, c *websocket.Conn, _ *http.Request) {
	for {
		typ, p, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, p); err != nil {
			return
		}
	}
}

// dial is Dial with a timeout that fails the test on error and closes the
// connection at cleanup.
func dial(t testing.TB, url string, h http.Header) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	if err := c.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return c
}

// rawServer is a hand-written TCP server: it reads the upgrade request, then lets
// respond write whatever it wants. It returns the ws:// URL.
func rawServer(t *testing.T, respond func(conn net.Conn, key string)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		respond(conn, req.Header.Get("Sec-WebSocket-Key"))
		// Wait for the client to hang up.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var b [512]byte
		for {
			if _, err := conn.Read(b[:]); err != nil {
				return
			}
		}
	}()
	return "ws://" + ln.Addr().String() + "/raw"
}

// serverFrame encodes an unmasked server frame.
func serverFrame(b0 byte, payload []byte) []byte {
	n := len(payload)
	f := []byte{b0}
	switch {
	case n <= 125:
		f = append(f, byte(n))
	case n <= 0xFFFF:
		f = append(f, 126, byte(n>>8), byte(n))
	default:
		f = append(f, 127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(f, payload...)
}
