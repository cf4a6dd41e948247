package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/store"
)

// adminPage is what GET /admin gave a browser: its live container's tokens and cookies.
type adminPage struct {
	id, session, static, csrf string
	cookies                   []*http.Cookie
}

func getAdminPage(t *testing.T, base, password string) adminPage {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	req, _ := http.NewRequest("GET", base+"/admin", nil)
	req.SetBasicAuth(admin.User, password)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin: %s", resp.Status)
	}
	m := containerRe.FindStringSubmatch(string(body))
	c := csrfRe.FindStringSubmatch(string(body))
	if m == nil || c == nil {
		t.Fatalf("no live container in /admin:\n%s", body)
	}
	u, _ := url.Parse(base)
	return adminPage{id: m[1], session: m[2], static: m[3], csrf: c[1], cookies: jar.Cookies(u)}
}

// joinAdmin joins p's view on a new socket, sending cookies when given, and returns the
// join reply's status and response.
func joinAdmin(t *testing.T, base string, p adminPage, cookies []*http.Cookie) (status, response string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hdr := http.Header{}
	for _, c := range cookies {
		hdr.Add("Cookie", c.Name+"="+c.Value)
	}
	u, _ := url.Parse(base)
	conn, resp, err := websocket.Dial(ctx, "ws://"+u.Host+"/live/websocket?_csrf_token="+url.QueryEscape(p.csrf)+"&vsn=2.0.0",
		&websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		if resp != nil {
			return "upgrade " + resp.Status, ""
		}
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 22)
	join, _ := json.Marshal([]any{"1", "1", "lv:" + p.id, "phx_join", map[string]any{
		"url": base + "/admin", "params": map[string]any{"_csrf_token": p.csrf, "_mounts": 0},
		"session": p.session, "static": p.static, "sticky": false,
	}})
	if err := conn.Write(ctx, websocket.MessageText, join); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return "closed: " + err.Error(), ""
		}
		var f [5]json.RawMessage
		if json.Unmarshal(data, &f) != nil || string(f[3]) != `"phx_reply"` {
			continue
		}
		var r struct {
			Status   string          `json:"status"`
			Response json.RawMessage `json:"response"`
		}
		_ = json.Unmarshal(f[4], &r)
		return r.Status, string(r.Response)
	}
}

// The admin page's live view is joined once per GET that passed basic auth: a copied
// session, or the same session joined again, is sent back to /admin, and a grant issued
// under another password is refused.
func TestAdminJoinNeedsAFreshGrant(t *testing.T) {
	a := fixtureApp(t)
	srv := httptest.NewServer(a)
	defer srv.Close()

	p := getAdminPage(t, srv.URL, testPassword)
	status, resp := joinAdmin(t, srv.URL, p, p.cookies)
	if status != "ok" || !strings.Contains(resp, `"rendered"`) {
		t.Fatalf("the admin's own join: %s %s", status, resp)
	}
	// The same session again (a copied page, or a rejoin): redirected, never rendered.
	for _, tc := range []struct {
		name    string
		cookies []*http.Cookie
	}{
		{"with the admin's cookies", p.cookies},
		{"with no cookies", nil},
	} {
		status, resp := joinAdmin(t, srv.URL, p, tc.cookies)
		if strings.Contains(resp, `"rendered"`) {
			t.Errorf("%s: a second join with the page's session was rendered: %s", tc.name, resp)
		}
		if tc.cookies != nil && !strings.Contains(resp, `"/admin"`) {
			t.Errorf("%s: reply %s %s, want a redirect to /admin", tc.name, status, resp)
		}
	}
	// A fresh GET gives a fresh grant.
	p2 := getAdminPage(t, srv.URL, testPassword)
	if status, resp := joinAdmin(t, srv.URL, p2, p2.cookies); status != "ok" || !strings.Contains(resp, `"rendered"`) {
		t.Fatalf("a fresh page's join: %s %s", status, resp)
	}
}

func TestAdminGrantDiesWithThePassword(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shop.db")
	open := func(password string) *httptest.Server {
		st, err := store.OpenSQLite(context.Background(), db, store.SQLiteOptions{Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(context.Background(), app.Config{Store: st, AdminPassword: password, Secret: testSecret,
			Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a)
		t.Cleanup(func() {
			srv.Close()
			a.Close(context.Background())
		})
		return srv
	}
	before := open("old password")
	p := getAdminPage(t, before.URL, "old password")
	// The same secret, the same store, a new password: the page's session still verifies,
	// but its grant does not.
	after := open("new password")
	status, resp := joinAdmin(t, after.URL, p, p.cookies)
	if strings.Contains(resp, `"rendered"`) || !strings.Contains(resp, `"/admin"`) {
		t.Fatalf("a grant issued under the old password: %s %s, want a redirect to /admin", status, resp)
	}
}
