package main

import (
	"context"

	"github.com/glint-go/glint/live"
)

var indexTemplate = parsePage("index.html")

// Index is the page at /: it lists the showcase's pages.
type Index struct {
	Pages []showcasePage
}

// Mount sets the title.
func (x *Index) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	s.SetTitle("Glint showcase")
	return nil
}
