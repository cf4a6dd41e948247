// Package cart is the Sneakers23 shopping cart: the signed cookie that names a shopper's
// cart, the operations that change a cart (with the shop's rules and the messages a shopper
// sees when one is refused), the PubSub topic that keeps every tab of a cart in step on
// every node, and the cart as the pages render it.
//
// The cart itself lives in the store (store.Shop); this package never keeps one in memory.
package cart
