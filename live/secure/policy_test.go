package secure_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/glint-go/glint/live/secure"
)

func TestDefaultPolicy(t *testing.T) {
	const want = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
		"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
	if got := secure.DefaultPolicy().String(); got != want {
		t.Fatalf("DefaultPolicy\n got %s\nwant %s", got, want)
	}
	if got := (secure.Policy{}).String(); got != "" {
		t.Fatalf("zero Policy: %q", got)
	}
}

func TestPolicyEdits(t *testing.T) {
	d := secure.DefaultPolicy()
	for _, tc := range []struct {
		name string
		got  secure.Policy
		want string // the directives that differ from the default, or the whole policy
	}{
		{"add to a directive", d.With("img-src", "https://cdn.example"), "img-src 'self' https://cdn.example"},
		{"add twice keeps one", d.With("img-src", "'self'", "data:", "data:"), "img-src 'self' data:"},
		{"a new fetch directive starts from default-src", d.With("font-src", "https://fonts.example"), "font-src 'self' https://fonts.example"},
		{"'none' gives way", d.With("object-src", "'self'"), "object-src 'self'"},
		{"a new other directive starts empty", d.With("report-to", "csp"), "report-to csp"},
		{"a fetch directive without default-src starts empty", secure.Policy{}.With("img-src", "data:"), "img-src data:"},
		{"with no source adds the directive", d.With("upgrade-insecure-requests"), "upgrade-insecure-requests"},
		{"set replaces in place", d.Set("frame-ancestors", "'none'"), "frame-ancestors 'none'"},
		{"set appends", d.Set("upgrade-insecure-requests"), "upgrade-insecure-requests"},
		{"hash of an inline style", d.With("style-src", secure.Hash("body{margin:0}")), "style-src 'self' " + secure.Hash("body{margin:0}")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.got.String()
			if !slices.Contains(strings.Split(s, "; "), tc.want) {
				t.Fatalf("policy %q lacks %q", s, tc.want)
			}
		})
	}
	if got := d.Without("frame-ancestors").String(); strings.Contains(got, "frame-ancestors") || !strings.Contains(got, "script-src 'self'") {
		t.Fatalf("Without: %q", got)
	}
	if got := d.Without("nonexistent").String(); got != d.String() {
		t.Fatalf("Without an absent directive: %q", got)
	}
	// Edits never change the receiver or alias its sources.
	before := d.String()
	e := d.With("script-src", "https://cdn.example")
	e.With("script-src", "https://other.example")
	_ = d.Set("script-src", "'none'").Without("img-src")
	if d.String() != before {
		t.Fatalf("the receiver changed: %q", d.String())
	}
	if src, _ := e.Sources("script-src"); !slices.Equal(src, []string{"'self'", "https://cdn.example"}) {
		t.Fatalf("a copy changed: %v", src)
	}
	src, ok := d.Sources("script-src")
	src[0] = "*"
	if again, _ := d.Sources("script-src"); !ok || again[0] != "'self'" {
		t.Fatal("Sources aliases the policy")
	}
	if _, ok := d.Sources("font-src"); ok {
		t.Fatal("Sources of an absent directive")
	}
}

func TestPolicyRejectsMalformed(t *testing.T) {
	for _, tc := range []struct {
		name          string
		directive     string
		source        string
		wantPanicText string
	}{
		{"empty name", "", "'self'", "directive name"},
		{"upper-case name", "Script-src", "'self'", "directive name"},
		{"name with a space", "script src", "'self'", "directive name"},
		{"name with ;", "script-src;", "'self'", "directive name"},
		{"empty source", "img-src", "", "source"},
		{"source with ;", "img-src", "a; script-src *", "source"},
		{"source with ,", "img-src", "a,b", "source"},
		{"source with a space", "img-src", "a b", "source"},
		{"source with a newline", "img-src", "a\nb", "source"},
		{"non-ASCII source", "img-src", "https://ex\u00e4mple.com", "source"},
		{"unbalanced quote", "img-src", "'self", "source"},
		{"quote inside", "img-src", "a'b'", "source"},
		{"empty keyword", "img-src", "''", "source"},
	} {
		for _, edit := range []struct {
			name string
			do   func()
		}{
			{"With", func() { secure.DefaultPolicy().With(tc.directive, tc.source) }},
			{"Set", func() { secure.DefaultPolicy().Set(tc.directive, tc.source) }},
		} {
			t.Run(tc.name+"/"+edit.name, func(t *testing.T) {
				defer func() {
					p, _ := recover().(string)
					if !strings.Contains(p, tc.wantPanicText) {
						t.Fatalf("panic %q, want one about the %s", p, tc.wantPanicText)
					}
				}()
				edit.do()
			})
		}
	}
}

func TestHash(t *testing.T) {
	for _, tc := range []struct{ content, want string }{
		// The example of the CSP script-src documentation.
		{"alert('Hello, world.');", "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"},
		{"", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"},
	} {
		if got := secure.Hash(tc.content); got != tc.want {
			t.Errorf("Hash(%q) = %s, want %s", tc.content, got, tc.want)
		}
	}
}
