"""Fan-out: numbered changes are serialized before commit and emitted after it."""

import logging
import threading

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from liveqa import rooms
from liveqa.database import reading_only
from liveqa.domain.accounts import ended_sessions, forget_ended_sessions
from liveqa.domain.changes import (
    clear_pending,
    pending_changes,
    pending_tallies,
    pending_tracking,
)
from liveqa.extensions import db, socketio
from liveqa.models import LiveSession, Official, Question
from liveqa.serializers import change_messages, counters, question_tracking

log = logging.getLogger(__name__)
OUTBOX_KEY = "liveqa_outbox"
EXTENSION_KEY = "liveqa_broadcast"

CHANGE_EVENT = "change"
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


def _build_outbox(session: Session) -> list[tuple[str, dict, list[str]]]:
    changes = pending_changes(session)
    tracked_ids = [c.question_id for c in changes if c.question_id] + pending_tracking(session)
    session.flush()
    official_ids = session.scalars(select(Official.id).where(Official.active)).all()
    outbox = []
    session_counters = {}
    for change in changes:
        if change.session_id not in session_counters:
            session_counters[change.session_id] = counters(change.session_id)
        question = session.get(Question, change.question_id) if change.question_id else None
        messages = change_messages(change, question, session_counters[change.session_id])
        outbox.append((CHANGE_EVENT, messages["public"], public_rooms(change.session_id)))
        outbox.append(
            (CHANGE_EVENT, messages["staff"], staff_rooms(change.session_id, official_ids))
        )
    # Each asker following a changed question (or one merged into it) hears once.
    for question_id in dict.fromkeys(tracked_ids):
        question = session.get(Question, question_id)
        merged = session.scalars(select(Question).where(Question.merged_into_id == question_id))
        for follower in (question, *merged):
            room = rooms.tracking_room(follower.tracking_code)
            outbox.append((TRACKED_EVENT, question_tracking(follower), [room]))
    return outbox


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
    outbox = session.info.pop(OUTBOX_KEY, [])
    tallies = pending_tallies(session)
    clear_pending(session)
    for name, payload, to in outbox:
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
    """Collect support-count changes and send at most one tally per session per interval."""

    def __init__(self, app):
        self.app = app
        self.interval = app.config["SUPPORT_TALLY_INTERVAL"]
        self._dirty: dict[int, set[int]] = {}
        self._lock = threading.Lock()
        self._started = False

    def mark(self, pairs) -> None:
        """Note (session id, question id) pairs whose counts changed."""
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

    def _send(self, session_id: int, question_ids: set[int]) -> None:
        # seq first, as for snapshots: the counts read after it are at least as new.
        seq = db.session.scalar(select(LiveSession.seq).where(LiveSession.id == session_id))
        rows = db.session.execute(
            select(Question.id, Question.support_count).where(Question.id.in_(question_ids))
        ).all()
        official_ids = db.session.scalars(select(Official.id).where(Official.active)).all()
        db.session.rollback()
        payload = {
            "session_id": session_id,
            "seq": seq,
            "counts": {str(qid): count for qid, count in rows},
        }
        socketio.emit(
            TALLY_EVENT,
            payload,
            to=public_rooms(session_id) + staff_rooms(session_id, official_ids),
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
    # Listeners live on the Session class: register them once per process.
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def coalescer(app=None) -> TallyCoalescer:
    """Return APP's (or the current app's) tally coalescer."""
    return (app or current_app).extensions[EXTENSION_KEY]
