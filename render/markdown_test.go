package render

import (
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	tm := Must(New("t").Parse(`<div>{{markdown .}}</div>`))
	tests := []struct {
		src     string
		want    []string
		mustNot []string
	}{
		{"# Title\n\n*em* and `code`", []string{"<h1>Title</h1>", "<em>em</em>", "<code>code</code>"}, nil},
		{"hi <script>alert(1)</script>", []string{"hi "}, []string{"<script"}},
		{`<img src=x onerror="alert(1)">`, nil, []string{"<img", "onerror=\"alert"}},
		{"<div onclick=alert(1)>x</div>\n", nil, []string{"<div onclick"}},
		{"[x](javascript:alert(1))", []string{"<a href=\"\">x</a>"}, []string{"javascript:"}},
		{"a < b & c", []string{"a &lt; b &amp; c"}, nil},
	}
	for _, tt := range tests {
		r, err := tm.Execute(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		got := r.HTML(nil)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("markdown(%q) = %q, missing %q", tt.src, got, w)
			}
		}
		for _, w := range tt.mustNot {
			if strings.Contains(got, w) {
				t.Errorf("markdown(%q) = %q, contains %q", tt.src, got, w)
			}
		}
	}
}

func TestMarkdownInAttributeIsEscaped(t *testing.T) {
	r, err := Must(New("t").Parse(`<p title="{{markdown .}}">`)).Execute("*x*")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.HTML(nil); strings.Contains(got, "<em>") || !strings.Contains(got, "x") {
		t.Fatalf("markdown in an attribute: %q", got)
	}
}
