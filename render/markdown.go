package render

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"

	"github.com/yuin/goldmark"
)

// md renders CommonMark with goldmark's default, safe options. Without html.WithUnsafe,
// raw HTML in the source is replaced by a comment and dangerous link URLs (javascript:
// and the like) are dropped: nothing a user typed reaches the page as markup.
var md = goldmark.New()

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
