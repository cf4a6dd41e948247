// Package inventory is the in-memory cache of the Sneakers23 catalog that pages render from.
//
// It is rebuilt from the store at start-up, and every change goes to the store first: Release
// and Sell write to the store, then update memory, then broadcast on the product's PubSub
// topic (Topic) so that connected views re-read the inventory. Reads (Products) return
// snapshots and never touch the store. The reducer simulates the crowd of a drop.
package inventory
