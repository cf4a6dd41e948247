package live

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestEvents(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/")
	lv := ts.join(t, ts.dial(t, p), p, "/")
	form := url.Values{"name": {"Ana Bea"}, "user[email]": {"a@b"}, "_unused_x": {""}}.Encode()
	tests := []struct {
		name    string
		payload map[string]any
		want    string // in the HTML afterwards
		noDiff  bool
	}{
		{"click", map[string]any{"type": "click", "event": "inc", "value": map[string]string{"value": ""}}, `<span id="count">1</span>`, false},
		{"click with phx-value", map[string]any{"type": "click", "event": "add", "value": map[string]any{"n": "5"}}, `<span id="count">6</span>`, false},
		{"click with numeric value", map[string]any{"type": "click", "event": "add", "value": map[string]any{"n": 4}}, `<span id="count">10</span>`, false},
		{"wrongly typed value", map[string]any{"type": "click", "event": "add", "value": map[string]any{"n": "five"}}, `<span id="count">10</span>`, true},
		{"unknown event", map[string]any{"type": "click", "event": "nope", "value": map[string]any{}}, `<span id="count">10</span>`, true},
		{"form submit", map[string]any{"type": "form", "event": "save", "value": form, "meta": map[string]any{}}, `last=Ana Bea key= target= page=`, false},
		{"form change with _target", map[string]any{"type": "form", "event": "validate", "value": "name=Cy", "meta": map[string]any{"_target": "user[email]"}}, `last=Cy key= target=user[email] page=`, false},
		{"keydown", map[string]any{"type": "keydown", "event": "key", "value": map[string]any{"key": "Enter", "value": "x"}}, `key=Enter`, false},
		{"keyup", map[string]any{"type": "keyup", "event": "key", "value": map[string]any{"key": "Escape"}}, `key=Escape`, false},
		{"focus", map[string]any{"type": "focus", "event": "focus", "value": map[string]any{"value": ""}}, `last=focus`, false},
		{"blur", map[string]any{"type": "blur", "event": "blur", "value": map[string]any{"value": ""}}, `last=blur`, false},
		{"form value not a string", map[string]any{"type": "form", "event": "save", "value": map[string]any{}}, `last=blur`, true},
		{"unknown type", map[string]any{"type": "drag", "event": "inc", "value": map[string]any{}}, `<span id="count">10</span>`, true},
		{"cid of no component", map[string]any{"type": "click", "event": "inc", "value": map[string]any{}, "cid": 9}, `<span id="count">10</span>`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := lv.push(t, "event", tt.payload)
			if tt.noDiff && string(resp) != `{}` {
				t.Errorf("reply %s, want {}", resp)
			}
			if !tt.noDiff && !strings.Contains(string(resp), `"diff"`) {
				t.Errorf("reply %s has no diff", resp)
			}
			if !strings.Contains(lv.model.HTML(), tt.want) {
				t.Errorf("HTML %q lacks %q", lv.model.HTML(), tt.want)
			}
		})
	}
	for _, logged := range []string{`is not an integer`, `unknown event: \"nope\"`, `unknown type`} {
		if !strings.Contains(ts.log.String(), logged) {
			t.Errorf("log lacks %q:\n%s", logged, ts.log.String())
		}
	}
}

func TestHookReplyTitleAndPushEvent(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/")
	lv := ts.join(t, ts.dial(t, p), p, "/")
	resp := lv.push(t, "event", map[string]any{"type": "hook", "event": "ping", "value": map[string]any{"N": 7}})
	if string(resp) != `{"diff":{"r":{"pong":7}}}` {
		t.Errorf("hook reply %s", resp)
	}
	if string(lv.model.Reply()) != `{"pong":7}` {
		t.Errorf("model reply %s", lv.model.Reply())
	}
	lv.click(t, "title", nil)
	if lv.model.Title() != "Count 0" {
		t.Errorf("title %q", lv.model.Title())
	}
	lv.click(t, "notify", nil)
	ev := lv.model.Events()
	if len(ev) != 1 || ev[0].Name != "notified" || string(ev[0].Payload) != `{"count":0}` {
		t.Errorf("events %+v", ev)
	}
}

func TestUnknownUploadAndUnknownMessages(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/")
	c := ts.dial(t, p)
	lv := ts.join(t, c, p, "/")
	ref := c.send(lv.joinRef, lv.topic, "allow_upload", map[string]any{"ref": "0"})
	if r := decodeReply(t, c.reply(ref)); r.Status != "ok" || string(r.Response) != `{"ref":"0","error":[["0","disallowed"]]}` {
		t.Errorf("allow_upload: %s %s", r.Status, r.Response)
	}
	if resp := lv.push(t, "something_else", map[string]any{}); string(resp) != `{}` {
		t.Errorf("unknown message reply %s", resp)
	}
	lv.click(t, "inc", nil)
	if !strings.Contains(lv.model.HTML(), `<span id="count">1</span>`) {
		t.Errorf("view stopped working: %q", lv.model.HTML())
	}
}

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    Event
		err     string
	}{
		{"click", `{"type":"click","event":"x","value":{"id":"7","value":""}}`, Event{Type: "click", Name: "x", Value: url.Values{"id": {"7"}, "value": {""}}}, ""},
		{"numbers and bools", `{"type":"click","event":"x","value":{"n":1.5,"b":true,"z":null}}`, Event{Type: "click", Name: "x", Value: url.Values{"n": {"1.5"}, "b": {"true"}}}, ""},
		{"form with meta", `{"type":"form","event":"f","value":"a=1&a=2&b%5Bc%5D=x+y","meta":{"_target":"b[c]","extra":"e"}}`, Event{Type: "form", Name: "f", Target: "b[c]", Value: url.Values{"a": {"1", "2"}, "b[c]": {"x y"}, "extra": {"e"}}}, ""},
		{"form undefined target", `{"type":"form","event":"f","value":"","meta":{"_target":"undefined"}}`, Event{Type: "form", Name: "f", Value: url.Values{}}, ""},
		{"key", `{"type":"keydown","event":"k","value":{"key":"a"}}`, Event{Type: "keydown", Name: "k", Key: "a", Value: url.Values{"key": {"a"}}}, ""},
		{"cid", `{"type":"click","event":"x","value":{},"cid":3}`, Event{Type: "click", Name: "x", CID: 3, Value: url.Values{}}, ""},
		{"bad cid", `{"type":"click","event":"x","value":{},"cid":-1}`, Event{}, "bad cid"},
		{"bad form", `{"type":"form","event":"f","value":"a=%zz"}`, Event{}, "invalid URL escape"},
		{"not json", `[`, Event{}, "decode event"},
		{"value not object", `{"type":"click","event":"x","value":[1]}`, Event{Type: "click", Name: "x", Value: url.Values{}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeEvent(json.RawMessage(tt.payload))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Raw = nil
			if got.Type != tt.want.Type || got.Name != tt.want.Name || got.Key != tt.want.Key || got.Target != tt.want.Target || got.CID != tt.want.CID || !equalValues(got.Value, tt.want.Value) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb := b[k]
		if len(va) != len(vb) {
			return false
		}
		for i := range va {
			if va[i] != vb[i] {
				return false
			}
		}
	}
	return true
}

func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{
		`{"type":"click","event":"x","value":{"id":"7"}}`,
		`{"type":"form","event":"f","value":"a=1&b%5Bc%5D=2","meta":{"_target":"b[c]"}}`,
		`{"type":"hook","event":"h","value":{"a":[1,{"b":null}]}}`,
		`{"type":"keyup","event":"k","value":{"key":"Enter"},"cid":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if fast, ok := fastDecodeEvent(b); ok {
			slow, err := slowDecodeEvent(b)
			if err != nil {
				t.Fatalf("fast path accepted what the general path refuses (%v): %s", err, b)
			}
			if fast.Type != slow.Type || fast.Name != slow.Name || fast.Key != slow.Key || fast.Target != slow.Target ||
				fast.CID != slow.CID || string(fast.Raw) != string(slow.Raw) || !equalValues(fast.Value, slow.Value) {
				t.Fatalf("fast and general paths differ on %s:\nfast %+v\nslow %+v", b, fast, slow)
			}
		}
		e, err := decodeEvent(b)
		if err != nil {
			return
		}
		if e.CID < 0 {
			t.Fatalf("negative cid %d", e.CID)
		}
		if len(e.Value) > maxFormValues+1000 {
			t.Fatalf("%d values", len(e.Value))
		}
		_ = e.Get("x")
		e.Int("x")
	})
}
