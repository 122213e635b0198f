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


def one_backup_per_transaction():
    """moto backs a table up (a deep copy) once per *operation* of a TransactWriteItems, before
    any operation is applied, so the copies of one table are identical; a 4-operation
    transaction copied the table four times. Share one copy per table per call (same rollback,
    a quarter of the time and memory). Safe because DynamoDB requests run one at a time."""
    import copy as real_copy

    from moto.dynamodb import models

    class SharedCopies:
        cache = None

        @staticmethod
        def deepcopy(value, *args):
            cache = SharedCopies.cache
            if cache is None or not isinstance(value, models.Table):
                return real_copy.deepcopy(value, *args)
            # Keep the original alive beside its copy, so its id cannot be reused.
            if id(value) not in cache:
                cache[id(value)] = (value, real_copy.deepcopy(value, *args))
            return cache[id(value)][1]

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        SharedCopies.cache = {}
        try:
            return original(self, transact_items)
        finally:
            SharedCopies.cache = None

    models.copy = SharedCopies
    models.DynamoDBBackend.transact_write_items = transact_write_items


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
    one_backup_per_transaction()
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
