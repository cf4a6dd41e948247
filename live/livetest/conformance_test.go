package livetest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/livetest"
)

// fakeServer serves a page with a live container and a WebSocket that answers the join with
// joinReply (its "response") and then sends the raw frames of after, so tests can check how
// livetest treats a server that breaks the protocol.
func fakeServer(t *testing.T, joinReply string, after ...string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<!DOCTYPE html><html><head><meta name="csrf-token" content="tok"><title>Fake</title></head>`+
			`<body><div id="phx-fake" data-phx-main data-phx-session="S" data-phx-static="">x</div></body></html>`)
	})
	mux.HandleFunc("GET /live/websocket", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		var join []json.RawMessage
		json.Unmarshal(b, &join)
		var ref string
		json.Unmarshal(join[1], &ref)
		c.Write(ctx, websocket.MessageText, []byte(`["`+ref+`","`+ref+`","lv:phx-fake","phx_reply",{"status":"ok","response":`+joinReply+`}]`))
		for _, f := range after {
			typ := websocket.MessageText
			if strings.HasPrefix(f, "binary:") {
				typ, f = websocket.MessageBinary, strings.TrimPrefix(f, "binary:")
			}
			c.Write(ctx, typ, []byte(f))
		}
		// Keep the socket open until the client leaves.
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	})
	return mux
}

const goodJoin = `{"rendered":{"0":"1","s":["<p id=\"n\">","</p>"]},"liveview_version":"1.2.12"}`

func TestProtocolViolations(t *testing.T) {
	tests := []struct {
		name      string
		joinReply string
		after     []string
		want      string
	}{
		{"no liveview_version", `{"rendered":{"s":["x"]}}`, nil, `liveview_version is ""`},
		{"top-level r", `{"rendered":{"s":["x"],"r":1},"liveview_version":"1.2.12"}`, nil, `top-level "r"`},
		{"no statics", `{"rendered":{"0":"1"},"liveview_version":"1.2.12"}`, nil, `no top-level "s"`},
		{"no rendered", `{"liveview_version":"1.2.12"}`, nil, `join reply without "rendered"`},
		{"empty diff push", goodJoin, []string{`["1",null,"lv:phx-fake","diff",{}]`}, "pushed an empty diff"},
		{"binary frame", goodJoin, []string{`binary:["1",null,"lv:phx-fake","diff",{"0":"2"}]`}, "binary frame"},
		{"not a frame", goodJoin, []string{`{"event":"diff"}`}, "malformed frame"},
		{"four elements", goodJoin, []string{`["1",null,"lv:phx-fake","diff"]`}, "frame has 4 elements"},
		{"payload not an object", goodJoin, []string{`["1",null,"lv:phx-fake","diff","x"]`}, "is not a JSON object"},
		{"another topic", goodJoin, []string{`["1",null,"lv:phx-other","diff",{"0":"2"}]`}, "a topic this view never joined"},
		{"unknown event", goodJoin, []string{`["1",null,"lv:phx-fake","surprise",{}]`}, `unexpected server event "surprise"`},
		{"reply to nothing", goodJoin, []string{`["1","99","lv:phx-fake","phx_reply",{"status":"ok","response":{}}]`}, "reply to a ref that was never sent"},
		{"diff the client cannot merge", goodJoin, []string{`["1",null,"lv:phx-fake","diff",{"0":{"k":{"0":{"0":"a"}}}}]`}, "diff rejected by the client model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := failure(t, func(tb *fatalTB) {
				v := livetest.Open(tb, fakeServer(t, tt.joinReply, tt.after...), "/", livetest.Timeout(time.Second))
				v.WaitFor(func(string) bool { return false })
			})
			if !strings.Contains(msg, tt.want) {
				t.Fatalf("failure lacks %q:\n%s", tt.want, msg)
			}
		})
	}
}

func TestStaleFramesAreDropped(t *testing.T) {
	// A frame of an earlier membership (another join_ref) is dropped, as the client does; a
	// null join_ref always passes.
	v := livetest.Open(t, fakeServer(t, goodJoin,
		`["0",null,"lv:phx-fake","diff",{"0":"stale"}]`,
		`[null,null,"lv:phx-fake","diff",{"0":"2"}]`,
	), "/")
	v.WaitFor(func(html string) bool { return html == `<p id="n">2</p>` })
	if strings.Contains(v.HTML(), "stale") {
		t.Fatalf("a stale frame was applied: %s", v.HTML())
	}
}
