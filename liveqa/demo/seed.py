"""The demo seeder: the data in liveqa.demo.data, walked through the domain verbs."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, select

from liveqa.demo import data
from liveqa.demo.timeline import (
    ON_AIR_SLOT,
    OPENS_BEFORE_START,
    SESSION_LENGTH,
    Timeline,
    next_session_start,
    random_minutes,
)
from liveqa.domain import questions as verbs
from liveqa.domain.accounts import create_user
from liveqa.domain.permissions import OFFICIAL_ACCOUNT
from liveqa.domain.sessions import CARRY_OVER, FOLLOW_UP, close_session, open_session, start_session
from liveqa.extensions import db
from liveqa.models import (
    Category,
    District,
    Edition,
    LiveSession,
    Official,
    Question,
    QuestionStatus,
    SessionStatus,
    Support,
    User,
)


class DemoSeeder(Timeline):
    """Build the demo through the domain verbs, dating each step on a believable timeline."""

    def __init__(self, password: str, now: datetime, tz: ZoneInfo):
        super().__init__()
        self.password = password
        self.now = now
        self.tz = tz
        self.rng = random.Random(137)
        self.users: dict[str, User] = {}
        self.officials: dict[str, Official] = {}
        self.categories: dict[str, Category] = {}
        self.districts: dict[int, District] = {}
        self.browsers = [f"demo-browser-{n:03d}" for n in range(1, 61)]
        self._asker = 0

    def seed(self) -> list[LiveSession]:
        """Add everything; return the sessions, oldest first."""
        session = db.session()
        event.listen(session, "transient_to_pending", self._note_audit)
        try:
            return self._seed()
        finally:
            event.remove(session, "transient_to_pending", self._note_audit)

    def _seed(self) -> list[LiveSession]:
        self._accounts()
        self._places_and_topics()
        older, previous, upcoming, following = self._sessions()
        self._closed_session(older, data.OLDER_SESSION_QUESTIONS, FOLLOW_UP)
        self._closed_session(previous, data.PREVIOUS_SESSION_QUESTIONS, CARRY_OVER)
        self._open_session(upcoming, data.OPEN_SESSION_QUESTIONS)
        self._date_last_updates()
        return [older, previous, upcoming, following]

    # Reference data -------------------------------------------------------------------

    def _accounts(self) -> None:
        for username, role, display_name in data.STAFF:
            self.users[username] = create_user(username, self.password, role, display_name)
        for key, spec in data.OFFICIALS.items():
            user = create_user(spec["username"], self.password, OFFICIAL_ACCOUNT, spec["name"])
            official = Official(
                user=user,
                name=spec["name"],
                title=spec["title"],
                title_en=spec["title_en"],
                portfolio=spec["portfolio"],
                rank=spec["rank"],
            )
            db.session.add(official)
            self.users[spec["username"]] = user
            self.officials[key] = official
        db.session.flush()

    def _places_and_topics(self) -> None:
        for number, digits in enumerate(data.DISTRICT_NAMES, start=1):
            district = District(number=number, name=f"منطقه {digits}", name_en=f"District {number}")
            db.session.add(district)
            self.districts[number] = district
        for position, (slug, name, name_en, official) in enumerate(data.CATEGORIES, 1):
            category = Category(
                slug=slug,
                name=name,
                name_en=name_en,
                position=position * 10,
                default_official=self.officials[official],
            )
            db.session.add(category)
            self.categories[slug] = category
        db.session.flush()

    def _sessions(self) -> list[LiveSession]:
        upcoming = next_session_start(self.now, self.tz)
        first = data.FIRST_SEEDED_SESSION_NUMBER
        this_number = first + [s["weeks"] for s in data.SESSIONS].index(0)
        edition = Edition(
            number=data.EDITION["number"],
            title=data.EDITION["title"],
            starts_on=(upcoming - timedelta(weeks=this_number - 1)).astimezone(self.tz).date(),
        )
        db.session.add(edition)
        sessions = []
        for spec in data.SESSIONS:
            starts_at = upcoming + timedelta(weeks=spec["weeks"])
            live_session = LiveSession(
                edition=edition,
                title=spec["title"],
                starts_at=starts_at,
                ends_at=starts_at + SESSION_LENGTH,
                status=SessionStatus.SCHEDULED,
                officials=[self.officials[key] for key in spec["officials"]],
            )
            db.session.add(live_session)
            sessions.append(live_session)
        db.session.flush()
        return sessions

    # Sessions -------------------------------------------------------------------------

    def _closed_session(self, live_session: LiveSession, specs, disposition: str) -> None:
        start, close = live_session.starts_at, live_session.ends_at
        moderator = self.users["moderator"]
        self._at(start - OPENS_BEFORE_START, self._session_verb, open_session, live_session)
        self._at(start, self._session_verb, start_session, live_session)
        made: dict = {}
        slot = start + timedelta(minutes=5)
        for spec in specs:
            on_air = None
            if spec["outcome"] == "answered":
                on_air, slot = slot, slot + ON_AIR_SLOT
            self._plan_question(
                live_session, spec, made, start + timedelta(hours=spec["at"]), close, on_air
            )
        self._at(close, self._close, live_session, disposition, moderator)
        self._play()

    def _open_session(self, live_session: LiveSession, specs) -> None:
        limit = self.now - timedelta(minutes=1)
        self._at(self.now - timedelta(hours=24), self._session_verb, open_session, live_session)
        made: dict = {}
        for spec in specs:
            submitted = self.now + timedelta(hours=spec["at"])
            self._plan_question(live_session, spec, made, submitted, limit, None)
        self._at(limit, self._order_queue, live_session)
        self._play()

    def _session_verb(self, _when, verb, live_session: LiveSession) -> list:
        verb(live_session, self.users["moderator"])
        carried_in = db.session.scalars(
            select(Question).where(
                Question.session_id == live_session.id,
                Question.carried_from_session_id.is_not(None),
            )
        ).all()
        return [live_session, *carried_in]

    def _close(self, when, live_session: LiveSession, disposition: str, actor: User) -> list:
        close_session(live_session, actor, disposition)
        questions = db.session.scalars(
            select(Question).where(Question.session_id == live_session.id)
        ).all()
        follow_ups = [f for q in questions for f in q.follow_ups]
        for follow_up in follow_ups:
            if follow_up.answer_id is None and follow_up.created_at >= self.real_start:
                follow_up.due_on = verbs.follow_up_due_default(when.astimezone(self.tz).date())
        return [live_session, *questions, *follow_ups]

    def _order_queue(self, _when, live_session: LiveSession) -> list:
        waiting = db.session.scalars(
            select(Question)
            .where(
                Question.session_id == live_session.id,
                Question.status.in_([QuestionStatus.ROUTED, QuestionStatus.APPROVED]),
            )
            .order_by(Question.support_count.desc(), Question.id)
        ).all()
        verbs.reorder_queue(live_session, self.users["moderator"], [q.id for q in waiting])
        return []

    # Questions ------------------------------------------------------------------------

    def _plan_question(self, live_session, spec, made, submitted, limit, on_air) -> None:
        """Plan one question's life: submission, moderation, supports, and its answer."""
        rng = self.rng
        index = len(made)
        made[index] = None
        outcome = spec["outcome"]
        self._at(submitted, self._submit, live_session, spec, made, index)
        moderated = min(submitted + random_minutes(12, 40, rng), limit)
        if outcome == "rejected":
            self._at(moderated, self._reject, spec, made, index)
            return
        if outcome == "merged":
            self._at(moderated, self._merge, spec, made, index)
            return
        if outcome == "submitted":
            return
        self._at(moderated, self._approve, spec, made, index)
        if outcome in ("routed", "answered"):
            routed = min(moderated + random_minutes(5, 30, rng), limit)
            if on_air is not None:
                routed = max(moderated, min(routed, on_air - timedelta(minutes=2)))
            self._at(routed, self._route, spec, made, index)
        supported_until = on_air or limit
        for browser in rng.sample(self.browsers, spec.get("supports", 0)):
            when = moderated + (supported_until - moderated) * rng.random()
            self._at(when, self._support, made, index, browser)
        if outcome == "answered":
            self._at(on_air, self._on_air, made, index)
            self._at(on_air + random_minutes(3, 8, rng), self._answer, spec, made, index)

    def _submit(self, _when, live_session, spec, made, index) -> list:
        by_moderator = spec.get("classified_by_moderator", False)
        category = self.categories.get(spec.get("category"))
        district = self.districts.get(spec.get("district"))
        operator = self.users["operator"] if spec.get("phone") else None
        client_id = None
        if operator is None:
            self._asker += 1
            client_id = f"demo-asker-{self._asker:03d}"
        question, _created = verbs.submit_question(
            live_session,
            text=spec["text"],
            category_id=None if by_moderator or category is None else category.id,
            district_id=None if by_moderator or district is None else district.id,
            asker_name=spec.get("name"),
            asker_phone=spec.get("asker_phone"),
            client_id=client_id,
            operator=operator,
        )
        made[index] = question
        if "key" in spec:
            made[spec["key"]] = question
        return [question]

    def _approve(self, _when, spec, made, index) -> list:
        question, moderator = made[index], self.users["moderator"]
        if spec.get("classified_by_moderator"):
            category = self.categories.get(spec.get("category"))
            district = self.districts.get(spec.get("district"))
            verbs.classify_question(
                question,
                moderator,
                category_id=category.id if category else None,
                district_id=district.id if district else None,
            )
        if "edited" in spec:
            verbs.edit_question(question, moderator, spec["edited"])
        verbs.approve_question(question, moderator)
        return [question]

    def _reject(self, _when, spec, made, index) -> list:
        question = made[index]
        verbs.reject_question(question, self.users["moderator"], spec["reason"], spec.get("note"))
        return [question]

    def _merge(self, _when, spec, made, index) -> list:
        question, target = made[index], made[spec["into"]]
        verbs.merge_question(question, target, self.users["moderator"])
        return [question, target]

    def _route(self, _when, spec, made, index) -> list:
        question = made[index]
        official = self.officials[spec.get("official") or _default_official(spec)]
        verbs.route_question(question, self.users["moderator"], official.id)
        return [question]

    def _support(self, _when, made, index, browser) -> list:
        verbs.support_question(made[index], browser)
        # The support row, so the step's time is stamped on it.
        found = select(Support).filter_by(question_id=made[index].id, client_id=browser)
        return [db.session.scalar(found)]

    def _official_user(self, question: Question) -> User:
        """Return the account of the official QUESTION is routed to: they act on air."""
        return db.session.get(Official, question.official_id).user

    def _on_air(self, _when, made, index) -> list:
        question = made[index]
        verbs.take_on_air(question, self._official_user(question))
        return [question]

    def _answer(self, when, spec, made, index) -> list:
        question = made[index]
        unit, due = None, None
        if "follow_up" in spec:
            unit, days = spec["follow_up"]
            due = when.astimezone(self.tz).date() + timedelta(days=days)
        verbs.answer_question(
            question,
            self._official_user(question),
            kind=spec["kind"],
            text=spec["answer"],
            follow_up_unit=unit,
            follow_up_due=due,
            today=when.astimezone(self.tz).date(),
        )
        return [question, question.answer, *question.follow_ups]


def _default_official(spec) -> str:
    for slug, _name, _name_en, official in data.CATEGORIES:
        if slug == spec.get("category"):
            return official
    return "mayor"
