#!/usr/bin/env bash
# The same-run comparison with the Python system this replaces (docs/measurements.md, "Side by
# side with the Python system"). Start the Python system first, its API and its database pinned
# to CPU 0, then:
#
#   PYTHON_PIDS=UVICORN_PID,POSTMASTER_PID PYTHON_IDS=ids.txt scripts/compare-python.sh
#
# The local gateway (the `profiling` build, fresh data folder) is started here on CPU 0 too, and
# the benchmark runs on CPU 1 against each system in turn, level by level and repetition by
# repetition, so both see the same stretch of the machine. Both get the same workload: assign
# then complete (an answer drawn at random, from the item's choices where it has them), nothing
# else (`--practice-only` on the gateway, whose benchmark otherwise adds curriculum and progress
# reads and tutoring sessions). Each level gets students of its own: fresh invitations on the
# gateway, the next unused lines of PYTHON_IDS (one user id per line) on the Python system. CPU
# per item counts the Python API and every database process.
#
# LEVELS (default 1,8,32,256), SECONDS_PER_LEVEL (10), REPEAT (3), PYTHON_URL
# (http://127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PYTHON_PIDS:?the Python API pid and its database postmaster pid, comma-separated}"
: "${PYTHON_IDS:?a file with the student ids of the Python system, one per line}"
levels=${LEVELS:-1,8,32,256}
seconds=${SECONDS_PER_LEVEL:-10}
repeat=${REPEAT:-3}
python_url=${PYTHON_URL:-http://127.0.0.1:8000}
cargo build --quiet --profile profiling -p tutorbridge-local -p tutorbridge-bench
bench=target/profiling/tutorbridge-bench
port=${PORT:-3999}
# shellcheck source=scripts/pinned-gateway.sh
. scripts/pinned-gateway.sh
trap stop_pinned_gateway EXIT
start_pinned_gateway target/profiling/tutorbridge-local "$port"
pid=$gateway_pid
ids=$gateway_data/ids
next=1
for round in $(seq "$repeat"); do
  for level in ${levels//,/ }; do
    sed -n "${next},$((next + level - 1))p" "$PYTHON_IDS" >"$ids"
    next=$((next + level))
    if [ "$(wc -l <"$ids")" -lt "$level" ]; then
      echo "$PYTHON_IDS has too few ids for $repeat rounds of $levels" >&2
      exit 1
    fi
    echo "## round $round, $level students"
    taskset -c 1 "$bench" --target python --url "$python_url" --tokens "$ids" \
      --students "$level" --seconds "$seconds" --server-pid "$PYTHON_PIDS" |
      grep -E '^\| [0-9]|^  [0-9]' | sed 's/^/python      /'
    taskset -c 1 "$bench" --url "http://127.0.0.1:$port" --students "$level" --seconds "$seconds" \
      --practice-only --server-pid "$pid" |
      grep -E '^\| [0-9]|^  [0-9]' | sed 's/^/tutorbridge /'
  done
done
