"""Health checks for a load balancer or orchestrator: is the process up, can it serve."""

import contextlib
import logging

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from liveqa.errors import RETRY_AFTER_SECONDS
from liveqa.extensions import db, socketio

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

# Seconds the readiness check waits for the message queue before calling it down.
QUEUE_TIMEOUT_SECONDS = 2.0
OK = "ok"


def _no_store(response):
    response.cache_control.no_store = True
    return response


@bp.get("/healthz")
def healthz():
    """Say that the process answers; nothing else is checked."""
    return _no_store(jsonify(status=OK))


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return OK
    except SQLAlchemyError as error:
        log.warning("readiness: database unreachable: %s", error)
        return "unreachable"
    finally:
        # Nothing to roll back when the connection never opened.
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()


def _message_queue(url: str) -> str:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        # Only Redis is checked; another queue (Kombu, Kafka) is taken on trust.
        return "unchecked"
    client = redis.Redis.from_url(
        url, socket_connect_timeout=QUEUE_TIMEOUT_SECONDS, socket_timeout=QUEUE_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as error:
        log.warning("readiness: message queue unreachable: %s", error)
        return "unreachable"
    finally:
        client.close()
    return _listener()


def _listener() -> str:
    """Return whether the thread that receives other processes' broadcasts still runs."""
    thread = getattr(socketio.server.manager, "thread", None) if socketio.server else None
    if thread is None:
        # Started with the first socket; until then there is nothing to receive for.
        return OK
    alive = thread.is_alive() if hasattr(thread, "is_alive") else not thread.dead
    return OK if alive else "listener_stopped"


@bp.get("/readyz")
def readyz():
    """Say whether this process can serve: the database answers, the message queue too."""
    checks = {"database": _database()}
    queue = current_app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if queue:
        checks["message_queue"] = _message_queue(queue)
    ready = all(result in (OK, "unchecked") for result in checks.values())
    response = _no_store(jsonify(status=OK if ready else "unavailable", checks=checks))
    if not ready:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
