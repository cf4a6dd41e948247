package livetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"go.uber.org/goleak"

	"github.com/glint-go/glint/live/livetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestOpenRendersLikeTheDisconnectedPage(t *testing.T) {
	srv := newDemoServer(t)
	page := livetest.Load(t, srv, "/demo?page=1")
	if page.ID == "" || page.Session == "" || page.CSRFToken == "" {
		t.Fatalf("page lacks id, session or csrf token: %+v", page)
	}
	if page.Title != "Demo" {
		t.Errorf("disconnected title %q, want Demo", page.Title)
	}
	v := page.MustJoin()
	if got := v.Text("#page"); got != "1" {
		t.Errorf("#page = %q, want 1 (handle-params after the connected mount)", got)
	}
	// The connected render equals the disconnected one, except for the component markers the
	// client adds to component roots.
	html := strings.ReplaceAll(v.HTML(), ` data-phx-component="1"`, "")
	html = strings.ReplaceAll(html, ` data-phx-component="2"`, "")
	if got, want := normalize(t, html), normalize(t, page.ContainerHTML()); got != want {
		t.Errorf("connected HTML differs from the disconnected render\nconnected:\n%s\ndisconnected:\n%s", got, want)
	}
	if v.Title() != "Demo" {
		t.Errorf("Title() = %q, want Demo", v.Title())
	}
	if v.ID() != page.ID {
		t.Errorf("ID() = %q, want %q", v.ID(), page.ID)
	}
}

func TestClickValues(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	tests := []struct {
		name     string
		selector string
		extra    []map[string]string
		want     string
	}{
		{"button sends its empty value", "#plain", nil, "click clicked " + values("value", "")},
		{"phx-value-* and value", "#valued", nil, "click clicked " + values("id", "7", "name", "x", "value", "v")},
		{"extra values win", "#valued", []map[string]string{{"id": "8", "more": "m"}}, "click clicked " + values("id", "8", "more", "m", "name", "x", "value", "v")},
		{"a click bubbles to the closest binding", "#inner", nil, "click clicked " + values("id", "wrap")},
		{"JS push command", "#js", nil, "click clicked " + values("id", "js", "value", "")},
		{"unchecked checkbox sends no value", "#unchecked", nil, "click clicked"},
		{"phx-target selector outside components goes to the view", "#to-view", nil, "click clicked " + values("value", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v.Click(tt.selector, tt.extra...)
			if got := v.Text("#last"); got != tt.want {
				t.Errorf("#last = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestComponentTargets(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	v.Click("#card-a button")
	v.Click("#card-a button")
	v.Click("#to-card") // phx-target="#card-b": the component that contains #card-b
	if got := v.Text("#card-a .likes"); got != "2" {
		t.Errorf("card a likes = %q, want 2", got)
	}
	if got := v.Text("#card-b .likes"); got != "1" {
		t.Errorf("card b likes = %q, want 1", got)
	}
	if got, want := v.Text("#card-b em"), "click clicked "+values("value", ""); got != want {
		t.Errorf("card b got %q, want %q", got, want)
	}
	if got := v.Text("#n"); got != "0" {
		t.Errorf("the view handled %s events, want 0: they all targeted components", got)
	}
	if !v.Has(`[data-phx-component="1"]#card-a`) {
		t.Errorf("component root lacks data-phx-component:\n%s", v.HTML())
	}
}

func TestComponentRemoval(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	v.Click("#card-b button")
	v.PushHook("drop-b", nil)
	if v.Has("#card-b") {
		t.Fatalf("card b still shown:\n%s", v.HTML())
	}
	if got := v.DestroyedComponents(); len(got) != 1 || got[0] != 2 {
		t.Fatalf("DestroyedComponents() = %v, want [2]", got)
	}
	v.PushHook("restore-b", nil)
	if got := v.Text("#card-b .likes"); got != "0" {
		t.Errorf("restored card b likes = %q, want 0 (a fresh component)", got)
	}
	v.Click("#card-b button")
	if got := v.Text("#card-b .likes"); got != "1" {
		t.Errorf("restored card b likes = %q after a click, want 1", got)
	}
	if got := v.Text("#card-a .likes"); got != "0" {
		t.Errorf("card a likes = %q, want 0", got)
	}
}

func TestSubmit(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	v.Submit("#f", url.Values{"user[name]": {"bob smith"}, "agree": {"yes"}})
	want := "form save " + values("agree", "yes", "bio", "hello", "color", "blue", "form", "f1", "news", "on", "own", "o", "user[name]", "bob smith")
	if got := v.Text("#last"); got != want {
		t.Errorf("#last = %q\nwant    %q", got, want)
	}
}

func TestSubmitter(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	v.Submit(`#f button[name="go"]`, nil)
	want := "form save " + values("bio", "hello", "color", "blue", "form", "f1", "go", "1", "news", "on", "own", "o", "user[name]", "ann")
	if got := v.Text("#last"); got != want {
		t.Errorf("#last = %q\nwant    %q", got, want)
	}
}

func TestPhxKeyFilter(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	v.Keyup("#enter", "a")
	if got := v.Text("#n"); got != "0" {
		t.Fatalf("a key phx-key filters out reached the server (#n = %s)", got)
	}
	v.Keyup("#enter", "enter")
	if got, want := v.Text("#last"), "keyup key key=enter "+values("key", "enter", "value", ""); got != want {
		t.Errorf("#last = %q, want %q", got, want)
	}
}

func TestChange(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	v.Change("#f", url.Values{"color": {"red"}}, "color")
	want := "form validate target=color " + values("bio", "hello", "color", "red", "form", "f1", "news", "on", "own", "o", "user[name]", "ann")
	if got := v.Text("#last"); got != want {
		t.Errorf("#last = %q\nwant    %q", got, want)
	}
	// An input with its own phx-change sends only itself, and its name is the target.
	v.Change("#own", url.Values{"own": {"p"}}, "")
	if got, want := v.Text("#last"), "form own "+values("form", "f1", "own", "p"); got != want {
		t.Errorf("#last = %q, want %q", got, want)
	}
}

func TestKeysFocusBlur(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	tests := []struct {
		name string
		do   func()
		want string
	}{
		{"keydown", func() { v.Keydown("#k", "Enter") }, "keydown key key=Enter " + values("extra", "e", "key", "Enter", "value", "typed")},
		{"keyup", func() { v.Keyup("#k", "a") }, "keyup key key=a " + values("extra", "e", "key", "a", "value", "typed")},
		{"window keydown", func() { v.Keydown("#win", "Escape") }, "keydown winkey key=Escape " + values("key", "Escape")},
		{"focus", func() { v.Focus("#k") }, "focus focus " + values("extra", "e", "value", "typed")},
		{"blur", func() { v.Blur("#k") }, "blur blur " + values("extra", "e", "value", "typed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.do()
			if got := v.Text("#last"); got != tt.want {
				t.Errorf("#last = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPushHook(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	r := v.PushHook("hook", map[string]any{"x": 1, "nested": map[string]any{"y": "z"}})
	var got map[string]any
	if err := json.Unmarshal(r, &got); err != nil {
		t.Fatalf("hook reply %s: %v", r, err)
	}
	echo, _ := json.Marshal(got["echo"])
	if string(echo) != `{"nested":{"y":"z"},"x":1}` {
		t.Errorf("hook reply echo = %s", echo)
	}
	if v.Text("#last") != "hook" {
		t.Errorf("#last = %q, want hook", v.Text("#last"))
	}
	if r := v.PushHook("silent-hook", nil); string(r) != `{"ok":true}` {
		t.Errorf("silent hook reply = %s, want {\"ok\":true}", r)
	}
}

func TestPushEventAndTitle(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	v.PushHook("push-event", nil)
	evs := v.PageEvents()
	if len(evs) != 1 || evs[0].Name != "hello" || string(evs[0].Payload) != `{"n":1}` {
		t.Errorf("page events = %+v, want one hello {\"n\":1}", evs)
	}
	v.PushHook("title", nil)
	if v.Title() != "New title" {
		t.Errorf("Title() = %q, want New title", v.Title())
	}
}

func TestBroadcastAndWaitRender(t *testing.T) {
	srv := newDemoServer(t)
	v := livetest.Open(t, srv, "/demo")
	if err := srv.PubSub().Broadcast(context.Background(), demoTopic, "say", "hi"); err != nil {
		t.Fatal(err)
	}
	v.WaitRender()
	if got := v.Text("#last"); got != "info hi" {
		t.Errorf("#last = %q, want info hi", got)
	}
	srv.PubSub().Broadcast(context.Background(), demoTopic, "say", "again")
	v.WaitFor(func(html string) bool { return strings.Contains(html, "info again") })
}

func TestLiveLinks(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	v.Click("#plink span")
	if got := v.Text("#page"); got != "9" || v.URL().RawQuery != "page=9" {
		t.Fatalf("after the patch link: #page %q, URL %s", got, v.URL())
	}
	v.Click("#nlink")
	if v.Text("#other") != "other page" || v.URL().Path != "/other" {
		t.Fatalf("after the navigate link: URL %s, HTML:\n%s", v.URL(), v.HTML())
	}
}

func TestTimerPush(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	v.PushHook("later", map[string]string{"text": "tick"})
	v.WaitRender() // the timer's diff arrives as a push after the reply
	if got := v.Text("#last"); got != "timer tick" {
		t.Errorf("#last = %q, want timer tick", got)
	}
	if v.Title() != "Timer fired" {
		t.Errorf("Title() = %q after a pushed title, want Timer fired", v.Title())
	}
	evs := v.PageEvents()
	if len(evs) != 1 || evs[0].Name != "fired" || string(evs[0].Payload) != `{"text":"tick"}` {
		t.Errorf("PageEvents() = %+v, want one fired {\"text\":\"tick\"}", evs)
	}
}

func TestPatch(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo?page=1")
	if !v.Patch("/demo?page=2") {
		t.Fatal("patch within the view answered link_redirect")
	}
	if got := v.Text("#page"); got != "2" {
		t.Errorf("#page = %q after a patch, want 2", got)
	}
	if got := v.URL().String(); !strings.HasSuffix(got, "/demo?page=2") {
		t.Errorf("URL() = %s, want …/demo?page=2", got)
	}
	// A server push-patch updates the URL and runs handle-params.
	v.PushHook("patch", nil)
	if got := v.Text("#page"); got != "3" {
		t.Errorf("#page = %q after PushPatch, want 3", got)
	}
	if got := v.URL().String(); !strings.HasSuffix(got, "/demo?page=3") {
		t.Errorf("URL() = %s after PushPatch, want …/demo?page=3", got)
	}
	// A URL of another view is a link redirect.
	if v.Patch("/other") {
		t.Error("patch to another view's URL did not answer link_redirect")
	}
}

func TestRedirects(t *testing.T) {
	tests := []struct {
		event string
		want  livetest.Redirect
	}{
		{"redirect", livetest.Redirect{Kind: "redirect", To: "/other?full=1"}},
		{"navigate", livetest.Redirect{Kind: "live_redirect", To: "/other", Replace: true}},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			v := livetest.Open(t, newDemoServer(t), "/demo")
			if _, ok := v.Redirected(); ok {
				t.Fatal("Redirected before any redirect")
			}
			v.PushHook(tt.event, nil)
			got, ok := v.Redirected()
			if !ok || got != tt.want {
				t.Fatalf("Redirected() = %+v, %v; want %+v", got, ok, tt.want)
			}
			v.WaitFor(func(string) bool { return v.Closed() })
		})
	}
}

func TestFollowRedirects(t *testing.T) {
	srv := newDemoServer(t)
	t.Run("live redirect", func(t *testing.T) {
		v := livetest.Open(t, srv, "/demo", livetest.Timeout(2*time.Second))
		v.PushHook("navigate", nil)
		if got := v.FollowRedirect(); got != v {
			t.Fatal("a live redirect returned another View")
		}
		if v.Text("#other") != "other page" || v.URL().Path != "/other" {
			t.Fatalf("after the live redirect: URL %s, HTML:\n%s", v.URL(), v.HTML())
		}
		// Navigate back; the same container id and tokens mount the demo view again.
		if err := v.Navigate("/demo?page=5"); err != nil {
			t.Fatal(err)
		}
		if got := v.Text("#page"); got != "5" {
			t.Errorf("#page = %q after navigating back, want 5", got)
		}
		v.Click("#plain")
		if got := v.Text("#n"); got != "1" {
			t.Errorf("#n = %q, want 1", got)
		}
	})
	t.Run("full redirect", func(t *testing.T) {
		v := livetest.Open(t, srv, "/demo")
		v.PushHook("redirect", nil)
		nv := v.FollowRedirect()
		if nv == v || nv.Text("#other") != "other page" || nv.URL().RawQuery != "full=1" {
			t.Fatalf("after the redirect: URL %s, HTML:\n%s", nv.URL(), nv.HTML())
		}
	})
	t.Run("navigate to another session group", func(t *testing.T) {
		v := livetest.Open(t, srv, "/demo")
		err := v.Navigate("/admin")
		var je *livetest.JoinError
		if !errors.As(err, &je) || je.Reason != "unauthorized" {
			t.Fatalf("Navigate across groups: err = %v, want reason unauthorized", err)
		}
	})
}

func TestMountRedirectOnJoin(t *testing.T) {
	srv := newDemoServer(t)
	tests := []struct {
		path string
		want livetest.Redirect
	}{
		{"/guarded", livetest.Redirect{Kind: "redirect", To: "/other"}},
		{"/guarded?to=live", livetest.Redirect{Kind: "live_redirect", To: "/other"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := livetest.Load(t, srv, tt.path).Join()
			var je *livetest.JoinError
			if !errors.As(err, &je) || je.Redirect == nil || *je.Redirect != tt.want {
				t.Fatalf("Join() = %v, want a JoinError with redirect %+v", err, tt.want)
			}
		})
	}
}

func TestCrashAndRejoin(t *testing.T) {
	v := livetest.Open(t, newDemoServer(t), "/demo")
	v.Click("#plain")
	if v.Text("#n") != "1" {
		t.Fatalf("#n = %q, want 1", v.Text("#n"))
	}
	v.ExpectCrash(func() { v.PushHook("crash", nil) })
	if !v.Errored() {
		t.Fatal("Errored() is false after a crash")
	}
	v.Rejoin()
	if v.Errored() {
		t.Error("still errored after a rejoin")
	}
	if got := v.Text("#n"); got != "0" {
		t.Errorf("#n = %q after the remount, want 0", got)
	}
	v.Click("#plain")
	if got := v.Text("#n"); got != "1" {
		t.Errorf("#n = %q after a click on the remounted view, want 1", got)
	}
}

func TestJoinErrors(t *testing.T) {
	srv := newDemoServer(t)
	tests := []struct {
		name   string
		tamper func(p *livetest.Page)
		reason string
	}{
		{"tampered session", func(p *livetest.Page) { p.Session = flipMiddle(p.Session) }, "stale"},
		{"session of another id", func(p *livetest.Page) {
			p.ID = "phx-someoneelse"
		}, "stale"},
		{"garbage session", func(p *livetest.Page) { p.Session = "not a token" }, "stale"},
		{"tampered static", func(p *livetest.Page) { p.Static = flipMiddle(p.Static) }, "stale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := livetest.Load(t, srv, "/demo")
			tt.tamper(p)
			_, err := p.Join()
			var je *livetest.JoinError
			if !errors.As(err, &je) || je.Reason != tt.reason {
				t.Fatalf("Join() error = %v, want reason %q", err, tt.reason)
			}
		})
	}
	// A foreign Origin is refused at the upgrade.
	p := livetest.Load(t, srv, "/demo", livetest.Header("Origin", "http://evil.example"))
	if _, err := p.Join(); err == nil || !strings.Contains(err.Error(), "status 403") {
		t.Errorf("Join() with a foreign Origin: err = %v, want an upgrade refused with 403", err)
	}
	// The server is still fine.
	v := livetest.Open(t, srv, "/demo")
	v.Click("#plain")
}

// flipMiddle changes one character in the middle of a token. (The last character of a
// base64 signature can carry unused bits, so changing it may not change the bytes.)
func flipMiddle(s string) string {
	if s == "" {
		return "x"
	}
	i := len(s) / 3
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
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
