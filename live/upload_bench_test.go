package live

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heldHeap returns the bytes allocated and still reachable after a full collection.
func heldHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkUploadThroughput uploads one file over a loopback socket, as a browser does
// (64,000-byte chunks, each acknowledged before the next, progress when the percentage
// grows), and reports the server's throughput (MB/s) and the heap the upload holds halfway
// (held after a full collection, over the heap before it started), for two file sizes: what
// is held must not follow the size.
//
//	go test -run '^$' -bench UploadThroughput -benchtime 5x -count 3 ./live
func BenchmarkUploadThroughput(b *testing.B) {
	for _, mb := range []int{5, 50} {
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			size := mb * 1_000_000
			r := newUploadRig(b, UploadConfig{MaxFileSize: int64(size)})
			data := fileData(size, 1)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var held int64
			b.ResetTimer()
			for i := range b.N {
				f := testFile{ref: fmt.Sprint(i), name: "big.bin", data: data}
				b.StopTimer()
				before := heldHeap()
				b.StartTimer()
				jr, _ := r.begin(b, f)
				r.sendFrom(b, f, jr, DefaultUploadChunkSize, func(sent int) {
					if sent >= size/2 && sent-DefaultUploadChunkSize < size/2 {
						b.StopTimer()
						held = max(held, int64(heldHeap())-int64(before))
						b.StartTimer()
					}
				})
				r.lv.waitHTML(b, "big.bin 100% done")
				b.StopTimer()
				r.lv.push(b, "event", map[string]any{"type": "form", "event": "save", "value": ""})
				b.StartTimer()
			}
			b.ReportMetric(float64(held), "held-B")
			b.ReportMetric(float64(held)/DefaultUploadChunkSize, "held-chunks")
		})
	}
}

// BenchmarkUploadsConcurrent uploads 100 files of 5 MB at once, each from a socket of its
// own, while another view is clicked; it reports the clicks' p99 before and during the
// uploads, the heap held midway (after a full collection, over the heap before), and how
// many uploads completed.
//
//	go test -run '^$' -bench UploadsConcurrent -benchtime 1x -count 3 ./live
func BenchmarkUploadsConcurrent(b *testing.B) {
	const n, size = 100, 5_000_000
	data := fileData(size, 2)
	for range b.N {
		b.StopTimer()
		// The clicker clicks as fast as it can: only the event rate limit is off.
		opts := Options{}
		opts.Channel.Limits.EventsPerSecond = -1
		r := newUploadRigOpts(b, UploadConfig{MaxFileSize: size}, opts)
		clicker := r.another(b)
		tabs := make([]*uploadRig, n)
		for i := range tabs {
			tabs[i] = r.another(b)
		}
		click := func() time.Duration {
			t0 := time.Now()
			clicker.lv.click(b, "validate", nil)
			return time.Since(t0)
		}
		p99 := func(d []time.Duration) float64 {
			slices.Sort(d)
			return float64(d[len(d)*99/100].Microseconds()) / 1000
		}
		var before []time.Duration
		for range 300 {
			before = append(before, click())
		}
		b.StartTimer()
		base := heldHeap()
		start := time.Now()
		var held atomic.Int64
		var wg sync.WaitGroup
		var completed atomic.Int64
		for i, tab := range tabs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f := testFile{ref: "0", name: "five.bin", data: data}
				tab.change(b, f)
				pr := tab.preflight(b, f)
				jr, rep := tab.joinEntry(b, "0", pr.Entries["0"].(string))
				if rep.Status != "ok" {
					b.Errorf("join: %s", rep.Response)
					return
				}
				last := -1
				for off := 0; off < size; off += DefaultUploadChunkSize {
					end := min(off+DefaultUploadChunkSize, size)
					if rep := tab.chunk(b, jr, "0", data[off:end]); rep.Status != "ok" {
						b.Errorf("chunk: %s", rep.Response)
						return
					}
					if pct := end * 100 / size; pct > last {
						last = pct
						tab.progress(b, "0", pct)
					}
					if i == 0 && off < size/2 && end >= size/2 {
						// Halfway through the first upload, what do all of them hold?
						held.Store(int64(heldHeap()) - int64(base))
					}
				}
				tab.lv.waitHTML(b, "five.bin 100% done")
				completed.Add(1)
			}()
		}
		var during []time.Duration
		finished := make(chan struct{})
		go func() { wg.Wait(); close(finished) }()
	clicking:
		for {
			select {
			case <-finished:
				break clicking
			default:
				during = append(during, click())
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(completed.Load()), "completed")
		b.ReportMetric(float64(n*size)/elapsed.Seconds()/1e6, "MB/s")
		b.ReportMetric(float64(held.Load())/1e6, "held-midway-MB")
		b.ReportMetric(p99(before), "click-p99-before-ms")
		b.ReportMetric(p99(during), "click-p99-during-ms")
		b.ReportMetric(float64(len(during)), "clicks-during")
		if completed.Load() != n {
			b.Fatalf("%d of %d uploads completed", completed.Load(), n)
		}
		b.StartTimer()
	}
}
