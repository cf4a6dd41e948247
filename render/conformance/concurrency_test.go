package conformance

import (
	"strings"
	"sync"
	"testing"
)

// TestConcurrentFirstExecution executes freshly parsed templates from several goroutines
// at once, so that the first execution (which escapes and compiles) races with others,
// and requires every result to equal html/template's. Run with -race.
func TestConcurrentFirstExecution(t *testing.T) {
	const goroutines = 6
	cases := loadCorpus(t)
	picked := 0
	for i := range cases {
		c := &cases[i]
		// A sample across files: successful cases with Go or JSON data, without
		// single-use values such as channels.
		if c.opts.wantErr || i%17 != 0 || strings.Contains(c.id, "chan") {
			continue
		}
		picked++
		want := runHTMLTemplate(c, c.data())
		if want.err != nil {
			t.Fatalf("%s: %v", c.id, want.err)
		}
		rt, _, err := prepareRenderCase(c, c.data())
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		var wg sync.WaitGroup
		errs := make(chan string, goroutines)
		for range goroutines {
			wg.Go(func() {
				tree, err := executeCase(rt, c, c.data())
				switch {
				case err != nil:
					errs <- err.Error()
				case tree.HTML(nil) != want.out:
					errs <- describeDiff(want.out, tree.HTML(nil))
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Errorf("%s: concurrent execution: %s", c.id, e)
		}
	}
	if picked < 50 {
		t.Errorf("only %d cases sampled", picked)
	}
}
