package testenv_test

import (
	"strings"
	"testing"

	"github.com/glint-go/glint/internal/testenv"
)

func TestMissing(t *testing.T) {
	for _, tt := range []struct{ ci, want string }{
		{"true", "fatal"},
		{"", "skip"},
		{"false", "skip"},
	} {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			kind, msg := testenv.Outcome(t, func(tb testing.TB) {
				testenv.Missing(tb, "widget not found (install widget)")
				tb.Fatal("Missing returned")
			})
			if kind != tt.want || !strings.Contains(msg, "widget not found (install widget)") {
				t.Fatalf("Missing with CI=%q: %s %q, want %s and the reason", tt.ci, kind, msg, tt.want)
			}
		})
	}
}

func TestOutcomeOfAHelperThatReturns(t *testing.T) {
	if kind, msg := testenv.Outcome(t, func(testing.TB) {}); kind != "" || msg != "" {
		t.Fatalf("Outcome = %q %q, want nothing", kind, msg)
	}
}
