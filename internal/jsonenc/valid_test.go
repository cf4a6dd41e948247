package jsonenc

import (
	"encoding/json"
	"strings"
	"testing"
)

// validCases are inputs on every branch of Valid; each must get encoding/json's answer.
var validCases = []string{
	``, ` `, `{}`, ` { } `, `[]`, `[ ]`, `""`, `0`, `-0`, `1`, `-`, `01`, `1.`, `1.5`, `.5`, `1e5`,
	`1E+5`, `1e-5`, `1e`, `1e+`, `-1.25e-10`, `true`, `false`, `null`, `tru`, `nul`, `nulll`,
	`True`, `{"a":1}`, `{"a":1,}`, `{,"a":1}`, `{"a" : [1, 2.5, "x", null, true, {"b": {}}]}`,
	`{"a"}`, `{"a":}`, `{a:1}`, `{"a":1 "b":2}`, `[1,]`, `[,1]`, `[1 2]`, `[`, `]`, `{`, `}`,
	`"\"\\\/\b\f\n\r\t"`, `"\u00e9\uD83D\uDE00"`, `"\u00g0"`, `"\u00e"`, `"\x"`, `"\`, `"abc`,
	"\"tab\there\"", "\"nul\x00\"", "\"\xff\xfe invalid UTF-8\"", "\"é ✓\"", `"\u"`,
	`{"type":"click","event":"inc","value":{"value":""}}`, "{\"a\":1}\n", "\t[1]\r\n",
	`1 2`, `{} {}`, `[[[[]]]]`, `[[[[]]]`, `{"a":{"b":{"c":[{"d":null}]}}}`, `-01`, `-a`,
	`0.0e0`, `1e05`, `00`, `[-]`, `["a",-1.5E3,{"":""}]`,
}

func TestValidMatchesEncodingJSON(t *testing.T) {
	cases := append([]string(nil), validCases...)
	// Nesting at and just past encoding/json's bound.
	for _, n := range []int{maxDepth, maxDepth + 1} {
		cases = append(cases, strings.Repeat("[", n)+strings.Repeat("]", n))
		cases = append(cases, strings.Repeat(`{"a":`, n)+"1"+strings.Repeat("}", n))
	}
	for _, c := range cases {
		want := json.Valid([]byte(c))
		if got := Valid([]byte(c)); got != want {
			t.Errorf("Valid(%.60q) = %v, encoding/json says %v", c, got, want)
		}
	}
}

// FuzzValid checks that Valid agrees with encoding/json.Valid on any input.
func FuzzValid(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", b, got, want)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	click := []byte(`{"type":"click","event":"inc","value":{"value":""}}`)
	b.Run("jsonenc", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !Valid(click) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !json.Valid(click) {
				b.Fatal("invalid")
			}
		}
	})
}
