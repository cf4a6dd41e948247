package admin_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/pubsub"
)

func ExampleNewAPI() {
	dir, _ := os.MkdirTemp("", "sneakers")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, _ := store.OpenSQLite(ctx, filepath.Join(dir, "s.db"), store.SQLiteOptions{Logger: quiet})
	defer st.Close()
	inv, _ := inventory.Load(ctx, st, pubsub.NewLocal(), inventory.Options{Logger: quiet})
	defer inv.Close()

	srv := httptest.NewServer(admin.BasicAuth(admin.User, "s3cret", admin.NewAPI(inv, quiet)))
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/admin/api/products/1/release", nil)
	req.SetBasicAuth(admin.User, "s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	p, _ := inv.Product(1)
	fmt.Println(resp.Status, p.Name, "released:", p.Released)
	// Output: 200 OK Hop Man 3 released: true
}
