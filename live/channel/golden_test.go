package channel_test

import (
	"strings"
	"testing"

	"github.com/glint-go/glint/live/channel"
)

// Golden frames and server rules from docs/protocol.md (Golden frames, Server rules). A step is
// "C <frame>" (client sends), "S <frame>" (server must send exactly these bytes next) or
// "Q <ref>" (nothing else was sent before a heartbeat reply with that ref).
func TestGoldenFrames(t *testing.T) {
	const join4 = `C ["4","4","lv:phx-A","phx_join",{}]`
	const joined4 = `S ["4","4","lv:phx-A","phx_reply",{"status":"ok","response":{"rendered":{"0":"0"},"liveview_version":"1.2.12"}}]`
	cases := []struct {
		name  string
		opts  channel.Options
		steps []string
	}{
		{"heartbeat", channel.Options{}, []string{
			`C [null,"9","phoenix","heartbeat",{}]`,
			`S [null,"9","phoenix","phx_reply",{"status":"ok","response":{}}]`,
		}},
		{"join ok", channel.Options{}, []string{join4, joined4}},
		{"join ok, nil reply is {}", channel.Options{}, []string{
			`C ["1","1","room:lobby","phx_join",{}]`,
			`S ["1","1","room:lobby","phx_reply",{"status":"ok","response":{}}]`,
		}},
		{"join error", channel.Options{}, []string{
			`C ["4","4","lv:phx-A","phx_join",{"mode":"error"}]`,
			`S ["4","4","lv:phx-A","phx_reply",{"status":"error","response":{"reason":"stale"}}]`,
			// the topic is not joined afterwards
			`C ["4","5","lv:phx-A","ok",{}]`,
			`S [null,"5","lv:phx-A","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]`,
		}},
		{"join error reply as is", channel.Options{}, []string{
			`C ["4","4","lv:phx-A","phx_join",{"mode":"errmap"}]`,
			`S ["4","4","lv:phx-A","phx_reply",{"status":"error","response":{"code":7,"reason":"unauthorized"}}]`,
		}},
		{"join crashed", channel.Options{}, []string{
			`C ["4","4","lv:phx-A","phx_join",{"mode":"panic"}]`,
			`S ["4","4","lv:phx-A","phx_reply",{"status":"error","response":{"reason":"join crashed"}}]`,
			`Q 5`,
		}},
		{"push ok reply", channel.Options{}, []string{join4, joined4,
			`C ["4","6","lv:phx-A","ok",{"diff":{"0":"1"}}]`,
			`S ["4","6","lv:phx-A","phx_reply",{"status":"ok","response":{"diff":{"0":"1"}}}]`,
		}},
		{"push error reply", channel.Options{}, []string{join4, joined4,
			`C ["4","7","lv:phx-A","error",{}]`,
			`S ["4","7","lv:phx-A","phx_reply",{"status":"error","response":{"reason":"uploads not supported"}}]`,
		}},
		{"null join_ref accepted", channel.Options{}, []string{join4, joined4,
			`C [null,"7","lv:phx-A","ok",{"a":1}]`,
			`S ["4","7","lv:phx-A","phx_reply",{"status":"ok","response":{"a":1}}]`,
		}},
		{"no reply", channel.Options{}, []string{join4, joined4,
			`C ["4","8","lv:phx-A","noreply",{}]`,
			`Q 9`,
		}},
		{"stale join_ref dropped", channel.Options{}, []string{join4, joined4,
			`C ["3","8","lv:phx-A","ok",{}]`,
			`Q 9`,
		}},
		{"server push", channel.Options{}, []string{join4, joined4,
			`C ["4","8","lv:phx-A","push",{"0":"5"}]`,
			`S ["4",null,"lv:phx-A","diff",{"0":"5"}]`,
		}},
		{"broadcast", channel.Options{}, []string{
			`C ["1","1","room:a","phx_join",{}]`,
			`S ["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`,
			`C ["1","2","room:a","broadcast",{"n":1}]`,
			`S [null,null,"room:a","shout",{"n":1}]`,
			`S ["1","2","room:a","phx_reply",{"status":"ok","response":{}}]`,
		}},
		{"broadcast_from skips the sender", channel.Options{}, []string{
			`C ["1","1","room:a","phx_join",{}]`,
			`S ["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`,
			`C ["1","2","room:a","broadcast_from",{"n":1}]`,
			`S ["1","2","room:a","phx_reply",{"status":"ok","response":{}}]`,
			`Q 3`,
		}},
		{"intercepted broadcast goes to HandleOut", channel.Options{}, []string{
			`C ["1","1","room:a","phx_join",{}]`,
			`S ["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`,
			`C ["1","2","room:a","broadcast_intercepted",{"n":1}]`,
			`S ["1","2","room:a","phx_reply",{"status":"ok","response":{}}]`,
			`S ["1",null,"room:a","out",{"n":1}]`,
		}},
		{"send reaches HandleInfo", channel.Options{}, []string{
			`C ["1","1","room:a","phx_join",{}]`,
			`S ["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`,
			`C ["1","2","room:a","send",{"x":"y"}]`,
			`S ["1","2","room:a","phx_reply",{"status":"ok","response":{}}]`,
			`S ["1",null,"room:a","info",{"x":"y"}]`,
		}},
		{"leave", channel.Options{}, []string{join4, joined4,
			`C ["4","10","lv:phx-A","phx_leave",{}]`,
			`S ["4","10","lv:phx-A","phx_reply",{"status":"ok","response":{}}]`,
			`S ["4","4","lv:phx-A","phx_close",{}]`,
			`C ["4","11","lv:phx-A","ok",{}]`,
			`S [null,"11","lv:phx-A","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]`,
		}},
		{"leave with null join_ref", channel.Options{}, []string{join4, joined4,
			`C [null,"10","lv:phx-A","phx_leave",{}]`,
			`S ["4","10","lv:phx-A","phx_reply",{"status":"ok","response":{}}]`,
			`S ["4","4","lv:phx-A","phx_close",{}]`,
		}},
		{"leave of a topic never joined (lv: with empty id)", channel.Options{}, []string{
			`C [null,"9","lv:","phx_leave",{}]`,
			`S [null,"9","lv:","phx_reply",{"status":"ok","response":{}}]`,
			`C ["7","10","room:x","phx_leave",{}]`,
			`S ["7","10","room:x","phx_reply",{"status":"ok","response":{}}]`,
		}},
		{"duplicate join", channel.Options{}, []string{join4, joined4,
			`C ["12","12","lv:phx-A","phx_join",{}]`,
			`S ["4","4","lv:phx-A","phx_close",{}]`,
			`S ["12","12","lv:phx-A","phx_reply",{"status":"ok","response":{"rendered":{"0":"0"},"liveview_version":"1.2.12"}}]`,
			`C ["4","13","lv:phx-A","ok",{}]`, // old membership: dropped
			`C ["12","14","lv:phx-A","ok",{}]`,
			`S ["12","14","lv:phx-A","phx_reply",{"status":"ok","response":{}}]`,
		}},
		{"duplicate join after events", channel.Options{}, []string{join4, joined4,
			`C ["4","5","lv:phx-A","ok",{"n":1}]`,
			`S ["4","5","lv:phx-A","phx_reply",{"status":"ok","response":{"n":1}}]`,
			`C ["12","12","lv:phx-A","phx_join",{}]`,
			`S ["4","4","lv:phx-A","phx_close",{}]`,
			`S ["12","12","lv:phx-A","phx_reply",{"status":"ok","response":{"rendered":{"0":"0"},"liveview_version":"1.2.12"}}]`,
			`C ["4","13","lv:phx-A","ok",{}]`, // old membership: dropped
			`C [null,"14","lv:phx-A","ok",{"n":2}]`,
			`S ["12","14","lv:phx-A","phx_reply",{"status":"ok","response":{"n":2}}]`,
		}},
		{"events after the channel stopped itself", channel.Options{}, []string{join4, joined4,
			`C ["4","5","lv:phx-A","ok",{"n":1}]`,
			`S ["4","5","lv:phx-A","phx_reply",{"status":"ok","response":{"n":1}}]`,
			`C ["4","6","lv:phx-A","stop_reply",{}]`,
			`S ["4","6","lv:phx-A","phx_reply",{"status":"ok","response":{"bye":true}}]`,
			`S ["4","4","lv:phx-A","phx_close",{}]`,
			`C ["4","7","lv:phx-A","ok",{}]`,
			`S [null,"7","lv:phx-A","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]`,
			join4, joined4,
			`C ["4","8","lv:phx-A","ok",{"n":3}]`,
			`S ["4","8","lv:phx-A","phx_reply",{"status":"ok","response":{"n":3}}]`,
		}},
		{"unmatched topic join", channel.Options{}, []string{
			`C ["11","11","lvu:0","phx_join",{}]`,
			`S [null,"11","lvu:0","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]`,
		}},
		{"event on a topic not joined", channel.Options{}, []string{
			`C ["5","6","room:nope","ok",{}]`,
			`S [null,"6","room:nope","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]`,
		}},
		{"channel crash, sibling unaffected", channel.Options{}, []string{join4, joined4,
			`C ["5","5","room:b","phx_join",{}]`,
			`S ["5","5","room:b","phx_reply",{"status":"ok","response":{}}]`,
			`C ["4","6","lv:phx-A","panic",{}]`,
			`S ["4","4","lv:phx-A","phx_error",{"reason":"channel_crash"}]`,
			`C ["5","7","room:b","ok",{"still":"here"}]`,
			`S ["5","7","room:b","phx_reply",{"status":"ok","response":{"still":"here"}}]`,
			`C ["4","8","lv:phx-A","ok",{}]`,
			`S [null,"8","lv:phx-A","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]`,
		}},
		{"normal stop", channel.Options{}, []string{join4, joined4,
			`C ["4","6","lv:phx-A","stop",{}]`,
			`S ["4",null,"lv:phx-A","redirect",{"to":"/login"}]`,
			`S ["4","4","lv:phx-A","phx_close",{}]`,
		}},
		{"stop with reply", channel.Options{}, []string{join4, joined4,
			`C ["4","6","lv:phx-A","stop_reply",{}]`,
			`S ["4","6","lv:phx-A","phx_reply",{"status":"ok","response":{"bye":true}}]`,
			`S ["4","4","lv:phx-A","phx_close",{}]`,
		}},
		{"stop from another goroutine", channel.Options{}, []string{join4, joined4,
			`C ["4","6","lv:phx-A","stop_later",{}]`,
			`S ["4","6","lv:phx-A","phx_reply",{"status":"ok","response":{}}]`,
			`S ["4","4","lv:phx-A","phx_close",{}]`,
		}},
		{"stop with error", channel.Options{}, []string{join4, joined4,
			`C ["4","6","lv:phx-A","stop_error",{}]`,
			`S ["4","4","lv:phx-A","phx_error",{"reason":"channel_crash"}]`,
		}},
		{"bad push payloads are refused", channel.Options{}, []string{join4, joined4,
			`C ["4","6","lv:phx-A","push_bad",{}]`,
			`S ["4","6","lv:phx-A","phx_reply",{"status":"ok","response":{"invalid_json_refused":true,"non_object_refused":true}}]`,
		}},
		{"ValidJSON is sent as is", channel.Options{}, []string{join4, joined4,
			`C ["4","6","lv:phx-A","valid_json",{}]`,
			`S ["4",null,"lv:phx-A","diff",{"0":"x"}]`,
			`S ["4",null,"lv:phx-A","diff",{}]`,
			`S ["4","6","lv:phx-A","phx_reply",{"status":"ok","response":{"diff":{"1":"y"}}}]`,
		}},
		{"an invalid raw reply crashes the channel instead of corrupting the stream", channel.Options{}, []string{join4, joined4,
			`C ["4","6","lv:phx-A","reply_bad",{}]`,
			`S ["4","4","lv:phx-A","phx_error",{"reason":"channel_crash"}]`,
		}},
		{"too many channels", channel.Options{MaxChannels: 1}, []string{join4, joined4,
			`C ["5","5","room:b","phx_join",{}]`,
			`S ["5","5","room:b","phx_reply",{"status":"error","response":{"reason":"too many channels joined"}}]`,
			// rejoining the same topic is a duplicate join, not a new channel
			`C ["6","6","lv:phx-A","phx_join",{}]`,
			`S ["4","4","lv:phx-A","phx_close",{}]`,
			`S ["6","6","lv:phx-A","phx_reply",{"status":"ok","response":{"rendered":{"0":"0"},"liveview_version":"1.2.12"}}]`,
		}},
		{"messages queued during a slow join are handled after it", channel.Options{}, []string{
			`C ["1","1","room:a","phx_join",{"mode":"slow"}]`,
			`C ["1","2","room:a","ok",{"n":2}]`,
			`S ["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`,
			`S ["1","2","room:a","phx_reply",{"status":"ok","response":{"n":2}}]`,
		}},
		{"messages queued during a failing join get unmatched topic", channel.Options{}, []string{
			`C ["1","1","room:a","phx_join",{"mode":"error"}]`,
			`C ["1","2","room:a","ok",{}]`,
			`S ["1","1","room:a","phx_reply",{"status":"error","response":{"reason":"stale"}}]`,
			`S [null,"2","room:a","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]`,
		}},
		{"escaped refs are echoed as the same string", channel.Options{}, []string{
			`C [null,"a\"b\u00e9","phoenix","heartbeat",{}]`,
			`S [null,"a\"bé","phoenix","phx_reply",{"status":"ok","response":{}}]`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.opts)
			c := ts.dial(t, "")
			defer c.close()
			for _, step := range tc.steps {
				kind, arg, _ := strings.Cut(step, " ")
				switch kind {
				case "C":
					c.send(arg)
				case "S":
					c.expect(arg)
				case "Q":
					c.quiet(arg)
				default:
					t.Fatalf("bad step %q", step)
				}
			}
		})
	}
}
