package channel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/diff"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/render"
)

// The permessage-deflate benchmarks: bytes on the wire (the frames as the client's TCP
// connection received them, headers included) and memory per idle socket, for each
// compression mode side by side.
//
//	go test -run '^$' -bench 'Compression' -count 5 ./live/channel

var compressionModes = []channel.CompressionMode{
	channel.CompressionOff, channel.CompressionNoContextTakeover, channel.CompressionContextTakeover,
}

// wireTopic is shaped like a live view's topic.
const wireTopic = "lv:phx-GBsi_6M7paYhySQj"

// wireCounter is the counter example's template: a click's reply carries its diff.
var wireCounter = render.Must(render.New("counter").Parse(`<h1>Counter</h1><p>Count: <span id="count">{{.Count}}</span></p><button phx-click="inc">+</button> <button phx-click="dec">-</button>`))

// wireListing is a /drops-like listing of 20 products of 6 sizes each.
var wireListing = render.Must(render.New("listing").Parse(`<main class="product-list">{{range .Products}}<div class="product-listing" data-product-id="{{.ID}}"><div class="product-listing__image-wrap"><img src="{{.Image}}"></div><div class="product-listing__details"><h4 class="product-listing__detail-header">{{.Name}}</h4><div>by {{.Brand}}</div> <div>${{.Price}}</div><form class="size-container" action="/cart/add" method="POST">{{range .Items}}<button type="submit" class="size-container__entry size-container__entry--level-{{.Level}}" name="item_id" value="{{.ID}}"{{if eq .Level "out"}} disabled{{end}}>{{.Size}}</button>{{end}}</form></div></div>{{end}}</main>`))

type wireProduct struct {
	ID                 int
	Name, Brand, Image string
	Price              int
	Items              []wireItem
}

type wireItem struct {
	ID          int
	Size, Level string
}

var wireLevels = []string{"high", "medium", "low", "out"}

// wireListingData is the listing after step changes: each step changes one size of one
// product, a different one each time.
func wireListingData(step int) map[string]any {
	var ps []wireProduct
	for p := range 20 {
		wp := wireProduct{ID: p + 1, Name: "Sneaker model " + strconv.Itoa(p+1), Brand: []string{"Snks 23", "Asler", "Nikko"}[p%3], Image: "/images/product-" + strconv.Itoa(p+1) + ".png", Price: 90 + 10*(p%7)}
		for i := range 6 {
			wp.Items = append(wp.Items, wireItem{ID: p*6 + i + 1, Size: strconv.FormatFloat(8+float64(i)/2, 'f', -1, 64), Level: wireLevels[(p+i)%3]})
		}
		ps = append(ps, wp)
	}
	for s := 1; s <= step; s++ {
		it := &ps[(s*7)%20].Items[s%6]
		it.Level = wireLevels[(s/20+1+len(it.Level))%4]
	}
	return map[string]any{"Products": ps}
}

// wireHandler answers like a live view: the join with the listing's full render, "inc"
// with the counter's diff, "change" with the listing's next one-row diff.
type wireHandler struct {
	counter, listing diff.Encoder
	count, step      int
	buf              []byte
}

func (h *wireHandler) Join(context.Context, *channel.Channel, json.RawMessage) (any, error) {
	tree, err := wireListing.Execute(wireListingData(0))
	if err != nil {
		return nil, err
	}
	b := []byte(`{"rendered":`)
	if b, err = h.listing.Join(b, tree, nil, nil); err != nil {
		return nil, err
	}
	ctree, err := wireCounter.Execute(map[string]int{"Count": 0})
	if err != nil {
		return nil, err
	}
	if _, err := h.counter.Join(nil, ctree, nil, nil); err != nil {
		return nil, err
	}
	return json.RawMessage(append(b, `,"liveview_version":"1.2.12"}`...)), nil
}

func (h *wireHandler) HandleIn(_ context.Context, _ *channel.Channel, _ string, payload json.RawMessage) channel.Reply {
	var ev struct{ Event string }
	if err := json.Unmarshal(payload, &ev); err != nil {
		panic(err)
	}
	var tree *render.Rendered
	var err error
	enc := &h.counter
	switch ev.Event {
	case "inc":
		h.count++
		tree, err = wireCounter.Execute(map[string]int{"Count": h.count})
	case "change":
		h.step++
		tree, err = wireListing.Execute(wireListingData(h.step))
		enc = &h.listing
	default:
		panic("unknown event " + ev.Event)
	}
	if err != nil {
		panic(err)
	}
	b := append(h.buf[:0], `{"diff":`...)
	if b, _, err = enc.Update(b, tree, nil, nil); err != nil {
		panic(err)
	}
	h.buf = append(b, '}')
	return channel.Ok(json.RawMessage(h.buf))
}

// joinOnlyHandler answers the join with the listing's full render (computed once) and
// keeps nothing: the idle benchmark measures the socket, not a view's state.
type joinOnlyHandler struct{ benchHandler }

var listingJoinReply = sync.OnceValue(func() json.RawMessage {
	var h wireHandler
	r, err := h.Join(context.Background(), nil, nil)
	if err != nil {
		panic(err)
	}
	return r.(json.RawMessage)
})

func (joinOnlyHandler) Join(context.Context, *channel.Channel, json.RawMessage) (any, error) {
	return listingJoinReply(), nil
}

// newWireServer serves wireHandler, or joinOnlyHandler when joinOnly is set, at "lv:*".
func newWireServer(b *testing.B, mode channel.CompressionMode, joinOnly bool) *testServer {
	ts := &testServer{term: make(chan termEvent, 1)}
	ts.srv = channel.NewServer(channel.Options{
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		DrainWindow: 100 * time.Millisecond,
		CheckOrigin: channel.AllowAnyOrigin,
		Limits:      channel.Unlimited(),
		Compression: channel.Compression{Mode: mode},
	})
	newHandler := func() channel.Handler { return &wireHandler{} }
	if joinOnly {
		newHandler = func() channel.Handler { return joinOnlyHandler{} }
	}
	if err := ts.srv.Handle("lv:*", newHandler); err != nil {
		b.Fatal(err)
	}
	ts.http = newHTTPServer(ts.srv)
	ts.url = "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/socket/websocket?vsn=2.0.0"
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = ts.srv.Shutdown(ctx)
		ts.http.Close()
	})
	return ts
}

// BenchmarkCompressionWire reports the bytes on the wire of a counter click's reply, of a
// one-row change of a 20-row listing (a different row each time), and of the listing's
// join reply (a fresh socket each time, so no earlier message helps), per compression
// mode. The clients offer permessage-deflate as browsers do (with context takeover);
// ns/op is the client's round trip.
func BenchmarkCompressionWire(b *testing.B) {
	for _, msg := range []string{"click", "change", "join"} {
		for _, mode := range compressionModes {
			b.Run(msg+"/"+mode.String(), func(b *testing.B) {
				ts := newWireServer(b, mode, false)
				var wire, text int64
				roundTrip := func(c *client, frame string) {
					b.Helper()
					c.send(frame)
					text += int64(len(c.recv()))
				}
				if msg == "join" {
					b.ReportAllocs()
					for b.Loop() {
						c, _, received := dialCompressed(b, ts.url, websocket.CompressionContextTakeover)
						roundTrip(c, `["1","1","`+wireTopic+`","phx_join",{"url":"http://localhost/drops","params":{"_csrf_token":"x"}}]`)
						wire += received.Load()
						c.conn.CloseNow()
					}
				} else {
					c, _, received := dialCompressed(b, ts.url, websocket.CompressionContextTakeover)
					roundTrip(c, `["4","4","`+wireTopic+`","phx_join",{}]`)
					event := "inc"
					if msg == "change" {
						event = "change"
					}
					ref := 5
					text = 0
					received.Store(0)
					b.ReportAllocs()
					for b.Loop() {
						roundTrip(c, `["4","`+strconv.Itoa(ref)+`","`+wireTopic+`","event",{"type":"click","event":"`+event+`","value":{"value":""}}]`)
						ref++
					}
					wire = received.Load()
				}
				b.ReportMetric(float64(wire)/float64(b.N), "wire-B/op")
				b.ReportMetric(float64(text)/float64(b.N), "text-B/op")
			})
		}
	}
}

// BenchmarkCompressionIdle reports the server's heap and stack per idle socket that
// joined a channel answering with the listing's join reply (8 KB of text; the channel
// keeps no state), per compression mode. The n clients run in a child process (coder/websocket's client, which
// offers permessage-deflate as browsers do and here compresses its join too), so the
// memory is the server's alone.
func BenchmarkCompressionIdle(b *testing.B) {
	const n = 2000
	for _, mode := range compressionModes {
		b.Run(mode.String(), func(b *testing.B) {
			env := startBenchOn(b, newWireServer(b, mode, true), n, compressClientsEnv+"=1")
			var after runtime.MemStats
			for b.Loop() {
				runtime.GC()
				runtime.GC()
				runtime.ReadMemStats(&after)
			}
			heap := int64(after.HeapInuse) - int64(env.before.HeapInuse)
			stack := int64(after.StackInuse) - int64(env.before.StackInuse)
			b.ReportMetric(float64(heap+stack)/n, "bytes/socket")
			b.ReportMetric(float64(heap)/n, "heap-bytes/socket")
			b.ReportMetric(float64(stack)/n, "stack-bytes/socket")
		})
	}
}

// compressClientsEnv makes the benchmark's child process open its sockets with
// runCompressClients.
const compressClientsEnv = "GLINT_BENCH_COMPRESS"

// runCompressClients is the child process of BenchmarkCompressionIdle: n sockets offering
// permessage-deflate, each joining its own listing view; it prints "ready" and exits when
// stdin closes.
func runCompressClients(url string, n int) int {
	conns := make(chan *websocket.Conn, n)
	work := make(chan int)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 32 {
		wg.Go(func() {
			for i := range work {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{CompressionMode: websocket.CompressionContextTakeover, CompressionThreshold: 1})
				if err == nil {
					c.SetReadLimit(-1)
					join := `["1","1","` + wireTopic + strconv.Itoa(i) + `","phx_join",{}]`
					if err = c.Write(ctx, websocket.MessageText, []byte(join)); err == nil {
						_, _, err = c.Read(ctx)
					}
				}
				cancel()
				if err != nil {
					failed.Add(1)
					continue
				}
				conns <- c
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(conns)
	if failed.Load() > 0 {
		fmt.Printf("error %d sockets failed\n", failed.Load())
		return 1
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for c := range conns {
		c.CloseNow()
	}
	return 0
}
