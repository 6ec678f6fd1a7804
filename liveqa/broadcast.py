"""Fan-out: changes are serialized and numbered before commit, and batched out after it."""

import logging
import threading

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from liveqa import rooms
from liveqa.batcher import ChangeBatcher
from liveqa.database import reading_only
from liveqa.domain.accounts import ended_sessions, forget_ended_sessions
from liveqa.domain.changes import (
    clear_pending,
    number_changes,
    pending_changes,
    pending_tallies,
    pending_tracking,
)
from liveqa.extensions import db, socketio
from liveqa.models import LiveSession, Official, Question
from liveqa.serializers import change_items, change_views, counters, question_tracking

log = logging.getLogger(__name__)
OUTBOX_KEY = "liveqa_outbox"
EXTENSION_KEY = "liveqa_broadcast"
BATCHER_KEY = "liveqa_batcher"

TALLY_EVENT = "tally"
TRACKED_EVENT = "tracked"
SESSION_ENDED_EVENT = "session_ended"


def staff_rooms(session_id: int, official_ids) -> list[str]:
    """Return the rooms that receive the staff view of a session's changes."""
    return [rooms.moderators_room(session_id)] + [
        rooms.official_room(session_id, oid) for oid in official_ids
    ]


def public_rooms(session_id: int) -> list[str]:
    """Return the rooms that receive the public view of a session's changes."""
    return [rooms.public_room(session_id), rooms.screen_room(session_id)]


def _build_outbox(session: Session) -> dict:
    changes = pending_changes(session)
    tracked_ids = [c.question_id for c in changes if c.question_id] + pending_tracking(session)
    session.flush()
    # Every read first: numbering below must be the transaction's last statement.
    official_ids = session.scalars(select(Official.id).where(Official.active)).all()
    views = []
    for change in changes:
        question = session.get(Question, change.question_id) if change.question_id else None
        views.append(change_views(question))
    tracked = []
    # Each asker following a changed question (or one merged into it) hears once.
    for question_id in dict.fromkeys(tracked_ids):
        question = session.get(Question, question_id)
        merged = session.scalars(select(Question).where(Question.merged_into_id == question_id))
        for follower in (question, *merged):
            room = rooms.tracking_room(follower.tracking_code)
            tracked.append((TRACKED_EVENT, question_tracking(follower), [room]))
    streams: dict[int, dict[str, tuple[list[dict], list[str]]]] = {}
    for change, view in zip(number_changes(session), views, strict=True):
        items = change_items(change, view)
        mine = streams.setdefault(
            change.session_id,
            {
                "public": ([], public_rooms(change.session_id)),
                "staff": ([], staff_rooms(change.session_id, official_ids)),
            },
        )
        for stream, item in items.items():
            if item is not None:
                mine[stream][0].append(item)
    return {"changes": streams, "tracked": tracked}


# Savepoints (begin_nested) fire these events too; only the real transaction counts.


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    if pending_changes(session) or pending_tracking(session):
        session.info[OUTBOX_KEY] = _build_outbox(session)


def end_user_sockets(user_id: int) -> None:
    """Tell USER_ID's sockets on every process that their session ended; close this process's."""
    room = rooms.user_room(user_id)
    # Through the message queue when one is configured: every process's sockets hear it
    # (and each process's session check closes them); this process closes its own now.
    socketio.emit(SESSION_ENDED_EVENT, {"user_id": user_id}, to=room)
    local = [sid for sid, _eio_sid in socketio.server.manager.get_participants("/", room)]
    for sid in local:
        socketio.server.disconnect(sid, namespace="/", ignore_queue=True)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    ended = ended_sessions(session)
    forget_ended_sessions(session)
    for user_id in sorted(ended):
        try:
            end_user_sockets(user_id)
        except Exception:  # the session has ended in the database whatever happens here
            log.exception("closing the sockets of user %s failed", user_id)
    outbox = session.info.pop(OUTBOX_KEY, None) or {"changes": {}, "tracked": []}
    tallies = pending_tallies(session)
    clear_pending(session)
    for session_id, streams in outbox["changes"].items():
        current_app.extensions[BATCHER_KEY].add(session_id, streams)
    for name, payload, to in outbox["tracked"]:
        try:
            socketio.emit(name, payload, to=to)
        except Exception:  # a broken fan-out must not undo a committed change
            log.exception("emit of %s failed", name)
    if tallies:
        current_app.extensions[EXTENSION_KEY].mark(tallies)


def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(OUTBOX_KEY, None)
    clear_pending(session)
    forget_ended_sessions(session)


class TallyCoalescer:
    """Collect support-count and counter changes; send at most one tally per session per tick."""

    def __init__(self, app):
        self.app = app
        self.interval = app.config["SUPPORT_TALLY_INTERVAL"]
        self._dirty: dict[int, set[int]] = {}
        self._lock = threading.Lock()
        self._started = False

    def mark(self, pairs) -> None:
        """Note (session id, question id) pairs whose counts (None: counters) changed."""
        with self._lock:
            for session_id, question_id in pairs:
                self._dirty.setdefault(session_id, set()).add(question_id)
            start = self.interval > 0 and not self._started
            self._started = self._started or start
        if start:
            socketio.start_background_task(self._run)

    def flush(self) -> int:
        """Emit one tally per session with changed counts; return how many were sent."""
        with self._lock:
            dirty, self._dirty = self._dirty, {}
        if not dirty:
            return 0
        unsent = dict(dirty)
        try:
            # Only reads: on SQLite a reader never waits for, or holds up, a writer.
            with self.app.app_context(), reading_only():
                for session_id, question_ids in dirty.items():
                    self._send(session_id, question_ids)
                    del unsent[session_id]
        except Exception:
            # Counts are absolute, so resending is harmless but losing them is not: a busy
            # database or a failed emit leaves the unsent sessions for the next tick.
            self.mark((sid, qid) for sid, qids in unsent.items() for qid in qids)
            raise
        return len(dirty)

    def _send(self, session_id: int, question_ids: set[int | None]) -> None:
        # seqs first, as for snapshots: what is read after them is at least as new.
        seqs = db.session.execute(
            select(LiveSession.seq, LiveSession.public_seq).where(LiveSession.id == session_id)
        ).first()
        if seqs is None:
            return
        ids = [qid for qid in question_ids if qid is not None]
        rows = db.session.execute(
            select(Question.id, Question.support_count).where(Question.id.in_(ids))
        ).all()
        payload = {
            "session_id": session_id,
            "counts": {str(qid): count for qid, count in rows},
            "counters": counters(session_id),
        }
        official_ids = db.session.scalars(select(Official.id).where(Official.active)).all()
        db.session.rollback()
        # Each room hears the number of its own stream, which its counts are compared with.
        socketio.emit(TALLY_EVENT, payload | {"seq": seqs.public_seq}, to=public_rooms(session_id))
        socketio.emit(
            TALLY_EVENT, payload | {"seq": seqs.seq}, to=staff_rooms(session_id, official_ids)
        )

    def _run(self) -> None:
        while True:
            socketio.sleep(self.interval)
            try:
                self.flush()
            except Exception:
                log.exception("support tally failed")


def init_app(app) -> None:
    """Attach the after-commit fan-out and the tally coalescer to APP."""
    app.extensions[EXTENSION_KEY] = TallyCoalescer(app)
    app.extensions[BATCHER_KEY] = ChangeBatcher(
        app.config["BROADCAST_BATCH_MS"] / 1000,
        # Looked up at each send, so the emit in use (and a test's stand-in) is the one called.
        emit=lambda *args, **kwargs: socketio.emit(*args, **kwargs),
        spawn=socketio.start_background_task,
        sleep=socketio.sleep,
    )
    # Listeners live on the Session class: register them once per process.
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def coalescer(app=None) -> TallyCoalescer:
    """Return APP's (or the current app's) tally coalescer."""
    return (app or current_app).extensions[EXTENSION_KEY]
