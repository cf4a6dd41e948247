package live

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/live/channel"
)

// getWith is ts.get sending cookies and header, as a browser that has been here before.
func (ts *testServer) getWith(t *testing.T, path string, cookies []*http.Cookie, header http.Header) *page {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.http.URL+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m, c := containerRe.FindStringSubmatch(string(b)), csrfRe.FindStringSubmatch(string(b))
	if m == nil || c == nil {
		t.Fatalf("GET %s: no live container:\n%s", path, b)
	}
	return &page{id: m[1], session: m[2], static: m[3], csrf: c[1], cookies: resp.Cookies()}
}

// joinStatus joins p's view on a socket that presents csrf and cookies.
func (ts *testServer) joinStatus(t *testing.T, p *page, csrf string, cookies []*http.Cookie) string {
	t.Helper()
	c := ts.dial(t, &page{csrf: csrf, cookies: cookies})
	ref := c.send("=", "lv:"+p.id, "phx_join", joinFor(p, ts.http.URL+"/"))
	return decodeReply(t, c.reply(ref)).Status
}

func sessionData(r *http.Request) (map[string]string, error) {
	return map[string]string{"user": "ana"}, nil
}

func csrfCookieOf(cookies []*http.Cookie) *http.Cookie {
	for _, c := range cookies {
		if c.Name == csrfCookie {
			return c
		}
	}
	return nil
}

func TestCSRFCookieSecure(t *testing.T) {
	https := http.Header{"X-Forwarded-Proto": {"https"}}
	tests := []struct {
		name   string
		opts   Options
		header http.Header
		want   bool
	}{
		{"plain HTTP", Options{}, nil, false},
		{"forced", Options{SecureCookies: true}, nil, true},
		{"X-Forwarded-Proto from a trusted proxy", Options{Channel: channel.Options{Limits: channel.Limits{TrustedProxies: []string{"127.0.0.1", "::1"}}}}, https, true},
		{"X-Forwarded-Proto from anyone else", Options{}, https, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newCounterServer(t, tt.opts)
			p := ts.getWith(t, "/", nil, tt.header)
			c := csrfCookieOf(p.cookies)
			if c == nil {
				t.Fatal("no CSRF cookie set")
			}
			if c.Secure != tt.want || !c.HttpOnly {
				t.Errorf("Secure = %v (want %v), HttpOnly = %v", c.Secure, tt.want, c.HttpOnly)
			}
		})
	}
}

// A page's CSRF token expires; the browser's secret is renewed by a later page load, and a
// page served before the renewal still connects while its token is young enough.
func TestCSRFExpiryAndRotation(t *testing.T) {
	const maxAge = 3 * time.Second // half of it leaves room for a slow machine
	ts := newCounterServer(t, Options{Session: sessionData, CSRFMaxAge: maxAge})
	first := ts.get(t, "/")
	cookie := csrfCookieOf(first.cookies)
	if cookie == nil {
		t.Fatal("no CSRF cookie")
	}
	// A reload before half the age keeps the secret.
	again := ts.getWith(t, "/", []*http.Cookie{cookie}, nil)
	if csrfCookieOf(again.cookies) != nil {
		t.Error("the CSRF cookie was renewed before half its age")
	}

	time.Sleep(maxAge/2 + 100*time.Millisecond)
	second := ts.getWith(t, "/", []*http.Cookie{cookie}, nil)
	renewed := csrfCookieOf(second.cookies)
	if renewed == nil || renewed.Value == cookie.Value {
		t.Fatal("the CSRF secret was not renewed past half its age")
	}
	if !strings.HasSuffix(renewed.Value, "."+strings.Split(cookie.Value, ".")[0]) {
		t.Errorf("the renewed cookie %q does not keep the previous secret", renewed.Value)
	}
	jar := []*http.Cookie{renewed}
	if got := ts.joinStatus(t, second, second.csrf, jar); got != "ok" {
		t.Errorf("the renewed page's join: %s", got)
	}
	if got := ts.joinStatus(t, first, first.csrf, jar); got != "ok" {
		t.Errorf("a page served before the renewal: join %s, want ok (its secret is the previous one)", got)
	}

	time.Sleep(maxAge/2 + 100*time.Millisecond)
	if got := ts.joinStatus(t, first, first.csrf, jar); got != "error" {
		t.Errorf("a page whose CSRF token is older than CSRFMaxAge: join %s, want error", got)
	}
}

// A cookie of the earlier format (a bare secret) is honoured once and renewed.
func TestCSRFCookieOfTheEarlierFormat(t *testing.T) {
	ts := newCounterServer(t, Options{Session: sessionData})
	old := &http.Cookie{Name: csrfCookie, Value: strings.Repeat("a", csrfSecretLen)}
	p := ts.getWith(t, "/", []*http.Cookie{old}, nil)
	renewed := csrfCookieOf(p.cookies)
	if renewed == nil || !strings.HasSuffix(renewed.Value, "."+old.Value) {
		t.Fatalf("renewed cookie %v, want one keeping %q as previous", renewed, old.Value)
	}
	if got := ts.joinStatus(t, p, p.csrf, []*http.Cookie{renewed}); got != "ok" {
		t.Errorf("join: %s", got)
	}
	// A token signing the old secret, as a page served before the upgrade holds.
	oldToken := ts.sign(saltCSRF, []byte(old.Value))
	if got := ts.joinStatus(t, p, oldToken, []*http.Cookie{renewed}); got != "ok" {
		t.Errorf("join with a token of the previous secret: %s", got)
	}
	for _, bad := range []string{"short", strings.Repeat("a", csrfSecretLen) + ".x", strings.Repeat("a", csrfSecretLen) + ".1.short", "a.b.c.d"} {
		if _, ok := parseCSRFCookie(bad); ok {
			t.Errorf("parseCSRFCookie(%q) accepted a malformed value", bad)
		}
	}
}

// One page's session joins at most MaxViewsPerSession views at once, over any number of
// sockets; a view that leaves frees its place.
func TestMaxViewsPerSession(t *testing.T) {
	ts := newCounterServer(t, Options{MaxViewsPerSession: 2})
	p := ts.get(t, "/")
	a := ts.join(t, ts.dial(t, p), p, "/")
	ts.join(t, ts.dial(t, p), p, "/")
	c := ts.dial(t, p)
	ref := c.send("=", "lv:"+p.id, "phx_join", joinFor(p, ts.http.URL+"/"))
	r := decodeReply(t, c.reply(ref))
	if r.Status != "error" || string(r.Response) != `{"reason":"too many views"}` {
		t.Fatalf("third join: %s %s, want the refusal", r.Status, r.Response)
	}
	// Another page's session is not affected.
	q := ts.get(t, "/")
	ts.join(t, ts.dial(t, q), q, "/")
	// The first view leaves: a join with the page's session is admitted again.
	ref = a.c.send(a.joinRef, a.topic, "phx_leave", map[string]any{})
	a.c.reply(ref)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := ts.dial(t, p)
		ref := c.send("=", "lv:"+p.id, "phx_join", joinFor(p, ts.http.URL+"/"))
		if decodeReply(t, c.reply(ref)).Status == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the page's session stayed full after a view left")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A client sending refused joins in a loop cannot grow the log at its pace: the lines it
// causes come in a short burst, then a couple a second.
func TestClientCausedLogLinesAreThrottled(t *testing.T) {
	ts := newCounterServer(t, Options{Channel: channel.Options{Limits: channel.Unlimited()}})
	p := ts.get(t, "/")
	c := ts.dial(t, p)
	const n = 300
	start := time.Now()
	for i := range n {
		bad := &page{id: p.id, session: p.session + "x", csrf: p.csrf}
		ref := c.send("=", "lv:"+p.id, "phx_join", joinFor(bad, ts.http.URL+"/"))
		if r := decodeReply(t, c.reply(ref)); r.Status != "error" {
			t.Fatalf("join %d with a tampered session: %s", i, r.Status)
		}
	}
	lines := strings.Count(ts.log.String(), "join refused")
	// The burst, plus what the bucket refilled while the joins were sent.
	limit := logBurst + int(time.Since(start).Seconds()*logPerSecond) + 1
	if lines < 1 || lines > limit {
		t.Fatalf("%d refused joins logged %d lines, want between 1 and %d", n, lines, limit)
	}
	// Later lines say how many were left out.
	time.Sleep(time.Second)
	ref := c.send("=", "lv:"+p.id, "phx_join", joinFor(&page{id: p.id, session: "bad", csrf: p.csrf}, ts.http.URL+"/"))
	c.reply(ref)
	if !strings.Contains(ts.log.String(), "suppressed_before=") {
		t.Errorf("the next line does not count the lines left out:\n%s", ts.log.String())
	}
}
