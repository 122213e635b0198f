"""moto's server with DynamoDB requests applied one at a time, as DynamoDB isolates them.

moto 5.2's TransactWriteItems deep-copies the tables it touches and restores them when a condition
fails; two transactions in flight at once on the threaded server interleave those copies, which
answers HTTP 500s and loses or resurrects items. Real DynamoDB serialises conflicting writes, and
TutorBridge's no-lost-updates guarantee rests on exactly that, so this launcher runs moto's own
WSGI app behind one lock for DynamoDB requests (other services stay concurrent) and lets the
tests race many writers against the emulator as they would against the real service.

Usage: moto_server.py HOST PORT
"""

import os
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

DYNAMODB_TARGET = "DynamoDB_20120810."


def serialise_dynamodb(app):
    lock = threading.Lock()

    def wrapped(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET):
            with lock:
                # Finish the response inside the lock: moto builds bodies lazily.
                return list(app(environ, start_response))
        return app(environ, start_response)

    return wrapped


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))  # as moto_server sets it
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        host,
        port,
        serialise_dynamodb(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
