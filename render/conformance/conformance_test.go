package conformance

import (
	"fmt"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestCorpus executes every corpus case with html/template and with render and requires
// the same outcome: identical HTML, or an error from both, render's naming the template
// (and line) as html/template's does. Trees are checked for their invariants, for
// statics shared between renders, and for the shapes a case asks for.
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
