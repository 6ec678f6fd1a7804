"""Under eventlet a blocked SQLite call would freeze the whole process: prove it does not.

A real eventlet server runs on a SQLite file while this test holds the write lock. Why
these tests fail without liveqa/database.py's cooperative wait:
- If the wait happened inside SQLite (busy_timeout, or the driver's `timeout=`), the OS
  thread, which under eventlet is every client, would sleep in C: client B's `ping` ack
  and the static file would not come back while A's POST waits, so the 5-second calls
  time out (the server's lock wait is set far longer) and the order checks fail.
- If there were no retry at all, A's POST would fail at once instead of waiting for the
  lock (A finishes while the lock is held; no 201), and a raw "database is locked" error
  would be a 500 rather than the 503 `busy` of the second test.
- If the retry never gave up, the second test's POST would hang instead of answering 503.
"""

import sqlite3
import threading
import uuid

import pytest
import requests
from realclients import http_session, socket_client
from realserver import wait_for

pytestmark = pytest.mark.server

# Long enough that an implementation blocking inside SQLite for this long would outlast
# B's 5-second calls; the test releases the lock long before.
LONG_LOCK_WAIT = "60"
CALL_TIMEOUT = 5
STATIC_FILE = "/static/css/fonts.css"


def hold_write_lock(path):
    """Take SQLite's write lock on PATH from this process; return the connection."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    connection.execute("BEGIN IMMEDIATE")
    return connection


def release(connection):
    connection.execute("ROLLBACK")
    connection.close()


def stored_count(path, marker):
    with sqlite3.connect(path, timeout=30) as connection:
        return connection.execute(
            "SELECT count(*) FROM questions WHERE text LIKE ?", (f"%{marker}%",)
        ).fetchone()[0]


def submit_url(server, info):
    return server.url(f"/api/v1/sessions/{info['session_id']}/questions")


def test_waiting_writer_does_not_freeze_other_clients(make_server):
    server, info = make_server(LIVEQA_SQLITE_LOCK_WAIT_SECONDS=LONG_LOCK_WAIT)
    marker = uuid.uuid4().hex
    # Every transaction, reads included, begins with BEGIN IMMEDIATE; so the CSRF token
    # and the room join happen before the lock is taken.
    http_a = http_session(server)
    client_b = socket_client(server)
    tallies = []
    client_b.on("tally", tallies.append)
    try:
        joined = client_b.call(
            "join", {"session_id": info["session_id"], "room": "public"}, timeout=15
        )
        assert joined["ok"] is True, joined
        result = {}

        def post_a():
            try:
                result["response"] = http_a.post(
                    submit_url(server, info),
                    json={"text": f"پرسش آزمون قفل {marker}", "name": "A"},
                    timeout=90,
                )
            except Exception as exc:  # reported by the assertion below
                result["error"] = exc

        lock = hold_write_lock(server.sqlite_path)
        try:
            thread_a = threading.Thread(target=post_a, daemon=True)
            thread_a.start()
            # Give A's request time to reach the server's retry loop (not a speed check:
            # A cannot finish while the lock is held, however long this is).
            thread_a.join(0.5)
            assert thread_a.is_alive(), f"A finished while the lock was held: {result}"
            for _ in range(3):
                assert client_b.call("ping", timeout=CALL_TIMEOUT) == {"ok": True}
                static = requests.get(server.url(STATIC_FILE), timeout=CALL_TIMEOUT)
                assert static.status_code == 200
                # B was answered while A was still waiting for the (still held) lock.
                assert thread_a.is_alive(), f"A finished while the lock was held: {result}"
        finally:
            release(lock)
        thread_a.join(60)
        assert not thread_a.is_alive(), "A's POST never completed after the lock was released"
        assert "error" not in result, result
        response = result["response"]
        assert response.status_code == 201, response.text
        assert stored_count(server.sqlite_path, marker) == 1
        with sqlite3.connect(server.sqlite_path, timeout=30) as connection:
            (received,) = connection.execute(
                "SELECT count(*) FROM questions WHERE session_id = ?", (info["session_id"],)
            ).fetchone()
        # The whole pipeline is back: B (a citizen) hears the new question in the counters.
        assert wait_for(lambda: any(t["counters"]["received"] == received for t in tallies)), (
            tallies
        )
    finally:
        client_b.disconnect()


def test_lock_held_too_long_answers_busy_and_stores_nothing(make_server):
    server, info = make_server(LIVEQA_SQLITE_LOCK_WAIT_SECONDS="1")
    marker = uuid.uuid4().hex
    http_a = http_session(server)
    http_a.headers["Accept-Language"] = "en"
    client_b = socket_client(server)
    try:
        lock = hold_write_lock(server.sqlite_path)
        try:
            response = http_a.post(
                submit_url(server, info), json={"text": f"busy {marker}"}, timeout=30
            )
            assert response.status_code == 503, response.text
            assert response.headers["Content-Type"].startswith("application/json")
            assert response.json()["error"]["code"] == "busy"
            assert client_b.call("ping", timeout=CALL_TIMEOUT) == {"ok": True}
        finally:
            release(lock)
        assert stored_count(server.sqlite_path, marker) == 0
        # The server still serves, reads and writes alike.
        again = http_a.post(submit_url(server, info), json={"text": f"after {marker}"}, timeout=30)
        assert again.status_code == 201, again.text
        assert client_b.call("ping", timeout=CALL_TIMEOUT) == {"ok": True}
        assert stored_count(server.sqlite_path, marker) == 1
    finally:
        client_b.disconnect()
