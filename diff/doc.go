// Package diff turns render trees into Phoenix LiveView's rendered/diff wire format: the
// full render sent when a view joins, and the minimal diff between two renders. It also
// holds a Go model of the client's merge-and-render, used to check every diff.
package diff
