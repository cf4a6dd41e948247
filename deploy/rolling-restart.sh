#!/usr/bin/env bash
# Restarts the three nodes deploy/run.sh runs, one at a time, without losing a user:
#
#   1. SIGTERM the node: its /readyz answers 503 at once ("not ready: draining");
#   2. HAProxy's checks fail twice and it takes the node out: new connections, and the
#      browsers that reconnect, go to the other nodes;
#   3. after -drain-delay the node closes its live sockets (code 1012, spread over the
#      drain window) and exits; those browsers reconnect through HAProxy to another node
#      and their views mount again, without a page reload;
#   4. run.sh starts the node again; once its /readyz answers 200 HAProxy puts it back,
#      and only then is the next node restarted.
#
# It reads the same settings as run.sh (GLINT_DEPLOY_DIR, the ports) from the environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

secs() { printf '%d.%03ds' $(($1 / 1000)) $(($1 % 1000)); }

for i in 1 2 3; do
  [ -s "$state/node$i.pid" ] || { echo "rolling-restart.sh: node$i is not running (is deploy/run.sh?)" >&2; exit 1; }
done
start=$(now_ms)
for i in 1 2 3; do
  port=$(node_port "$i")
  pid=$(cat "$state/node$i.pid")
  t0=$(now_ms)
  echo "node$i: SIGTERM (pid $pid); /readyz turns 503"
  kill -TERM "$pid"
  wait_lb "node$i" DOWN 30 || { echo "HAProxy did not take node$i out" >&2; exit 1; }
  echo "node$i: out of HAProxy after $(secs $(($(now_ms) - t0))); draining its sockets"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "node$i: exited after $(secs $(($(now_ms) - t0)))"
  deadline=$((SECONDS + 60))
  until [ "$(cat "$state/node$i.pid" 2>/dev/null)" != "$pid" ]; do
    [ "$SECONDS" -ge "$deadline" ] && { echo "node$i was not started again" >&2; exit 1; }
    sleep 0.1
  done
  wait_status "$port" /readyz 200 60 || { echo "node$i not ready after its restart" >&2; exit 1; }
  echo "node$i: ready after $(secs $(($(now_ms) - t0)))"
  wait_lb "node$i" UP 30 || { echo "HAProxy did not put node$i back" >&2; exit 1; }
  echo "node$i: back in HAProxy after $(secs $(($(now_ms) - t0)))"
done
echo "rolling restart done in $(secs $(($(now_ms) - start)))"
