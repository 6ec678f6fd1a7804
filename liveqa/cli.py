"""Command-line tools: `flask seed-demo` and `flask create-user` (`flask db` is Flask-Migrate's)."""

import random
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import event, func, inspect, select, update

from liveqa import demo_data
from liveqa.domain import questions as verbs
from liveqa.domain.accounts import create_user
from liveqa.domain.errors import DomainError
from liveqa.domain.sessions import CARRY_OVER, FOLLOW_UP, close_session, open_session, start_session
from liveqa.domain.validation import optional_text, required_text
from liveqa.extensions import db
from liveqa.i18n import format_date
from liveqa.models import (
    AuditRecord,
    Category,
    District,
    Edition,
    FollowUp,
    LiveSession,
    Official,
    Question,
    QuestionStatus,
    Role,
    SessionStatus,
    Support,
    User,
    UTCDateTime,
    utcnow,
)

WEDNESDAY = 2
SESSION_START = time(10, 0)
SESSION_LENGTH = timedelta(hours=2)
# Questions are taken from two days before a session.
OPENS_BEFORE_START = timedelta(days=2)
ON_AIR_SLOT = timedelta(minutes=12)
# The length of Official.title and Official.portfolio.
MAX_TITLE_CHARS = 200


def next_session_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Return the coming Wednesday 10:00 in TZ as UTC; today's if its session has not ended."""
    local = now.astimezone(tz)
    days = (WEDNESDAY - local.weekday()) % 7
    start = datetime.combine(local.date() + timedelta(days=days), SESSION_START, tzinfo=tz)
    if start + SESSION_LENGTH <= local:
        start += timedelta(days=7)
    return start.astimezone(UTC)


def _minutes(low: float, high: float, rng: random.Random) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


class DemoSeeder:
    """Build the demo through the domain verbs, dating each step on a believable timeline."""

    def __init__(self, password: str, now: datetime, tz: ZoneInfo):
        self.password = password
        self.now = now
        self.tz = tz
        self.rng = random.Random(137)
        # Anything the verbs stamp from here on is "now" and gets its step's time instead.
        self.real_start = utcnow()
        self._new_audits: list[AuditRecord] = []
        self.users: dict[str, User] = {}
        self.officials: dict[str, Official] = {}
        self.categories: dict[str, Category] = {}
        self.districts: dict[int, District] = {}
        self.browsers = [f"demo-browser-{n:03d}" for n in range(1, 61)]
        self._asker = 0
        self._steps: list = []

    def seed(self) -> list[LiveSession]:
        """Add everything; return the sessions, oldest first."""
        session = db.session()
        event.listen(session, "transient_to_pending", self._note_audit)
        try:
            return self._seed()
        finally:
            event.remove(session, "transient_to_pending", self._note_audit)

    def _note_audit(self, _session, obj) -> None:
        if isinstance(obj, AuditRecord):
            self._new_audits.append(obj)

    def _seed(self) -> list[LiveSession]:
        self._accounts()
        self._places_and_topics()
        older, previous, upcoming, following = self._sessions()
        self._closed_session(older, demo_data.OLDER_SESSION_QUESTIONS, FOLLOW_UP)
        self._closed_session(previous, demo_data.PREVIOUS_SESSION_QUESTIONS, CARRY_OVER)
        self._open_session(upcoming, demo_data.OPEN_SESSION_QUESTIONS)
        self._date_last_updates()
        return [older, previous, upcoming, following]

    # Reference data -------------------------------------------------------------------

    def _accounts(self) -> None:
        for username, role, display_name in demo_data.STAFF:
            self.users[username] = create_user(username, self.password, role, display_name)
        for key, spec in demo_data.OFFICIALS.items():
            user = create_user(spec["username"], self.password, Role.OFFICIAL, spec["name"])
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
        for number, digits in enumerate(demo_data.DISTRICT_NAMES, start=1):
            district = District(number=number, name=f"منطقه {digits}", name_en=f"District {number}")
            db.session.add(district)
            self.districts[number] = district
        for position, (slug, name, name_en, official) in enumerate(demo_data.CATEGORIES, 1):
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
        first = demo_data.FIRST_SEEDED_SESSION_NUMBER
        this_number = first + [s["weeks"] for s in demo_data.SESSIONS].index(0)
        edition = Edition(
            number=demo_data.EDITION["number"],
            title=demo_data.EDITION["title"],
            starts_on=(upcoming - timedelta(weeks=this_number - 1)).astimezone(self.tz).date(),
        )
        db.session.add(edition)
        sessions = []
        for spec in demo_data.SESSIONS:
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

    # Timeline -------------------------------------------------------------------------

    def _at(self, when: datetime, action, *args) -> None:
        """Plan ACTION(*args) at WHEN; steps at the same time keep the order they were planned."""
        self._steps.append((when, len(self._steps), action, args))

    def _play(self) -> None:
        steps, self._steps = sorted(self._steps, key=lambda s: s[:2]), []
        for when, _order, action, args in steps:
            touched = action(when, *args) or []
            self._settle(when, touched)

    def _settle(self, when: datetime, objects) -> None:
        """Give every time the last step stamped (it reads "now") the step's own time."""
        db.session.flush()
        for obj in objects:
            for attr in _event_time_columns(type(obj)):
                value = getattr(obj, attr)
                if value is not None and value >= self.real_start:
                    setattr(obj, attr, when)
        for record in self._new_audits:
            record.created_at = when
        self._new_audits.clear()
        # No flush here: the next step's flush writes these times along with its own work.

    def _date_last_updates(self) -> None:
        # Core UPDATEs (support counts) stamp updated_at with the real clock; use the
        # question's last event instead.
        db.session.flush()
        for question in db.session.scalars(select(Question)):
            latest = max(
                value
                for value in (getattr(question, name) for name in _QUESTION_STAMPS)
                if value is not None
            )
            db.session.execute(
                update(Question)
                .where(Question.id == question.id)
                .values(updated_at=latest)
                .execution_options(synchronize_session=False)
            )

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
        moderated = min(submitted + _minutes(12, 40, rng), limit)
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
            routed = min(moderated + _minutes(5, 30, rng), limit)
            if on_air is not None:
                routed = max(moderated, min(routed, on_air - timedelta(minutes=2)))
            self._at(routed, self._route, spec, made, index)
        supported_until = on_air or limit
        for browser in rng.sample(self.browsers, spec.get("supports", 0)):
            when = moderated + (supported_until - moderated) * rng.random()
            self._at(when, self._support, made, index, browser)
        if outcome == "answered":
            self._at(on_air, self._on_air, made, index)
            self._at(on_air + _minutes(3, 8, rng), self._answer, spec, made, index)

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
        return [verbs.support_question(made[index], browser)]

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


_QUESTION_STAMPS = (
    "submitted_at",
    "approved_at",
    "routed_at",
    "on_air_at",
    "answered_at",
    "rejected_at",
    "merged_at",
    "closed_at",
)


def _default_official(spec) -> str:
    for slug, _name, _name_en, official in demo_data.CATEGORIES:
        if slug == spec.get("category"):
            return official
    return "mayor"


def _event_time_columns(model) -> list[str]:
    # A session's planned start and end are not events; everything else stamped is.
    return [
        attr.key
        for attr in inspect(model).column_attrs
        if isinstance(attr.columns[0].type, UTCDateTime)
        and attr.key not in ("starts_at", "ends_at")
    ]


def _delete_everything() -> None:
    # Children first, so that no foreign key is left pointing at a deleted row.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _tally(column) -> str:
    rows = db.session.execute(select(column, func.count()).group_by(column)).all()
    counts = Counter({str(getattr(value, "value", value)): n for value, n in rows})
    return ", ".join(f"{name} {n}" for name, n in counts.most_common())


def _report(sessions: list[LiveSession]) -> None:
    upcoming = next(s for s in sessions if s.status == SessionStatus.OPEN)
    usernames = db.session.scalars(select(User.username).order_by(User.id)).all()
    click.echo(_("Seeded the demo data of edition %(n)d.", n=demo_data.EDITION["number"]))
    click.echo(
        _(
            "Accounts, all with the demo password (LIVEQA_DEMO_PASSWORD): %(names)s",
            names=", ".join(usernames),
        )
    )
    click.echo(
        _(
            "%(officials)d officials, %(districts)d districts, %(categories)d categories",
            officials=_count(Official),
            districts=_count(District),
            categories=_count(Category),
        )
    )
    click.echo(_("Sessions: %(tally)s", tally=_tally(LiveSession.status)))
    click.echo(
        _(
            "Open session: %(title)s, %(when)s",
            title=upcoming.title,
            when=format_date(upcoming.starts_at, with_time=True),
        )
    )
    click.echo(
        _(
            "Questions: %(n)d (%(tally)s)",
            n=_count(Question),
            tally=_tally(Question.status),
        )
    )
    click.echo(
        _(
            "Supports: %(supports)d, follow-ups: %(follow_ups)d, audit records: %(audits)d",
            supports=_count(Support),
            follow_ups=_count(FollowUp),
            audits=_count(AuditRecord),
        )
    )


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--force", is_flag=True, help="Delete ALL existing data first (asks to confirm).")
@with_appcontext
def seed_demo_command(if_empty: bool, force: bool) -> None:
    """Fill the database with a realistic demo of the ninth edition, in one transaction."""
    has_users = _count(User) > 0
    if has_users and if_empty:
        click.echo(_("The database already has data; the demo was not seeded."))
        return
    if has_users and not force:
        raise click.ClickException(
            _("The database already has data. Use --if-empty to skip, or --force to replace it.")
        )
    if has_users:
        if current_app.config.get("ENV_NAME") == "production":
            raise click.ClickException(_("--force is refused in the production configuration."))
        click.confirm(_("Delete ALL data in this database and seed the demo?"), abort=True)
        _delete_everything()
    config = current_app.config
    seeder = DemoSeeder(config["SEED_DEMO_PASSWORD"], utcnow(), ZoneInfo(config["TIME_ZONE"]))
    try:
        sessions = seeder.seed()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    except Exception:
        db.session.rollback()
        raise
    _report(sessions)


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--display-name", default=None, help="The name shown to others.")
@click.option("--title", default=None, help="An official's title, e.g. «معاون فنی و عمرانی».")
@click.option("--portfolio", default=None, help="An official's area (default: the title).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given (safer: it stays out of the shell history).",
)
@with_appcontext
def create_user_command(username, role, display_name, title, portfolio, password) -> None:
    """Add a staff account; for an official, also the profile they answer under."""
    is_official = role == Role.OFFICIAL.value
    if is_official and not title:
        raise click.UsageError(_("An official needs --title."))
    if not is_official and (title or portfolio):
        raise click.UsageError(_("--title and --portfolio are only for officials."))
    try:
        user = create_user(username, password, role, display_name=display_name)
        if is_official:
            title = required_text(title, "title", MAX_TITLE_CHARS, multiline=False)
            portfolio = optional_text(portfolio, "portfolio", MAX_TITLE_CHARS) or title
            db.session.add(
                Official(user=user, name=user.display_name, title=title, portfolio=portfolio)
            )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    click.echo(_("Created the %(role)s account %(username)s.", role=role, username=user.username))


def init_app(app) -> None:
    """Register the commands on APP's `flask` command line."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
