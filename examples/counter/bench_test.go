package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/livetest"
)

// BenchmarkCounterClick measures one click on the real counter page over a loopback
// WebSocket: the event frame written, handled, rendered and diffed, and the reply frame read
// back. reply-bytes is the size of the reply frame, framing included.
func BenchmarkCounterClick(b *testing.B) {
	// One client clicking flat out: above the default event rate.
	srv := newServer(config{Secret: testSecret, Logger: quietLogger(), Start: func() int { return 50_000 }, Limits: channel.Unlimited()})
	b.Cleanup(func() { srv.Shutdown(context.Background()) })
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	page := livetest.LoadURL(b, ts.URL+"/")

	ctx := context.Background()
	h := http.Header{}
	for _, c := range page.Cookies {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+
		"/live/websocket?_csrf_token="+page.CSRFToken+"&vsn=2.0.0", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	topic := "lv:" + page.ID
	join, _ := json.Marshal([]any{"1", "1", topic, "phx_join", map[string]any{
		"url": ts.URL + "/", "params": map[string]any{"_csrf_token": page.CSRFToken, "_mounts": 0},
		"session": page.Session, "static": page.Static, "sticky": false,
	}})
	if err := conn.Write(ctx, websocket.MessageText, join); err != nil {
		b.Fatal(err)
	}
	if _, reply, err := conn.Read(ctx); err != nil || !strings.Contains(string(reply), `"status":"ok"`) {
		b.Fatalf("join: %s %v", reply, err)
	}

	var replyBytes int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := `["1","` + strconv.Itoa(i+2) + `","` + topic + `","event",{"type":"click","event":"inc","value":{"value":""}}]`
		if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			b.Fatal(err)
		}
		_, reply, err := conn.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(string(reply), `"diff"`) {
			b.Fatalf("reply without a diff: %s", reply)
		}
		replyBytes = len(reply)
	}
	b.StopTimer()
	b.ReportMetric(float64(replyBytes), "reply-bytes")
}

// BenchmarkLivetestClick measures a click driven through livetest: selector lookup on the
// current HTML, the round trip, and the merge into the client model. It is the cost a test
// pays per Click.
func BenchmarkLivetestClick(b *testing.B) {
	srv := newServer(config{Secret: testSecret, Logger: quietLogger(), Start: func() int { return 50_000 }})
	b.Cleanup(func() { srv.Shutdown(context.Background()) })
	v := livetest.Open(b, srv, "/")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v.Click(`button[phx-click="inc"]`)
	}
	b.StopTimer()
	if got := v.Text("#count"); got != strconv.Itoa(50_000+b.N) {
		b.Fatalf("#count = %s after %d clicks", got, b.N)
	}
}
