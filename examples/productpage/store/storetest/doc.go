// Package storetest is the behaviour suite every store.Store implementation must pass.
// Call Run from the implementation's tests with a constructor that returns a fresh, empty
// or seeded store; Run resets it to its own fixtures. RunConcurrent runs the concurrency
// tests (carts filling up, concurrent checkouts, retried checkouts) against several stores
// sharing one database, as nodes of a cluster do.
package storetest
