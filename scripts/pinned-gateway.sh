# Sourced by scripts/bench.sh and scripts/compare-python.sh (from the repository root): the local
# gateway on a fresh data folder, pinned to CPU 0 (the load runs on CPU 1).
#
#   start_pinned_gateway BINARY PORT   # sets gateway_pid and gateway_data; waits until it answers
#   stop_pinned_gateway                # stops it and removes its data folder
start_pinned_gateway() {
  gateway_data=$(mktemp -d)
  TUTORBRIDGE_DATA_DIR=$gateway_data/data TUTORBRIDGE_ADDR=127.0.0.1:$2 \
    TUTORBRIDGE_LOG=${TUTORBRIDGE_LOG:-warn} taskset -c 0 "$1" >"$gateway_data/gateway.log" 2>&1 &
  gateway_pid=$!
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$2/openapi.json" -o /dev/null 2>/dev/null && break
    sleep 0.1
  done
}

stop_pinned_gateway() {
  [ -n "${gateway_pid:-}" ] || return 0
  kill "$gateway_pid" 2>/dev/null || true
  wait "$gateway_pid" 2>/dev/null || true
  rm -rf "$gateway_data"
}
