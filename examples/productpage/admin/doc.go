// Package admin is the Sneakers23 operator surface: a JSON API to release products, sell
// items and drive the reducer (used by the demo and by tests), and HTTP basic auth that
// guards it and the /admin page.
package admin
