package conformance

import (
	"bytes"
	"html/template"
)

// outcome is what one engine made of one case.
type outcome struct {
	out string
	err error
	// log records the steps before the case's execution (a warm-up execution, the Parse
	// of a .new template), which must go the same way in both engines.
	log []string
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
	var log []string
	var buf bytes.Buffer
	if c.opts.warm {
		err := t.Execute(&buf, data)
		log = append(log, warmStep(buf.String(), err))
		buf.Reset()
	}
	run := t
	if c.hasNew {
		nt := t.New(c.opts.newName)
		_, err := nt.Parse(c.newText)
		log = append(log, newParseStep(err))
		switch c.opts.run {
		case "first":
		case "lookup":
			run = t.Lookup(c.opts.newName)
		default:
			run = nt
		}
	}
	if run == nil {
		return outcome{err: errNoLookup, log: log}
	}
	var err error
	if c.opts.exec != "" {
		err = run.ExecuteTemplate(&buf, c.opts.exec, data)
	} else {
		err = run.Execute(&buf, data)
	}
	if err != nil {
		return outcome{err: err, log: log}
	}
	return outcome{out: buf.String(), log: log}
}

// htmlFuncs is funcs plus the markdown func render provides by default.
func htmlFuncs() template.FuncMap {
	fm := template.FuncMap(funcs())
	fm["markdown"] = markdownHTML
	return fm
}
