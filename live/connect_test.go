package live

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// peerView shows what its socket knows of the browser, at mount and again on a click.
type peerView struct {
	Mounted, Clicked string
}

var peerTmpl = mustParse("peer", `{{.Mounted}}|{{.Clicked}}`)

func (w *peerView) describe(s *Socket) string {
	info, params := s.ConnectInfo(), s.ConnectParams()
	if info == nil || params == nil {
		return "disconnected"
	}
	host, _, err := net.SplitHostPort(info.PeerAddr)
	if err != nil {
		host = "bad peer " + info.PeerAddr
	}
	return strings.Join([]string{
		"tz=" + params.Get("timezone"),
		"csrf=" + map[bool]string{true: "yes", false: "no"}[params.Get("_csrf_token") != ""],
		"peer=" + host,
		"client=" + info.ClientAddr.String(),
		"ua=" + info.UserAgent,
		"lang=" + info.Header.Get("Accept-Language"),
		"cookie=" + info.Header.Get("Cookie"),
	}, " ")
}

func (w *peerView) Mount(ctx context.Context, s *Socket, p Params) error {
	w.Mounted = w.describe(s)
	return nil
}

func (w *peerView) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	// The returned values are the caller's: changing them changes nothing kept.
	s.ConnectInfo().Header.Set("Accept-Language", "xx")
	s.ConnectParams().Set("timezone", "changed")
	w.Clicked = w.describe(s)
	return nil
}

// dialWith connects a socket whose URL carries extra query params and whose upgrade
// request carries extra headers, as a browser client with connect params does.
func (ts *testServer) dialWith(t *testing.T, p *page, params url.Values, header http.Header) *wsClient {
	t.Helper()
	q := url.Values{}
	for k, vs := range params {
		q[k] = vs
	}
	q.Set("_csrf_token", p.csrf)
	q.Set("vsn", "2.0.0")
	h := header.Clone()
	for _, c := range p.cookies {
		h.Add("Cookie", c.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/live/websocket?" + q.Encode()
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	return &wsClient{t: t, conn: conn}
}

// A connected view reads its socket's connect params and connect info (peer address, and
// the headers Options.Channel.KeepHeaders keeps); the disconnected render has neither.
func TestConnectParamsAndInfo(t *testing.T) {
	tests := []struct {
		name    string
		keep    []string
		proxies []string
		params  url.Values
		header  http.Header
		want    string
	}{
		{
			name:   "params and kept headers",
			keep:   []string{"User-Agent", "Accept-Language"},
			params: url.Values{"timezone": {"Europe/Paris"}},
			header: http.Header{"User-Agent": {"TestBrowser/1.0"}, "Accept-Language": {"fr"}},
			want:   "tz=Europe/Paris csrf=yes peer=127.0.0.1 client=127.0.0.1 ua=TestBrowser/1.0 lang=fr cookie=",
		},
		{
			name:   "no headers kept by default",
			params: url.Values{"timezone": {"Asia/Tokyo"}},
			header: http.Header{"User-Agent": {"TestBrowser/1.0"}, "Accept-Language": {"ja"}},
			want:   "tz=Asia/Tokyo csrf=yes peer=127.0.0.1 client=127.0.0.1 ua= lang= cookie=",
		},
		{
			name:   "only the named headers",
			keep:   []string{"accept-language"},
			header: http.Header{"User-Agent": {"TestBrowser/1.0"}, "Accept-Language": {"de"}},
			want:   "tz= csrf=yes peer=127.0.0.1 client=127.0.0.1 ua= lang=de cookie=",
		},
		{
			name:    "the client's address behind a trusted proxy",
			proxies: []string{"127.0.0.1/32"},
			header:  http.Header{"X-Forwarded-For": {"203.0.113.7"}},
			want:    "tz= csrf=yes peer=127.0.0.1 client=203.0.113.7 ua= lang= cookie=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{}
			opts.Channel.KeepHeaders = tt.keep
			opts.Channel.Limits.TrustedProxies = tt.proxies
			ts := newTestServer(t, opts, func(s *Server) {
				s.Handle("/", Page{New: func() View { return &peerView{} }, Template: peerTmpl})
			})
			p := ts.get(t, "/")
			if p.inner != "disconnected|" {
				t.Errorf("disconnected render %q, want no connect info nor params", p.inner)
			}
			lv := ts.join(t, ts.dialWith(t, p, tt.params, tt.header), p, "/")
			if got := lv.model.HTML(); got != tt.want+"|" {
				t.Errorf("at mount:\n got %q\nwant %q", got, tt.want+"|")
			}
			lv.click(t, "again", nil)
			if got := lv.model.HTML(); got != tt.want+"|"+tt.want {
				t.Errorf("in an event:\n got %q\nwant %q", got, tt.want+"|"+tt.want)
			}
		})
	}
}
