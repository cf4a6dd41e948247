package app

import (
	"embed"
	htmltemplate "html/template"

	"github.com/glint-go/glint/render"
)

//go:embed templates/*.html
var templateFS embed.FS

// Title is the title of the /drops page.
const Title = "Sneakers23"

// shopperPage parses a shopper page's template together with the cart's.
func shopperPage(name string) *render.Template {
	return render.Must(render.New(name).ParseFS(templateFS, "templates/"+name, "templates/cart.html"))
}

var (
	dropsTemplate    = shopperPage("drops.html")
	checkoutTemplate = shopperPage("checkout.html")
	completeTemplate = shopperPage("complete.html")
	adminTemplate    = render.Must(render.New("admin.html").ParseFS(templateFS, "templates/admin.html"))
	layoutTemplate   = htmltemplate.Must(htmltemplate.New("layout.html").ParseFS(templateFS, "templates/layout.html"))
)

// DropsTemplate returns the compiled template of the /drops view; its dot is a *Drops.
// Tests render it directly to compare a view's HTML with a fresh render.
func DropsTemplate() *render.Template { return dropsTemplate }
