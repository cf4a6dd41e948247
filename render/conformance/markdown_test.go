package conformance

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/yuin/goldmark"
)

// md mirrors render's markdown func: goldmark with its default, safe options (raw HTML is
// replaced by "<!-- raw HTML omitted -->" and dangerous link destinations are dropped).
var md = goldmark.New()

// markdownHTML is the html/template side's equivalent of render's default markdown func.
func markdownHTML(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("markdown: %w", err)
	}
	return template.HTML(buf.String()), nil
}
