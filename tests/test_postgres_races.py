"""Two requests at once on PostgreSQL: lock order, idempotency keys and double taps.

SQLite lets one writer in at a time, so these races only exist on PostgreSQL; run them
with LIVEQA_TEST_DATABASE_URL pointing at a throwaway PostgreSQL database.
"""

import threading
import time

import pytest
from sqlalchemy import select, text

from liveqa.domain import questions as verbs
from liveqa.domain.changes import record_change
from liveqa.domain.errors import DomainError
from liveqa.domain.sessions import close_session
from liveqa.extensions import db
from liveqa.models import LiveSession, Question, QuestionStatus, SessionStatus, Support, User
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="only PostgreSQL lets writers race")
S = QuestionStatus
WAIT_SECONDS = 10


class Rival(threading.Thread):
    """Run a call in its own app context and transaction, as a second request would."""

    def __init__(self, app, call):
        super().__init__(daemon=True)
        self.app, self.call = app, call
        self.result = self.error = None

    def run(self):
        with self.app.app_context():
            try:
                self.result = self.call()
                db.session.commit()
            except Exception as error:  # handed to the test, which asserts on it
                db.session.rollback()
                self.error = error

    def finish(self):
        self.join(WAIT_SECONDS)
        assert not self.is_alive(), "the rival request never finished"
        return self


def wait_until_blocked():
    """Return once another connection waits for a lock this test's transaction holds."""
    deadline = time.monotonic() + WAIT_SECONDS
    with db.engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                )
            ).scalar_one()
            probe.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the rival request never waited for our lock")


def test_closing_waits_for_a_moderator_instead_of_deadlocking(app, factory):
    live = factory.session(SessionStatus.LIVE)
    first = factory.question(live, S.APPROVED)
    second = factory.question(live, S.APPROVED)
    live_id, first_id, moderator_id = live.id, first.id, factory.user("moderator").id

    def close():
        # Objects belong to one thread's session: the rival loads its own.
        moderator = db.session.get(User, moderator_id)
        return close_session(db.session.get(LiveSession, live_id), moderator)

    # A moderator's edit has written its question row, and not yet the session's seq...
    second.edited_text = "متن ویرایش‌شده"
    db.session.flush()
    closing = Rival(app, close)
    closing.start()
    wait_until_blocked()
    # ...which it now takes: closing must not be holding the session row meanwhile.
    record_change(live_id, "question.edited", second.id)
    db.session.commit()

    assert closing.finish().error is None, repr(closing.error)
    db.session.expire_all()
    assert db.session.get(LiveSession, live_id).status == SessionStatus.CLOSED
    assert db.session.get(Question, first_id).status == S.UNANSWERED
    # Closing acted on the edited question rather than failing as stale.
    assert second.status == S.UNANSWERED
    assert second.edited_text == "متن ویرایش‌شده"


def test_merging_into_an_older_question_while_closing_does_not_deadlock(app, factory):
    live = factory.session(SessionStatus.LIVE)
    target = factory.question(live, S.APPROVED)
    source = factory.question(live, S.APPROVED)
    assert source.id > target.id  # the order in which merging once wrote against closing
    ids = live.id, source.id, target.id, factory.user("moderator").id
    live_id, source_id, target_id, moderator_id = ids
    # A supporter who follows the source makes the merge write the target's count too.
    verbs.support_question(source, "browser-1")
    db.session.commit()

    def merge():
        question, into = db.session.get(Question, source_id), db.session.get(Question, target_id)
        return verbs.merge_question(question, into, db.session.get(User, moderator_id))

    # Closing locks the session's questions in id order and has got as far as the target...
    db.session.execute(select(Question.id).where(Question.id == target_id).with_for_update())
    merging = Rival(app, merge)
    merging.start()
    wait_until_blocked()
    # ...and now wants the source: the merge must not be holding it while it waits.
    summary = close_session(
        db.session.get(LiveSession, live_id), db.session.get(User, moderator_id)
    )
    db.session.commit()

    merging.finish()
    assert summary["questions"] == 2
    # The merge then finds the source closed: refused as a conflict, not a deadlock.
    assert isinstance(merging.error, DomainError), repr(merging.error)
    db.session.expire_all()
    assert db.session.get(Question, source_id).status == S.UNANSWERED
    assert db.session.get(Question, target_id).status == S.UNANSWERED


@pytest.mark.parametrize("same_text", [True, False])
def test_two_submissions_with_one_key_at_once(app, factory, same_text):
    live = factory.session(SessionStatus.OPEN)
    live_id, key = live.id, "key-race-0001"
    first, _ = verbs.submit_question(live, text="پرسش", client_key=key)
    retry_text = "پرسش" if same_text else "پرسشی دیگر"

    def retry():
        live_session = db.session.get(LiveSession, live_id)
        question, created = verbs.submit_question(live_session, text=retry_text, client_key=key)
        return question.id, created

    retrying = Rival(app, retry)
    retrying.start()
    wait_until_blocked()
    db.session.commit()
    retrying.finish()

    if same_text:
        assert retrying.error is None
        assert retrying.result == (first.id, False)
    else:
        assert isinstance(retrying.error, DomainError)
        assert retrying.error.code == "idempotency_key_reused"


def test_two_taps_of_support_at_once(app, factory):
    question = factory.question(status=S.APPROVED)
    question_id = question.id
    db.session.add(Support(question_id=question_id, client_id="browser-1"))
    db.session.flush()

    tapping = Rival(
        app, lambda: verbs.support_question(db.session.get(Question, question_id), "browser-1")
    )
    tapping.start()
    wait_until_blocked()
    db.session.commit()

    assert isinstance(tapping.finish().error, DomainError)
    assert tapping.error.code == "already_supported"
