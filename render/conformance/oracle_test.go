package conformance

import (
	"errors"
	htmltemplate "html/template"
	"strings"
	"testing"
	texttemplate "text/template"
)

// minCorpusCases is the size the corpus must reach.
const minCorpusCases = 300

// TestCorpusExpectations checks the corpus against html/template alone: every case fails
// exactly when it says it does (and with the error it names), so a case can't silently
// stop testing what it claims to test.
func TestCorpusExpectations(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) < minCorpusCases {
		t.Errorf("corpus has %d cases, want at least %d", len(cases), minCorpusCases)
	}
	var failing int
	for i := range cases {
		c := &cases[i]
		got := runHTMLTemplate(c, c.data())
		switch {
		case c.opts.wantErr && got.err == nil:
			t.Errorf("%s: html/template succeeded, the case wants an error; output:\n%s", c.id, got.out)
		case !c.opts.wantErr && got.err != nil:
			t.Errorf("%s: html/template failed, the case wants success: %v", c.id, got.err)
		case got.err != nil && c.opts.errHas != "" && !strings.Contains(got.err.Error(), c.opts.errHas):
			t.Errorf("%s: html/template error %q does not contain %q", c.id, got.err, c.opts.errHas)
		case got.err != nil && c.opts.errType != "" && errorType(got.err) != c.opts.errType:
			t.Errorf("%s: html/template error %q is of type %s, the case says %s", c.id, got.err, errorType(got.err), c.opts.errType)
		}
		if got.err != nil {
			failing++
		}
	}
	t.Logf("%d cases, %d expected to fail", len(cases), failing)
}

// errorType classifies an error as the errtype option does: exec when errors.As finds a
// text/template ExecError in it, escape when it finds an *html/template.Error, other
// when neither.
func errorType(err error) string {
	var ee texttemplate.ExecError
	var he *htmltemplate.Error
	switch {
	case errors.As(err, &ee):
		return "exec"
	case errors.As(err, &he):
		return "escape"
	}
	return "other"
}
