package channel

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeFrame(t *testing.T) {
	cases := []struct {
		in      string
		want    frame
		wantErr bool
	}{
		{`["4","6","lv:phx-A","event",{"a":1}]`, frame{joinRef: str("4"), ref: str("6"), topic: "lv:phx-A", event: "event", payload: json.RawMessage(`{"a":1}`)}, false},
		{` [ null , "9" , "phoenix" , "heartbeat" , { } ] `, frame{joinRef: null, ref: str("9"), topic: "phoenix", event: "heartbeat", payload: json.RawMessage(`{ }`)}, false},
		{`["\u0034","a\"b","t\\x","é",{}]`, frame{joinRef: str("4"), ref: str(`a"b`), topic: `t\x`, event: "é", payload: json.RawMessage(`{}`)}, false},
		{`[null,null,"t","e",{"nested":[1,{"x":"]"}]}]`, frame{joinRef: null, ref: null, topic: "t", event: "e", payload: json.RawMessage(`{"nested":[1,{"x":"]"}]}`)}, false},
		{`["1","1","t","e",{}`, frame{}, true},
		{`["1","1","t","e"]`, frame{}, true},
		{`["1","1","t","e",[]]`, frame{}, true},
		{`["1","1","t","e",{}, 5]`, frame{}, true},
		{`["1","1",null,"e",{}]`, frame{}, true},
		{`["1","1","t",null,{}]`, frame{}, true},
		{`[1,"1","t","e",{}]`, frame{}, true},
		{`["1","1","t","e",{"a":}]`, frame{}, true},
		{"[\"1\",\"1\",\"t\x01\",\"e\",{}]", frame{}, true},
		{`{"a":1}`, frame{}, true},
		{``, frame{}, true},
		{`["unterminated`, frame{}, true},
		{`[nul`, frame{}, true},
	}
	for _, tc := range cases {
		got, err := decodeFrame([]byte(tc.in))
		if (err != nil) != tc.wantErr {
			t.Errorf("decodeFrame(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got.joinRef != tc.want.joinRef || got.ref != tc.want.ref || got.topic != tc.want.topic ||
			got.event != tc.want.event || string(got.payload) != string(tc.want.payload) {
			t.Errorf("decodeFrame(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "ctl\x00\x1f\n\r\t", "é中文🙂", "bad\xffutf8", "\u2028\u2029", "<&>"} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("appendString(%q) = %s is not JSON: %v", s, got, err)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if back != want {
			t.Errorf("round trip of %q gave %q", s, back)
		}
	}
}

func TestEncodeFrame(t *testing.T) {
	got := string(encodeFrame(str("4"), null, "lv:phx-A", "diff", []byte(`{"0":"5"}`)))
	if want := `["4",null,"lv:phx-A","diff",{"0":"5"}]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// FuzzDecodeFrame checks that the decoder never panics, that what it accepts is valid JSON
// for encoding/json too, and that re-encoding a decoded frame decodes to the same frame.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`["4","6","lv:phx-A","event",{"a":1}]`,
		`[null,"9","phoenix","heartbeat",{}]`,
		`["\u0034","a\"b","t","é",{}]`,
		`["1","1","t","e",{}`,
		`[null,null,"t","e",{"x":"]"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			return
		}
		var generic []json.RawMessage
		if err := json.Unmarshal(b, &generic); err != nil || len(generic) != 5 {
			t.Fatalf("accepted %q which encoding/json reads as %d elements (%v)", b, len(generic), err)
		}
		if !utf8.ValidString(fr.topic) && json.Valid(b) {
			// encoding/json replaces invalid UTF-8; our decoder must have gone through it
			var s string
			_ = json.Unmarshal(generic[2], &s)
			if s != fr.topic {
				t.Fatalf("topic %q, encoding/json says %q", fr.topic, s)
			}
		}
		again, err := decodeFrame(encodeFrame(fr.joinRef, fr.ref, fr.topic, fr.event, fr.payload))
		if err != nil {
			t.Fatalf("re-encoded frame does not decode: %v", err)
		}
		if again.joinRef != fr.joinRef || again.ref != fr.ref || again.event != fr.event ||
			string(again.payload) != string(fr.payload) {
			t.Fatalf("round trip changed %+v into %+v", fr, again)
		}
		if again.topic != strings.ToValidUTF8(fr.topic, "\uFFFD") {
			t.Fatalf("round trip changed topic %q into %q", fr.topic, again.topic)
		}
	})
}

func BenchmarkDecodeFrame(b *testing.B) {
	in := []byte(`["4","8","lv:phx-GBsi7zQz2cEAAAAB","event",{"type":"click","event":"inc","value":{"value":""}}]`)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := decodeFrame(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeReply(b *testing.B) {
	resp := []byte(`{"diff":{"0":"1"}}`)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(encodeReply(str("4"), str("8"), "lv:phx-GBsi7zQz2cEAAAAB", "ok", resp))
	}
	b.ReportMetric(float64(n), "bytes/frame")
}
