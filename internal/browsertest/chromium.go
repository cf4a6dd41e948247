package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/glint-go/glint/internal/testenv"
)

// EnvChromium names the environment variable that, when set, gives the path of the Chromium
// binary to use instead of searching the usual locations.
const EnvChromium = "GLINT_CHROMIUM"

// candidates are the binaries tried in order when EnvChromium is unset.
var candidates = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "headless-shell"}

// FindChromium returns the path of a Chromium binary, or "" when none is installed.
func FindChromium() string {
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
		return ""
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// RequireChromium returns the Chromium binary's path. When there is none it fails the test if
// the environment variable CI is "true", and skips it otherwise.
func RequireChromium(t testing.TB) string {
	t.Helper()
	p := FindChromium()
	if p != "" {
		return p
	}
	testenv.Missing(t, "browsertest: Chromium not found (install Debian's chromium package or set "+EnvChromium+")")
	return ""
}

// AllocatorOptions returns the exec-allocator options for a headless, sandbox-less Chromium at
// execPath with its profile in userDataDir. The flags keep the browser from touching the
// network on its own (no QUIC, no background networking, component updates or sync).
func AllocatorOptions(execPath, userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(userDataDir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
	}
}

// StartTimeout bounds how long New waits for the browser to start. A loaded CI machine can
// take several seconds.
const StartTimeout = 60 * time.Second

// New starts a headless Chromium with a fresh profile in a temporary directory and returns the
// context of its first tab, ready for chromedp.Run. It skips or fails the test as
// RequireChromium does when there is no browser. The page's console messages and uncaught
// exceptions are written to the test log (prefixed "browser:"). The browser is stopped by
// t.Cleanup.
//
// The test log (shown with -v or on failure) also gets every WebSocket frame the page sends
// (→) and receives (←), which is usually what explains a failing protocol test.
func New(t testing.TB) context.Context {
	t.Helper()
	execPath := RequireChromium(t)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), AllocatorOptions(execPath, t.TempDir())...)
	ctx, cancel := chromedp.NewContext(allocCtx)

	var mu sync.Mutex
	done := false
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf(format, args...)
		}
	}
	t.Cleanup(func() {
		cancel()
		allocCancel()
		mu.Lock()
		done = true
		mu.Unlock()
	})

	// Listen launches the browser and opens the first tab. It must use ctx itself: the browser
	// lives as long as the context of the first call, so a timeout context here would kill it
	// later. A watchdog bounds the start instead.
	watchdog := time.AfterFunc(StartTimeout, cancel)
	defer watchdog.Stop()
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			parts := make([]string, 0, len(ev.Args))
			for _, a := range ev.Args {
				var str string
				if json.Unmarshal(a.Value, &str) == nil {
					parts = append(parts, str)
				} else if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			logf("browser: console.%s: %s", ev.Type, strings.Join(parts, " "))
		case *runtime.EventExceptionThrown:
			logf("browser: uncaught exception: %s", exceptionText(ev.ExceptionDetails))
		case *network.EventWebSocketCreated:
			logf("browser: ws open %s", ev.URL)
		case *network.EventWebSocketClosed:
			logf("browser: ws closed")
		case *network.EventWebSocketFrameSent:
			logf("browser: ws → %s", ev.Response.PayloadData)
		case *network.EventWebSocketFrameReceived:
			logf("browser: ws ← %s", ev.Response.PayloadData)
		}
	})
	if err != nil {
		t.Fatalf("browsertest: starting %s: %v", execPath, err)
	}
	return ctx
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return ""
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		s += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (line %d, column %d)", s, d.LineNumber, d.ColumnNumber)
}

// NewTab opens another tab in the browser of ctx (a context returned by New) and returns its
// context; t.Cleanup closes it. Use it for tests that need several pages at once. Like New,
// it opens the tab with a context that has no timeout: a tab lives as long as the context of
// its first chromedp call, so put timeouts only on later calls.
func NewTab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	watchdog := time.AfterFunc(StartTimeout, cancel)
	defer watchdog.Stop()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	return tab
}
