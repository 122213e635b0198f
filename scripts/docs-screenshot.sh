#!/usr/bin/env bash
# Screenshot the interactive API docs (/docs) of a fresh local gateway in headless Chromium, with
# the machine's network out of the picture: the page must render from the assets compiled into
# the gateway (no CDN). Installs Debian's chromium if it is missing.
#
# Usage: scripts/docs-screenshot.sh [out.png]   (default: target/docs.png)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/docs.png}
case $out in /*) ;; *) out=$PWD/$out ;; esac
if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
work=$(mktemp -d)
cargo build --quiet -p tutorbridge-local
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TUTORBRIDGE_DATA_DIR="$work/data" TUTORBRIDGE_ADDR="127.0.0.1:$port" TUTORBRIDGE_LOG=warn \
  target/debug/tutorbridge-local >"$work/gateway.log" 2>&1 &
gateway=$!
trap 'kill $gateway 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/openapi.json" >/dev/null && break; sleep 0.1; done
mkdir -p "$(dirname "$out")"
# --host-resolver-rules sends every other host nowhere: a page that needed a CDN would break.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
  --window-size=1280,1600 --virtual-time-budget=5000 \
  --screenshot="$out" "http://127.0.0.1:$port/docs/" 2>"$work/chromium.log"
echo "screenshot of http://127.0.0.1:$port/docs/ written to $out"
