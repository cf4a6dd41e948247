# Settings and helpers shared by deploy/run.sh and deploy/rolling-restart.sh (sourced).
# HTTP goes through bash's /dev/tcp, so that nothing beyond bash and coreutils is needed.

state=${GLINT_DEPLOY_DIR:-$here/.run}
lb_port=${GLINT_DEPLOY_PORT:-8080}
stats_port=${GLINT_DEPLOY_STATS_PORT:-8404}
first_node_port=${GLINT_DEPLOY_NODE_PORT:-8081}

# node_port prints node $1's HTTP port (nodes 1 to 3).
node_port() { echo $((first_node_port + $1 - 1)); }

# http_get prints the response (status line, headers, body; CRs removed) to GET $2 on
# 127.0.0.1:$1, or fails when nothing listens there.
http_get() {
  local fd
  exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&"$fd"
  tr -d '\r' <&"$fd"
  exec {fd}<&-
}

# http_status prints the status code of GET $2 on port $1 (000 when it failed).
http_status() {
  local line
  line=$(http_get "$1" "$2" 2>/dev/null | head -n 1) || true
  line=${line#HTTP/* }
  echo "${line%% *}" | grep -E '^[0-9]{3}$' || echo 000
}

# wait_status waits up to $4 seconds for GET $2 on port $1 to answer status $3.
wait_status() {
  local deadline=$((SECONDS + $4))
  until [ "$(http_status "$1" "$2")" = "$3" ]; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

# lb_status prints HAProxy's status of server $1 ("UP", "DOWN", "UP 1/2"…), read from the
# stats page's CSV.
lb_status() {
  http_get "$stats_port" "/;csv" 2>/dev/null |
    awk -F, -v sv="$1" '
      body && /^# / { for (i = 1; i <= NF; i++) if ($i == "status") col = i; next }
      body && $1 == "nodes" && $2 == sv { print $col }
      /^$/ { body = 1 }'
}

# wait_lb waits up to $3 seconds for HAProxy to report server $1 as $2.
wait_lb() {
  local deadline=$((SECONDS + $3))
  until [ "$(lb_status "$1")" = "$2" ]; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

# now_ms prints the time in milliseconds.
now_ms() { date +%s%3N; }
