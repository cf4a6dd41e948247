package docstest

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// glintModule is the repository's module path.
const glintModule = "github.com/glint-go/glint"

// repoRoot returns the repository root, where go.mod declares glintModule.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.HasPrefix(string(mod), "module "+glintModule+"\n") {
		t.Fatalf("%s is not the repository root: %v", root, err)
	}
	return root
}

// goDirective returns the go line of the go.mod in root.
func goDirective(t *testing.T, root string) string {
	t.Helper()
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

// docBlocks returns the go blocks of README.md and docs/*.md, file names relative to root.
func docBlocks(t *testing.T, root string) []Block {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	var blocks []Block
	for _, f := range files {
		md, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, Extract(filepath.ToSlash(rel), string(md))...)
	}
	return blocks
}

// TestDocExamplesCompile builds and vets every complete go block of the docs, each as a
// package of one temporary module that uses this checkout's Glint, and reports each
// compiler or vet message under the block it comes from.
func TestDocExamplesCompile(t *testing.T) {
	root := repoRoot(t)
	var complete []Block
	for _, b := range docBlocks(t, root) {
		if b.Complete() {
			complete = append(complete, b)
		}
	}
	if !slices.ContainsFunc(complete, func(b Block) bool { return b.File == "README.md" && strings.Contains(b.Code, "live.New(") }) {
		t.Fatal("README.md has no complete example that starts a live server; its live view example must be a complete program")
	}

	mod := t.TempDir()
	gomod := fmt.Sprintf("module docexamples\n\ngo %s\n\nrequire %s v0.0.0-00010101000000-000000000000\n\nreplace %s => %s\n",
		goDirective(t, root), glintModule, glintModule, strconv.Quote(root))
	writeFile(t, filepath.Join(mod, "go.mod"), gomod)
	// Glint's go.sum covers its own requirements: the build needs only the module cache.
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(mod, "go.sum"), string(sum))
	for i, b := range complete {
		// The //line directive makes messages name the Markdown file and line.
		src := fmt.Sprintf("//line %s:%d\n%s", b.File, b.Line, b.Code)
		dir := filepath.Join(mod, fmt.Sprintf("b%02d", i))
		writeFile(t, filepath.Join(dir, "example.go"), src)
		for _, f := range embedFiles(b.Code) {
			writeFile(t, filepath.Join(dir, filepath.FromSlash(f)), "<p>embedded</p>\n")
		}
	}

	var out strings.Builder
	failed := false
	// Executables go to a directory of their own (go build refuses to write one over the
	// package directory of the same name).
	bin := t.TempDir() + string(filepath.Separator)
	for _, args := range [][]string{{"build", "-o", bin, "./..."}, {"vet", "./..."}} {
		cmd := exec.CommandContext(t.Context(), "go", args...)
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "GOWORK=off")
		b, err := cmd.CombinedOutput()
		out.Write(b)
		if err != nil {
			failed = true
			fmt.Fprintf(&out, "go %s: %v\n", strings.Join(args, " "), err)
		}
	}

	// Attribute each "file:line:col: message" to the block holding that line.
	msgRE := regexp.MustCompile(`(?m)^(?:vet: )?(?:\./)?([^\s:]+\.md):(\d+)(?::\d+)?: .*$`)
	attributed := map[int][]string{}
	for _, m := range msgRE.FindAllStringSubmatch(out.String(), -1) {
		line, _ := strconv.Atoi(m[2])
		for i, b := range complete {
			if (m[1] == b.File || strings.HasSuffix(m[1], "/"+b.File)) && line >= b.Line && line < b.Line+strings.Count(b.Code, "\n") {
				attributed[i] = append(attributed[i], m[0])
				break
			}
		}
	}
	for i, b := range complete {
		t.Run(fmt.Sprintf("%s:%d", b.File, b.Line), func(t *testing.T) {
			if msgs := attributed[i]; len(msgs) > 0 {
				t.Errorf("the example does not compile or vet:\n%s", strings.Join(msgs, "\n"))
			}
		})
	}
	if failed && len(attributed) == 0 {
		t.Fatalf("building the doc examples failed:\n%s", out.String())
	}
}

// embedPattern matches a //go:embed directive.
var embedPattern = regexp.MustCompile(`(?m)^\s*//go:embed\s+(.+)$`)

// embedFiles returns a file name matching each pattern of the code's //go:embed
// directives ("templates/*.html" gives "templates/example.html"), so that an example that
// embeds files compiles without them.
func embedFiles(code string) []string {
	var files []string
	for _, m := range embedPattern.FindAllStringSubmatch(code, -1) {
		for _, p := range strings.Fields(m[1]) {
			p = strings.TrimPrefix(p, "all:")
			p = strings.NewReplacer("*", "example", "?", "x").Replace(p)
			if strings.HasSuffix(p, "/") || !strings.Contains(path.Base(p), ".") {
				p = path.Join(p, "example.html") // a directory
			}
			files = append(files, p)
		}
	}
	return files
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want []Block
		// complete lists Complete() of each block.
		complete []bool
	}{
		{
			name: "complete file and fragment",
			md:   "# Title\n\n```go\npackage main\n\nfunc main() {}\n```\n\ntext\n\n```go\nx := 1\n```\n",
			want: []Block{
				{File: "f.md", Line: 4, Code: "package main\n\nfunc main() {}\n"},
				{File: "f.md", Line: 12, Code: "x := 1\n"},
			},
			complete: []bool{true, false},
		},
		{
			name:     "leading comment before the package clause",
			md:       "```go\n// Command x does y.\n\npackage main\n```\n",
			want:     []Block{{File: "f.md", Line: 2, Code: "// Command x does y.\n\npackage main\n"}},
			complete: []bool{true},
		},
		{
			name: "other languages and indented code are not go blocks",
			md:   "```sh\ngo run .\n```\n\n    package main\n\n```golang\npackage main\n```\n\n```\npackage main\n```\n",
			want: nil,
		},
		{
			name:     "fence in a list item, its indentation removed",
			md:       "- step:\n\n  ```go\n  package p\n\n  var X = 1\n  ```\n",
			want:     []Block{{File: "f.md", Line: 4, Code: "package p\n\nvar X = 1\n"}},
			complete: []bool{true},
		},
		{
			name:     "a longer fence holds a shorter one",
			md:       "````go\npackage p\n\n// ```\n````\n",
			want:     []Block{{File: "f.md", Line: 2, Code: "package p\n\n// ```\n"}},
			complete: []bool{true},
		},
		{
			name:     "info string with attributes; tilde fence",
			md:       "~~~go title=x\npackages := 1\n~~~\n",
			want:     []Block{{File: "f.md", Line: 2, Code: "packages := 1\n"}},
			complete: []bool{false},
		},
		{
			name:     "unclosed block runs to the end",
			md:       "```go\npackage p\n",
			want:     []Block{{File: "f.md", Line: 2, Code: "package p\n"}},
			complete: []bool{true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract("f.md", tt.md)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %#v\nwant %#v", got, tt.want)
			}
			for i, b := range got {
				if b.Complete() != tt.complete[i] {
					t.Errorf("block %d: Complete() = %v, want %v", i, b.Complete(), tt.complete[i])
				}
			}
		})
	}
}

// TestAttributesErrors: a broken example fails with its Markdown file and line, which is
// what makes the compile test's failures readable.
func TestAttributesErrors(t *testing.T) {
	root := repoRoot(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module broken\n\ngo "+goDirective(t, root)+"\n")
	writeFile(t, filepath.Join(dir, "x", "example.go"), "//line docs/x.md:40\npackage x\n\nvar V int = \"s\"\n")
	cmd := exec.CommandContext(t.Context(), "go", "build", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("a type error built")
	}
	if !strings.Contains(string(out), "docs/x.md:42:") {
		t.Fatalf("error not reported at docs/x.md:42:\n%s", out)
	}
}

func TestEmbedFiles(t *testing.T) {
	tests := []struct {
		code string
		want []string
	}{
		{"package p\n\n//go:embed templates/*.html\nvar f embed.FS\n", []string{"templates/example.html"}},
		{"//go:embed a.txt static\nvar f embed.FS\n", []string{"a.txt", "static/example.html"}},
		{"//go:embed all:assets/\n", []string{"assets/example.html"}},
		{"package p\n\nvar x = 1\n", nil},
	}
	for _, tt := range tests {
		if got := embedFiles(tt.code); !slices.Equal(got, tt.want) {
			t.Errorf("embedFiles(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}
