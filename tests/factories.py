"""Factory: domain objects with sensible defaults, for tests that call the domain directly."""

from datetime import date, timedelta

from liveqa.domain import questions as verbs
from liveqa.domain.accounts import create_user
from liveqa.extensions import db
from liveqa.models import (
    Category,
    District,
    Edition,
    LiveSession,
    Official,
    QuestionStatus,
    SessionStatus,
    utcnow,
)

PASSWORD = "correct-horse-137"


class Factory:
    """Build domain objects with sensible defaults; every method commits."""

    def __init__(self):
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def user(self, role="moderator", username=None, password=PASSWORD):
        username = username or f"{role}{self._next()}"
        user = create_user(username, password, role, display_name=username.title())
        db.session.commit()
        return user

    def official(self, name=None, user=None, **kw):
        n = self._next()
        if user is None:
            user = self.user("official", username=f"official{n}")
        official = Official(
            name=name or f"Official {n}",
            title=kw.pop("title", "معاون"),
            portfolio=kw.pop("portfolio", f"Portfolio {n}"),
            user=user,
            **kw,
        )
        db.session.add(official)
        db.session.commit()
        return official

    def edition(self):
        edition = Edition(number=self._next() + 8, title="دوره", starts_on=date(2026, 1, 1))
        db.session.add(edition)
        db.session.commit()
        return edition

    def session(self, status=SessionStatus.OPEN, starts_in=timedelta(0), edition=None):
        start = utcnow() + starts_in
        live_session = LiveSession(
            edition=edition or self.edition(),
            title=f"Session {self._next()}",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            status=status,
            opened_at=None if status == SessionStatus.SCHEDULED else start,
            live_at=start if status == SessionStatus.LIVE else None,
            closed_at=start if status == SessionStatus.CLOSED else None,
        )
        db.session.add(live_session)
        db.session.commit()
        return live_session

    def category(self, slug=None, official=None):
        n = self._next()
        category = Category(
            slug=slug or f"cat{n}",
            name=f"موضوع {n}",
            name_en=f"Topic {n}",
            default_official=official,
        )
        db.session.add(category)
        db.session.commit()
        return category

    def district(self, number=None):
        n = number or self._next()
        district = District(number=n, name=f"منطقه {n}", name_en=f"District {n}")
        db.session.add(district)
        db.session.commit()
        return district

    def question(self, live_session=None, status=QuestionStatus.SUBMITTED, text=None, **kw):
        """Create a question and walk it through the real verbs to STATUS."""
        live_session = live_session or self.session(SessionStatus.LIVE)
        question, _ = verbs.submit_question(
            live_session, text=text or f"پرسش شماره {self._next()}", **kw
        )
        db.session.commit()
        path = {
            QuestionStatus.SUBMITTED: [],
            QuestionStatus.APPROVED: ["approve"],
            QuestionStatus.ROUTED: ["approve", "route"],
            QuestionStatus.ON_AIR: ["approve", "route", "on_air"],
            QuestionStatus.ANSWERED: ["approve", "route", "on_air", "answer"],
            QuestionStatus.REJECTED: ["reject"],
        }[QuestionStatus(status)]
        if path:
            mod = self._staff
            official = None
            for step in path:
                if step == "approve":
                    verbs.approve_question(question, mod)
                elif step == "reject":
                    verbs.reject_question(question, mod, "off_topic")
                elif step == "route":
                    official = self.official()
                    verbs.route_question(question, mod, official.id)
                elif step == "on_air":
                    verbs.take_on_air(question, mod)
                elif step == "answer":
                    verbs.answer_question(question, mod, kind="written", text="پاسخ")
                db.session.commit()
        return question

    @property
    def _staff(self):
        if not hasattr(self, "_moderator"):
            self._moderator = self.user("moderator")
        return self._moderator
