package channel

import (
	"net/http"
	"testing"
)

func TestAuthToken(t *testing.T) {
	cases := []struct {
		header []string
		want   string
	}{
		{nil, ""},
		{[]string{"phoenix"}, ""},
		{[]string{"phoenix, base64url.bearer.phx.c2VjcmV0L2F1dGgrdG9rZW4"}, "secret/auth+token"}, // btoa without '='
		{[]string{"phoenix", "base64url.bearer.phx.aGk="}, "hi"},
		{[]string{"phoenix, base64url.bearer.phx.aGk_"}, "hi?"}, // URL alphabet
		{[]string{"phoenix, base64url.bearer.phx.!!!"}, ""},
	}
	for _, tc := range cases {
		h := http.Header{}
		for _, v := range tc.header {
			h.Add("Sec-WebSocket-Protocol", v)
		}
		if got := authToken(h); got != tc.want {
			t.Errorf("authToken(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestSameOrigin(t *testing.T) {
	cases := []struct {
		origin, host string
		want         bool
	}{
		{"", "example.com", true},
		{"https://example.com", "example.com", true},
		{"https://EXAMPLE.com", "example.com", true},
		{"https://example.com:8443", "example.com", false},
		{"https://evil.com", "example.com", false},
		{"null", "example.com", false},
		{"://bad", "example.com", false},
	}
	for _, tc := range cases {
		r := &http.Request{Host: tc.host, Header: http.Header{}}
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if got := sameOrigin(r); got != tc.want {
			t.Errorf("sameOrigin(Origin %q, Host %q) = %v, want %v", tc.origin, tc.host, got, tc.want)
		}
	}
}

type namedHandler struct {
	Handler
	name string
}

func TestRoutePrecedence(t *testing.T) {
	s := NewServer(Options{})
	for _, p := range []string{"*", "room:*", "room:vip:*", "room:lobby"} {
		if err := s.Handle(p, func() Handler { return namedHandler{name: p} }); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]string{
		"room:lobby":     "room:lobby", // exact beats any prefix
		"room:lobby2":    "room:*",
		"room:vip:1":     "room:vip:*", // longest prefix wins
		"room:":          "room:*",
		"other":          "*",
		"":               "*",
		"room:vip:*oops": "room:vip:*",
	}
	for topic, want := range cases {
		nh := s.route(topic)
		if nh == nil {
			t.Errorf("route(%q) = nil, want %s", topic, want)
			continue
		}
		if got := nh().(namedHandler).name; got != want {
			t.Errorf("route(%q) = %s, want %s", topic, got, want)
		}
	}
	empty := NewServer(Options{})
	if empty.route("x") != nil {
		t.Error("route on a server without routes matched")
	}
}
