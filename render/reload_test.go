package render_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/glint-go/glint/render"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func html(t *testing.T, tmpl *render.Template, data any) string {
	t.Helper()
	r, err := tmpl.Execute(data)
	if err != nil {
		t.Fatal(err)
	}
	return r.HTML(nil)
}

func TestReload(t *testing.T) {
	parsers := []struct {
		name  string
		parse func(dir string) (*render.Template, error)
	}{
		{"ParseFS", func(dir string) (*render.Template, error) {
			return render.New("page.html").Funcs(render.FuncMap{"shout": strings.ToUpper}).ParseFS(os.DirFS(dir), "*.html")
		}},
		{"ParseFiles", func(dir string) (*render.Template, error) {
			return render.New("page.html").Funcs(render.FuncMap{"shout": strings.ToUpper}).ParseFiles(filepath.Join(dir, "page.html"), filepath.Join(dir, "part.html"))
		}},
		{"ParseGlob", func(dir string) (*render.Template, error) {
			return render.New("page.html").Funcs(render.FuncMap{"shout": strings.ToUpper}).ParseGlob(filepath.Join(dir, "*.html"))
		}},
	}
	for _, p := range parsers {
		t.Run(p.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "page.html"), `<p>{{shout .}}</p>{{template "part.html" .}}`)
			writeFile(t, filepath.Join(dir, "part.html"), `<i>{{.}}</i>`)
			tmpl, err := p.parse(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := html(t, tmpl, "a"); got != "<p>A</p><i>a</i>" {
				t.Fatalf("first render %q", got)
			}
			if changed, err := tmpl.Reload(); changed || err != nil {
				t.Fatalf("first Reload = %v, %v; want it to only note the files", changed, err)
			}
			if changed, err := tmpl.Reload(); changed || err != nil {
				t.Fatalf("Reload of unchanged files = %v, %v", changed, err)
			}
			writeFile(t, filepath.Join(dir, "part.html"), `<b>{{.}}!</b>`)
			if changed, err := tmpl.Reload(); !changed || err != nil {
				t.Fatalf("Reload after a change = %v, %v", changed, err)
			}
			if got := html(t, tmpl, "a"); got != "<p>A</p><b>a!</b>" {
				t.Fatalf("render after reload %q", got)
			}
			// A broken template is an error; the last good one stays, and is not marked
			// as seen: fixing the file reloads it.
			writeFile(t, filepath.Join(dir, "page.html"), `<p>{{if}}</p>`)
			if changed, err := tmpl.Reload(); changed || err == nil {
				t.Fatalf("Reload of a broken template = %v, %v; want an error", changed, err)
			}
			if got := html(t, tmpl, "a"); got != "<p>A</p><b>a!</b>" {
				t.Fatalf("render after a failed reload %q", got)
			}
			writeFile(t, filepath.Join(dir, "page.html"), `<h1>{{shout .}}</h1>`)
			if changed, err := tmpl.Reload(); !changed || err != nil {
				t.Fatalf("Reload after the fix = %v, %v", changed, err)
			}
			if got := html(t, tmpl, "b"); got != "<h1>B</h1>" {
				t.Fatalf("render after the fix %q", got)
			}
			os.Remove(filepath.Join(dir, "part.html"))
			if _, err := tmpl.Reload(); err == nil && p.name == "ParseFiles" {
				t.Fatal("Reload with a named file gone: no error")
			}
		})
	}
}

func TestReloadWithoutFiles(t *testing.T) {
	tmpl := render.Must(render.New("x").Parse(`<p>{{.}}</p>`))
	for range 2 {
		if changed, err := tmpl.Reload(); changed || err != nil {
			t.Fatalf("Reload of a parsed string = %v, %v", changed, err)
		}
	}
}

func TestReloadWhileExecuting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.html")
	writeFile(t, path, `<p>{{.}}</p>`)
	tmpl := render.Must(render.ParseFiles(path))
	tmpl.Reload()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := tmpl.Execute("x")
				if err != nil {
					t.Error(err)
					return
				}
				if h := r.HTML(nil); h != "<p>x</p>" && h != "<div>x</div>" {
					t.Errorf("render %q", h)
					return
				}
			}
		}()
	}
	for i := range 20 {
		tag := []string{"p", "div"}[i%2]
		writeFile(t, path, "<"+tag+">{{.}}</"+tag+">")
		if _, err := tmpl.Reload(); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
}
