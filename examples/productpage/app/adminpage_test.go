package app_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/live/livetest"
)

func TestAdminPageNeedsAuth(t *testing.T) {
	a := fixtureApp(t)
	srv := httptest.NewServer(a)
	defer srv.Close()
	tests := []struct {
		name string
		pass string
		want int
	}{
		{"none", "", http.StatusUnauthorized},
		{"wrong", "nope", http.StatusUnauthorized},
		{"right", testPassword, http.StatusOK},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", srv.URL+"/admin", nil)
		if tt.pass != "" {
			req.SetBasicAuth(admin.User, tt.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
}

// A session obtained from the public /drops page cannot join the admin view.
func TestAdminViewRefusesShopSession(t *testing.T) {
	a := fixtureApp(t)
	p := livetest.Load(t, a, "/drops")
	u := *p.URL
	u.Path = "/admin"
	p.URL = &u
	v, err := p.Join()
	var jerr *livetest.JoinError
	if !errors.As(err, &jerr) {
		t.Fatalf("join of /admin with a /drops session: view %v, err %v; want a join error", v != nil, err)
	}
	if jerr.Reason != "unauthorized" && jerr.Reason != "stale" {
		t.Errorf("reason %q, want unauthorized or stale", jerr.Reason)
	}
}

func TestAdminPageActions(t *testing.T) {
	a := fixtureApp(t)
	auth := livetest.Header("Authorization", "Basic "+basic(admin.User, testPassword))
	v := livetest.Open(t, a, "/admin", auth)
	drops := livetest.Open(t, a, "/drops")

	v.Click("#release-1")
	if v.Has("#release-1") {
		t.Error("release button still shown after releasing")
	}
	drops.WaitFor(func(html string) bool { return strings.Contains(html, `name="item_id" value="1"`) })

	v.Click("#sell-3")
	if got := v.Text("#count-3"); got != "2" {
		t.Errorf("count of item 3 after one sale = %q, want 2", got)
	}
	v.Click("#sell-1") // its last unit
	if got := v.Text("#count-1"); got != "0" || !v.Has("#sell-1[disabled]") {
		t.Errorf("item 1 after selling out: count %q, disabled %v", got, v.Has("#sell-1[disabled]"))
	}
	drops.WaitFor(func(html string) bool {
		return strings.Contains(html, `size-container__entry--level-out" name="item_id" value="1" disabled`)
	})

	v.Click("#sell-3", map[string]string{"id": "99"}) // a forged id
	if !v.Has("#admin-error") || !strings.Contains(v.Text("#admin-error"), "not found") {
		t.Errorf("no error for an unknown item:\n%s", v.HTML())
	}
	if got := v.Text("#count-3"); got != "2" {
		t.Errorf("a refused sale changed item 3: %q", got)
	}

	v.Click("#reducer-start")
	v.WaitFor(func(html string) bool { return strings.Contains(html, "stopped") })
	for _, p := range a.Inventory.Products() {
		for _, it := range p.Items {
			if it.AvailableCount != 0 {
				t.Errorf("item %d left with %d after the reducer", it.ID, it.AvailableCount)
			}
		}
	}
	v.Click("#reducer-stop")
	if v.Has("#admin-error") {
		t.Errorf("error shown: %s", v.Text("#admin-error"))
	}
}

// A stop the store could not record is shown on the page: the reducer runs on.
func TestAdminPageReducerStopFails(t *testing.T) {
	a, st := newAppStore(t, filepath.Join(t.TempDir(), "drops.db"), false)
	auth := livetest.Header("Authorization", "Basic "+basic(admin.User, testPassword))
	v := livetest.Open(t, a, "/admin", auth)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	v.Click("#reducer-stop")
	if !v.Has("#admin-error") || !strings.Contains(v.Text("#admin-error"), "could not be stopped") {
		t.Errorf("no error for a stop the store refused:\n%s", v.HTML())
	}
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}
