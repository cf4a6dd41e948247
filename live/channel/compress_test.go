package channel_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/channel"
)

// countingConn counts the bytes read from a connection: on a client, what the server sent.
type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// dialCompressed dials ts with coder/websocket's client offering permessage-deflate in
// mode, compressing every client message. It returns the client, the extension the server
// answered and a counter of the bytes received.
func dialCompressed(t testing.TB, url string, mode websocket.CompressionMode) (*client, string, *atomic.Int64) {
	t.Helper()
	return dialCompressedAbove(t, url, mode, 1)
}

// dialCompressedAbove is dialCompressed with a client that deflates only the messages of
// at least threshold bytes.
func dialCompressedAbove(t testing.TB, url string, mode websocket.CompressionMode, threshold int) (*client, string, *atomic.Int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var received atomic.Int64
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &received}, nil
	}}
	t.Cleanup(tr.CloseIdleConnections)
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient:           &http.Client{Transport: tr},
		CompressionMode:      mode,
		CompressionThreshold: threshold,
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	received.Store(0) // the handshake's response
	return &client{t: t, conn: c}, resp.Header.Get("Sec-WebSocket-Extensions"), &received
}

var clientModes = map[websocket.CompressionMode]string{
	websocket.CompressionDisabled:          "none",
	websocket.CompressionContextTakeover:   "context-takeover",
	websocket.CompressionNoContextTakeover: "no-context-takeover",
}

// TestCompression: clients offering permessage-deflate get the extension the mode says,
// their compressed messages are understood, and the server's replies arrive intact and,
// above the threshold, deflated (fewer bytes on the wire than the frame's text).
func TestCompression(t *testing.T) {
	big := `{"rows":"` + strings.Repeat("<li class='row'>a row of the listing</li>", 40) + `"}`
	cases := []struct {
		server   channel.CompressionMode
		client   websocket.CompressionMode
		wantExt  string
		deflated bool
	}{
		{channel.CompressionDefault, websocket.CompressionContextTakeover, "", false},
		{channel.CompressionOff, websocket.CompressionContextTakeover, "", false},
		{channel.CompressionNoContextTakeover, websocket.CompressionContextTakeover, "permessage-deflate; client_no_context_takeover; server_no_context_takeover", true},
		{channel.CompressionNoContextTakeover, websocket.CompressionNoContextTakeover, "permessage-deflate; client_no_context_takeover; server_no_context_takeover", true},
		{channel.CompressionContextTakeover, websocket.CompressionContextTakeover, "permessage-deflate; client_no_context_takeover", true},
		// A client asking for server_no_context_takeover gets it.
		{channel.CompressionContextTakeover, websocket.CompressionNoContextTakeover, "permessage-deflate; client_no_context_takeover; server_no_context_takeover", true},
		// A client that offers nothing gets nothing.
		{channel.CompressionContextTakeover, websocket.CompressionDisabled, "", false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("server=%v/client=%s", tc.server, clientModes[tc.client]), func(t *testing.T) {
			ts := newTestServer(t, channel.Options{Compression: channel.Compression{Mode: tc.server}})
			c, ext, received := dialCompressed(t, ts.url, tc.client)
			if ext != tc.wantExt {
				t.Fatalf("Sec-WebSocket-Extensions %q, want %q", ext, tc.wantExt)
			}
			c.send(`["1","1","room:a","phx_join",{}]`)
			c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
			for i := range 5 {
				ref := fmt.Sprint(i + 2)
				before := received.Load()
				c.send(`["1","` + ref + `","room:a","ok",` + big + `]`)
				want := `["1","` + ref + `","room:a","phx_reply",{"status":"ok","response":` + big + `}]`
				c.expect(want)
				wire := received.Load() - before
				if tc.deflated && wire >= int64(len(want))/4 {
					t.Errorf("reply %d: %d bytes on the wire for a %d-byte frame: not deflated", i, wire, len(want))
				}
				if !tc.deflated && wire < int64(len(want)) {
					t.Errorf("reply %d: %d bytes on the wire for a %d-byte frame, without compression", i, wire, len(want))
				}
			}
			// Small frames (below the threshold) go as they are, in the same stream.
			c.quiet("90")
			c.send(`["1","91","room:a","ok",{"v":1}]`)
			c.expect(`["1","91","room:a","phx_reply",{"status":"ok","response":{"v":1}}]`)
			c.send(`["1","92","room:a","ok",` + big + `]`)
			c.expect(`["1","92","room:a","phx_reply",{"status":"ok","response":` + big + `}]`)
			c.close()
		})
	}
}

// A client that deflates only its big messages sends compressed frames, which the
// WebSocket library inflates, between plain ones, which the socket reads itself: every one
// is handled, in order.
func TestCompressedAndPlainFramesMixed(t *testing.T) {
	ts := newTestServer(t, channel.Options{Compression: channel.Compression{Mode: channel.CompressionContextTakeover}})
	c, ext, _ := dialCompressedAbove(t, ts.url, websocket.CompressionContextTakeover, 256)
	if ext == "" {
		t.Fatal("permessage-deflate was not negotiated")
	}
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	for i := range 20 {
		payload := fmt.Sprintf(`{"i":%d}`, i)
		if i%3 != 0 {
			payload = fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, strings.Repeat("compressible ", 40+i))
		}
		ref := fmt.Sprint(i + 2)
		c.send(`["1","` + ref + `","room:a","ok",` + payload + `]`)
		c.expect(`["1","` + ref + `","room:a","phx_reply",{"status":"ok","response":` + payload + `}]`)
	}
}

// TestCompressionContextTakeoverShrinks: with context takeover, a message repeating the
// previous one costs a fraction of what it costs without.
func TestCompressionContextTakeoverShrinks(t *testing.T) {
	payload := `{"diff":{"0":{"d":[["row 17","in stock","` + strings.Repeat("x", 60) + `"]]}}}`
	wire := map[channel.CompressionMode]int64{}
	for _, mode := range []channel.CompressionMode{channel.CompressionNoContextTakeover, channel.CompressionContextTakeover} {
		ts := newTestServer(t, channel.Options{Compression: channel.Compression{Mode: mode, Threshold: -1}})
		c, _, received := dialCompressed(t, ts.url, websocket.CompressionContextTakeover)
		c.send(`["1","1","lv:phx-abc","phx_join",{}]`)
		c.recv()
		c.send(`["1","2","lv:phx-abc","ok",` + payload + `]`)
		c.recv()
		before := received.Load()
		c.send(`["1","3","lv:phx-abc","ok",` + payload + `]`)
		if got, want := c.recv(), `["1","3","lv:phx-abc","phx_reply",{"status":"ok","response":`+payload+`}]`; got != want {
			t.Fatalf("%v: got %s", mode, got)
		}
		wire[mode] = received.Load() - before
		c.close()
	}
	if ctx, noCtx := wire[channel.CompressionContextTakeover], wire[channel.CompressionNoContextTakeover]; ctx*2 > noCtx {
		t.Fatalf("a repeated reply costs %d bytes with context takeover, %d without: want less than half", ctx, noCtx)
	}
}
