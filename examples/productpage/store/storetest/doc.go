// Package storetest is the behaviour suite every store.Store implementation must pass.
// Call Run from the implementation's tests with a constructor that returns a fresh, empty
// or seeded store; Run resets it to its own fixtures.
package storetest
