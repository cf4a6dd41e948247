// Command counter is Glint's smallest live page: a counter that starts at a random number,
// with + and - buttons, and a second counter shared by every open tab through PubSub. Its
// stylesheet and icon are embedded (static/) and served beside the live server.
//
//	go run ./examples/counter            # http://localhost:8080/
//	go run ./examples/counter -addr :9000
//
// Set GLINT_SECRET (32+ bytes) so that open pages survive a restart of the server: they
// reconnect and rejoin instead of reloading.
package main
