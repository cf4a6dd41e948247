package conformance

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/glint-go/glint/render"
)

// runRenderTemplate executes a case with render and returns the parsed template too, so
// that a test can execute it again. A panic escaping render is reported as such: the
// engine promises never to panic into its caller.
func runRenderTemplate(c *testCase, data any) (o outcome, tree *render.Rendered, t *render.Template, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	t = render.New(c.name).Funcs(funcs())
	if c.opts.delims[0] != "" {
		t.Delims(c.opts.delims[0], c.opts.delims[1])
	}
	if len(c.opts.options) > 0 {
		t.Option(c.opts.options...)
	}
	if _, err := t.Parse(c.text); err != nil {
		return outcome{err: err}, nil, t, nil
	}
	if c.more != "" {
		if _, err := t.Parse(c.more); err != nil {
			return outcome{err: err}, nil, t, nil
		}
	}
	tree, err := executeCase(t, c, data)
	if err != nil {
		return outcome{err: err}, nil, t, nil
	}
	if tree == nil {
		return outcome{err: fmt.Errorf("render returned a nil tree and no error")}, nil, t, nil
	}
	return outcome{out: tree.HTML(nil)}, tree, t, nil
}

func executeCase(t *render.Template, c *testCase, data any) (*render.Rendered, error) {
	if c.opts.exec != "" {
		return t.ExecuteTemplate(c.opts.exec, data)
	}
	return t.Execute(data)
}

// Locations in html/template's errors: "template: NAME:LINE:COL: …",
// "template: NAME:LINE: …" and "html/template:NAME:LINE:COL: …"; or, without a line,
// "html/template:NAME: …".
var (
	errLineRE = regexp.MustCompile(`(?:^|\s)(?:html/)?template: ?([^\s:]+):(\d+)`)
	errNameRE = regexp.MustCompile(`(?:^|\s)(?:html/)?template: ?([^\s:]+):`)
	quotedRE  = regexp.MustCompile(`"([^"]+)"`)
)

// checkErrorLocation says what render's error lacks, compared to html/template's: the
// template name, and the line when html/template names one.
func checkErrorLocation(c *testCase, want, got error) string {
	g := got.Error()
	if strings.TrimSpace(g) == "" {
		return "render's error is empty"
	}
	w := want.Error()
	if m := errLineRE.FindStringSubmatch(w); m != nil {
		if !strings.Contains(g, m[1]+":"+m[2]) {
			return fmt.Sprintf("render's error does not name %s:%s", m[1], m[2])
		}
		return ""
	}
	if m := errNameRE.FindStringSubmatch(w); m != nil {
		if !strings.Contains(g, m[1]) {
			return fmt.Sprintf("render's error does not name template %q", m[1])
		}
		return ""
	}
	// No location in html/template's error (e.g. `html/template: "x" is undefined`):
	// render's must still name a template: one html/template names, or the case's.
	names := []string{c.name}
	if c.opts.exec != "" {
		names = append(names, c.opts.exec)
	}
	for _, m := range quotedRE.FindAllStringSubmatch(w, -1) {
		names = append(names, m[1])
	}
	for _, n := range names {
		if strings.Contains(g, n) {
			return ""
		}
	}
	return fmt.Sprintf("render's error names none of the templates %q", names)
}
