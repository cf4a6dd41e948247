package deploy_test

import (
	"strings"
	"testing"

	"github.com/glint-go/glint/internal/testenv"
)

// TestRequireHAProxyMissing: without HAProxy the deploy test skips, except in CI, where it
// fails and says what to install.
func TestRequireHAProxyMissing(t *testing.T) {
	for _, tt := range []struct{ ci, want string }{
		{"true", "fatal"},
		{"", "skip"},
		{"false", "skip"},
	} {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv(EnvHAProxy, "/nonexistent/haproxy")
			t.Setenv("CI", tt.ci)
			kind, msg := testenv.Outcome(t, func(tb testing.TB) { requireHAProxy(tb) })
			if kind != tt.want {
				t.Fatalf("requireHAProxy with CI=%q: got %q (%q), want %q", tt.ci, kind, msg, tt.want)
			}
			if !strings.Contains(msg, "HAProxy not found") || !strings.Contains(msg, "haproxy package") {
				t.Errorf("message %q does not say what is missing", msg)
			}
		})
	}
}
