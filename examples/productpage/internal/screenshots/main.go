// Command screenshots takes the screenshots of the Sneakers23 demo that its README shows:
// /drops, /drops with an item in the cart, /checkout and /admin at 1280×800, and /drops
// with the cart on a 390 px wide phone. It serves the app on a loopback port over a fresh
// SQLite database seeded with a fixed random source, releases both products, sells some
// sizes down to show every stock level, and drives headless Chromium (found as the browser
// tests find it: GLINT_CHROMIUM, else chromium on the PATH).
//
//	go run ./examples/productpage/internal/screenshots -out docs/screenshots
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/internal/browsertest"
)

func main() {
	out := flag.String("out", "docs/screenshots", "directory to write the PNG files to")
	width := flag.Int64("width", 1280, "desktop viewport width")
	height := flag.Int64("height", 800, "desktop viewport height")
	flag.Parse()
	if err := run(*out, *width, *height); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

// shot is one screenshot: a file name, its viewport, and what to do in the tab before
// taking it. A shot with ownTab is taken in a second tab, so that the first one stays
// open (the admin page's dashboard then counts its shopper).
type shot struct {
	file          string
	width, height int64
	ownTab        bool
	prepare       func(ctx context.Context, base string) error
}

func run(out string, width, height int64) error {
	chromium := browsertest.FindChromium()
	if chromium == "" {
		return fmt.Errorf("no Chromium found (install chromium or set %s)", browsertest.EnvChromium)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "sneakers-shots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	ctx := context.Background()
	password := rand.Text()
	base, stop, err := serve(ctx, filepath.Join(tmp, "shots.db"), password)
	if err != nil {
		return err
	}
	defer stop()

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, browsertest.AllocatorOptions(chromium, filepath.Join(tmp, "profile"))...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	// The first action starts the browser, which lives as long as that action's context:
	// tab itself, not a timeout below it.
	if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
		return err
	}

	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(admin.User+":"+password))
	shots := []shot{
		{"drops.png", width, height, false, func(ctx context.Context, base string) error {
			return open(ctx, base+"/drops")
		}},
		{"cart.png", width, height, false, func(ctx context.Context, base string) error {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".product-listing .size-container__entry:not([disabled])"))); err != nil {
				return err
			}
			return poll(ctx, `!!document.querySelector(".cart-container .cart-item")`)
		}},
		{"checkout.png", width, height, false, func(ctx context.Context, base string) error {
			return open(ctx, base+"/checkout")
		}},
		{"drops-390.png", 390, 844, false, func(ctx context.Context, base string) error {
			return open(ctx, base+"/drops")
		}},
		{"admin.png", width, height, true, func(ctx context.Context, base string) error {
			if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}}); err != nil {
				return err
			}
			return open(ctx, base+"/admin")
		}},
	}
	second, cancelSecond := chromedp.NewContext(tab)
	defer cancelSecond()
	for _, s := range shots {
		t := tab
		if s.ownTab {
			t = second
		}
		if err := take(t, base, out, s); err != nil {
			return fmt.Errorf("%s: %w", s.file, err)
		}
	}
	return nil
}

// take runs one shot's preparation at its viewport and writes the screenshot, recompressed.
func take(tab context.Context, base, out string, s shot) error {
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(s.width, s.height)); err != nil {
		return err
	}
	if err := s.prepare(ctx, base); err != nil {
		return err
	}
	// Every image drawn, no button under the mouse, the transitions settled.
	if err := poll(ctx, `[...document.images].every(i => i.complete && i.naturalWidth > 0)`); err != nil {
		return err
	}
	if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1)); err != nil {
		return err
	}
	time.Sleep(300 * time.Millisecond)
	raw, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	small, err := recompress(raw)
	if err != nil {
		return err
	}
	path := filepath.Join(out, s.file)
	if err := os.WriteFile(path, small, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s %dx%d %d bytes\n", path, s.width, s.height, len(small))
	return nil
}

// open navigates to url and waits until its live view has connected.
func open(ctx context.Context, url string) error {
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return err
	}
	return poll(ctx, `!!document.querySelector("[data-phx-main].phx-connected")`)
}

func poll(ctx context.Context, expr string) error {
	return chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
}

// recompress re-encodes Chromium's PNG at the best compression.
func recompress(raw []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	if buf.Len() >= len(raw) {
		return raw, nil
	}
	return buf.Bytes(), nil
}

// serve builds the app over a new seeded database at dbPath, releases both products and
// sells sizes down so that every stock level shows, and serves it on a loopback port.
func serve(ctx context.Context, dbPath, password string) (base string, stop func(), err error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.OpenSQLite(ctx, dbPath, store.SQLiteOptions{Rand: mrand.New(mrand.NewPCG(23, 23)), Logger: quiet})
	if err != nil {
		return "", nil, err
	}
	a, err := app.New(ctx, app.Config{Store: st, AdminPassword: password, Secret: []byte(rand.Text() + rand.Text()),
		Rand: mrand.New(mrand.NewPCG(23, 23)), Logger: quiet})
	if err != nil {
		return "", nil, err
	}
	closeApp := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Close(ctx)
	}
	if err := stock(ctx, a.Inventory); err != nil {
		closeApp()
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		closeApp()
		return "", nil, err
	}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() {
		srv.Close()
		closeApp()
	}, nil
}

// stock releases every product and brings a few sizes down to the low and medium levels
// (the seed draws every count from 0 or 201–1200).
func stock(ctx context.Context, inv *inventory.Inventory) error {
	targets := []int{90, 0, 320, 25, 180}
	t := 0
	for _, p := range inv.Products() {
		if err := inv.Release(ctx, p.ID); err != nil {
			return err
		}
		for i, it := range p.Items {
			if i%3 != 1 || t >= len(targets) {
				continue
			}
			if n := it.AvailableCount - targets[t]; n > 0 {
				if _, err := inv.Sell(ctx, it.ID, n); err != nil && !errors.Is(err, store.ErrNotAvailable) {
					return err
				}
			}
			t++
		}
	}
	return nil
}
