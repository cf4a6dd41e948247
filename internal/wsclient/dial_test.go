package wsclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestDialErrors(t *testing.T) {
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	notFoundURL := "ws" + strings.TrimPrefix(notFound.URL, "http") + "/live/websocket"
	tests := []struct {
		name      string
		url       func(t *testing.T) string
		header    http.Header
		handshake bool // the error wraps ErrHandshake
		want      string
	}{
		{"wss", func(*testing.T) string { return "wss://example.invalid/ws" }, nil, false, "wss:// is not supported"},
		{"http scheme", func(*testing.T) string { return "http://127.0.0.1:1/ws" }, nil, false, `scheme "http" is not ws`},
		{"reserved header", func(*testing.T) string { return notFoundURL }, http.Header{"Sec-WebSocket-Key": {"x"}}, false, "set by the handshake itself"},
		{"404", func(*testing.T) string { return notFoundURL }, nil, true, `server answered "404 Not Found", want 101`},
		{"bad accept key", func(t *testing.T) string {
			return rawServer(t, func(conn net.Conn, key string) {
				_, _ = conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptKey(key+"x") + "\r\n\r\n"))
			})
		}, nil, true, "Sec-WebSocket-Accept is"},
		{"no upgrade header", func(t *testing.T) string {
			return rawServer(t, func(conn net.Conn, key string) {
				_, _ = conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptKey(key) + "\r\n\r\n"))
			})
		}, nil, true, "Upgrade header"},
		{"unoffered extension", func(t *testing.T) string {
			return rawServer(t, func(conn net.Conn, key string) {
				_, _ = conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptKey(key) + "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"))
			})
		}, nil, true, "not offered"},
		{"not HTTP", func(t *testing.T) string {
			return rawServer(t, func(conn net.Conn, key string) {
				_, _ = conn.Write([]byte("SSH-2.0-OpenSSH\r\n\r\n"))
			})
		}, nil, true, "reading the response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := Dial(ctx, tt.url(t), tt.header)
			if err == nil {
				c.CloseNow()
				t.Fatal("Dial succeeded")
			}
			if errors.Is(err, ErrHandshake) != tt.handshake || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q (wrapping ErrHandshake: %v)", err, tt.want, tt.handshake)
			}
		})
	}
}

// TestDialContextCancel: a server that never answers the upgrade; Dial returns when its
// context ends.
func TestDialContextCancel(t *testing.T) {
	url := rawServer(t, func(net.Conn, string) {})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Dial(ctx, url, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Dial took %v after its context ended", d)
	}
}

// A Dialer's NetDial opens the connection: here from a chosen loopback source address,
// which the server sees.
func TestDialerNetDial(t *testing.T) {
	remote := make(chan string, 1)
	u := coderServer(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		remote <- r.RemoteAddr
		echo(ctx, c, r)
	})
	var dials int
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 7)}}
	d := Dialer{NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials++
		return nd.DialContext(ctx, network, addr)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := d.Dial(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if dials != 1 {
		t.Fatalf("NetDial called %d times, want 1", dials)
	}
	if got := <-remote; !strings.HasPrefix(got, "127.0.0.7:") {
		t.Fatalf("server saw %s, want the source address 127.0.0.7", got)
	}
	if err := c.WriteText([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if got, err := c.ReadMessage(); err != nil || string(got) != "hi" {
		t.Fatalf("echo: %q, %v", got, err)
	}
	d.NetDial = func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("no route") }
	if _, err := d.Dial(ctx, u, nil); err == nil || !strings.Contains(err.Error(), "no route") {
		t.Fatalf("Dial with a failing NetDial: %v", err)
	}
}
