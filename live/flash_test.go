package live

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestFlashSurvivesRedirect(t *testing.T) {
	ts := newTestServer(t, Options{}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &flashy{} }, Template: flashyTmpl})
	})
	p := ts.get(t, "/")
	if p.inner != "info=" {
		t.Fatalf("first render %q", p.inner)
	}
	c := ts.dial(t, p)
	lv := ts.join(t, c, p, "/")
	resp := lv.click(t, "save", nil)
	var r struct {
		Redirect struct{ To, Flash string }
	}
	if err := json.Unmarshal(resp, &r); err != nil || r.Redirect.To != "/" || r.Redirect.Flash == "" {
		t.Fatalf("redirect reply %s", resp)
	}
	// The client keeps the flash in a cookie for the next page load, as the official
	// client does; the page shows it, in the disconnected and the connected render.
	req, _ := http.NewRequest("GET", ts.http.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "__phoenix_flash__", Value: r.Redirect.Flash})
	hr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hr.Body.Close()
	var cleared bool
	for _, ck := range hr.Cookies() {
		cleared = cleared || (ck.Name == "__phoenix_flash__" && ck.MaxAge < 0)
	}
	if !cleared {
		t.Error("the flash cookie was not cleared")
	}
	body := getBody(t, req)
	m := containerRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no container in %s", body)
	}
	page := &page{id: m[1], session: m[2], static: m[3]}
	if !strings.Contains(body, m[0]+"info=saved</div>") {
		t.Errorf("page with flash cookie: %s", body)
	}
	lv2 := ts.join(t, ts.dial(t, nil), page, "/")
	if got := lv2.model.HTML(); got != "info=saved" {
		t.Errorf("connected render with the static token's flash: %q", got)
	}
	// A forged flash cookie is ignored.
	req.Header.Del("Cookie")
	req.AddCookie(&http.Cookie{Name: "__phoenix_flash__", Value: "forged.token"})
	if body := getBody(t, req); strings.Contains(body, "info=saved") {
		t.Error("forged flash shown")
	}
}

func getBody(t *testing.T, req *http.Request) string {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
