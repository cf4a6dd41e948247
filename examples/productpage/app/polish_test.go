package app_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
)

// catalogCounts are the stock counts the items of catalogApp cycle through: one of each
// level, high first.
var catalogCounts = []int{800, 300, 100, 0}

// catalogApp builds the app over the seed catalog (real product images, 13 sizes each)
// whose items' counts cycle through catalogCounts, with both products released.
func catalogApp(t testing.TB) *app.App {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "catalog.db"), store.SQLiteOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ps, items := store.Seed(rand.New(rand.NewPCG(5, 6)))
	for i := range items {
		items[i].AvailableCount = catalogCounts[i%len(catalogCounts)]
	}
	if err := st.Reset(ctx, ps, items); err != nil {
		t.Fatal(err)
	}
	a := startApp(t, st, rand.New(rand.NewPCG(7, 8)))
	for _, p := range ps {
		if err := a.Inventory.Release(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// pageClient is a browser without scripts: a cookie jar holding the cart cartID.
func pageClient(t *testing.T, a *app.App, base, cartID string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	jar.SetCookies(u, []*http.Cookie{{Name: cart.CookieName, Value: a.Cookies.Value(cartID)}})
	return &http.Client{Jar: jar}
}

// getPage GETs path (as the admin when asAdmin) and parses it; it fails the test unless
// the answer is a 200 HTML page.
func getPage(t *testing.T, client *http.Client, base, path string, asAdmin bool) *goquery.Document {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	if asAdmin {
		req.SetBasicAuth(admin.User, testPassword)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// shopPages are the pages of the app, each with the least number of images it shows for
// catalogApp with a cart of two items.
var shopPages = []struct {
	path    string
	asAdmin bool
	images  int
}{
	{"/drops", false, 2},
	{"/checkout", false, 2},
	{"/checkout/complete?order=1", false, 0},
	{"/admin", true, 2},
}

// Every page links the site's icon, a same-origin URL (the CSP's img-src 'self' covers
// it) that answers with an SVG image.
func TestPagesLinkTheFavicon(t *testing.T) {
	a := catalogApp(t)
	base := newServer(t, a)
	client := pageClient(t, a, base, cart.NewID())
	var icon string
	for _, p := range shopPages {
		doc := getPage(t, client, base, p.path, p.asAdmin)
		links := doc.Find(`head link[rel="icon"]`)
		href, _ := links.Attr("href")
		if links.Length() != 1 || !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") {
			t.Fatalf("%s: icon links %d, href %q; want one same-origin link", p.path, links.Length(), href)
		}
		if typ, _ := links.Attr("type"); typ != "image/svg+xml" {
			t.Errorf("%s: icon link type %q", p.path, typ)
		}
		if icon != "" && href != icon {
			t.Errorf("%s links icon %q, another page %q", p.path, href, icon)
		}
		icon = href
	}
	// Browsers that ignore the link ask for /favicon.ico: the same icon.
	for _, path := range []string{icon, "/favicon.ico"} {
		checkIcon(t, base, path)
	}
}

// checkIcon checks that path answers GET and HEAD with the SVG icon.
func checkIcon(t *testing.T, base, icon string) {
	t.Helper()
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, base+icon, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", method, icon, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "image/svg+xml" {
			t.Errorf("%s %s: Content-Type %q, want image/svg+xml", method, icon, ct)
		}
		if method == http.MethodGet && !strings.Contains(string(body), "<svg") {
			t.Errorf("GET %s is not an SVG drawing:\n%s", icon, body)
		}
	}
}

// Every page links Glint's stylesheet before its own, which can then restyle the offline
// notice every page carries after its live container.
func TestPagesShowTheOfflineNotice(t *testing.T) {
	a := catalogApp(t)
	base := newServer(t, a)
	client := pageClient(t, a, base, cart.NewID())
	for _, p := range shopPages {
		doc := getPage(t, client, base, p.path, p.asAdmin)
		var css []string
		doc.Find(`head link[rel="stylesheet"]`).Each(func(_ int, l *goquery.Selection) { css = append(css, l.AttrOr("href", "")) })
		if len(css) != 2 || css[0] != "/live/glint.css" || css[1] != "/assets/app.css" {
			t.Errorf("%s links the stylesheets %q", p.path, css)
		}
		if n := doc.Find("body > [data-phx-main] + .glint-offline[role=status]").Length(); n != 1 {
			t.Errorf("%s has %d offline notices after its live container", p.path, n)
		}
	}
	resp, err := http.Get(base + "/live/glint.css")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") ||
		!strings.Contains(string(body), ".glint-offline") {
		t.Errorf("GET /live/glint.css: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// Every image the pages show has a text alternative naming the product, in every state a
// test can reach: released products on /drops, a cart on /checkout, the admin's tables.
func TestEveryImageHasAlt(t *testing.T) {
	a := catalogApp(t)
	base := newServer(t, a)
	id := cart.NewID()
	for _, item := range []int64{1, 14} { // a size of each product
		if err := a.Carts.Add(context.Background(), id, item); err != nil {
			t.Fatal(err)
		}
	}
	client := pageClient(t, a, base, id)
	names := map[string]bool{}
	for _, p := range a.Inventory.Products() {
		names[p.Name] = true
	}
	for _, p := range shopPages {
		doc := getPage(t, client, base, p.path, p.asAdmin)
		imgs := doc.Find("img")
		if imgs.Length() < p.images {
			t.Errorf("%s shows %d images, want at least %d", p.path, imgs.Length(), p.images)
		}
		imgs.Each(func(_ int, img *goquery.Selection) {
			src, _ := img.Attr("src")
			alt, ok := img.Attr("alt")
			if !ok || strings.TrimSpace(alt) == "" {
				t.Errorf("%s: <img src=%q> has no alt text", p.path, src)
				return
			}
			named := false
			for name := range names {
				named = named || strings.Contains(alt, name)
			}
			if !named {
				t.Errorf("%s: <img src=%q alt=%q> does not name its product", p.path, src, alt)
			}
		})
	}
}

// No template has an <img> without alt text, not even in a branch the pages above do not
// render.
func TestTemplatesGiveEveryImageAlt(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("templates", "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v, %v", files, err)
	}
	img := regexp.MustCompile(`(?is)<img\b[^>]*>`)
	alt := regexp.MustCompile(`(?is)\balt="[^"]*\S[^"]*"`)
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range img.FindAllString(string(b), -1) {
			seen++
			if !alt.MatchString(tag) {
				t.Errorf("%s: %s has no alt text", f, tag)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no <img> in the templates: the pattern is wrong")
	}
}

// The legend on /drops lists every stock level once, in the order high to out, and the
// count range it gives for each is the one inventory.LevelOf maps to that level.
func TestDropsStockLegend(t *testing.T) {
	a := catalogApp(t)
	base := newServer(t, a)
	doc := getPage(t, pageClient(t, a, base, cart.NewID()), base, "/drops", false)
	legend := doc.Find("main.product-list .stock-legend ul.legend")
	if legend.Length() != 1 {
		t.Fatalf("/drops has %d stock legends, want 1", legend.Length())
	}
	if legend.Parent().Next().Is(".product-listing") == false {
		t.Error("the legend is not right above the product listings")
	}
	want := []inventory.Level{inventory.LevelHigh, inventory.LevelMedium, inventory.LevelLow, inventory.LevelOut}
	entries := legend.Find("li[data-level]")
	if entries.Length() != len(want) {
		t.Fatalf("legend has %d entries, want %d: %s", entries.Length(), len(want), legend.Text())
	}
	span := regexp.MustCompile(`(\d+)(?:–(\d+)|(\+))`)
	entries.Each(func(i int, e *goquery.Selection) {
		level := inventory.Level(e.AttrOr("data-level", ""))
		if level != want[i] {
			t.Errorf("entry %d is level %q, want %q", i, level, want[i])
		}
		if !e.HasClass("stock-legend__entry--" + string(level)) {
			t.Errorf("entry %q lacks its class: %q", level, e.AttrOr("class", ""))
		}
		if doc.Find(".size-container__entry--level-"+string(level)).Length() == 0 {
			t.Errorf("no size on the page shows level %q, so the test cannot compare", level)
		}
		text := strings.TrimSpace(e.Text())
		if level == inventory.LevelOut {
			if inventory.LevelOf(0) != level || !strings.Contains(text, "sold out") {
				t.Errorf("out entry %q", text)
			}
			return
		}
		m := span.FindStringSubmatch(text)
		if m == nil {
			t.Errorf("entry %q gives no count range: %q", level, text)
			return
		}
		lo, _ := strconv.Atoi(m[1])
		hi := 1 << 30
		if m[3] == "" {
			hi, _ = strconv.Atoi(m[2])
		}
		if inventory.LevelOf(lo) != level || inventory.LevelOf(hi) != level ||
			inventory.LevelOf(lo-1) == level || (m[3] == "" && inventory.LevelOf(hi+1) == level) {
			t.Errorf("entry %q says %d–%d, which LevelOf does not map to %q alone", level, lo, hi, level)
		}
	})
	// The legend is the page's own text: it carries no level class of a size button,
	// which other tests count.
	if h, _ := legend.Html(); strings.Contains(h, "level-") {
		t.Errorf("the legend uses a size button's level class: %s", h)
	}
}
