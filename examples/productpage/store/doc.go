// Package store is the Sneakers23 source of truth: products, their items (sizes) and each
// item's available stock.
//
// Store is a small interface so that more than one database can back the demo; SQLite (through
// modernc.org/sqlite, no cgo) is the implementation here. Every implementation must pass the
// shared suite in package storetest.
//
// A sale is one atomic "decrement if enough stock" statement: selling count units either
// takes all of them or, when fewer are available, fails with ErrNotAvailable and changes
// nothing.
package store
