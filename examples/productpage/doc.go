// Command productpage runs Sneakers23, Glint's flagship demo: a shop page (/drops) whose
// limited drops are released and sell out live, on a SQLite store.
//
//	go run ./examples/productpage [-addr :8080] [-db sneakers.db] [-reseed]
//
// -db also takes a PostgreSQL URL (postgres://user:pass@host/db). Several nodes scale out
// by sharing one PostgreSQL database and a NATS server: -nats URL (or GLINT_NATS_URL) joins
// one, and -nats-embed starts one inside this process, clustered with its peers' -nats-routes,
// so a small cluster needs no separate service:
//
//	productpage -addr :8080 -db postgres://… -nats-embed -nats-listen 127.0.0.1:4222 -nats-cluster 127.0.0.1:6222
//	productpage -addr :8081 -db postgres://… -nats-embed -nats-listen 127.0.0.1:4223 -nats-cluster 127.0.0.1:6223 -nats-routes nats-route://127.0.0.1:6222
//
// Then open http://localhost:8080/drops, and drive the drop from /admin (user admin,
// password from ADMIN_PASSWORD, "password" when unset) or the admin API:
//
//	curl -u admin:password -X POST localhost:8080/admin/api/products/1/release
//	curl -u admin:password -X POST 'localhost:8080/admin/api/reducer?per_tick=200&tick_ms=250'
//
// Set GLINT_SECRET (32 bytes or more) to keep open pages connected across restarts.
package main
