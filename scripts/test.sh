#!/usr/bin/env bash
# TutorBridge's one test command (the README's, and what CI runs).
#
# On a fresh machine it installs what it needs (a Python venv with the pinned AWS emulator and
# cfn-lint), starts moto's server on a free loopback port, creates the table there from the
# shared definition, checks formatting and lints, runs every Rust test with the emulator's
# endpoint, lints the SAM template, and stops the emulator even when something fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${TUTORBRIDGE_VENV:-$root/.venv}
work=$root/.ci-tmp
mkdir -p "$work"
step() { printf '\n==> %s\n' "$*"; }
# shellcheck source=scripts/common.sh
. scripts/common.sh

step "Python tools (moto, cfn-lint, llama.cpp server, SmolLM2) from scripts/requirements.lock"
ensure_venv "$venv"
"$venv/bin/python" -c 'import moto, cfnlint.version, xllamacpp; print("moto", moto.__version__, "| cfn-lint", cfnlint.version.__version__, "| xllamacpp ok")'

step "AWS emulator (moto server)"
port=$(free_port)
# DynamoDB requests one at a time, as the real service isolates them (see the script).
"$venv/bin/python" scripts/moto_server.py 127.0.0.1 "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
llm_pid=
stop_servers() {
  for pid in "$moto_pid" $llm_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}
trap stop_servers EXIT
wait_for "http://127.0.0.1:$port/moto-api/" 10
echo "moto listening on 127.0.0.1:$port"

step "Real small model (SmolLM2-135M on llama.cpp's OpenAI-compatible server)"
llm_port=$(free_port)
"$venv/bin/python" scripts/llm_server.py "$llm_port" >"$work/llm.log" 2>&1 &
llm_pid=$!
wait_for "http://127.0.0.1:$llm_port/v1/models" 60
export TUTORBRIDGE_LLM_TEST_URL="http://127.0.0.1:$llm_port/v1"
echo "model server listening on 127.0.0.1:$llm_port"

export TUTORBRIDGE_AWS_ENDPOINT="http://127.0.0.1:$port"
export TUTORBRIDGE_TABLE=tutorbridge-test
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
export CARGO_TERM_COLOR=never

step "Table $TUTORBRIDGE_TABLE in the emulator, from the shared definition"
cargo run --quiet -p tutorbridge-admin -- create-table

step "The local gateway builds without the AWS SDK"
if cargo tree -p tutorbridge-local -e normal --prefix none | grep -E '^aws-(sdk|config)'; then
  echo "tutorbridge-local must not depend on the AWS SDK (see the crates above)" >&2
  exit 1
fi
echo "cargo tree -p tutorbridge-local: no aws-sdk-* / aws-config"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The gateway's heap-profile build (README, "Benchmarks"): nothing else compiles it.
cargo clippy -p tutorbridge-local --features dhat-heap --quiet -- -D warnings

step "cargo test (unit, contract and sessions on both backends, handlers, journeys, emulator, real model)"
# A failing test must not stop the rest (fuzzing, cfn-lint, the summary): its status is kept.
set +e
cargo test --workspace --no-fail-fast 2>&1 | tee "$work/test.log"
test_status=${PIPESTATUS[0]}
set -e

step "Schemathesis against the local gateway (scripts/fuzz.sh), as each role"
fuzz_status=0
scripts/fuzz.sh 25 2>&1 | tee "$work/fuzz.log" || fuzz_status=1

step "cfn-lint template.yaml"
"$venv/bin/cfn-lint" template.yaml
echo "template.yaml: no findings"

step "Summary"
grep -E "^schema fuzzing as" "$work/fuzz.log" || true
# Passing tests per tier, read from cargo's own output.
awk '
  /^ *Running / { binary = $2 }
  / \.\.\. ok$/ {
    if ($2 ~ /^embedded_contract::/) embedded++
    else if ($2 ~ /^dynamodb_contract::/) dynamodb++
    else if ($2 ~ /^dynamodb_sessions::/) sessions_dynamodb++
    else if ($2 ~ /^embedded_sessions::/) sessions_embedded++
    else if ($2 ~ /^dynamodb_practice::/) practice_dynamodb++
    else if ($2 ~ /^embedded_practice::/ || $2 ~ /^embedded_two_hundred/) practice_embedded++
    else if ($2 ~ /^dynamodb_oversight::/) oversight_dynamodb++
    else if ($2 ~ /^embedded_oversight::/) oversight_embedded++
    else if ($2 ~ /^dynamodb_qa::/) qa_dynamodb++
    else if ($2 ~ /^embedded_qa::/) qa_embedded++
    else if ($2 ~ /^dynamodb_nudges::/) nudges_dynamodb++
    else if ($2 ~ /^embedded_nudges::/) nudges_embedded++
    else if (binary ~ /tests\/cognito\.rs/) cognito++
    else if (binary ~ /tests\/real_model\.rs/) real_model++
    else if (binary ~ /^tests\//) integration++
    else unit++
  }
  /^test result:/ { passed += $4; failed += $6 }
  END {
    printf "%-50s %d\n", "table contract, embedded (redb) backend:", embedded
    printf "%-50s %d\n", "table contract, DynamoDB backend against moto:", dynamodb
    printf "%-50s %d\n", "session scenarios, embedded backend:", sessions_embedded
    printf "%-50s %d\n", "session scenarios, DynamoDB backend against moto:", sessions_dynamodb
    printf "%-50s %d\n", "practice scenarios, embedded backend:", practice_embedded
    printf "%-50s %d\n", "practice scenarios, DynamoDB backend against moto:", practice_dynamodb
    printf "%-50s %d\n", "oversight scenarios, embedded backend:", oversight_embedded
    printf "%-50s %d\n", "oversight scenarios, DynamoDB backend against moto:", oversight_dynamodb
    printf "%-50s %d\n", "Q&A scenarios, embedded backend:", qa_embedded
    printf "%-50s %d\n", "Q&A scenarios, DynamoDB backend against moto:", qa_dynamodb
    printf "%-50s %d\n", "nudge scenarios, embedded backend:", nudges_embedded
    printf "%-50s %d\n", "nudge scenarios, DynamoDB backend against moto:", nudges_dynamodb
    printf "%-50s %d\n", "Cognito (moto) tokens through the gateway:", cognito
    printf "%-50s %d\n", "real model (SmolLM2 on llama.cpp) plumbing:", real_model
    printf "%-50s %d\n", "other integration (journeys over HTTP, template):", integration
    printf "%-50s %d\n", "unit and handler tests:", unit
    printf "%d passed, %d failed\n", passed, failed
  }' "$work/test.log"
if [ "$test_status" -eq 0 ] && [ "$fuzz_status" -ne 0 ]; then
  echo "schema fuzzing failed (see above)" >&2
  exit 1
fi
exit "$test_status"
