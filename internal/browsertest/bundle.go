package browsertest

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// OfficialClientEntry is an esbuild entry file that boots the official phoenix_live_view client
// on the official phoenix socket exactly as docs/protocol.md, Socket URL, shows, and exposes
// the LiveSocket as window.liveSocket so that tests can inspect it.
const OfficialClientEntry = `import {Socket} from "phoenix"
import {LiveSocket} from "phoenix_live_view"
const csrf = document.querySelector("meta[name='csrf-token']").getAttribute("content")
const liveSocket = new LiveSocket("/live", Socket, {params: {_csrf_token: csrf}})
liveSocket.connect()
window.liveSocket = liveSocket
`

// RepoRoot returns the repository's root directory: the nearest directory holding go.mod
// above this source file, or, when the build trimmed source paths, above the working
// directory (a test's working directory is its package's directory).
func RepoRoot(t testing.TB) string {
	t.Helper()
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, start := range starts {
		for dir := start; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	t.Fatalf("browsertest: no go.mod above %q", starts)
	return ""
}

// Esbuild returns the path of the repository's esbuild binary. It fails the test with a hint
// when node_modules has not been installed (run `npm ci` at the repository root).
func Esbuild(t testing.TB) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "node_modules", ".bin", "esbuild")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("browsertest: esbuild not found at %s (run `npm ci` at the repository root): %v", p, err)
	}
	return p
}

// Bundle bundles the JavaScript module source entry, resolving its imports from the
// repository's node_modules, into one browser script (an IIFE targeting ES2020). The output is
// written to a temporary directory and returned. A build error fails the test with esbuild's
// message.
func Bundle(t testing.TB, entry string) []byte {
	t.Helper()
	root := RepoRoot(t)
	out := filepath.Join(t.TempDir(), "bundle.js")
	cmd := exec.Command(Esbuild(t), "--bundle", "--format=iife", "--target=es2020",
		"--log-level=warning", "--sourcefile=entry.js", "--outfile="+out)
	// With the entry on stdin esbuild resolves imports from its working directory.
	cmd.Dir = root
	cmd.Stdin = bytes.NewBufferString(entry)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("browsertest: esbuild: %v\n%s", err, stderr.String())
	}
	js, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("browsertest: reading the bundle: %v", err)
	}
	return js
}

// OfficialScriptPath is where MountOfficialClient serves the official client's bundle.
const OfficialScriptPath = "/official-client.js"

// MountOfficialClient serves the official client (OfficialClientEntry, bundled) on mux at
// OfficialScriptPath and returns that path, for a live server's Options.ScriptURL: pages
// then run the official client instead of Glint's.
func MountOfficialClient(t testing.TB, mux *http.ServeMux) string {
	t.Helper()
	return MountBundle(t, mux, OfficialScriptPath, OfficialClientEntry)
}

// MountBundle serves the bundle of the JavaScript module source entry (see Bundle) on mux
// at path, and returns path, for a live server's Options.ScriptURL: an entry that boots the
// official client with options of its own (hooks, params).
func MountBundle(t testing.TB, mux *http.ServeMux, path, entry string) string {
	t.Helper()
	bundle := Bundle(t, entry)
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(bundle)
	})
	return path
}
