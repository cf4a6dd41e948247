#!/usr/bin/env bash
# Runs the Sneakers23 demo (examples/productpage) as a three-node cluster behind HAProxy on
# this machine: three productpage processes sharing a PostgreSQL database and a NATS
# cluster (each node embeds a NATS server routed to the other two), and HAProxy in front
# with deploy/haproxy.cfg. It prints the shop's URL; Ctrl-C stops everything.
#
# A node that exits is started again (as systemd's Restart=always or an orchestrator
# would), so `kill -TERM` on a node restarts it: deploy/rolling-restart.sh restarts them
# one at a time. See deploy/README.md.
#
# Settings (environment):
#   GLINT_DEPLOY_DB          PostgreSQL URL (default: the local server's postgres database)
#   GLINT_DEPLOY_PORT        HAProxy's port, where browsers connect (default 8080)
#   GLINT_DEPLOY_NODE_PORT   first node's HTTP port; the others follow (default 8081)
#   GLINT_DEPLOY_NATS_PORT   first node's NATS client port (default 4222)
#   GLINT_DEPLOY_ROUTE_PORT  first node's NATS route port (default 6222)
#   GLINT_DEPLOY_STATS_PORT  HAProxy's stats page (default 8404)
#   GLINT_DEPLOY_DRAIN_DELAY how long a stopping node stays not ready before draining (3s)
#   GLINT_DEPLOY_DIR         state: binary, secret, pid files, logs (default deploy/.run)
#   GLINT_DEPLOY_BIN         a productpage binary to run instead of building one
#   GLINT_HAPROXY            the haproxy binary (default: haproxy on the PATH, or /usr/sbin)
#   ADMIN_PASSWORD           the admin pages' password (user "admin"; default "password")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$here/lib.sh"

db=${GLINT_DEPLOY_DB:-postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable}
nats_port=${GLINT_DEPLOY_NATS_PORT:-4222}
route_port=${GLINT_DEPLOY_ROUTE_PORT:-6222}
drain_delay=${GLINT_DEPLOY_DRAIN_DELAY:-3s}

haproxy=${GLINT_HAPROXY:-}
if [ -z "$haproxy" ]; then
  haproxy=$(command -v haproxy || true)
  [ -z "$haproxy" ] && [ -x /usr/sbin/haproxy ] && haproxy=/usr/sbin/haproxy
fi
if [ -z "$haproxy" ]; then
  echo "run.sh: HAProxy not found: install it (Debian: apt-get install haproxy) or set GLINT_HAPROXY" >&2
  exit 1
fi

mkdir -p "$state"
rm -f "$state/stopping" "$state"/node*.pid

bin=${GLINT_DEPLOY_BIN:-}
if [ -z "$bin" ]; then
  echo "building examples/productpage…"
  (cd "$root" && go build -o "$state/productpage" ./examples/productpage)
  bin=$state/productpage
fi

# Every node signs sessions and cart cookies with the same secret, so that a browser's page
# joins any node, and keeps its cart, across restarts.
if [ ! -s "$state/secret" ]; then
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$state/secret")
fi

# node_loop runs node $1 (1 to 3) until run.sh stops, starting it again whenever it exits.
node_loop() {
  local i=$1 routes="" j pid
  for j in 1 2 3; do
    [ "$j" = "$i" ] && continue
    routes+="${routes:+,}nats-route://127.0.0.1:$((route_port + j - 1))"
  done
  while [ ! -e "$state/stopping" ]; do
    echo "=== $(date -u +%FT%TZ) starting node$i" >>"$state/node$i.log"
    "$bin" -addr "127.0.0.1:$(node_port "$i")" -db "$db" \
      -nats-embed -nats-listen "127.0.0.1:$((nats_port + i - 1))" \
      -nats-cluster "127.0.0.1:$((route_port + i - 1))" -nats-routes "$routes" \
      -node "node$i" -drain-delay "$drain_delay" -trusted-proxies 127.0.0.1/32 \
      -secret-file "$state/secret" >>"$state/node$i.log" 2>&1 &
    pid=$!
    echo "$pid" >"$state/node$i.pid"
    wait "$pid" || true
    [ -e "$state/stopping" ] && break
    echo "node$i (pid $pid) exited; starting it again"
    sleep 0.5
  done
}

hp_pid=""
# stop_all stops the nodes (they drain first) and HAProxy, and waits for them.
stop_all() {
  trap - INT TERM EXIT
  touch "$state/stopping"
  echo
  echo "stopping: the nodes drain their sockets, then exit…"
  local i
  for i in 1 2 3; do
    [ -s "$state/node$i.pid" ] && kill -TERM "$(cat "$state/node$i.pid")" 2>/dev/null || true
  done
  [ -n "$hp_pid" ] && kill -TERM "$hp_pid" 2>/dev/null || true
  wait || true
  rm -f "$state"/node*.pid
  echo "stopped"
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

# The first node migrates and seeds a new database; the others start once it is ready.
node_loop 1 &
wait_status "$(node_port 1)" /readyz 200 120 || { echo "node1 did not become ready; see $state/node1.log" >&2; exit 1; }
node_loop 2 &
node_loop 3 &
for i in 2 3; do
  wait_status "$(node_port "$i")" /readyz 200 120 || { echo "node$i did not become ready; see $state/node$i.log" >&2; exit 1; }
done

export GLINT_LB_ADDR=127.0.0.1:$lb_port GLINT_STATS_ADDR=127.0.0.1:$stats_port
export GLINT_NODE1=127.0.0.1:$(node_port 1) GLINT_NODE2=127.0.0.1:$(node_port 2) GLINT_NODE3=127.0.0.1:$(node_port 3)
"$haproxy" -db -f "$here/haproxy.cfg" &
hp_pid=$!
for i in 1 2 3; do
  wait_lb "node$i" UP 60 || { echo "HAProxy does not see node$i UP" >&2; exit 1; }
done

cat <<EOF
Sneakers23 is up: http://127.0.0.1:$lb_port/drops
  admin:   http://127.0.0.1:$lb_port/admin (user admin, password \$ADMIN_PASSWORD or "password")
  nodes:   127.0.0.1:$(node_port 1), :$(node_port 2), :$(node_port 3) (logs: $state/node{1,2,3}.log)
  HAProxy: stats at http://127.0.0.1:$stats_port/
  rolling restart: deploy/rolling-restart.sh
Ctrl-C stops everything.
EOF
wait "$hp_pid" || true
echo "HAProxy exited" >&2
exit 1
