// Command glintload measures a Glint server the way its users run it: many live views over
// real WebSockets, speaking the LiveView wire protocol.
//
//	go run ./cmd/glintload -url http://127.0.0.1:8080/drops -scenario idle -n 10000
//
// It fetches the page once (the disconnected render gives the view's container id, signed
// session, static token, CSRF token and cookie), then opens N sockets and joins the view on
// each, spreading the sockets over many loopback source addresses (127.0.0.0/8) when N
// exceeds what one address's ephemeral ports allow.
//
// Scenarios:
//
//	idle       open N views and hold them for -hold; report the server's memory per view,
//	           read from its metrics endpoint (-metrics, default <origin>/metrics).
//	clicks     every view sends -event clicks at -rate per second for -duration; report
//	           throughput and reply latency p50, p90, p99 and max.
//	fanout     after all views joined, send -trigger (for example
//	           "POST http://admin:password@127.0.0.1:8080/admin/api/products/1/release") and
//	           report the time until the last view received the resulting diff, and bytes
//	           per view. With -baseline, then time the floor in the same run: a bare
//	           channel broadcast of a frame of the same size to as many sockets, served by
//	           live/channel alone in a child process, and report the ratio of the two.
//	reconnect  after all views joined, send -trigger (a drain or restart request), or wait
//	           for the server to drop the sockets; every view reconnects with exponential
//	           backoff and full jitter and rejoins. Report the time until all rejoined, the
//	           failures, and the spread of reconnect times.
//	carts      a shop's rush (the Sneakers23 demo's pages): release every product through
//	           the admin API, open the admin dashboard, then let -shoppers browsers arrive
//	           evenly over -arrive, each with its own cookies and socket, submitting one
//	           random size of the page's add_to_cart forms. Report add latency and reply
//	           bytes, the time until the dashboard shows every shopper and every item's
//	           carts (#shopper-count, #admin-item-cart-count-{id}), and its frames per
//	           second. -admin-user and -admin-password give the admin's basic auth.
//
// A progress line (views connected, errors, rate) is printed to stderr every second; the
// result is a table on stdout, or JSON with -json. The tool never hangs: -timeout bounds
// the whole run, and every error, timeout and protocol violation is counted.
package main
