package app_test

import (
	"context"
	"log"
	"net/http"

	"github.com/glint-go/glint/examples/productpage/app"
)

// The whole demo as one http.Handler: what `go run ./examples/productpage` serves.
func ExampleNew() {
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{DBPath: "sneakers.db"})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close(ctx)
	log.Fatal(http.ListenAndServe(":8080", a))
}
