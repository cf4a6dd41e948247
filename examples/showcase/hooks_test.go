package main

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/glint-go/glint/live/livetest"
)

func TestHooksFirstRender(t *testing.T) {
	sc := newTestServer(t, config{})
	page := livetest.Load(t, sc, "/hooks")
	html := page.ContainerHTML()
	// The group's hook gave the view the visitor before Mount, on the disconnected render too.
	name := between(html, `<strong id="name">`, `</strong>`)
	if name == "" || !strings.Contains(html, `<span id="mounted">`+name+`</span>`) {
		t.Errorf("visitor name %q not given before Mount:\n%s", name, html)
	}
	if !strings.Contains(html, `id="connecting"`) || strings.Contains(html, `id="timezone"`) {
		t.Errorf("the disconnected render shows connect info:\n%s", html)
	}
}

// between returns the text of s between the first from and the next to, or "".
func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	in, _, _ := strings.Cut(after, to)
	return in
}

// A banned visitor is redirected by the group's mount hook before the page mounts.
func TestHooksBannedVisitorIsRedirected(t *testing.T) {
	sc := newTestServer(t, config{})
	hs := httptest.NewServer(sc)
	defer hs.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(hs.URL + "/hooks?banned=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Errorf("GET /hooks?banned=1: %d %q, want 302 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The other pages are in another group: the hook does not run for them.
	resp, err = client.Get(hs.URL + "/components?banned=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /components?banned=1: %d, want 200", resp.StatusCode)
	}
}

func TestHooksConnectInfo(t *testing.T) {
	sc := newTestServer(t, config{})
	v := livetest.Open(t, sc, "/hooks", livetest.Header("User-Agent", "ShowcaseTest/1.0"))
	tests := []struct{ sel, want string }{
		{"#client", "127.0.0.1"},
		{"#browser", "ShowcaseTest/1.0"},
		// livetest sends no time zone: only a browser does (see the browser test).
		{"#timezone", "not sent"},
	}
	for _, tt := range tests {
		if got := v.Text(tt.sel); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.sel, got, tt.want)
		}
	}
}

// The info hook counts the seconds, the event hook stops launches, and failed handlers
// show their errors as a flash, which lv:clear-flash dismisses.
func TestHooksEventsAndErrors(t *testing.T) {
	sc := newTestServer(t, config{})
	v := livetest.Open(t, sc, "/hooks")
	v.WaitFor(func(string) bool { return v.Text("#seconds") != "0" })

	tests := []struct {
		name      string
		click     string
		wantInfo  string
		wantError string
	}{
		{"a flash put by the view", "#hello", "Hello, " + v.Text("#name") + "! (click to dismiss)", ""},
		{"the info flash dismissed", "#flash-info", "", ""},
		{"a user error shown as it is", "#buy", "", "Sold out: someone else got the last ticket. (click to dismiss)"},
		{"another error shown as a generic message", "#break", "", "Something went wrong; the details are in the server's log. (click to dismiss)"},
		{"the error flash dismissed", "#flash-error", "", ""},
		{"an event the event hook stops", "#launch", "", "Only the crew may launch: the group's event hook stopped it. (click to dismiss)"},
		{"both flashes", "#hello", "Hello, " + v.Text("#name") + "! (click to dismiss)", "Only the crew may launch: the group's event hook stopped it. (click to dismiss)"},
		{"dismiss all", "#clear", "", ""},
	}
	for _, tt := range tests {
		v.Click(tt.click)
		if got := v.Find("#flash-info").Text(); got != tt.wantInfo {
			t.Errorf("%s: info flash %q, want %q", tt.name, got, tt.wantInfo)
		}
		if got := v.Find("#flash-error").Text(); got != tt.wantError {
			t.Errorf("%s: error flash %q, want %q", tt.name, got, tt.wantError)
		}
	}
	if got := v.Text("#blocked"); got != "1" {
		t.Errorf("blocked launches %q, want 1", got)
	}
	n, err := strconv.Atoi(v.Text("#seconds"))
	if err != nil || n < 1 {
		t.Errorf("seconds %q, want a count", v.Text("#seconds"))
	}
}
