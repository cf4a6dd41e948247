package conformance

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strings"
	texttemplate "text/template"

	"github.com/glint-go/glint/render"
)

// runRenderTemplate executes a case with render and returns the executed template too,
// so that a test can execute it again. A panic escaping render is reported as such: the
// engine promises never to panic into its caller.
func runRenderTemplate(c *testCase, data any) (o outcome, tree *render.Rendered, t *render.Template, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	t, log, err := prepareRenderCase(c, data)
	if err != nil {
		return outcome{err: err, log: log}, nil, t, nil
	}
	tree, err = executeCase(t, c, data)
	if err != nil {
		return outcome{err: err, log: log}, nil, t, nil
	}
	if tree == nil {
		return outcome{err: fmt.Errorf("render returned a nil tree and no error"), log: log}, nil, t, nil
	}
	return outcome{out: tree.HTML(nil), log: log}, tree, t, nil
}

// prepareRenderCase parses a case with render and takes the steps before its execution
// (the warm-up execution, the .new template), recording them as runHTMLTemplate does.
// It returns the template the case executes, or the error that ends the case first.
func prepareRenderCase(c *testCase, data any) (t *render.Template, log []string, err error) {
	t = render.New(c.name).Funcs(funcs())
	if c.opts.delims[0] != "" {
		t.Delims(c.opts.delims[0], c.opts.delims[1])
	}
	if len(c.opts.options) > 0 {
		t.Option(c.opts.options...)
	}
	if _, err := t.Parse(c.text); err != nil {
		return t, nil, err
	}
	if c.more != "" {
		if _, err := t.Parse(c.more); err != nil {
			return t, nil, err
		}
	}
	if c.opts.warm {
		var out string
		tree, err := t.Execute(data)
		if err == nil {
			out = tree.HTML(nil)
		}
		log = append(log, warmStep(out, err))
	}
	if c.hasNew {
		nt := t.New(c.opts.newName)
		_, err := nt.Parse(c.newText)
		log = append(log, newParseStep(err))
		switch c.opts.run {
		case "first":
		case "lookup":
			t = t.Lookup(c.opts.newName)
		default:
			t = nt
		}
	}
	if t == nil {
		return nil, log, errNoLookup
	}
	return t, log, nil
}

// errNoLookup is the outcome of a case whose Lookup (run: lookup) finds nothing.
var errNoLookup = errors.New("conformance: Lookup of the new template's name returned nil")

// warmStep describes a warm-up execution: its output, or that it failed.
func warmStep(out string, err error) string {
	if err != nil {
		return "warm-up execution: failed"
	}
	return fmt.Sprintf("warm-up execution: %q", out)
}

// newParseStep describes the Parse of a .new template. Parse errors come from
// html/template in both engines, so their text is compared.
func newParseStep(err error) string {
	if err != nil {
		return "parse of the new template: " + err.Error()
	}
	return "parse of the new template: ok"
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

// errorShape describes the typed errors errors.As finds in err's chain: a text/template
// ExecError (its Name; with exact, also its Err's text and the errors Err wraps) and an
// *html/template.Error (its code, template, line and description). Callers compare
// html/template's shape with render's.
func errorShape(err error, exact bool) string {
	var b strings.Builder
	var ee texttemplate.ExecError
	if errors.As(err, &ee) {
		fmt.Fprintf(&b, "ExecError{Name: %q", ee.Name)
		if exact {
			fmt.Fprintf(&b, ", Err: %q", ee.Err)
			for e := errors.Unwrap(ee.Err); e != nil; e = errors.Unwrap(e) {
				fmt.Fprintf(&b, " wrapping %q", e)
			}
		}
		b.WriteString("} ")
	}
	var he *htmltemplate.Error
	if errors.As(err, &he) {
		fmt.Fprintf(&b, "*html/template.Error{ErrorCode: %d, Name: %q, Line: %d, has Node: %v, Description: %q}",
			he.ErrorCode, he.Name, he.Line, he.Node != nil, he.Description)
	}
	if b.Len() == 0 {
		return "neither ExecError nor *html/template.Error"
	}
	return strings.TrimSpace(b.String())
}

// checkErrorShape says how render's error differs from html/template's in the typed
// errors errors.As finds (see errorShape), or returns "".
func checkErrorShape(want, got error, exact bool) string {
	w, g := errorShape(want, exact), errorShape(got, exact)
	if w != g {
		return fmt.Sprintf("errors.As finds different errors\nhtml/template: %s\nrender:        %s", w, g)
	}
	return ""
}
