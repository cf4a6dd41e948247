package livetest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/live/livetest"
)

// fatalTB records the first fatal failure and stops the calling function, as t.Fatalf does.
type fatalTB struct {
	*testing.T
	msg string
}

type fatalStop struct{}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(fatalStop{})
}

func (f *fatalTB) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	panic(fatalStop{})
}

// failure runs do with a recording TB and returns the failure message, or "" if none.
func failure(t *testing.T, do func(tb *fatalTB)) (msg string) {
	tb := &fatalTB{T: t}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fatalStop); !ok {
				panic(r)
			}
			msg = tb.msg
		}
	}()
	do(tb)
	return ""
}

func TestFailuresShowTheHTML(t *testing.T) {
	srv := newDemoServer(t)
	tests := []struct {
		name string
		do   func(v *livetest.View)
		want []string
	}{
		{"selector matches nothing", func(v *livetest.View) { v.Click("#nope") },
			[]string{`selector "#nope" matches 0 elements`, `<p id="n">0</p>`}},
		{"selector matches several", func(v *livetest.View) { v.Click("button") },
			[]string{`selector "button" matches`, `<p id="n">0</p>`}},
		{"no binding", func(v *livetest.View) { v.Click("#n") },
			[]string{`neither the element nor an ancestor has phx-click`, `<p id="n">0</p>`}},
		{"no submit binding", func(v *livetest.View) { v.Submit("#k", nil) },
			[]string{`is neither a form nor inside one`}},
		{"unknown form field", func(v *livetest.View) { v.Submit("#f", url.Values{"nope": {"1"}}) },
			[]string{`no enabled control named ["nope"]`, `<form id="f"`}},
		{"disabled form field", func(v *livetest.View) { v.Change("#f", url.Values{"off": {"1"}}, "off") },
			[]string{`no enabled control named ["off"]`}},
		{"wait for a render that never comes", func(v *livetest.View) { v.WaitRender() },
			[]string{`timed out after 200ms waiting for a new render`, `<p id="n">0</p>`}},
		{"WaitFor a condition that never holds", func(v *livetest.View) { v.WaitFor(func(string) bool { return false }) },
			[]string{`the condition did not hold within 200ms`, `<p id="n">0</p>`}},
		{"events after a crash", func(v *livetest.View) {
			v.ExpectCrash(func() { v.PushHook("crash", nil) })
			v.Click("#plain")
		}, []string{`the view has crashed (phx_error); call Rejoin first`}},
		{"unexpected crash", func(v *livetest.View) { v.PushHook("crash", nil) },
			[]string{`the view crashed (phx_error) instead of replying`}},
		{"ExpectCrash without a crash", func(v *livetest.View) { v.ExpectCrash(func() { v.Click("#plain") }) },
			[]string{`waiting for crash (phx_error)`}},
		{"events after a redirect", func(v *livetest.View) {
			v.PushHook("redirect", nil)
			v.WaitFor(func(string) bool { return v.Closed() })
			v.Click("#plain")
		}, []string{`the server closed the view (phx_close)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := failure(t, func(tb *fatalTB) {
				v := livetest.Open(tb, srv, "/demo", livetest.Timeout(200*time.Millisecond))
				tt.do(v)
			})
			if msg == "" {
				t.Fatal("no failure")
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("failure message lacks %q:\n%s", w, msg)
				}
			}
		})
	}
}

func TestLoadFailures(t *testing.T) {
	srv := newDemoServer(t)
	page := func(body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) })
	}
	const meta = `<meta name="csrf-token" content="c">`
	tests := []struct {
		name string
		h    http.Handler
		path string
		want string
	}{
		{"not found", srv, "/nope", "status 404, want 200"},
		{"no container", page(meta + `<p>plain</p>`), "/", "no [data-phx-main] container and 0 [data-phx-session] elements"},
		{"two mains", page(meta + `<div id="a" data-phx-main data-phx-session="s"></div><div id="b" data-phx-main data-phx-session="s"></div>`), "/", "2 elements carry data-phx-main"},
		{"no id", page(meta + `<div data-phx-main data-phx-session="s"></div>`), "/", "the live container has no id"},
		{"no session", page(meta + `<div id="a" data-phx-main></div>`), "/", "has no data-phx-session"},
		{"no csrf meta", page(`<div id="a" data-phx-main data-phx-session="s"></div>`), "/", `no <meta name="csrf-token">`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := failure(t, func(tb *fatalTB) { livetest.Load(tb, tt.h, tt.path) })
			if !strings.Contains(msg, tt.want) {
				t.Fatalf("failure %q lacks %q", msg, tt.want)
			}
		})
	}
	msg := failure(t, func(tb *fatalTB) { livetest.LoadURL(tb, "ftp://example.com/") })
	if !strings.Contains(msg, "is not an absolute http URL") {
		t.Errorf("LoadURL(ftp://…) failure = %q", msg)
	}
}
