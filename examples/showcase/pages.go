package main

import "github.com/glint-go/glint/live"

// showcasePage is one page of the showcase. A page lives in a file of its own with its
// template in templates/, and is listed in pages.
type showcasePage struct {
	Path    string // its route, such as "/presence"
	Title   string // its name in the index
	Summary string // one line for the index
	// Also are more routes of the same page (siblings to navigate between).
	Also []string
	// page builds its live page with what the pages share.
	page func(a *app) live.Page
	// nested are the nested views the page renders, by name (Server.HandleNested).
	nested map[string]live.Page
}

// pages are the showcase's pages, in the index's order.
var pages = []showcasePage{
	presencePage,
	formsPage,
	componentsPage,
	hooksPage,
	nestedPage,
	jsPage,
	streamPage,
	asyncPage,
	uploadPage,
}
