#!/usr/bin/env bash
# The Lambda packages, measured on this machine (docs/measurements.md, "Lambda packages").
#
#   scripts/lambda.sh            # build every function with cargo-lambda, then measure
#   SKIP_BUILD=1 scripts/lambda.sh   # measure what target/lambda already holds
#   FUNCTIONS="session-step practice-assign" PROFILE=profiling scripts/lambda.sh  # another cargo profile
#
# Builds each function's `bootstrap` with `cargo lambda build --release` for x86_64 (arm64, the
# template's default, cannot be built here) and zips it, then runs each one under a stand-in
# for the Lambda Runtime API (scripts/lambda_runtime.py) against the AWS emulator (moto, with
# the table created and the demo curriculum and bank seeded): init to the first poll for work,
# the first and the warm invocations of a sample event from events/, and peak memory. Prints a
# Markdown table. A release build of the whole stack takes ~20 minutes here.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${TUTORBRIDGE_VENV:-$root/.venv}
COLDS=${COLDS:-5}
INVOKES=${INVOKES:-10}

# shellcheck source=scripts/common.sh
. scripts/common.sh
ensure_venv "$venv"
# cargo-lambda and the zig it cross-links with (for Lambda's glibc), pinned; benchmarks only.
if [ ! -x "$venv/bin/cargo-lambda" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r scripts/lambda-requirements.lock
fi
export PATH="$venv/bin:$PATH"

functions=${FUNCTIONS:-$(ls functions)}
profile=${PROFILE:-release}
out=target/lambda/$profile
if [ -z "${SKIP_BUILD:-}" ]; then
  packages=$(for f in $functions; do printf -- '-p %s ' "$f"; done)
  # shellcheck disable=SC2086
  cargo lambda build --profile "$profile" --x86-64 $packages --lambda-dir "$out/bin"
  # shellcheck disable=SC2086
  cargo lambda build --profile "$profile" --x86-64 --output-format zip $packages --lambda-dir "$out/zip"
fi

port=$(free_port)
"$venv/bin/python" scripts/moto_server.py 127.0.0.1 "$port" >/tmp/tutorbridge-lambda-moto.log 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true' EXIT
wait_for "http://127.0.0.1:$port/moto-api/" 10 /tmp/tutorbridge-lambda-moto.log
export TUTORBRIDGE_AWS_ENDPOINT="http://127.0.0.1:$port" TUTORBRIDGE_TABLE=tutorbridge-measured
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
admin=target/release/tutorbridge-admin
[ -x "$admin" ] || admin="cargo run --quiet -p tutorbridge-admin --"
$admin create-table >/dev/null
$admin seed-curriculum >/dev/null
$admin seed-bank >/dev/null
curl -fsS -X PUT "http://127.0.0.1:$port/tutorbridge-uploads" -o /dev/null

# The sample event each function is invoked with (none: only init is timed).
event_for() {
  case $1 in
    curriculum) echo events/curriculum/list-subjects.json ;;
    files) echo events/files/start-upload.json ;;
    goals) echo events/goals/list.json ;;
    me) echo events/me/get.json ;;
    nudges) echo events/nudges/list.json ;;
    nudges-run) echo events/nudges-run/schedule.json ;;
    people) echo events/people/students-as-tutor.json ;;
    practice-assign) echo events/practice-assign/assign-maths.json ;;
    practice-complete) echo events/practice-complete/complete.json ;;
    practice-review) echo events/practice-review/queue.json ;;
    profile-created) echo events/profile-created/post-confirmation.json ;;
    qa-query) echo events/qa-query/ask.json ;;
    qa-threads) echo events/qa-threads/history.json ;;
    session-create) echo events/session-create/create.json ;;
    session-read) echo events/session-read/get.json ;;
    session-step) echo events/session-step/answer.json ;;
    summaries) echo events/summaries/list.json ;;
    summaries-sweep) echo events/summaries-sweep/schedule.json ;;
    transcripts-webhook) echo events/transcripts-webhook/poll.json ;;
    *) echo "" ;;
  esac
}

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "| Function | bootstrap MB | zip MB | init ms | first invoke ms | warm ms | CPU ms per warm invoke | peak RSS MB | first status |"
echo "|---|---|---|---|---|---|---|---|---|"
for f in $functions; do
  bootstrap=$out/bin/$f/bootstrap
  [ -x "$bootstrap" ] || { echo "| $f | not built | | | | | | | |"; continue; }
  zip=$out/zip/$f/bootstrap.zip
  zip_mb=$([ -f "$zip" ] && mb "$(stat -c %s "$zip")" || echo "-")
  event=$(event_for "$f")
  result=$("$venv/bin/python" scripts/lambda_runtime.py "$bootstrap" $event \
    --colds "$COLDS" --invokes "$INVOKES" \
    --env "TUTORBRIDGE_TABLE=$TUTORBRIDGE_TABLE" \
    --env "TUTORBRIDGE_AWS_ENDPOINT=$TUTORBRIDGE_AWS_ENDPOINT" \
    --env "TUTORBRIDGE_BUCKET=tutorbridge-uploads" \
    --env "TUTORBRIDGE_MAIL_FROM=nudges@example.com" \
    --env "TUTORBRIDGE_USER_POOL_ID=us-east-1_measured" \
    --env "TUTORBRIDGE_WEBHOOK_SECRETS=measured-secret" \
    --env "TUTORBRIDGE_LINK_SECRET=measured-link-secret" \
    --env "AWS_REGION=$AWS_REGION" --env "AWS_ACCESS_KEY_ID=testing" \
    --env "AWS_SECRET_ACCESS_KEY=testing" --env "AWS_EC2_METADATA_DISABLED=true" 2>&1) || {
    echo "| $f | $(mb "$(stat -c %s "$bootstrap")") | $zip_mb | failed: ${result//|/\/} | | | | | |"
    continue
  }
  echo "$result" | "$venv/bin/python" -c '
import json, sys
f, size, zip_mb = sys.argv[1:4]
r = json.loads(sys.stdin.read())
cells = [r[k] for k in ("init_ms", "first_ms", "warm_ms", "cpu_warm_ms", "rss_mb")]
status = r["status"] if r["error"] is None else "error: " + r["error"][:60].replace("|", "/")
row = [f, size, zip_mb] + ["-" if v is None else str(v) for v in cells] + ["-" if status is None else str(status)]
print("| " + " | ".join(row) + " |")
' "$f" "$(mb "$(stat -c %s "$bootstrap")")" "$zip_mb"
done
