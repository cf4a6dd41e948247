package livetest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// DefaultTimeout bounds every wait of a View (a reply, a render, the join) unless Timeout
// changes it. It is generous because test machines are often loaded.
const DefaultTimeout = 10 * time.Second

// Option configures Open, OpenURL, Load and LoadURL.
type Option func(*config)

type config struct {
	timeout time.Duration
	header  http.Header
	trace   bool
}

func newConfig(opts []Option) config {
	c := config{timeout: DefaultTimeout, header: http.Header{}}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Timeout sets how long a View waits for a reply, a render or its join.
func Timeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// Trace logs every frame the View sends (→) and receives (←) with t.Logf.
func Trace() Option {
	return func(c *config) { c.trace = true }
}

// Header adds a header to the page request and to the WebSocket upgrade request.
func Header(key, value string) Option {
	return func(c *config) { c.header.Add(key, value) }
}

// Page is the result of the disconnected GET of a live page: the HTML and what the browser
// client reads from it to join. Its fields may be changed before Join, to test how the
// server handles bad input.
type Page struct {
	// URL is the page's absolute URL.
	URL *url.URL
	// Body is the whole HTML document.
	Body string
	// ID is the container element's id; the view's topic is "lv:"+ID.
	ID string
	// Session and Static are the container's data-phx-session and data-phx-static.
	Session, Static string
	// CSRFToken is the content of <meta name="csrf-token">.
	CSRFToken string
	// Title is the text of the document's <title>.
	Title string
	// Cookies are the cookies the page response set; they go with the WebSocket upgrade.
	Cookies []*http.Cookie

	t       testing.TB
	cfg     config
	content string // the container's inner HTML
	nested  bool   // a nested view's container (View.Child)
	sticky  bool   // with data-phx-sticky
}

// Load starts an httptest server around h (closed by t.Cleanup) and does the disconnected
// GET of path. It fails the test unless the answer is 200 with exactly one live container
// ([data-phx-main], or else the only [data-phx-session]).
func Load(t testing.TB, h http.Handler, path string, opts ...Option) *Page {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return LoadURL(t, srv.URL+path, opts...)
}

// LoadURL does the disconnected GET of an absolute http URL, as Load does, against a server
// the test started itself.
func LoadURL(t testing.TB, rawURL string, opts ...Option) *Page {
	t.Helper()
	cfg := newConfig(opts)
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		t.Fatalf("livetest: %q is not an absolute http URL (%v)", rawURL, err)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: cfg.timeout}
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatalf("livetest: GET %s: %v", u, err)
	}
	for k, vs := range cfg.header {
		req.Header[k] = append(req.Header[k], vs...)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("livetest: GET %s: %v", u, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("livetest: GET %s: reading the body: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("livetest: GET %s: status %d, want 200\n%s", u, resp.StatusCode, body)
	}
	p, err := parsePage(resp.Request.URL, string(body))
	if err != nil {
		t.Fatalf("livetest: GET %s: %v\n%s", u, err, body)
	}
	p.t, p.cfg = t, cfg
	p.Cookies = jar.Cookies(resp.Request.URL)
	return p
}

// parsePage reads the container, the CSRF token and the title out of a page.
func parsePage(u *url.URL, body string) (*Page, error) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parsing the HTML: %w", err)
	}
	c := doc.Find("[data-phx-main]")
	switch {
	case c.Length() > 1:
		return nil, fmt.Errorf("%d elements carry data-phx-main, want one", c.Length())
	case c.Length() == 0:
		c = doc.Find("[data-phx-session]")
		if c.Length() != 1 {
			return nil, fmt.Errorf("no [data-phx-main] container and %d [data-phx-session] elements, want one", c.Length())
		}
	}
	p := &Page{URL: u, Body: body}
	p.ID = c.AttrOr("id", "")
	if p.ID == "" {
		return nil, fmt.Errorf("the live container has no id")
	}
	var ok bool
	if p.Session, ok = c.Attr("data-phx-session"); !ok {
		return nil, fmt.Errorf("the live container #%s has no data-phx-session", p.ID)
	}
	p.Static = c.AttrOr("data-phx-static", "")
	p.content, _ = c.Html()
	meta := doc.Find(`meta[name="csrf-token"]`)
	if meta.Length() == 0 {
		return nil, fmt.Errorf(`no <meta name="csrf-token">`)
	}
	p.CSRFToken = meta.AttrOr("content", "")
	p.Title = doc.Find("title").First().Text()
	return p, nil
}

// ContainerHTML returns the inner HTML of the live container in the disconnected render.
func (p *Page) ContainerHTML() string { return p.content }
