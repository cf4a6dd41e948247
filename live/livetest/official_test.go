package livetest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/glint-go/glint/internal/browsertest"
	"github.com/glint-go/glint/live/livetest"
)

// stripUnused drops from a "… k=v&k=v" line the _unused_ keys the browser client adds for
// untouched inputs, which livetest does not send.
func stripUnused(s string) string {
	head, query := "", s
	if i := strings.LastIndexByte(s, ' '); i >= 0 {
		head, query = s[:i+1], s[i+1:]
	}
	var kept []string
	for _, p := range strings.Split(query, "&") {
		if !strings.HasPrefix(p, "_unused_") && !strings.Contains(strings.SplitN(p, "=", 2)[0], "%5B_unused_") {
			kept = append(kept, p)
		}
	}
	return head + strings.Join(kept, "&")
}

// TestSameEventsAsTheOfficialClient is a differential test of livetest's event encoding: the
// same action on the demo page, done by livetest and by the official phoenix_live_view
// client in headless Chromium, must make the server decode the same event (the demo view
// writes what it decoded into the page).
func TestSameEventsAsTheOfficialClient(t *testing.T) {
	ctx := browsertest.New(t)
	script := browsertest.Bundle(t, browsertest.OfficialClientEntry)
	srv := newDemoServerScript(t, "/official.js")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /official.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(script)
	})
	mux.Handle("/", srv)
	ts := httptest.NewServer(mux)
	defer ts.Close()

	v := livetest.OpenURL(t, ts.URL+"/demo")
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("load", chromedp.Navigate(ts.URL+"/demo"),
		chromedp.Poll[chromedp.Void](`!!document.querySelector("[data-phx-main].phx-connected")`,
			chromedp.WithPollingInterval(50*time.Millisecond)))

	// browserText waits until the browser shows want at selector (with _unused_ keys
	// stripped), or fails with what it shows.
	browserText := func(what, selector, want string) {
		t.Helper()
		wantJS, _ := json.Marshal(want)
		cond := fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
			let s = el.textContent.trim(); return s === %s || window.__stripUnused(s) === %s })()`, selector, wantJS, wantJS)
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector)))
			t.Errorf("%s: the official client made the server see\n  %q\nlivetest made it see\n  %q", what, strings.TrimSpace(got), want)
		}
	}
	// The same stripping in the page, so the poll can compare.
	run("install the helper", chromedp.Evaluate[chromedp.Void](`window.__stripUnused = s => {
		const parts = s.split(" "); const last = parts.pop();
		const kept = last.split("&").filter(p => !/^(_unused_|[^=]*%5B_unused_)/.test(p));
		return [...parts, kept.join("&")].join(" ") }`))

	steps := []struct {
		name     string
		selector string // where the server writes what it decoded
		live     func()
		browser  []chromedp.Action[chromedp.Void]
	}{
		{"plain click", "#last", func() { v.Click("#plain") }, []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#plain"))}},
		{"phx-value-* and value", "#last", func() { v.Click("#valued") }, []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#valued"))}},
		{"bubbling to the binding", "#last", func() { v.Click("#inner") }, []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#inner"))}},
		{"JS push command", "#last", func() { v.Click("#js") }, []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#js"))}},
		{"selector target outside components", "#last", func() { v.Click("#to-view") }, []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#to-view"))}},
		{"component target by cid", "#card-a em", func() { v.Click("#card-a button") }, []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#card-a button"))}},
		{"component target by selector", "#card-b em", func() { v.Click("#to-card") }, []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#to-card"))}},
		{"blur", "#last", func() { v.Blur("#k") }, []chromedp.Action[chromedp.Void]{chromedp.Focus(chromedp.CSS("#k")), chromedp.Blur(chromedp.CSS("#k"))}},
		{"focus", "#last", func() { v.Focus("#k") }, []chromedp.Action[chromedp.Void]{chromedp.Focus(chromedp.CSS("#k"))}},
		{"keydown then keyup", "#last", func() { v.Keydown("#k", "Enter"); v.Keyup("#k", "Enter") }, []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.CSS("#k"), kb.Enter)}},
		{"submit with a submitter", "#last", func() { v.Submit(`#f button[name="go"]`, nil) }, []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(`#f button[name="go"]`))}},
		{"change", "#last", func() { v.Change(`#f input[name="user[name]"]`, url.Values{"user[name]": {"b"}}, "") }, []chromedp.Action[chromedp.Void]{
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#f input[name="user[name]"]').select()`),
			chromedp.SendKeys(chromedp.CSS(`#f input[name="user[name]"]`), "b"),
		}},
	}
	began := time.Now()
	for _, st := range steps {
		t.Logf("%6dms %s", time.Since(began).Milliseconds(), st.name)
		st.live()
		want := stripUnused(v.Text(st.selector))
		run(st.name, st.browser...)
		browserText(st.name, st.selector, want)
	}
	// Leave the page, so the servers close without waiting for its socket.
	run("leave the page", chromedp.Navigate("about:blank"))
}

func TestStripUnused(t *testing.T) {
	for in, want := range map[string]string{
		"form x a=1&_unused_b=&b=2":          "form x a=1&b=2",
		"_unused_a=&a=&user%5B_unused_x%5D=": "a=",
		"a=1":                                "a=1",
	} {
		if got := stripUnused(in); got != want {
			t.Errorf("stripUnused(%q) = %q, want %q", in, got, want)
		}
	}
}
