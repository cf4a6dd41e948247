package conformance

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	"testing"

	"github.com/glint-go/glint/render"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestCorpus executes every corpus case with html/template and with render and requires
// the same outcome: identical HTML, or an error from both with identical text, in which
// errors.As finds the same text/template ExecError or *html/template.Error. The steps
// before the execution (a warm-up execution, a .new template's Parse) must go the same
// way. Trees are checked for their invariants, for statics shared between renders, and
// for the shapes a case asks for.
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	var sameErrText, errCases int
	for i := range cases {
		c := &cases[i]
		t.Run(c.id, func(t *testing.T) {
			want := runHTMLTemplate(c, c.data())
			got, tree, tmpl, p := runRenderTemplate(c, c.data())
			if p != nil {
				t.Fatalf("render panicked into the caller: %v\ntemplate:\n%s", p, c.text)
			}
			if !slices.Equal(want.log, got.log) {
				t.Fatalf("the steps before execution differ\nhtml/template: %q\nrender:        %q\ntemplate:\n%s", want.log, got.log, c.text)
			}
			switch {
			case want.err != nil && got.err == nil:
				t.Fatalf("html/template failed but render succeeded\nhtml/template: %v\nrender output: %q\ntemplate:\n%s", want.err, got.out, c.text)
			case want.err == nil && got.err != nil:
				t.Fatalf("render failed but html/template succeeded\nrender: %v\nhtml/template output: %q\ntemplate:\n%s", got.err, want.out, c.text)
			case want.err != nil:
				errCases++
				if got.err.Error() == want.err.Error() {
					sameErrText++
				}
				if msg := checkErrorLocation(c, want.err, got.err); msg != "" {
					t.Fatalf("%s\nhtml/template: %v\nrender:        %v", msg, want.err, got.err)
				}
				if msg := checkErrorShape(want.err, got.err, true); msg != "" {
					t.Fatalf("%s\ntemplate:\n%s", msg, c.text)
				}
				if got.err.Error() != want.err.Error() {
					t.Fatalf("error text differs\nhtml/template: %v\nrender:        %v", want.err, got.err)
				}
				return
			}
			if got.out != want.out {
				t.Fatalf("output differs\n%s\ntemplate:\n%s", describeDiff(want.out, got.out), c.text)
			}
			kinds, err := checkTree(tree)
			if err != nil {
				t.Fatalf("tree invariant: %v", err)
			}
			for _, k := range c.opts.treeHas {
				if kinds[kindNames[k]] == 0 {
					t.Errorf("tree has no %s slot; kinds found: %v", k, kinds)
				}
			}
			if err := appendMatchesHTML(tree); err != nil {
				t.Error(err)
			}
			again, err := executeCase(tmpl, c, c.data())
			if err != nil {
				t.Fatalf("second execution of the same template failed: %v", err)
			}
			if err := sameStatics(tree, again); err != nil {
				t.Error(err)
			}
		})
	}
	t.Logf("%d cases; %d error cases, %d with error text identical to html/template's", len(cases), errCases, sameErrText)
}

// describeDiff shows where two outputs first differ, with some context.
func describeDiff(want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	lo := max(0, i-60)
	hiW, hiG := min(len(want), i+60), min(len(got), i+60)
	return fmt.Sprintf("first difference at byte %d (lengths %d, %d)\nhtml/template: …%q…\nrender:        …%q…",
		i, len(want), len(got), want[lo:hiW], got[lo:hiG])
}

// TestCorpusReuse executes one parsed template of each multi-value case with all of its
// values in turn, forwards and backwards, so that anything render caches on the first
// execution (escaping, compiled programs, per-type lookups) must hold for other data.
func TestCorpusReuse(t *testing.T) {
	groups := map[string][]*testCase{}
	var order []string
	cases := loadCorpus(t)
	for i := range cases {
		c := &cases[i]
		key, _, multi := strings.Cut(c.id, "[")
		if !multi {
			continue
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], c)
	}
	if len(order) == 0 {
		t.Fatal("no multi-value cases in the corpus")
	}
	for _, key := range order {
		group := groups[key]
		t.Run(key, func(t *testing.T) {
			c0 := group[0]
			ht := htmltemplate.New(c0.name).Funcs(htmlFuncs())
			rt := render.New(c0.name).Funcs(funcs())
			if c0.opts.delims[0] != "" {
				ht.Delims(c0.opts.delims[0], c0.opts.delims[1])
				rt.Delims(c0.opts.delims[0], c0.opts.delims[1])
			}
			if len(c0.opts.options) > 0 {
				ht.Option(c0.opts.options...)
				rt.Option(c0.opts.options...)
			}
			_, herr := ht.Parse(c0.text)
			_, rerr := rt.Parse(c0.text)
			if (herr == nil) != (rerr == nil) {
				t.Fatalf("parse: html/template %v, render %v", herr, rerr)
			}
			if herr != nil {
				return
			}
			backward := slices.Clone(group)
			slices.Reverse(backward)
			order := append(slices.Clone(group), backward...)
			for _, c := range order {
				data := c.data()
				var want bytes.Buffer
				var werr error
				if c.opts.exec != "" {
					werr = ht.ExecuteTemplate(&want, c.opts.exec, data)
				} else {
					werr = ht.Execute(&want, data)
				}
				tree, gerr := executeCase(rt, c, c.data())
				switch {
				case (werr == nil) != (gerr == nil):
					t.Fatalf("%s: html/template error %v, render error %v", c.id, werr, gerr)
				case werr == nil && tree.HTML(nil) != want.String():
					t.Fatalf("%s: output differs after earlier executions with other data\n%s", c.id, describeDiff(want.String(), tree.HTML(nil)))
				}
			}
		})
	}
}
