package live

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"
)

// streamRows shows a stream of rows: initial of them from Mount, one more per "add".
type streamRows struct {
	Rows    *Stream[int]
	initial int
	n       int
}

var streamRowsTmpl = mustParse("rows", `<ul id="rows" phx-update="stream">{{range .Rows}}<li id="{{.DomID}}">Row {{.Item}}</li>{{end}}</ul>`)

func (v *streamRows) Mount(ctx context.Context, s *Socket, p Params) error {
	v.Rows = NewStream("rows", func(i int) string { return "r" + strconv.Itoa(i) })
	for i := range v.initial {
		v.Rows.Append(i)
	}
	return nil
}

func (v *streamRows) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	v.n++
	v.Rows.Append(v.initial + v.n)
	return nil
}

// BenchmarkStreamViewMemory compares, side by side, the server's heap per view for a view
// whose stream is empty and for one that was sent 10,000 rows, then 1,000 more one at a
// time: a stream's rows are sent and forgotten, so both should cost the same. It also
// reports the framed bytes of one insert.
func BenchmarkStreamViewMemory(b *testing.B) {
	const views = 10
	for _, tc := range []struct {
		name             string
		initial, inserts int
	}{
		{"empty", 0, 0},
		{"10000-rows-then-1000-inserts", 10000, 1000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				ts := newTestServer(b, benchOptions(), func(s *Server) {
					s.Handle("/", Page{New: func() View { return &streamRows{initial: tc.initial} }, Template: streamRowsTmpl})
				})
				pages := make([]*page, views)
				for j := range pages {
					pages[j] = ts.get(b, "/")
					// Keep what a join needs, not the 10,000 rows of the first render.
					pages[j].body, pages[j].inner = "", ""
				}
				before := heapAndStack()
				var frameBytes, frames int
				for _, p := range pages {
					c := ts.dial(b, p)
					topic := "lv:" + p.id
					ref := c.send("1", topic, "phx_join", joinFor(p, ts.http.URL+"/"))
					if r := decodeReply(b, c.reply(ref)); r.Status != "ok" {
						b.Fatalf("join: %+v", r)
					}
					for k := 0; k < tc.inserts; k++ {
						ref := c.send("1", topic, "event", map[string]any{"type": "click", "event": "add", "value": map[string]string{}})
						f := c.reply(ref)
						frameBytes += len(f.raw)
						frames++
					}
				}
				after := heapAndStack()
				runtimeKeepAlive(pages)
				b.ReportMetric(float64(int64(after)-int64(before))/views, "heap-bytes/view")
				if frames > 0 {
					b.ReportMetric(float64(frameBytes)/float64(frames), "bytes/insert")
				}
				if got := ts.metrics.views.Load(); got != views {
					b.Fatal(fmt.Sprintf("%d views, want %d", got, views))
				}
			}
		})
	}
}

// runtimeKeepAlive keeps v reachable until here, so that what it holds is in both heap
// measurements.
func runtimeKeepAlive(v any) { runtime.KeepAlive(v) }
