package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/internal/browsertest"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/render"
)

// listingView counts clicks above a long, repetitive listing, so that its join reply is
// well above the compression threshold.
type listingView struct {
	Count int
	Rows  []string
}

func (v *listingView) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	v.Rows = listingRows()
	return nil
}

func (v *listingView) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "inc" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	v.Count++
	return nil
}

// listingRows are 200 rows of about 70 bytes each: dynamics, sent in the join reply.
func listingRows() []string {
	rows := make([]string, 200)
	for i := range rows {
		rows[i] = fmt.Sprintf("Row number %d of the compressed listing: in stock, size 42, free delivery", i)
	}
	return rows
}

var listingTemplate = render.Must(render.New("listing").Parse(`<p>Count: <span id="count">{{.Count}}</span></p>
<button id="inc" phx-click="inc">+</button>
<ul>{{range .Rows}}<li>{{.}}</li>{{end}}</ul>`))

// countedConn counts the bytes the server writes on a connection.
type countedConn struct {
	net.Conn
	written atomic.Int64
}

func (c *countedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

type countingListener struct{ net.Listener }

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c}, nil
}

type connKey struct{}

// upgradeRecorder is an http.ResponseWriter that records the extensions of a 101 answer.
type upgradeRecorder struct {
	http.ResponseWriter
	ext *string
}

func (w upgradeRecorder) WriteHeader(code int) {
	if code == http.StatusSwitchingProtocols {
		*w.ext = w.Header().Get("Sec-WebSocket-Extensions")
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets the upgrade hijack the connection through http.ResponseController.
func (w upgradeRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestCompressionInTheBrowser serves a live page with permessage-deflate on, in both modes,
// to both clients in Chromium: the handshake negotiates the extension, the page joins with
// its listing deflated (fewer bytes on the socket than the listing's rows alone), and
// clicks work.
func TestCompressionInTheBrowser(t *testing.T) {
	modes := []struct {
		mode    channel.CompressionMode
		wantExt string
	}{
		{channel.CompressionNoContextTakeover, "permessage-deflate; client_no_context_takeover; server_no_context_takeover"},
		{channel.CompressionContextTakeover, "permessage-deflate; client_no_context_takeover"},
	}
	for _, client := range []string{"glint", "official"} {
		for _, m := range modes {
			mode, wantExt := m.mode, m.wantExt
			t.Run(client+"/"+mode.String(), func(t *testing.T) {
				opts := live.Options{Secret: testSecret, Logger: quietLogger()}
				opts.Channel.Compression = channel.Compression{Mode: mode}
				mux := http.NewServeMux()
				if client == "official" {
					opts.ScriptURL = browsertest.MountOfficialClient(t, mux)
				}
				lv := live.New(opts)
				lv.Handle("GET /{$}", live.Page{New: func() live.View { return &listingView{} }, Template: listingTemplate})
				mux.Handle("/", lv)

				var mu sync.Mutex
				var exts []string
				var sockets []*countedConn
				hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !strings.HasSuffix(r.URL.Path, "/websocket") {
						mux.ServeHTTP(w, r)
						return
					}
					conn := r.Context().Value(connKey{}).(*countedConn)
					start := conn.written.Load() // a page load may have used this connection
					var ext string
					mux.ServeHTTP(upgradeRecorder{w, &ext}, r)
					conn.written.Add(-start)
					mu.Lock()
					exts = append(exts, ext)
					sockets = append(sockets, conn)
					mu.Unlock()
				}))
				hs.Listener = countingListener{hs.Listener}
				hs.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
					return context.WithValue(ctx, connKey{}, c)
				}
				hs.Start()
				r := loadFrom(t, lv, hs)
				r.until("listing", `document.querySelectorAll("li").length === 200`)
				for i := 1; i <= 3; i++ {
					r.do("click", chromedp.Click(chromedp.CSS("#inc")))
					r.until(fmt.Sprintf("click %d", i), text("count", fmt.Sprint(i)))
				}
				mu.Lock()
				defer mu.Unlock()
				if len(exts) != 1 {
					t.Fatalf("%d WebSocket upgrades, want 1", len(exts))
				}
				if exts[0] != wantExt {
					t.Fatalf("Sec-WebSocket-Extensions %q, want %q", exts[0], wantExt)
				}
				// The rows alone are about 14 KB of text in the join reply.
				rows := 0
				for _, row := range listingRows() {
					rows += len(row)
				}
				got := sockets[0].written.Load()
				if got >= int64(rows)/2 {
					t.Fatalf("the server wrote %d bytes on the WebSocket, for rows of %d bytes of text: not deflated", got, rows)
				}
				t.Logf("%d bytes written on the WebSocket, for rows of %d bytes of text", got, rows)
			})
		}
	}
}
