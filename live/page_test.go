package live

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func newCounterServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	return newTestServer(t, opts, func(s *Server) {
		s.Handle("/{$}", Page{New: func() View { return &counter{} }, Template: counterTmpl})
		s.Handle("/crash", Page{New: func() View { return &counter{crashOn: "mount"} }, Template: counterTmpl})
		s.Handle("/other/{name}", Page{New: func() View { return &other{} }, Template: otherTmpl})
		s.Handle("/admin", Page{New: func() View { return &other{} }, Template: otherTmpl, Group: "admin"})
		s.Handle("/board", Page{New: func() View { return &board{} }, Template: boardTmpl})
	})
}

func TestPageDisconnectedRender(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/?start=41&page=3")
	if !regexp.MustCompile(`^phx-[A-Za-z0-9_-]{16}$`).MatchString(p.id) {
		t.Errorf("container id %q does not follow docs/protocol.md, Container element", p.id)
	}
	for _, tok := range []string{p.session, p.static, p.csrf} {
		if tok == "" || strings.ContainsAny(tok, "\"<&") {
			t.Errorf("token %q is empty or not attribute-safe", tok)
		}
	}
	wants := []string{
		`<meta name="csrf-token" content="`,
		`<script defer src="/live/glint.js"></script>`,
		`<title></title>`,
		` data-phx-main `,
	}
	for _, w := range wants {
		if !strings.Contains(p.body, w) {
			t.Errorf("page lacks %q:\n%s", w, p.body)
		}
	}
	if want := `Count: <span id="count">41</span> <button phx-click="inc">+</button> last= key= target= page=3`; p.inner != want {
		t.Errorf("container content\n got %q\nwant %q", p.inner, want)
	}
	if strings.Contains(p.inner, " live") {
		t.Error("the disconnected mount saw Connected() == true")
	}
	var csrfCookie bool
	for _, c := range p.cookies {
		csrfCookie = csrfCookie || (c.Name == "_glint_csrf" && c.HttpOnly)
	}
	if !csrfCookie {
		t.Errorf("no HttpOnly CSRF cookie in %v", p.cookies)
	}
	if cc := p.header.Get("Cache-Control"); cc != "no-store, must-revalidate" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if q := ts.get(t, "/"); q.id == p.id {
		t.Error("two page loads got the same view id")
	}
}

func TestPageErrors(t *testing.T) {
	ts := newCounterServer(t, Options{})
	tests := []struct {
		name, method, path string
		status             int
		location           string
	}{
		{"mount error", "GET", "/?start=x", http.StatusInternalServerError, ""},
		{"redirect in mount", "GET", "/?redirect=/other/x", http.StatusFound, "/other/x"},
		{"post", "POST", "/", http.StatusMethodNotAllowed, ""},
		{"script", "GET", "/live/glint.js", http.StatusOK, ""},
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.http.URL+tt.path, nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if loc := resp.Header.Get("Location"); loc != tt.location {
				t.Errorf("Location %q, want %q", loc, tt.location)
			}
		})
	}
}

func TestPageCustomLayoutAndTitle(t *testing.T) {
	layout := mustHTMLTemplate(`<html><head><meta name="csrf-token" content="{{.CSRFToken}}"><title>{{.Title}}</title><script src="{{.ScriptURL}}"></script></head><body class="custom">{{.Content}}</body></html>`)
	ts := newTestServer(t, Options{Layout: layout, ScriptURL: "/assets/official.js"}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &titled{} }, Template: otherTmpl})
	})
	p := ts.get(t, "/")
	for _, w := range []string{`<title>My page</title>`, `<script src="/assets/official.js">`, `<body class="custom">`, `<p>other </p>`} {
		if !strings.Contains(p.body, w) {
			t.Errorf("page lacks %q:\n%s", w, p.body)
		}
	}
}
