#!/usr/bin/env python3
"""A stand-in for the Lambda Runtime API, to time one function's bootstrap on this machine.

    lambda_runtime.py BOOTSTRAP EVENT.json [--invokes N] [--colds C] [--env K=V ...]

For each of C cold starts it launches BOOTSTRAP with AWS_LAMBDA_RUNTIME_API pointing here and
measures, as Lambda would see them:
  - init: from the process being spawned to its first `GET /runtime/invocation/next`;
  - first: the first invocation, from handing over the event to the posted response;
  - warm: the next N-1 invocations (median);
  - RSS: the process's peak resident memory (VmHWM) after the last invocation;
  - CPU: the process's CPU time (user + system) per warm invocation.
It prints one JSON object: medians over the cold starts, and the first response's status code.
Only the Runtime API's invocation routes are served (`next`, `response`, `error`, init error).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


class Runtime:
    def __init__(self, event: bytes, invokes: int):
        self.event = event
        self.invokes = invokes
        self.started = 0.0
        self.first_poll = None
        self.sent_at = {}
        self.latencies = []
        self.status = None
        self.done = threading.Event()
        self.error = None
        self.pid = None
        self.cpu_after_first = None

    def next_event(self):
        count = len(self.sent_at)
        if count == 1 and self.pid is not None:
            self.cpu_after_first = cpu_ms(self.pid)
        if count >= self.invokes:
            self.done.set()
            # Hold the poll, as Lambda freezes an idle function; the process is killed next.
            time.sleep(3600)
        request_id = f"req-{count:04d}"
        self.sent_at[request_id] = time.perf_counter()
        return request_id

    def responded(self, request_id: str, body: bytes, failed: bool):
        elapsed = time.perf_counter() - self.sent_at[request_id]
        self.latencies.append(elapsed * 1000)
        if failed:
            self.error = body.decode("utf-8", "replace")[:300]
        elif self.status is None:
            try:
                self.status = json.loads(body).get("statusCode", "ok")
            except (ValueError, AttributeError):
                self.status = "ok"


def handler_for(runtime: Runtime):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every warm invocation.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def reply(self, code, body=b"", headers=None):
            self.send_response(code)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path != f"{PREFIX}/invocation/next":
                return self.reply(404)
            if runtime.first_poll is None:
                runtime.first_poll = time.perf_counter()
            request_id = runtime.next_event()
            deadline = int(time.time() * 1000) + 30_000
            self.reply(
                200,
                runtime.event,
                {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline),
                    "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:measured",
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                },
            )

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            parts = self.path[len(PREFIX):].strip("/").split("/")
            if parts[:1] == ["init"]:
                runtime.error = "init error: " + body.decode("utf-8", "replace")[:300]
                runtime.done.set()
                return self.reply(202)
            if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                runtime.responded(parts[1], body, parts[2] == "error")
                return self.reply(202)
            self.reply(404)

    return Handler


def cpu_ms(pid: int):
    """User + system CPU time of `pid` in ms (clock ticks of 10 ms)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 10.0
    except (OSError, IndexError, ValueError):
        return None


def peak_rss_mb(pid: int):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cold_start(bootstrap: str, event: bytes, invokes: int, env: dict):
    runtime = Runtime(event, invokes)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(runtime))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    child_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "measured",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/measured",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "AWS_LAMBDA_LOG_LEVEL": "WARN",
        "_HANDLER": "bootstrap",
        "LAMBDA_TASK_ROOT": os.path.dirname(os.path.abspath(bootstrap)),
        **env,
    }
    runtime.started = time.perf_counter()
    child = subprocess.Popen([bootstrap], env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    runtime.pid = child.pid
    finished = runtime.done.wait(timeout=60)
    rss = peak_rss_mb(child.pid)
    cpu_end = cpu_ms(child.pid)
    warm = len(runtime.latencies) - 1
    cpu_warm = (
        (cpu_end - runtime.cpu_after_first) / warm
        if warm > 0 and cpu_end is not None and runtime.cpu_after_first is not None
        else None
    )
    child.kill()
    _, stderr = child.communicate()
    server.shutdown()
    if not finished or runtime.first_poll is None:
        raise SystemExit(
            f"{bootstrap}: no complete run ({runtime.error or 'timed out'}); stderr: {stderr.decode()[-500:]}"
        )
    return {
        "init_ms": (runtime.first_poll - runtime.started) * 1000,
        "first_ms": runtime.latencies[0] if runtime.latencies else None,
        "warm_ms": statistics.median(runtime.latencies[1:]) if len(runtime.latencies) > 1 else None,
        "rss_mb": rss,
        "cpu_warm_ms": cpu_warm,
        "status": runtime.status,
        "error": runtime.error,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bootstrap")
    parser.add_argument("event", nargs="?", help="an event file; without one, only init is timed")
    parser.add_argument("--invokes", type=int, default=10)
    parser.add_argument("--colds", type=int, default=5)
    parser.add_argument("--env", action="append", default=[], help="K=V for the function")
    args = parser.parse_args()
    event = open(args.event, "rb").read() if args.event else b"{}"
    invokes = args.invokes if args.event else 0
    env = dict(pair.split("=", 1) for pair in args.env)
    runs = [cold_start(args.bootstrap, event, invokes, env) for _ in range(args.colds)]

    def median(name):
        values = [run[name] for run in runs if run[name] is not None]
        return round(statistics.median(values), 1) if values else None

    print(
        json.dumps(
            {
                "init_ms": median("init_ms"),
                "first_ms": median("first_ms"),
                "warm_ms": median("warm_ms"),
                "rss_mb": median("rss_mb"),
                "cpu_warm_ms": median("cpu_warm_ms"),
                "status": runs[0]["status"],
                "error": runs[0]["error"],
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
