package main

import (
	"embed"
	htmltemplate "html/template"

	"github.com/glint-go/glint/render"
)

//go:embed templates/*.html
var templateFS embed.FS

// parsePage parses the template of one page.
func parsePage(name string) *render.Template {
	return render.Must(render.New(name).ParseFS(templateFS, "templates/"+name))
}

var layoutTemplate = htmltemplate.Must(htmltemplate.New("layout.html").ParseFS(templateFS, "templates/layout.html"))
