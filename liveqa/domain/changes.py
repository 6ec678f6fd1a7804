"""Changes: what the transaction will broadcast once it commits, numbered as it commits."""

from dataclasses import dataclass, replace

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from liveqa.domain.lifecycle import moves_counters, on_public_board
from liveqa.extensions import db
from liveqa.models import LiveSession, Question, QuestionStatus

PENDING_KEY = "liveqa_pending_changes"
TALLY_KEY = "liveqa_pending_tallies"
TRACKING_KEY = "liveqa_pending_tracking"


@dataclass(frozen=True)
class Change:
    """A committed-to-be change of one session; its numbers are taken at commit."""

    session_id: int
    kind: str
    question_id: int | None = None
    # Whether the change alters the public board (and so takes a public_seq too).
    public: bool = True
    # Whether the change may alter the session's counters (which ride in the tally).
    counted: bool = True
    seq: int | None = None
    public_seq: int | None = None


def record_change(
    session_id: int,
    kind: str,
    question_id: int | None = None,
    *,
    public: bool = True,
    counted: bool = True,
) -> Change:
    """Queue a change of the session, to be numbered when the transaction commits."""
    change = Change(session_id, kind, question_id, public, counted)
    db.session.info.setdefault(PENDING_KEY, []).append(change)
    if counted:
        # The counters go out in the session's next tally, coalesced like support counts.
        record_tally(session_id, None)
    return change


def record_question_change(question: Question, kind: str, was: QuestionStatus | None) -> Change:
    """Queue a change of QUESTION, which had status WAS before it (None: a new question)."""
    now = QuestionStatus(question.status)
    was = QuestionStatus(was) if was is not None else None
    return record_change(
        question.session_id,
        kind,
        question.id,
        public=on_public_board(was, now),
        counted=moves_counters(was, now),
    )


def number_changes(session) -> list[Change]:
    """Number SESSION's queued changes on both streams, one UPDATE per live session."""
    # Issued as the transaction's last statements: the session row's lock (numbers follow
    # commit order) is taken last and held only until COMMIT.
    pending = pending_changes(session)
    numbered: dict[int, Change] = {}
    for session_id in sorted({c.session_id for c in pending}):
        mine = [(i, c) for i, c in enumerate(pending) if c.session_id == session_id]
        public = sum(1 for _i, c in mine if c.public)
        seq, public_seq = session.execute(
            update(LiveSession)
            .where(LiveSession.id == session_id)
            .values(seq=LiveSession.seq + len(mine), public_seq=LiveSession.public_seq + public)
            .returning(LiveSession.seq, LiveSession.public_seq)
            .execution_options(synchronize_session=False)
        ).one()
        loaded = session.identity_map.get(session.identity_key(LiveSession, session_id))
        if loaded is not None:
            # Keep an already-loaded session object in step without another SELECT.
            set_committed_value(loaded, "seq", seq)
            set_committed_value(loaded, "public_seq", public_seq)
        seq, public_seq = seq - len(mine), public_seq - public
        for index, change in mine:
            seq += 1
            public_seq += change.public
            numbered[index] = replace(
                change, seq=seq, public_seq=public_seq if change.public else None
            )
    result = [numbered[i] for i in range(len(pending))]
    session.info[PENDING_KEY] = result
    return result


def record_tally(session_id: int, question_id: int | None) -> None:
    """Note that QUESTION_ID's support count (None: the counters) changed; tallies coalesce."""
    db.session.info.setdefault(TALLY_KEY, set()).add((session_id, question_id))


def pending_tallies(session) -> set[tuple[int, int | None]]:
    """Return the (session id, question id or None for the counters) pairs that changed."""
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
