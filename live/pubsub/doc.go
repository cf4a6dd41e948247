// Package pubsub carries broadcasts from publishers to the subscribers of a topic.
//
// PubSub is the interface; NewLocal returns the default in-process implementation, and
// distributed adapters (NATS) implement the same interface to reach every node.
//
// A broadcast's payload is encoded to JSON once, and the same bytes (a *Message) are handed
// to every subscriber; subscribers that forward it in a common wire form share that
// encoding too through Message.Encoded.
//
// Delivery is at-most-once. Subscriber.Deliver runs on the publisher's goroutine and must
// never block, so a subscriber whose bounded mailbox is full drops the message; adapters
// that cross the network lose messages when the network fails. Applications that need every
// update must re-read their source of truth (a rejoining live view always does).
package pubsub
