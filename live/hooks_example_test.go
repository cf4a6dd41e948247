package live_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

// Admin is what the "admin" group's mount hook gives its views: embedded in a view, it
// makes the view an adminView.
type Admin struct{ Name string }

// SetAdmin records the signed-in admin.
func (a *Admin) SetAdmin(name string) { a.Name = name }

// adminView is implemented by the views that embed Admin.
type adminView interface{ SetAdmin(name string) }

// Orders is a page of the "admin" group.
type Orders struct {
	Admin
	Count int
}

func (o *Orders) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	o.Count = 3 // the hook has run: o.Name is the admin's
	return nil
}

// requireAdmin is the "admin" group's mount hook: it sends visitors without a session to
// the sign-in page, and hands the admin's name to the view.
func requireAdmin(ctx context.Context, s *live.Socket, v live.View, p live.Params) error {
	name := s.Session()["admin"]
	if name == "" {
		s.Redirect("/signin")
		return nil
	}
	if av, ok := v.(adminView); ok {
		av.SetAdmin(name)
	}
	// Every event of the group's views passes here first.
	s.OnEvent(func(ctx context.Context, s *live.Socket, e live.Event) error {
		if e.Name == "delete-everything" {
			return live.Halt // never reaches the view
		}
		return nil
	})
	return nil
}

func ExampleServer_OnMount() {
	srv := live.New(live.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Secret: []byte("example secret, example secret!!"),
		// The session's admin comes from a cookie here; a real application verifies it.
		Session: func(r *http.Request) (map[string]string, error) {
			if c, err := r.Cookie("admin"); err == nil {
				return map[string]string{"admin": c.Value}, nil
			}
			return nil, nil
		},
	})
	srv.OnMount("admin", requireAdmin)
	srv.Handle("/admin/orders", live.Page{
		New:      func() live.View { return &Orders{} },
		Template: render.Must(render.New("orders").Parse(`<p>{{.Name}}: {{.Count}} orders</p>`)),
		Group:    "admin",
	})

	for _, cookie := range []string{"", "ada"} {
		req := httptest.NewRequest("GET", "/admin/orders", nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "admin", Value: cookie})
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			fmt.Println(rec.Code, rec.Header().Get("Location"))
			continue
		}
		fmt.Println(rec.Code, containerContent.FindStringSubmatch(rec.Body.String())[1])
	}
	// Output:
	// 302 /signin
	// 200 <p>ada: 3 orders</p>
}

// Welcome shows its flash: embedding live.Flash gives the template .Flash.
type Welcome struct {
	live.Flash
}

func (w *Welcome) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	s.PutFlash("info", "Welcome back!")
	return nil
}

func ExampleFlash() {
	srv := live.New(live.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secret: []byte("example secret, example secret!!")})
	srv.Handle("/", live.Page{
		New: func() live.View { return &Welcome{} },
		Template: render.Must(render.New("welcome").Parse(
			`{{with .Flash.info}}<p role="alert" phx-click="lv:clear-flash" phx-value-key="info">{{.}}</p>{{end}}`)),
	})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(containerContent.FindStringSubmatch(rec.Body.String())[1])
	// Output: <p role="alert" phx-click="lv:clear-flash" phx-value-key="info">Welcome back!</p>
}
