package channel_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/channel"
)

// FuzzFrames sends arbitrary frames (one per line) over a real socket. Whatever they are,
// the server must not crash, must only send well-formed frames, and must end in one of
// two states: still answering heartbeats, or closed with the code for bad input (1011).
func FuzzFrames(f *testing.F) {
	for _, seed := range []string{
		`["1","1","room:a","phx_join",{}]` + "\n" + `["1","2","room:a","ok",{"a":1}]`,
		`["1","1","room:a","phx_join",{}]` + "\n" + `["1","2","room:a","phx_leave",{}]` + "\n" + `["1","3","room:a","ok",{}]`,
		`["1","1","lv:x","phx_join",{"mode":"panic"}]`,
		`["1","1","room:a","phx_join",{}]` + "\n" + `["9","9","room:a","phx_join",{}]` + "\n" + `["1","3","room:a","panic",{}]`,
		`[null,"1","lv:","phx_leave",{}]`,
		`["1","1","room:a","phx_join",{}]` + "\n" + `["1","2","room:a","stop",{}]`,
		`[null,null,"","",{}]`,
		`["1"`,
	} {
		f.Add(seed)
	}
	// Fuzzing dials a socket per input, faster than closed ones go: no per-address limit.
	ts := newTestServer(f, channel.Options{MaxChannels: 3, Limits: channel.Limits{MaxSocketsPerAddress: -1, MaxConnections: -1}})
	f.Fuzz(func(t *testing.T, input string) {
		c := ts.dial(t, "")
		defer c.conn.CloseNow()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, line := range strings.Split(input, "\n") {
			if err := c.conn.Write(ctx, websocket.MessageText, []byte(line)); err != nil {
				break // the server closed the socket: checked below
			}
		}
		_ = c.conn.Write(ctx, websocket.MessageText, []byte(`[null,"hb-fuzz","phoenix","heartbeat",{}]`))
		heartbeatOr1011(ctx, t, c)
	})
}

// heartbeatOr1011 reads the frames the server sends after a fuzzed input and a heartbeat
// (ref "hb-fuzz"): each must be a well-formed frame, and the socket must end with the
// heartbeat's reply or closed with 1011, the code for bad input.
func heartbeatOr1011(ctx context.Context, t *testing.T, c *client) {
	t.Helper()
	for {
		_, b, err := c.conn.Read(ctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != websocket.StatusInternalError {
				t.Fatalf("socket ended with %v (%v), want a heartbeat reply or close 1011", code, err)
			}
			return
		}
		var parts []json.RawMessage
		if err := json.Unmarshal(b, &parts); err != nil || len(parts) != 5 || len(parts[4]) == 0 || parts[4][0] != '{' {
			t.Fatalf("server sent a malformed frame %q", b)
		}
		if string(b) == `[null,"hb-fuzz","phoenix","phx_reply",{"status":"ok","response":{}}]` {
			return
		}
	}
}
