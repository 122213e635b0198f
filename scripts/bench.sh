#!/usr/bin/env bash
# The HTTP load benchmark on this machine (docs/measurements.md): the local gateway built with
# the `profiling` profile (release code with symbols), pinned to CPU 0 on a fresh data folder,
# and tutorbridge-bench pinned to CPU 1. Extra arguments go to the benchmark.
#
#   scripts/bench.sh --students 1,8,32,256 --seconds 20
#
# GATEWAY=/path/to/tutorbridge-local and BENCH=/path/to/tutorbridge-bench run prebuilt
# binaries (to compare builds); PERF=out.data records a profile of the gateway while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${GATEWAY:-}" ] || [ -z "${BENCH:-}" ]; then
  cargo build --quiet --profile profiling -p tutorbridge-local -p tutorbridge-bench
fi
gateway=${GATEWAY:-target/profiling/tutorbridge-local}
bench=${BENCH:-target/profiling/tutorbridge-bench}
port=${PORT:-3999}
# shellcheck source=scripts/pinned-gateway.sh
. scripts/pinned-gateway.sh
perf_pid=
cleanup() {
  [ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null && wait "$perf_pid" 2>/dev/null || true
  stop_pinned_gateway
}
trap cleanup EXIT
start_pinned_gateway "$gateway" "$port"
pid=$gateway_pid
echo "gateway pid $pid, idle RSS $(awk '/VmRSS/{print $2/1024 " MB"}' /proc/$pid/status), threads $(ls /proc/$pid/task | wc -l)"
if [ -n "${PERF:-}" ]; then
  perf record -F ${PERF_FREQ:-999} ${PERF_ARGS:-} -p "$pid" -o "$PERF" >/dev/null 2>&1 &
  perf_pid=$!
fi
taskset -c 1 "$bench" --url "http://127.0.0.1:$port" --server-pid "$pid" "$@"
echo "gateway threads after: $(ls /proc/$pid/task | wc -l)"
