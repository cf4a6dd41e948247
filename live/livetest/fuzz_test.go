package livetest

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
)

// FuzzFrame: any input either fails to decode or round-trips to an equal frame.
func FuzzFrame(f *testing.F) {
	for _, s := range []string{
		`["4","4","lv:phx-A","phx_reply",{"status":"ok","response":{}}]`,
		`[null,null,"lv:phx-A","diff",{"0":"1"}]`,
		`[null,"9","phoenix","heartbeat",{}]`,
		`["4",null,"lv:phx-A","diff"]`,
		`{"x":1}`,
		`["4",4,"t","e",{}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var fr frame
		if err := json.Unmarshal([]byte(in), &fr); err != nil {
			return
		}
		out, err := json.Marshal(fr)
		if err != nil {
			t.Fatalf("re-encoding %q: %v", in, err)
		}
		var back frame
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("decoding our own encoding %s of %q: %v", out, in, err)
		}
		if deref(back.JoinRef) != deref(fr.JoinRef) || deref(back.Ref) != deref(fr.Ref) ||
			back.Topic != fr.Topic || back.Event != fr.Event {
			t.Fatalf("round trip changed the frame: %q → %s", in, out)
		}
	})
}

// FuzzPushes: decoding a binding never panics, and a success always names an event.
func FuzzPushes(f *testing.F) {
	for _, s := range []string{
		`inc`,
		`[["push",{"event":"inc","value":{"id":"1"}}]]`,
		`[["toggle",{"to":"#x"}],["push",{"event":"a","target":"#c"}]]`,
		`[["push",{}]]`,
		`[1,2]`,
		` [`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, binding string) {
		ps, err := pushes(binding)
		if err != nil {
			return
		}
		if len(ps) == 0 {
			t.Fatalf("pushes(%q) returned no event and no error", binding)
		}
		for _, p := range ps {
			if p.event == "" && binding != "" {
				t.Fatalf("pushes(%q) returned an empty event name", binding)
			}
		}
	})
}

// FuzzEncodeForm: the form encoding parses back to the same pairs, in order per name.
func FuzzEncodeForm(f *testing.F) {
	f.Add("user[name]", "bob smith", "agree", "yes")
	f.Add("a", "", "a", "&=+%")
	f.Add("é", "ü\x00", "", "x")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		fields := []formField{{name: n1, value: v1}, {name: n2, value: v2}}
		enc := encodeForm(fields)
		got, err := url.ParseQuery(enc)
		if err != nil {
			t.Fatalf("encodeForm(%+v) = %q does not parse: %v", fields, enc, err)
		}
		want := url.Values{}
		for _, fl := range fields {
			want.Add(fl.name, fl.value)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("encodeForm(%+v) = %q parses to %v, want %v", fields, enc, got, want)
		}
	})
}
