// Package store is the Sneakers23 source of truth: products, their items (sizes), each
// item's available stock, and the shop: carts and orders.
//
// Store is a small interface so that more than one database can back the demo: SQLite
// (through modernc.org/sqlite, no cgo) and PostgreSQL (through pgx, for several nodes on one
// database). Every implementation must pass the shared suite in package storetest.
//
// A sale is one atomic "decrement if enough stock" statement: selling count units either
// takes all of them or, when fewer are available, fails with ErrNotAvailable and changes
// nothing.
//
// Every change of an item's stock also bumps the item's version in the same statement
// (see Stock), and a catalog Reset starts every item above the highest version before it.
// Nodes that cache the stock compare versions: a message carrying an older version is
// stale, and Versions, cheap to read, tells which cached items are out of date.
//
// A purchase (Shop.Purchase) buys one unit of every item of a cart in one transaction:
// it checks the cart (empty, out of stock, unreleased, in that order), decrements each
// item with the same conditional update, records an Order with a copy of the items'
// catalog data, and empties the cart; any failure rolls everything back. The caller names
// each checkout attempt with a key, so that a retried request gets the order it already
// made instead of buying twice. SQLite serialises purchases with its write lock (BEGIN
// IMMEDIATE); PostgreSQL locks the cart (an advisory lock) and the items' stock rows (in
// item id order, so purchases never deadlock).
package store
