package render

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// md renders GitHub-flavoured Markdown. It is built without html.WithUnsafe, so raw
// HTML in the source is replaced by a comment and dangerous link URLs are dropped:
// nothing a user typed reaches the page as markup.
var md = goldmark.New(goldmark.WithExtensions(extension.GFM))

// markdown renders Markdown source to HTML. It is the template function markdown.
func markdown(src string) (htmltemplate.HTML, error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("markdown: %w", err)
	}
	return htmltemplate.HTML(buf.String()), nil
}

// defaultFuncs are the functions every Template has before the user's.
func defaultFuncs() FuncMap {
	return FuncMap{"markdown": markdown}
}
