package render

import (
	"math/rand/v2"
	"testing"
)

func TestInternals(t *testing.T) {
	if internalsErr != nil {
		t.Fatal(internalsErr)
	}
	if len(escapers) != len(escaperNames) {
		t.Fatalf("loaded %d escapers, want %d", len(escapers), len(escaperNames))
	}
}

// TestEscapeHTMLString checks the fast path against html/template's own escapers.
func TestEscapeHTMLString(t *testing.T) {
	alphabet := []string{"a", "<", ">", "&", "'", `"`, "+", "\x00", "é", "\xff", "\u2028", "\ufdd0", " ", "=", "`"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		s := ""
		for range rng.IntN(12) {
			s += alphabet[rng.IntN(len(alphabet))]
		}
		checkEscapeHTMLString(t, s)
	}
}

func checkEscapeHTMLString(t *testing.T, s string) {
	t.Helper()
	got := escapeHTMLString(s)
	for _, name := range []string{"_html_template_htmlescaper", "_html_template_attrescaper"} {
		if want := escapers[name](s); got != want {
			t.Fatalf("escapeHTMLString(%q) = %q, %s gives %q", s, got, name, want)
		}
	}
}

// FuzzEscapeHTMLString fuzzes the fast path against html/template's escapers.
func FuzzEscapeHTMLString(f *testing.F) {
	for _, s := range []string{"", "plain", `<a href="x">&'+</a>`, "\x00\xff\xfe", "é<\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkEscapeHTMLString(t, s) })
}
