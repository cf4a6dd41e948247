package channel_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/channel"
)

// binHandler answers each binary push with its length and SHA-256, after waiting for a
// value on gate when the event is "slow".
type binHandler struct {
	gate chan struct{}
}

func (h *binHandler) Join(ctx context.Context, c *channel.Channel, payload json.RawMessage) (any, error) {
	return nil, nil
}

func (h *binHandler) HandleIn(ctx context.Context, c *channel.Channel, event string, payload json.RawMessage) channel.Reply {
	return channel.Ok(map[string]string{"text": event})
}

func (h *binHandler) HandleBinary(ctx context.Context, c *channel.Channel, event string, payload []byte) channel.Reply {
	if event == "slow" {
		select {
		case <-h.gate:
		case <-ctx.Done():
		}
	}
	sum := sha256.Sum256(payload)
	return channel.Ok(map[string]any{"n": len(payload), "sum": hex.EncodeToString(sum[:]), "event": event})
}

// binaryPush encodes a push in the Phoenix v2 serializer's binary layout.
func binaryPush(joinRef, ref, topic, event string, payload []byte) []byte {
	b := []byte{0, byte(len(joinRef)), byte(len(ref)), byte(len(topic)), byte(len(event))}
	b = append(b, joinRef...)
	b = append(b, ref...)
	b = append(b, topic...)
	b = append(b, event...)
	return append(b, payload...)
}

func (c *client) sendBinary(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageBinary, b); err != nil {
		c.t.Fatalf("write binary: %v", err)
	}
}

// newBinaryServer is newTestServer with binHandler routed at "bin:*".
func newBinaryServer(t testing.TB, opts channel.Options, gate chan struct{}) *testServer {
	t.Helper()
	ts := newTestServer(t, opts)
	if err := ts.srv.Handle("bin:*", func() channel.Handler { return &binHandler{gate: gate} }); err != nil {
		t.Fatal(err)
	}
	return ts
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestBinaryPushesReachHandleBinaryInOrder(t *testing.T) {
	ts := newBinaryServer(t, channel.Options{}, nil)
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","bin:a","phx_join",{}]`)
	c.expect(`["1","1","bin:a","phx_reply",{"status":"ok","response":{}}]`)
	// Chunks of several sizes, the biggest near the read buffers' pooled size, each
	// answered before the next is sent, as an upload sends them.
	for i, n := range []int{0, 1, 1000, 64000, 65000, 200_000} {
		chunk := make([]byte, n)
		for j := range chunk {
			chunk[j] = byte(i*31 + j)
		}
		ref := fmt.Sprint(i + 2)
		c.sendBinary(binaryPush("1", ref, "bin:a", "chunk", chunk))
		c.expect(fmt.Sprintf(`["1","%s","bin:a","phx_reply",{"status":"ok","response":{"event":"chunk","n":%d,"sum":"%s"}}]`, ref, n, sumHex(chunk)))
	}
	// Text pushes still work on the same channel.
	c.send(`["1","9","bin:a","hello",{}]`)
	c.expect(`["1","9","bin:a","phx_reply",{"status":"ok","response":{"text":"hello"}}]`)
}

func TestBinaryPushRefusals(t *testing.T) {
	ts := newBinaryServer(t, channel.Options{}, nil)
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	cases := []struct {
		name  string
		frame []byte
		want  string
	}{
		{"handler without HandleBinary", binaryPush("1", "2", "room:a", "chunk", []byte("x")),
			`["1","2","room:a","phx_reply",{"status":"error","response":{"reason":"binary payload not accepted"}}]`},
		{"topic not joined", binaryPush("1", "3", "bin:nope", "chunk", []byte("x")),
			`[null,"3","bin:nope","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]`},
		{"binary join", binaryPush("4", "4", "bin:b", "phx_join", []byte("{}")),
			`[null,"4","bin:b","phx_reply",{"status":"error","response":{"reason":"binary payload not accepted"}}]`},
		{"binary heartbeat", binaryPush("", "5", "phoenix", "heartbeat", nil),
			`[null,"5","phoenix","phx_reply",{"status":"error","response":{"reason":"binary payload not accepted"}}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.sendBinary(tc.frame)
			c.expect(tc.want)
		})
	}
	// A push with an old join ref gets no reply; the socket goes on.
	c.t = t
	c.sendBinary(binaryPush("old", "6", "room:a", "chunk", []byte("x")))
	c.send(`["1","7","room:a","ok",{}]`)
	c.expect(`["1","7","room:a","phx_reply",{"status":"ok","response":{}}]`)
}

func TestMalformedBinaryFrameCloses(t *testing.T) {
	ts := newBinaryServer(t, channel.Options{}, nil)
	cases := []struct {
		name  string
		frame []byte
	}{
		{"empty", nil},
		{"short header", []byte{0, 1, 1}},
		{"reply kind", append([]byte{1}, binaryPush("1", "2", "bin:a", "chunk", nil)[1:]...)},
		{"broadcast kind", append([]byte{2}, binaryPush("1", "2", "bin:a", "chunk", nil)[1:]...)},
		{"lengths past the end", []byte{0, 9, 9, 9, 9, 'a'}},
		{"no topic", binaryPush("1", "2", "", "chunk", []byte("x"))},
		{"no event", binaryPush("1", "2", "bin:a", "", []byte("x"))},
		{"topic not UTF-8", binaryPush("1", "2", "bin:\xff", "chunk", nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial(t, "")
			defer c.close()
			c.sendBinary(tc.frame)
			if got := c.closeStatus(); got != websocket.StatusInternalError {
				t.Errorf("close status %v, want %v", got, websocket.StatusInternalError)
			}
		})
	}
}

// TestMaxBinaryBytes checks that binary pushes waiting for a slow handler are bounded per
// socket, and that the budget comes back once they are handled, or dropped with their
// channel.
func TestMaxBinaryBytes(t *testing.T) {
	gate := make(chan struct{})
	ts := newBinaryServer(t, channel.Options{MaxBinaryBytes: 1000}, gate)
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","bin:a","phx_join",{}]`)
	c.expect(`["1","1","bin:a","phx_reply",{"status":"ok","response":{}}]`)
	chunk := make([]byte, 600)
	c.sendBinary(binaryPush("1", "2", "bin:a", "slow", chunk)) // held by the handler
	c.sendBinary(binaryPush("1", "3", "bin:a", "slow", chunk)) // 1200 > 1000: refused
	c.expect(`["1","3","bin:a","phx_reply",{"status":"error","response":{"reason":"too much binary data in flight"}}]`)
	gate <- struct{}{}
	c.expect(fmt.Sprintf(`["1","2","bin:a","phx_reply",{"status":"ok","response":{"event":"slow","n":600,"sum":"%s"}}]`, sumHex(chunk)))
	// Handled: its bytes are back in the budget.
	c.sendBinary(binaryPush("1", "4", "bin:a", "chunk", chunk))
	c.expect(fmt.Sprintf(`["1","4","bin:a","phx_reply",{"status":"ok","response":{"event":"chunk","n":600,"sum":"%s"}}]`, sumHex(chunk)))

	// A channel replaced by a new join while a push waits behind a held one: the held one
	// ends with the old channel's context, the waiting one is dropped, and both give their
	// bytes back.
	small := make([]byte, 400)
	c.sendBinary(binaryPush("1", "5", "bin:a", "slow", small))
	c.sendBinary(binaryPush("1", "6", "bin:a", "chunk", small))
	c.send(`["8","8","bin:a","phx_join",{}]`)
	for {
		f := c.recv()
		if strings.Contains(f, `"8","8","bin:a","phx_reply"`) {
			break
		}
		if strings.Contains(f, `"6"`) {
			t.Fatalf("the push queued behind the replaced channel was handled: %s", f)
		}
	}
	big := make([]byte, 1000)
	c.sendBinary(binaryPush("8", "9", "bin:a", "chunk", big))
	c.expect(fmt.Sprintf(`["8","9","bin:a","phx_reply",{"status":"ok","response":{"event":"chunk","n":1000,"sum":"%s"}}]`, sumHex(big)))
}

// TestChunkRateLimit checks that binary pushes and Limits.ChunkEvents share a bucket of their
// own: they do not spend the events' budget, nor the events theirs.
func TestChunkRateLimit(t *testing.T) {
	opts := channel.Options{}
	opts.Limits.ChunksPerSecond, opts.Limits.ChunkBurst = 0.001, 3
	opts.Limits.EventsPerSecond, opts.Limits.EventBurst = 0.001, 2
	opts.Limits.ChunkEvents = []string{"progress"}
	ts := newBinaryServer(t, opts, nil)
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","bin:a","phx_join",{}]`)
	c.expect(`["1","1","bin:a","phx_reply",{"status":"ok","response":{}}]`)
	ok := func(ref string, n int) string {
		return fmt.Sprintf(`["1","%s","bin:a","phx_reply",{"status":"ok","response":{"event":"chunk","n":%d,"sum":"%s"}}]`, ref, n, sumHex(make([]byte, n)))
	}
	limited := func(ref string) string {
		return fmt.Sprintf(`["1","%s","bin:a","phx_reply",{"status":"error","response":{"reason":"rate limited"}}]`, ref)
	}
	c.sendBinary(binaryPush("1", "2", "bin:a", "chunk", make([]byte, 10)))
	c.expect(ok("2", 10))
	c.send(`["1","3","bin:a","progress",{}]`) // a chunk event: the chunks' bucket
	c.expect(`["1","3","bin:a","phx_reply",{"status":"ok","response":{"text":"progress"}}]`)
	c.sendBinary(binaryPush("1", "4", "bin:a", "chunk", make([]byte, 5)))
	c.expect(ok("4", 5))
	c.sendBinary(binaryPush("1", "5", "bin:a", "chunk", make([]byte, 5)))
	c.expect(limited("5"))
	c.send(`["1","6","bin:a","progress",{}]`)
	c.expect(limited("6"))
	// The events' bucket is untouched.
	c.send(`["1","7","bin:a","other",{}]`)
	c.expect(`["1","7","bin:a","phx_reply",{"status":"ok","response":{"text":"other"}}]`)
	c.send(`["1","8","bin:a","other",{}]`)
	c.expect(`["1","8","bin:a","phx_reply",{"status":"ok","response":{"text":"other"}}]`)
	c.send(`["1","9","bin:a","other",{}]`)
	c.expect(limited("9"))
}

// FuzzBinaryFrames sends an arbitrary binary frame to a socket with a joined channel that
// takes binary pushes. Whatever it is, the server must not crash, must send only
// well-formed frames, and must end still answering heartbeats or closed with 1011.
func FuzzBinaryFrames(f *testing.F) {
	f.Add(binaryPush("1", "2", "bin:a", "chunk", []byte("hello")))
	f.Add(binaryPush("1", "2", "bin:a", "slow", nil))
	f.Add(binaryPush("1", "2", "bin:zz", "chunk", []byte{0, 1, 2}))
	f.Add(binaryPush("", "", "phoenix", "heartbeat", nil))
	f.Add([]byte{0, 200, 0, 0, 0})
	f.Add([]byte{1, 1, 1, 5, 5, '1', '2', 'b', 'i', 'n', ':', 'a'})
	opts := channel.Options{Limits: channel.Limits{MaxSocketsPerAddress: -1, MaxConnections: -1}}
	gate := make(chan struct{})
	close(gate) // "slow" pushes do not wait
	ts := newBinaryServer(f, opts, gate)
	f.Fuzz(func(t *testing.T, frame []byte) {
		c := ts.dial(t, "")
		defer c.conn.CloseNow()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.send(`["1","1","bin:a","phx_join",{}]`)
		if err := c.conn.Write(ctx, websocket.MessageBinary, frame); err == nil {
			_ = c.conn.Write(ctx, websocket.MessageText, []byte(`[null,"hb-fuzz","phoenix","heartbeat",{}]`))
		}
		heartbeatOr1011(ctx, t, c)
	})
}
