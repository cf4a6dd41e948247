package main

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"text/template"
)

// glintModule is the module path of Glint.
const glintModule = "github.com/glint-go/glint"

// goVersion is the go directive of Glint's go.mod, written to new projects' go.mod (a
// test keeps them equal). With -replace, the checkout's own go directive is used.
const goVersion = "1.26.8"

// replacedVersion is the version required of a module that a replace directive points
// at a directory: the one "go mod edit" and "go get" write for it.
const replacedVersion = "v0.0.0-00010101000000-000000000000"

// skeleton holds the files of a new project. Files ending in .tmpl are text/templates
// with [[ ]] delimiters (their Go templates keep {{ }}), written without the suffix.
//
//go:embed skeleton
var skeleton embed.FS

// errNotEmpty: the target directory exists and holds files.
var errNotEmpty = errors.New("exists and is not empty")

// newOptions are the arguments of glint new.
type newOptions struct {
	// Module is the new module's path.
	Module string
	// Dir is the directory the project is written to.
	Dir string
	// Replace is the absolute directory of a Glint checkout, or "".
	Replace string
	// Version is the Glint version go.mod requires.
	Version string
	// Tidy runs go mod tidy once the files are written.
	Tidy bool
}

// parseNewFlags reads glint new's flags and argument. Flags may come before or after the
// module path.
func parseNewFlags(args []string, stderr io.Writer) (newOptions, error) {
	fset := flag.NewFlagSet("glint new", flag.ContinueOnError)
	fset.SetOutput(stderr)
	dir := fset.String("dir", "", "directory to write the project to (default: the module path's last element)")
	replace := fset.String("replace", "", "directory of a local Glint checkout for a replace directive in go.mod")
	version := fset.String("version", "", "Glint version to require (default: this command's own version)")
	tidy := fset.Bool("tidy", true, "run go mod tidy in the new project")
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: glint new [flags] MODULE")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		return newOptions{}, err
	}
	var module string
	if fset.NArg() > 0 {
		module = fset.Arg(0)
		if err := fset.Parse(fset.Args()[1:]); err != nil {
			return newOptions{}, err
		}
	}
	if fset.NArg() > 0 {
		return newOptions{}, fmt.Errorf("unexpected arguments %q after the module path", fset.Args())
	}
	if err := checkModulePath(module); err != nil {
		return newOptions{}, err
	}
	opts := newOptions{Module: module, Dir: *dir, Version: *version, Tidy: *tidy}
	if opts.Dir == "" {
		opts.Dir = path.Base(module)
	}
	if *replace != "" {
		abs, err := filepath.Abs(*replace)
		if err != nil {
			return newOptions{}, fmt.Errorf("-replace: %w", err)
		}
		opts.Replace = abs
	}
	if opts.Version == "" {
		if opts.Replace != "" {
			opts.Version = replacedVersion
		} else if info, ok := debug.ReadBuildInfo(); ok {
			opts.Version = buildVersion(info)
		}
	}
	if opts.Version == "" {
		return newOptions{}, errors.New("cannot tell which Glint version to require: this command was not built from a released version of " +
			glintModule + "; pass -version vX.Y.Z, or -replace DIR naming a Glint checkout")
	}
	if !strings.HasPrefix(opts.Version, "v") {
		return newOptions{}, fmt.Errorf("-version %q: a module version starts with v", opts.Version)
	}
	return opts, nil
}

// buildVersion returns the version of Glint this binary was built from, or "" when that is
// not a version a go.mod can require: a build from a checkout is "(devel)" or has "+dirty".
func buildVersion(info *debug.BuildInfo) string {
	released := func(v string) bool { return strings.HasPrefix(v, "v") && !strings.Contains(v, "+") }
	if info.Main.Path == glintModule && released(info.Main.Version) {
		return info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == glintModule && d.Replace == nil && released(d.Version) {
			return d.Version
		}
	}
	return ""
}

// checkModulePath rejects what cannot be a module path. The go command checks the rest.
func checkModulePath(p string) error {
	if p == "" {
		return errors.New("missing module path (for example myapp, or example.com/me/myapp)")
	}
	if strings.HasPrefix(p, "-") {
		return fmt.Errorf("module path %q begins with -", p)
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == "" || elem == "." || elem == ".." {
			return fmt.Errorf("module path %q has an empty, . or .. element", p)
		}
	}
	for _, r := range p {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~/", r)) {
			return fmt.Errorf("module path %q: %q is not allowed (letters, digits and -._~/ are)", p, r)
		}
	}
	return nil
}

// skeletonData is what the skeleton's templates are executed with.
type skeletonData struct {
	Module       string
	Name         string
	GoVersion    string
	GlintVersion string
	// Replace is the replace directive's target as go.mod spells it, or "".
	Replace string
}

// renderSkeleton returns the new project's files, by slash-separated path.
func renderSkeleton(data skeletonData) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(skeleton, "skeleton", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(skeleton, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "skeleton/")
		if strings.HasSuffix(name, ".tmpl") {
			name = strings.TrimSuffix(name, ".tmpl")
			t, err := template.New(name).Delims("[[", "]]").Option("missingkey=error").Parse(string(b))
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, data); err != nil {
				return err
			}
			b = buf.Bytes()
		}
		if strings.HasSuffix(name, ".go") {
			if b, err = format.Source(b); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		files[name] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("skeleton: %w", err)
	}
	return files, nil
}

// readGoMod returns the module path and go directive of the go.mod in dir.
func readGoMod(dir string) (module, goDirective string, err error) {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		switch fields[0] {
		case "module":
			if module, err = strconv.Unquote(fields[1]); err != nil {
				module = fields[1]
			}
		case "go":
			goDirective = fields[1]
		}
	}
	return module, goDirective, sc.Err()
}

// modString spells s as a go.mod token: quoted when it holds spaces or quotes.
func modString(s string) string {
	if strings.ContainsAny(s, " \t\"'`") {
		return strconv.Quote(s)
	}
	return s
}

// newProject writes the project described by opts and, with opts.Tidy, runs go mod tidy
// in it. It refuses a target directory that exists and is not empty, and removes a
// directory it created when writing fails.
func newProject(ctx context.Context, opts newOptions, stdout io.Writer) error {
	data := skeletonData{
		Module:       opts.Module,
		Name:         path.Base(opts.Module),
		GoVersion:    goVersion,
		GlintVersion: opts.Version,
	}
	var goSum []byte
	if opts.Replace != "" {
		module, goDirective, err := readGoMod(opts.Replace)
		if err != nil {
			return fmt.Errorf("-replace %s: not a Glint checkout: %w", opts.Replace, err)
		}
		if module != glintModule {
			return fmt.Errorf("-replace %s: its go.mod is module %q, not %s", opts.Replace, module, glintModule)
		}
		if goDirective != "" {
			data.GoVersion = goDirective
		}
		data.Replace = modString(opts.Replace)
		// The checkout's go.sum holds the checksums of Glint's own requirements: with it,
		// the new project builds from the module cache alone.
		goSum, err = os.ReadFile(filepath.Join(opts.Replace, "go.sum"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("-replace: %w", err)
		}
	}
	files, err := renderSkeleton(data)
	if err != nil {
		return err
	}
	if len(goSum) > 0 {
		files["go.sum"] = goSum
	}

	created, err := makeDir(opts.Dir)
	if err != nil {
		return err
	}
	if err := writeFiles(opts.Dir, files); err != nil {
		if created {
			os.RemoveAll(opts.Dir)
		}
		return err
	}
	if opts.Tidy {
		cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
		cmd.Dir = opts.Dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("the project is in %s, but go mod tidy failed there (run it again once the module proxy is reachable): %w\n%s",
				opts.Dir, err, bytes.TrimSpace(out))
		}
	}
	fmt.Fprintf(stdout, "Created %s in %s. Next:\n\n\tcd %s\n\tgo run .        # then open http://localhost:8080/\n\tgo test ./...\n",
		opts.Module, opts.Dir, opts.Dir)
	return nil
}

// makeDir makes dir unless it exists and is empty, and reports whether it made it.
func makeDir(dir string) (created bool, err error) {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, fmt.Errorf("create the project directory: %w", err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("project directory: %w", err)
	case !info.IsDir():
		return false, fmt.Errorf("%s exists and is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("project directory: %w", err)
	}
	if len(entries) > 0 {
		return false, fmt.Errorf("%s %w; choose another module name or -dir, or remove it", dir, errNotEmpty)
	}
	return false, nil
}

// writeFiles writes files (slash-separated paths) under dir.
func writeFiles(dir string, files map[string][]byte) error {
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}
