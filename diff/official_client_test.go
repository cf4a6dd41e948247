package diff

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/glint-go/glint/internal/testenv"
)

// TestOfficialClient replays the golden files and hundreds of random property-test runs
// through the official phoenix_live_view 1.2.12 client's Rendered class (from
// node_modules, bundled with esbuild, run by node), and checks that it renders exactly
// the HTML the Go model renders. This is what makes the Go model a faithful oracle.
// It needs node and the repository's node_modules; without them it is skipped, except in
// CI (CI=true), where it fails.
func TestOfficialClient(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	esbuild := filepath.Join(root, "node_modules", ".bin", "esbuild")
	rendered := filepath.Join(root, "node_modules", "phoenix_live_view", "assets", "js", "phoenix_live_view", "rendered.js")
	node, nodeErr := exec.LookPath("node")
	_, esErr := os.Stat(esbuild)
	_, lvErr := os.Stat(rendered)
	if nodeErr != nil || esErr != nil || lvErr != nil {
		testenv.Missing(t, fmt.Sprintf("node or node_modules missing: %v %v %v", nodeErr, esErr, lvErr))
	}

	dir := t.TempDir()
	bundle := filepath.Join(dir, "check.mjs")
	build := exec.Command(esbuild, filepath.Join("testdata", "official", "check.mjs"), "--bundle", "--platform=node",
		"--format=esm", "--inject:"+filepath.Join("testdata", "official", "shim.js"), "--log-level=warning", "--outfile="+bundle)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, out)
	}

	cases := filepath.Join(dir, "cases")
	if err := os.Mkdir(cases, 0o755); err != nil {
		t.Fatal(err)
	}
	golden, err := filepath.Glob(filepath.Join("testdata", "merge", "*.json"))
	if err != nil || len(golden) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, g := range golden {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cases, filepath.Base(g)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for seed := range 300 {
		f := &goldenFile{Name: "shapes" + strconv.Itoa(seed), View: "phx-A"}
		roundTrip(t, randChooser{rand.New(rand.NewPCG(uint64(seed), 42))}, 12, f)
		writeCase(t, cases, f)
		f = &goldenFile{Name: "templates" + strconv.Itoa(seed), View: "phx-A"}
		if templateRoundTrip(t, randChooser{rand.New(rand.NewPCG(uint64(seed), 99))}, 10, nil, f) {
			writeCase(t, cases, f)
		}
	}

	out, err := exec.Command(node, bundle, cases).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("the official client disagrees with the Go model: %v", err)
	}
}

func writeCase(t *testing.T, dir string, f *goldenFile) {
	t.Helper()
	if len(f.Steps) == 0 {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, f.Name+".json"), marshalGolden(*f), 0o644); err != nil {
		t.Fatal(err)
	}
}
