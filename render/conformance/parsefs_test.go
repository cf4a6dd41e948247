package conformance

import (
	"bytes"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/glint-go/glint/render"
)

// TestParseSourcesMatch parses the same template files through every entry point
// (ParseFS on an fs.FS, ParseGlob and ParseFiles on disk, as functions and as methods)
// with both engines, and executes every template the set defines.
func TestParseSourcesMatch(t *testing.T) {
	dir := filepath.Join("testdata", "fs")
	fsys := os.DirFS(dir)
	files := []string{
		filepath.Join(dir, "layout.tmpl"),
		filepath.Join(dir, "pages", "drops.tmpl"),
		filepath.Join(dir, "partials", "button.tmpl"),
		filepath.Join(dir, "partials", "footer.tmpl"),
	}
	type pair struct {
		ht  func() (*template.Template, error)
		rt  func() (*render.Template, error)
		set string
	}
	sources := map[string]pair{
		"ParseFS": {
			ht: func() (*template.Template, error) {
				return template.ParseFS(fsys, "*.tmpl", "pages/*.tmpl", "partials/*.tmpl")
			},
			rt: func() (*render.Template, error) {
				return render.ParseFS(fsys, "*.tmpl", "pages/*.tmpl", "partials/*.tmpl")
			},
		},
		"ParseFS/method/MapFS": {
			ht: func() (*template.Template, error) {
				return template.New("root").Funcs(htmlFuncs()).ParseFS(mapFS(t, dir), "*/*.tmpl", "*.tmpl")
			},
			rt: func() (*render.Template, error) {
				return render.New("root").Funcs(funcs()).ParseFS(mapFS(t, dir), "*/*.tmpl", "*.tmpl")
			},
		},
		"ParseFiles": {
			ht: func() (*template.Template, error) { return template.ParseFiles(files...) },
			rt: func() (*render.Template, error) { return render.ParseFiles(files...) },
		},
		"ParseFiles/method": {
			ht: func() (*template.Template, error) {
				return template.New("footer.tmpl").ParseFiles(files...)
			},
			rt: func() (*render.Template, error) { return render.New("footer.tmpl").ParseFiles(files...) },
		},
		"ParseGlob": {
			ht: func() (*template.Template, error) {
				t, err := template.ParseGlob(filepath.Join(dir, "partials", "*.tmpl"))
				if err != nil {
					return nil, err
				}
				return t.ParseGlob(filepath.Join(dir, "*", "*.tmpl"))
			},
			rt: func() (*render.Template, error) {
				t, err := render.ParseGlob(filepath.Join(dir, "partials", "*.tmpl"))
				if err != nil {
					return nil, err
				}
				return t.ParseGlob(filepath.Join(dir, "*", "*.tmpl"))
			},
		},
	}
	names := []string{"", "layout", "content", "title", "footer.tmpl", "button", "layout.tmpl", "drops.tmpl", "nope"}
	page := dropsPage(true, false)
	data := map[string]any{
		"layout": page, "content": page, "title": nil, "footer.tmpl": "x<y> & 'z'",
		"button": page.Products[0].Items[2], "layout.tmpl": page, "drops.tmpl": page, "nope": nil, "": page,
	}
	for label, src := range sources {
		t.Run(label, func(t *testing.T) {
			ht, herr := src.ht()
			rt, rerr := src.rt()
			if (herr == nil) != (rerr == nil) {
				t.Fatalf("parse: html/template error %v, render error %v", herr, rerr)
			}
			if herr != nil {
				t.Fatalf("both failed to parse the good files: %v", herr)
			}
			if ht.Name() != rt.Name() {
				t.Errorf("Name: html/template %q, render %q", ht.Name(), rt.Name())
			}
			executed := 0
			for _, name := range names {
				if (ht.Lookup(name) == nil) != (rt.Lookup(name) == nil) && name != "" {
					t.Errorf("Lookup(%q): html/template found %v, render found %v", name, ht.Lookup(name) != nil, rt.Lookup(name) != nil)
				}
				var want bytes.Buffer
				var got *render.Rendered
				var werr, gerr error
				if name == "" {
					werr = ht.Execute(&want, data[name])
					got, gerr = rt.Execute(data[name])
				} else {
					werr = ht.ExecuteTemplate(&want, name, data[name])
					got, gerr = rt.ExecuteTemplate(name, data[name])
				}
				switch {
				case (werr == nil) != (gerr == nil):
					t.Errorf("%q: html/template error %v, render error %v", name, werr, gerr)
				case werr != nil:
					if gerr.Error() == "" {
						t.Errorf("%q: empty render error", name)
					}
				case got.HTML(nil) != want.String():
					t.Errorf("%q: output differs\n%s", name, describeDiff(want.String(), got.HTML(nil)))
				default:
					executed++
				}
			}
			if executed < 4 {
				t.Errorf("only %d templates executed successfully; the fixture set is broken", executed)
			}
		})
	}
}

// mapFS copies a directory into an fstest.MapFS, as an embed.FS would hold it.
func mapFS(t *testing.T, dir string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestParseSourceErrorsMatch checks that bad files fail in both engines, at parse time or
// at execution, with render's error naming the file and line as html/template's does.
func TestParseSourceErrorsMatch(t *testing.T) {
	dir := filepath.Join("testdata", "fsbad")
	tests := []struct {
		name    string
		file    string
		wantLoc string // file:line that both errors must contain
	}{
		{"syntax error", "bad.tmpl", "bad.tmpl:3"},
		{"ambiguous URL", "escape.tmpl", "escape.tmpl:2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			herr := func() error {
				ht, err := template.ParseFS(os.DirFS(dir), tc.file)
				if err != nil {
					return err
				}
				return ht.Execute(&bytes.Buffer{}, map[string]any{"C": true, "X": "x"})
			}()
			rerr := func() error {
				rt, err := render.ParseFS(os.DirFS(dir), tc.file)
				if err != nil {
					return err
				}
				_, err = rt.Execute(map[string]any{"C": true, "X": "x"})
				return err
			}()
			if herr == nil || rerr == nil {
				t.Fatalf("want both to fail; html/template: %v, render: %v", herr, rerr)
			}
			if !strings.Contains(herr.Error(), tc.wantLoc) {
				t.Fatalf("html/template's error %q lacks %q; fix the fixture", herr, tc.wantLoc)
			}
			if !strings.Contains(rerr.Error(), tc.wantLoc) {
				t.Errorf("render's error %q does not name %s", rerr, tc.wantLoc)
			}
		})
	}
	// No file matches: both fail, nothing is half-parsed.
	if _, err := template.ParseFS(os.DirFS(dir), "*.nothing"); err == nil {
		t.Fatal("html/template accepted a pattern matching no files")
	}
	if _, err := render.ParseFS(os.DirFS(dir), "*.nothing"); err == nil {
		t.Error("render accepted a pattern matching no files")
	}
}
