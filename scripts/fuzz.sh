#!/usr/bin/env bash
# Schema-driven fuzzing: Schemathesis (pinned in scripts/requirements.lock) against a fresh local
# gateway, once per demo role with that role's token, bounded in examples and with a fixed seed.
# Fails on any 5xx and on any response that does not conform to openapi.json (status, content
# type, headers, body schema). Not checked: "a schema-valid request must be accepted" — the
# document cannot express every rule (a topic needs a subject, a time zone must exist), and
# those requests are rightly 400s.
#
# Usage: scripts/fuzz.sh [max examples per operation] (the test command runs it; needs .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${TUTORBRIDGE_VENV:-$PWD/.venv}
examples=${1:-25}
work=$(mktemp -d)
cargo build --quiet -p tutorbridge-local
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TUTORBRIDGE_DATA_DIR="$work/data" TUTORBRIDGE_ADDR="127.0.0.1:$port" TUTORBRIDGE_LOG=warn \
  target/debug/tutorbridge-local >"$work/gateway.log" 2>&1 &
gateway=$!
trap 'kill $gateway 2>/dev/null || true; wait $gateway 2>/dev/null || true; rm -rf "$work"' EXIT
"$venv/bin/python" - "http://127.0.0.1:$port/openapi.json" <<'PY'
import sys, time, urllib.request
deadline = time.time() + 30
while time.time() < deadline:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1); sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit("the gateway did not start")
PY
status=0
for role in student tutor parent admin; do
  token=$(curl -s "http://127.0.0.1:$port/local/tokens/$role")
  echo "--- schemathesis as $role"
  if ! "$venv/bin/schemathesis" run openapi.json --url "http://127.0.0.1:$port" \
      -H "Authorization: Bearer $token" --checks all --exclude-checks positive_data_acceptance \
      --max-examples "$examples" --seed 1 --request-timeout 10 --no-color >"$work/$role.log" 2>&1; then
    status=1
    cat "$work/$role.log"
  fi
  grep -E "^ *[0-9]+ generated" "$work/$role.log" | sed "s/^ */schema fuzzing as $role: /"
done
if grep -q "panicked" "$work/gateway.log"; then
  echo "the gateway panicked during fuzzing:" >&2
  grep -A5 panicked "$work/gateway.log" >&2
  status=1
fi
exit $status
