package wsclient

import (
	"context"
	"testing"

	"github.com/coder/websocket"
)

// BenchmarkRoundTrip compares one echo round trip of a 100-byte text message against
// the same coder/websocket echo server, with this package's client and with
// coder/websocket's client. The echo server runs in this process, so ns/op and the
// allocations count its work too (about 13 allocations per round trip); the difference
// between the two sub-benchmarks is the clients'.
func BenchmarkRoundTrip(b *testing.B) {
	url := coderServer(b, echo)
	msg := []byte(`["1","2","lv:phx-bench","event",{"type":"click","event":"inc","value":{"value":""}}]`)
	b.Run("wsclient", func(b *testing.B) {
		c := dial(b, url, nil)
		b.ReportAllocs()
		for b.Loop() {
			if err := c.WriteText(msg); err != nil {
				b.Fatal(err)
			}
			if _, err := c.ReadMessage(); err != nil {
				b.Fatal(err)
			}
		}
		c.Close()
	})
	b.Run("coder", func(b *testing.B) {
		ctx := context.Background()
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseNow()
		b.ReportAllocs()
		for b.Loop() {
			if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
				b.Fatal(err)
			}
			if _, _, err := c.Read(ctx); err != nil {
				b.Fatal(err)
			}
		}
		c.Close(websocket.StatusNormalClosure, "")
	})
}
