package conformance

import (
	"bytes"
	"html/template"
)

// outcome is what one engine made of one case.
type outcome struct {
	out string
	err error
}

// runHTMLTemplate executes a case with html/template, the oracle.
func runHTMLTemplate(c *testCase, data any) outcome {
	t := template.New(c.name).Funcs(htmlFuncs())
	if c.opts.delims[0] != "" {
		t.Delims(c.opts.delims[0], c.opts.delims[1])
	}
	if len(c.opts.options) > 0 {
		t.Option(c.opts.options...)
	}
	if _, err := t.Parse(c.text); err != nil {
		return outcome{err: err}
	}
	if c.more != "" {
		if _, err := t.Parse(c.more); err != nil {
			return outcome{err: err}
		}
	}
	var buf bytes.Buffer
	var err error
	if c.opts.exec != "" {
		err = t.ExecuteTemplate(&buf, c.opts.exec, data)
	} else {
		err = t.Execute(&buf, data)
	}
	if err != nil {
		return outcome{err: err}
	}
	return outcome{out: buf.String()}
}

// htmlFuncs is funcs plus the markdown func render provides by default.
func htmlFuncs() template.FuncMap {
	fm := template.FuncMap(funcs())
	fm["markdown"] = markdownHTML
	return fm
}
