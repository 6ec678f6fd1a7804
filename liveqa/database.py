"""Engine set-up; on SQLite, no connection ever waits inside SQLite for a lock."""

import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g, request
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

# Set while the current request or socket event only reads: its transactions then start
# deferred, as WAL readers, holding no lock that a writer could wait for.
_reads_only: ContextVar[bool] = ContextVar("liveqa_reads_only", default=False)


class DatabaseBusy(Exception):
    """The SQLite write lock stayed taken for longer than the configured wait."""


CONNECT_TIMEOUT_SECONDS = 5


def engine_options(uri: str) -> dict:
    """Return create_engine() options suited to the database URI."""
    # Bound values (question text, names, phone tokens) stay out of SQL logs and errors.
    private = {"hide_parameters": True}
    if uri.startswith("sqlite"):
        # timeout=0: SQLite's own busy wait would block the OS thread, and under eventlet
        # that is every client at once. We wait for locks ourselves, cooperatively.
        return private | {"connect_args": {"timeout": 0, "check_same_thread": False}}
    options = private | {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
    if "connect_timeout" not in uri:
        # A host that drops packets would otherwise hold a request (and /readyz) for
        # minutes; a bounded connect lets the 503 with Retry-After go out.
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return options


def configure_engine(engine, lock_wait_seconds: float) -> None:
    """Install the SQLite pragmas and cooperative BEGIN IMMEDIATE on ENGINE."""
    if engine.dialect.name != "sqlite":
        return
    if getattr(engine, "_liveqa_configured", False):
        return
    engine._liveqa_configured = True
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event, not the driver, start transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 0")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            # WAL: readers never wait for the writer, and the writer never waits for readers.
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if _reads_only.get():
            connection.exec_driver_sql("BEGIN")
        else:
            begin_immediate(connection, lock_wait_seconds)


@contextmanager
def reading_only():
    """Start the transactions begun inside as SQLite readers, which never take the write lock."""
    token = _reads_only.set(True)
    try:
        yield
    finally:
        _reads_only.reset(token)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _before_request() -> None:
    if request.method in SAFE_METHODS:
        g.liveqa_reads_only = _reads_only.set(True)
    else:
        # Read the whole (size-capped) body before any query: on a slow connection the
        # read yields, and it must not yield while this request holds the write lock.
        request.get_data(cache=True)


def _teardown_request(_error=None) -> None:
    token = g.pop("liveqa_reads_only", None)
    if token is not None:
        _reads_only.reset(token)


def init_app(app) -> None:
    """Make safe requests SQLite readers and read request bodies before any query."""
    app.before_request_funcs.setdefault(None, []).insert(0, _before_request)
    app.teardown_request(_teardown_request)


def begin_immediate(connection, lock_wait_seconds: float) -> None:
    """Start a write transaction, sleeping between tries while another writer holds the lock."""
    deadline = time.monotonic() + lock_wait_seconds
    delay = 0.002
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(str(exc.orig)) from exc
        # time.sleep yields to other green threads when the server monkey-patches it.
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
