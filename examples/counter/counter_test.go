package main

import (
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"go.uber.org/goleak"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testSecret keeps sessions valid across the servers of one test.
var testSecret = []byte("counter-test-secret-0123456789abcdef")

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newTestServer returns a counter server whose pages start at start, shut down at cleanup.
func newTestServer(t *testing.T, start int) *live.Server {
	t.Helper()
	srv := newServer(config{Secret: testSecret, Logger: quietLogger(), Start: func() int { return start }})
	t.Cleanup(func() { srv.Shutdown(t.Context()) })
	return srv
}

func count(t *testing.T, v *livetest.View, sel string) int {
	t.Helper()
	n, err := strconv.Atoi(v.Text(sel))
	if err != nil {
		t.Fatalf("%s is not a number: %v\n%s", sel, err, v.HTML())
	}
	return n
}

func TestInitialRender(t *testing.T) {
	srv := newTestServer(t, 41)
	page := livetest.Load(t, srv, "/")
	for _, want := range []string{
		`<span id="count">41</span>`,
		`<button phx-click="dec">-</button>`,
		`<button phx-click="inc">+</button>`,
		`<span id="shared">0</span>`,
	} {
		if !strings.Contains(page.ContainerHTML(), want) {
			t.Errorf("disconnected render lacks %s:\n%s", want, page.ContainerHTML())
		}
	}
	if page.Title != "Counter" {
		t.Errorf("title %q, want Counter", page.Title)
	}
	v := page.MustJoin()
	// The join render is the disconnected render: no flicker when the client connects.
	if got, want := normalize(t, v.HTML()), normalize(t, page.ContainerHTML()); got != want {
		t.Errorf("connected render differs from the disconnected one\nconnected:\n%s\ndisconnected:\n%s", got, want)
	}
	if got := count(t, v, "#count"); got != 41 {
		t.Errorf("connected #count = %d, want 41 (the disconnected render's)", got)
	}
	if got := count(t, v, "#shared"); got != 0 {
		t.Errorf("connected #shared = %d, want 0", got)
	}
}

func TestRandomStart(t *testing.T) {
	srv := newServer(config{Secret: testSecret, Logger: quietLogger()})
	t.Cleanup(func() { srv.Shutdown(t.Context()) })
	seen := map[int]bool{}
	for range 5 {
		v := livetest.Open(t, srv, "/")
		n := count(t, v, "#count")
		if n < 0 || n > maxStart {
			t.Fatalf("start %d outside [0, %d]", n, maxStart)
		}
		seen[n] = true
		v.Close()
	}
	if len(seen) < 2 {
		t.Errorf("5 pages all started at %v; the start is not random", seen)
	}
}

func TestIncDec(t *testing.T) {
	tests := []struct {
		name   string
		clicks []string
		want   int
	}{
		{"inc", []string{"inc"}, 11},
		{"dec", []string{"dec"}, 9},
		{"inc inc dec", []string{"inc", "inc", "dec"}, 11},
		{"below zero", []string{"dec", "dec", "dec", "dec", "dec", "dec", "dec", "dec", "dec", "dec", "dec"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := livetest.Open(t, newTestServer(t, 10), "/")
			for _, c := range tt.clicks {
				v.Click(`button[phx-click="` + c + `"]`)
			}
			if got := count(t, v, "#count"); got != tt.want {
				t.Fatalf("after %v: #count = %d, want %d\n%s", tt.clicks, got, tt.want, v.HTML())
			}
		})
	}
}

func TestSharedCounterAcrossViews(t *testing.T) {
	srv := newTestServer(t, 0)
	a := livetest.Open(t, srv, "/")
	b := livetest.Open(t, srv, "/")

	a.Click(`button[phx-click="inc_shared"]`)
	if got := count(t, a, "#shared"); got != 1 {
		t.Fatalf("clicking view a: a's #shared = %d, want 1", got)
	}
	b.WaitFor(func(html string) bool { return strings.Contains(html, `<span id="shared">1</span>`) })

	b.Click(`button[phx-click="inc_shared"]`)
	b.Click(`button[phx-click="inc_shared"]`)
	a.Click(`button[phx-click="dec_shared"]`)
	for _, v := range []*livetest.View{a, b} {
		v.WaitFor(func(html string) bool { return strings.Contains(html, `<span id="shared">2</span>`) })
	}
	// The private counters did not move.
	if ca, cb := count(t, a, "#count"), count(t, b, "#count"); ca != 0 || cb != 0 {
		t.Errorf("private counts %d and %d, want 0 and 0", ca, cb)
	}
	// A page opened later starts from the shared value.
	if got := count(t, livetest.Open(t, srv, "/"), "#shared"); got != 2 {
		t.Errorf("new page's #shared = %d, want 2", got)
	}
}

func TestUnknownEventKeepsViewRunning(t *testing.T) {
	v := livetest.Open(t, newTestServer(t, 5), "/")
	v.Click(`button[phx-click="inc"]`, map[string]string{"extra": "ignored"})
	// A value the view does not know, sent as a click on an element rewritten by a hostile
	// client, must get an ok reply and leave the view alive.
	v.PushHook("no-such-event", map[string]any{"x": 1})
	v.Click(`button[phx-click="inc"]`)
	if got := count(t, v, "#count"); got != 7 {
		t.Fatalf("#count = %d, want 7", got)
	}
}

func TestTamperedSessionIsStale(t *testing.T) {
	srv := newTestServer(t, 5)
	page := livetest.Load(t, srv, "/")
	// Change a character inside the signed payload (the signature's last character can carry
	// unused base64 bits).
	i := len(page.Session) / 3
	flipped := byte('A')
	if page.Session[i] == 'A' {
		flipped = 'B'
	}
	page.Session = page.Session[:i] + string(flipped) + page.Session[i+1:]
	_, err := page.Join()
	var je *livetest.JoinError
	if !errors.As(err, &je) || je.Reason != "stale" {
		t.Fatalf("join with a tampered session: err = %v, want a JoinError with reason stale", err)
	}
}

// normalize parses an HTML fragment and renders it back, so that equal DOMs compare equal.
func normalize(t *testing.T, fragment string) string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader("<div id=root>" + fragment + "</div>"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := doc.Find("#root").Html()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
