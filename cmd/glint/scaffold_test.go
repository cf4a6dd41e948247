package main

import (
	"bytes"
	"context"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// repoRoot is the directory of Glint's go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if module, _, err := readGoMod(root); err != nil || module != glintModule {
		t.Fatalf("%s is not Glint's module root: %q, %v", root, module, err)
	}
	return root
}

// runCLI runs glint with args and returns its exit status, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// goCmd runs the go command in dir with the test's environment (module cache, proxy
// settings) plus -mod=mod, so that it needs no network when the module cache is warm.
func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in the new project: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestNewProjectBuildsAndPasses writes a project with -replace pointing at this checkout,
// then vets it and runs its tests: what a newcomer's "go run ." and "go test ./..." do.
func TestNewProjectBuildsAndPasses(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(t.TempDir(), "app")
	code, stdout, stderr := runCLI(t, "new", "-replace", root, "-dir", dir, "example.com/me/app")
	if code != 0 {
		t.Fatalf("glint new exited %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "go run .") || !strings.Contains(stdout, "go test ./...") {
		t.Errorf("output does not say what to run next: %s", stdout)
	}

	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, f := range []struct{ name, want string }{
		{"go.mod", "module example.com/me/app\n"},
		{"go.mod", "\ngo " + goVersion + "\n"},
		{"go.mod", "require github.com/glint-go/glint " + replacedVersion + "\n"},
		{"go.mod", "replace github.com/glint-go/glint => " + root + "\n"},
		{"go.sum", "github.com/coder/websocket "},
		{"main.go", "//go:embed templates/*.html\n"},
		{"main.go", `render.ParseFS(fsys, "templates/*.html")`},
		{"main.go", "var templates = parseTemplates(templateFS)\n"},
		{"main.go", "opts.DevReload = true\n"},
		{"README.md", "\n    go run . -dev\n"},
		{"main.go", "// Command app is a Glint app"},
		{"main_test.go", "livetest.Open(t, srv, \"/\")"},
		{"templates/counter.html", `<span id="count">{{.Count}}</span>`},
		{"README.md", "# app\n"},
		{"README.md", "\n    go run .\n"},
		{"README.md", "\n    go test ./...\n"},
	} {
		if got := read(f.name); !strings.Contains(got, f.want) {
			t.Errorf("%s lacks %q:\n%s", f.name, f.want, got)
		}
	}
	for _, name := range []string{"main.go", "main_test.go"} {
		src := read(name)
		formatted, err := format.Source([]byte(src))
		if err != nil || string(formatted) != src {
			t.Errorf("%s is not gofmt-formatted (%v)", name, err)
		}
	}

	goCmd(t, dir, "vet", "./...")
	goCmd(t, dir, "test", "-count=1", "./...")
}

// TestNewRefusesNonEmptyDir: an existing directory is used only when empty; anything else
// is a clear error that leaves it as it was.
func TestNewRefusesNonEmptyDir(t *testing.T) {
	tests := []struct {
		name string
		// setup prepares the target path.
		setup   func(t *testing.T, dir string)
		code    int
		wantErr string
	}{
		{
			name: "non-empty directory",
			setup: func(t *testing.T, dir string) {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			code:    1,
			wantErr: "exists and is not empty",
		},
		{
			name: "a file",
			setup: func(t *testing.T, dir string) {
				if err := os.WriteFile(dir, []byte("mine"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			code:    1,
			wantErr: "exists and is not a directory",
		},
		{
			name: "empty directory",
			setup: func(t *testing.T, dir string) {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			},
			code: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "app")
			tt.setup(t, dir)
			before := listDir(t, dir)
			code, _, stderr := runCLI(t, "new", "-tidy=false", "-version", "v1.2.3", "-dir", dir, "app")
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			if tt.code == 0 {
				if _, err := os.Stat(filepath.Join(dir, "templates", "counter.html")); err != nil {
					t.Fatalf("project not written: %v", err)
				}
				mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
				if err != nil || !strings.Contains(string(mod), "require github.com/glint-go/glint v1.2.3\n") || strings.Contains(string(mod), "replace") {
					t.Fatalf("go.mod: %v\n%s", err, mod)
				}
				return
			}
			if !strings.Contains(stderr, tt.wantErr) || !strings.Contains(stderr, dir) {
				t.Errorf("stderr %q, want an error naming %s and saying %q", stderr, dir, tt.wantErr)
			}
			if after := listDir(t, dir); after != before {
				t.Errorf("target changed: before %s, after %s", before, after)
			}
		})
	}
}

// listDir describes what is at dir: a file's content, or a directory's entries.
func listDir(t *testing.T, dir string) string {
	t.Helper()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !info.IsDir() {
		b, _ := os.ReadFile(dir)
		return "file " + string(b)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return "dir " + strings.Join(names, ",")
}

func TestParseNewFlags(t *testing.T) {
	root := repoRoot(t)
	tests := []struct {
		name    string
		args    []string
		want    newOptions
		wantErr string
	}{
		{"module and version", []string{"-version", "v0.4.0", "example.com/me/shop"},
			newOptions{Module: "example.com/me/shop", Dir: "shop", Version: "v0.4.0", Tidy: true}, ""},
		{"flags after the module", []string{"shop", "-tidy=false", "-version", "v0.4.0", "-dir", "x"},
			newOptions{Module: "shop", Dir: "x", Version: "v0.4.0"}, ""},
		{"replace", []string{"-replace", root, "shop"},
			newOptions{Module: "shop", Dir: "shop", Replace: root, Version: replacedVersion, Tidy: true}, ""},
		{"no module", []string{"-version", "v0.4.0"}, newOptions{}, "missing module path"},
		{"two modules", []string{"-version", "v0.4.0", "a", "b"}, newOptions{}, "unexpected arguments"},
		{"empty element", []string{"-version", "v0.4.0", "example.com//shop"}, newOptions{}, "empty, . or .."},
		{"dot-dot", []string{"-version", "v0.4.0", "../shop"}, newOptions{}, "empty, . or .."},
		{"space", []string{"-version", "v0.4.0", "my shop"}, newOptions{}, "not allowed"},
		{"bad version", []string{"-version", "1.0.0", "shop"}, newOptions{}, "starts with v"},
		{"unknown flag", []string{"-frobnicate", "shop"}, newOptions{}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			got, err := parseNewFlags(tt.args, &stderr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestBuildVersion(t *testing.T) {
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"installed at a release", debug.BuildInfo{Main: debug.Module{Path: glintModule, Version: "v0.3.0"}}, "v0.3.0"},
		{"built in a checkout", debug.BuildInfo{Main: debug.Module{Path: glintModule, Version: "(devel)"}}, ""},
		{"built in a modified checkout", debug.BuildInfo{Main: debug.Module{Path: glintModule, Version: "v0.3.1-0.20250101000000-abcdefabcdef+dirty"}}, ""},
		{"a dependency of the running module", debug.BuildInfo{
			Main: debug.Module{Path: "example.com/tools", Version: "(devel)"},
			Deps: []*debug.Module{{Path: "golang.org/x/net", Version: "v0.62.0"}, {Path: glintModule, Version: "v0.5.0"}},
		}, "v0.5.0"},
		{"a replaced dependency", debug.BuildInfo{
			Main: debug.Module{Path: "example.com/tools", Version: "(devel)"},
			Deps: []*debug.Module{{Path: glintModule, Version: "v0.5.0", Replace: &debug.Module{Path: "../glint"}}},
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := buildVersion(&tt.info); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestGoVersionMatchesGoMod: new projects get Glint's own go directive.
func TestGoVersionMatchesGoMod(t *testing.T) {
	_, goDirective, err := readGoMod(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	if goDirective != goVersion {
		t.Fatalf("goVersion is %q, Glint's go.mod says go %s: update goVersion", goVersion, goDirective)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  string // in stdout or stderr
	}{
		{"no command", nil, 2, "usage: glint new"},
		{"unknown command", []string{"build"}, 2, `unknown command "build"`},
		{"help", []string{"help"}, 0, "usage: glint new"},
		{"new -h", []string{"new", "-h"}, 0, "-replace"},
		{"bad flag", []string{"new", "-nope"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stdout+stderr, tt.out) {
				t.Fatalf("exit %d, want %d; output %q lacks %q", code, tt.code, stdout+stderr, tt.out)
			}
		})
	}
}
