"""Numbered changes: what the transaction will broadcast once it commits."""

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from liveqa.extensions import db
from liveqa.models import LiveSession

PENDING_KEY = "liveqa_pending_changes"
TALLY_KEY = "liveqa_pending_tallies"
TRACKING_KEY = "liveqa_pending_tracking"


@dataclass(frozen=True)
class Change:
    """A committed-to-be change of one session, numbered by the session's sequence."""

    session_id: int
    seq: int
    kind: str
    question_id: int | None = None


def record_change(session_id: int, kind: str, question_id: int | None = None) -> Change:
    """Take the session's next sequence number and queue a change for broadcast."""
    # The UPDATE takes the session row's write lock, so numbers follow commit order.
    seq = db.session.execute(
        update(LiveSession)
        .where(LiveSession.id == session_id)
        .values(seq=LiveSession.seq + 1)
        .returning(LiveSession.seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    loaded = db.session.identity_map.get(db.session.identity_key(LiveSession, session_id))
    if loaded is not None:
        # Keep an already-loaded session object in step without another SELECT.
        set_committed_value(loaded, "seq", seq)
    change = Change(session_id, seq, kind, question_id)
    db.session.info.setdefault(PENDING_KEY, []).append(change)
    return change


def record_tally(session_id: int, question_id: int) -> None:
    """Note that QUESTION_ID's support count changed; tallies are sent coalesced."""
    db.session.info.setdefault(TALLY_KEY, set()).add((session_id, question_id))


def pending_tallies(session) -> set[tuple[int, int]]:
    """Return the (session id, question id) pairs whose support counts changed."""
    return set(session.info.get(TALLY_KEY, ()))


def record_tracking(question_id: int) -> None:
    """Tell QUESTION_ID's followers (by tracking code) about it, without a board change."""
    # For bulk moves (closing a session): boards reload on the one session change, so
    # numbering every question would only make each board redraw hundreds of times.
    db.session.info.setdefault(TRACKING_KEY, {})[question_id] = None


def pending_tracking(session) -> list[int]:
    """Return the ids of questions whose followers are to be told, in recorded order."""
    return list(session.info.get(TRACKING_KEY, ()))


def pending_changes(session) -> list[Change]:
    """Return the changes queued in SESSION, oldest first."""
    return list(session.info.get(PENDING_KEY, ()))


def clear_pending(session) -> None:
    """Forget the changes queued in SESSION."""
    session.info.pop(PENDING_KEY, None)
    session.info.pop(TALLY_KEY, None)
    session.info.pop(TRACKING_KEY, None)
