package channel_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/channel"
)

// The connection layer reads what a wake-up finds into pooled chunks (conn.go): frames
// shorter than, equal to and longer than a chunk, and far longer, arrive whole.
func TestFramesAcrossReadChunks(t *testing.T) {
	ts := newTestServer(t, channel.Options{})
	c := joinedRoomA(t, ts)
	defer c.close()
	for i, n := range []int{0, 1, 2000, 2010, 2048, 2049, 5000, 300_000} {
		payload := `{"pad":"` + strings.Repeat("x", n) + `"}`
		ref := fmt.Sprint(i + 2)
		c.send(`["1","` + ref + `","room:a","ok",` + payload + `]`)
		c.expect(`["1","` + ref + `","room:a","phx_reply",{"status":"ok","response":` + payload + `}]`)
	}
}

// A client that writes its handshake and a burst of frames in one go (as a pipelining
// client may) has every frame handled, in order; the replies come back intact.
func TestHandshakeAndFramesInOneWrite(t *testing.T) {
	ts := newTestServer(t, channel.Options{})
	const pushes = 40
	burst := appendMaskedText(nil, `["1","1","room:a","phx_join",{}]`)
	for i := range pushes {
		burst = appendMaskedText(burst, fmt.Sprintf(`["1","%d","room:a","push",{"i":%d}]`, i+2, i))
	}
	conn, br := rawUpgrade(t, ts, burst)
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	want := []string{`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`}
	for i := range pushes {
		want = append(want, fmt.Sprintf(`["1",null,"room:a","diff",{"i":%d}]`, i))
	}
	for i, w := range want {
		got, err := readServerText(br)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if got != w {
			t.Fatalf("frame %d\n got: %s\nwant: %s", i, got, w)
		}
	}
}

// appendMaskedText appends a client text frame (FIN, masked) carrying s.
func appendMaskedText(b []byte, s string) []byte { return appendMaskedFrame(b, 0x81, []byte(s)) }

// appendMaskedFrame appends a client frame: first (FIN, RSV and opcode), then p masked.
func appendMaskedFrame(b []byte, first byte, p []byte) []byte {
	b = append(b, first)
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	b = append(b, key[:]...)
	for i := range p {
		b = append(b, p[i]^key[i%4])
	}
	return b
}

// Frames the socket reads itself (whole text and binary messages) and frames it leaves to
// the WebSocket library (64-bit lengths, fragments, control frames), arriving together in
// one write, are all handled, in order, and the ping is answered.
func TestMixedFramesInOneWrite(t *testing.T) {
	ts := newBinaryServer(t, channel.Options{}, nil)
	long := strings.Repeat("L", 70_000)
	mid := strings.Repeat("m", 300)
	chunk := []byte("\x00\x01binary\xff")
	text := func(ref, event string) string { return `["1","` + ref + `","bin:a","` + event + `",{}]` }
	frag := text("6", "fragmented")
	burst := appendMaskedText(nil, `["1","1","bin:a","phx_join",{}]`)
	burst = appendMaskedText(burst, text("2", "small"))
	burst = appendMaskedText(burst, text("3", mid))
	burst = appendMaskedFrame(burst, 0x89, []byte("are you there")) // ping
	burst = appendMaskedText(burst, text("4", long))
	burst = appendMaskedFrame(burst, 0x82, binaryPush("1", "5", "bin:a", "chunk", chunk))
	burst = appendMaskedFrame(burst, 0x01, []byte(frag[:10])) // text, not FIN
	burst = appendMaskedFrame(burst, 0x80, []byte(frag[10:])) // continuation, FIN
	burst = appendMaskedText(burst, text("7", "last"))
	conn, br := rawUpgrade(t, ts, burst)
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply := func(ref, response string) string {
		return `["1","` + ref + `","bin:a","phx_reply",{"status":"ok","response":` + response + `}]`
	}
	want := []string{
		reply("1", `{}`),
		reply("2", `{"text":"small"}`),
		reply("3", `{"text":"`+mid+`"}`),
		reply("4", `{"text":"`+long+`"}`),
		reply("5", fmt.Sprintf(`{"event":"chunk","n":%d,"sum":"%s"}`, len(chunk), sumHex(chunk))),
		reply("6", `{"text":"fragmented"}`),
		reply("7", `{"text":"last"}`),
	}
	var got []string
	ponged := false
	for len(got) < len(want) {
		op, p, err := readServerFrame(br)
		if err != nil {
			t.Fatalf("after %d replies: %v", len(got), err)
		}
		switch op {
		case 0x1:
			got = append(got, string(p))
		case 0xA:
			if string(p) != "are you there" {
				t.Errorf("pong %q, want the ping's payload", p)
			}
			ponged = true
		default:
			t.Fatalf("unexpected frame, opcode %#x: %q", op, p)
		}
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("reply %d\n got: %.200s\nwant: %.200s", i, got[i], want[i])
		}
	}
	if !ponged {
		t.Error("the ping got no pong")
	}
}

// readServerText reads one unfragmented, unmasked text frame.
func readServerText(r io.Reader) (string, error) {
	op, p, err := readServerFrame(r)
	if err == nil && op != 0x1 {
		err = fmt.Errorf("unexpected frame, opcode %#x", op)
	}
	return string(p), err
}

// readServerFrame reads one unfragmented, unmasked frame and returns its opcode and payload.
func readServerFrame(r io.Reader) (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	if h[0]&0xF0 != 0x80 || h[1]&0x80 != 0 {
		return 0, nil, fmt.Errorf("unexpected frame header % x", h)
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	p := make([]byte, n)
	_, err := io.ReadFull(r, p)
	return h[0] & 0x0F, p, err
}

// The socket frames its text messages itself: replies whose frames sit on each side of
// the RFC 6455 length-encoding boundaries (125/126 and 65535/65536 bytes) arrive intact
// in a standard client.
func TestReplyFramesAtLengthBoundaries(t *testing.T) {
	ts := newTestServer(t, channel.Options{})
	c := joinedRoomA(t, ts)
	defer c.close()
	reply := func(ref, pad string) string {
		return `["1","` + ref + `","room:a","phx_reply",{"status":"ok","response":{"pad":"` + pad + `"}}]`
	}
	for i, size := range []int{124, 125, 126, 127, 65535, 65536, 65537} {
		ref := fmt.Sprint(i + 10)
		pad := strings.Repeat("y", size-len(reply(ref, "")))
		want := reply(ref, pad)
		if len(want) != size {
			t.Fatalf("test setup: reply of %d bytes, want %d", len(want), size)
		}
		c.send(`["1","` + ref + `","room:a","ok",{"pad":"` + pad + `"}]`)
		c.expect(want)
	}
}

// Pongs, which coder/websocket writes while the socket writes its own frames, never
// split a frame: a client pinging throughout a burst of broadcasts gets every pong and
// every frame intact, in order.
func TestPongsDuringABurst(t *testing.T) {
	ts := newTestServer(t, channel.Options{OutboundQueue: 10000})
	c := joinedRoomA(t, ts)
	defer c.close()
	const frames = 300
	pinged := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for range 50 {
			if err := c.conn.Ping(ctx); err != nil {
				pinged <- err
				return
			}
		}
		pinged <- nil
	}()
	go func() {
		for i := range frames {
			payload := fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, strings.Repeat("z", i*7%300))
			_ = ts.srv.PubSub().Broadcast(context.Background(), "room:a", "tick", []byte(payload))
		}
	}()
	for i := range frames {
		want := fmt.Sprintf(`[null,null,"room:a","tick",{"i":%d,"pad":"%s"}]`, i, strings.Repeat("z", i*7%300))
		c.expect(want)
	}
	// Pongs are read with the frames; heartbeats keep the client reading until the
	// pinging goroutine is done.
	var err error
	for i := 0; ; i++ {
		c.quiet(fmt.Sprint("hb", i))
		select {
		case err = <-pinged:
		default:
			continue
		}
		break
	}
	if err != nil {
		t.Fatalf("ping: %v", err)
	}
}

// Over TLS the connection has no descriptor to try writes on: every frame goes through a
// writer goroutine, and reads through the TLS connection itself. The protocol works the
// same.
func TestSocketOverTLS(t *testing.T) {
	ts := newTestServer(t, channel.Options{})
	mux := http.NewServeMux()
	mux.Handle("/socket/websocket", ts.srv)
	tlsSrv := httptest.NewUnstartedServer(mux)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(tlsSrv.URL, "https")+"/socket/websocket?vsn=2.0.0",
		&websocket.DialOptions{HTTPClient: tlsSrv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(-1)
	c := &client{t: t, conn: conn}
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	for i, n := range []int{1, 3000, 70_000} {
		payload := `{"pad":"` + strings.Repeat("t", n) + `"}`
		ref := fmt.Sprint(i + 2)
		c.send(`["1","` + ref + `","room:a","ok",` + payload + `]`)
		c.expect(`["1","` + ref + `","room:a","phx_reply",{"status":"ok","response":` + payload + `}]`)
	}
	for i := range 50 {
		if err := ts.srv.PubSub().Broadcast(ctx, "room:a", "tick", map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		c.expect(fmt.Sprintf(`[null,null,"room:a","tick",{"i":%d}]`, i))
	}
	c.quiet("tls")
}

// joinedRoomA dials ts and joins room:a.
func joinedRoomA(t *testing.T, ts *testServer) *client {
	t.Helper()
	c := ts.dial(t, "")
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	return c
}
