"""The `flask seed-demo` and `flask create-user` commands."""

from collections import Counter
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from config import TestConfig
from liveqa.app import create_app
from liveqa.demo.timeline import next_session_start
from liveqa.domain import accounts
from liveqa.domain.accounts import authenticate
from liveqa.extensions import db
from liveqa.models import (
    AuditRecord,
    Category,
    Channel,
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
    utcnow,
)
from tests.conftest import CHEAP_HASHER, ON_POSTGRES, _reset_postgres

TEHRAN = ZoneInfo("Asia/Tehran")
S = QuestionStatus


def _runner(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        with force_locale("en"):
            return runner.invoke(args=list(args), input=input)

    return invoke


@pytest.fixture
def cli(app, ctx, monkeypatch):
    """Return a function that runs a `flask` command in English and returns the result."""
    return _runner(app)


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory):
    """Return an app whose database holds the demo, and the command's output."""
    # Seeding walks hundreds of verbs; the tests below only read, so they share one seed.
    # On PostgreSQL every test shares one database: the readers run first, in file order.
    overrides = {"SUPPORT_TALLY_INTERVAL": 0}
    if not ON_POSTGRES:
        path = tmp_path_factory.mktemp("seeded") / "demo.db"
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    application = create_app("test", **overrides)
    with application.app_context(), pytest.MonkeyPatch.context() as monkeypatch:
        if ON_POSTGRES:
            _reset_postgres(application)
        db.create_all()
        # Module scope: the autouse fast_passwords fixture does not reach here.
        monkeypatch.setattr(accounts, "_hasher", CHEAP_HASHER)
        result = _runner(application)("seed-demo", "--if-empty")
        assert result.exit_code == 0, result.output
    yield application, result.output
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def seeded(seeded_app, monkeypatch):
    """Push an app context on the seeded database; return the output of `seed-demo --if-empty`."""
    application, output = seeded_app
    with application.app_context():
        yield output
        db.session.rollback()


@pytest.fixture
def seeded_cli(seeded_app, seeded):
    """Return a command runner on the seeded database."""
    return _runner(seeded_app[0])


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _tehran(*args) -> datetime:
    return datetime(*args, tzinfo=TEHRAN)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_tehran(2026, 11, 28, 12, 0), _tehran(2026, 12, 2, 10, 0)),  # Saturday
        (_tehran(2026, 12, 1, 23, 59), _tehran(2026, 12, 2, 10, 0)),  # Tuesday night
        (_tehran(2026, 12, 2, 1, 0), _tehran(2026, 12, 2, 10, 0)),  # still Tuesday in UTC
        (_tehran(2026, 12, 2, 11, 59), _tehran(2026, 12, 2, 10, 0)),  # during the session
        (_tehran(2026, 12, 2, 12, 0), _tehran(2026, 12, 9, 10, 0)),  # just after it
        (_tehran(2026, 12, 3, 9, 0), _tehran(2026, 12, 9, 10, 0)),  # Thursday
    ],
)
def test_next_session_start_is_the_coming_wednesday_morning_in_tehran(now, expected):
    start = next_session_start(now.astimezone(UTC), TEHRAN)
    assert start == expected
    assert start.tzinfo == UTC


def test_seed_demo_creates_the_reference_data(seeded):
    assert "edition 9" in seeded
    assert sorted(db.session.scalars(select(District.name_en))) == [
        f"District {n}" for n in range(1, 9)
    ]
    roles = Counter(db.session.scalars(select(User.role)))
    assert roles == {Role.ADMIN: 1, Role.MODERATOR: 1, Role.OPERATOR: 1, Role.OFFICIAL: 7}
    officials = db.session.scalars(select(Official).order_by(Official.rank)).all()
    assert [o.user.username for o in officials] == [
        "mayor",
        "deputy-planning",
        "deputy-transport",
        "deputy-services",
        "deputy-urbanism",
        "deputy-technical",
        "deputy-finance",
    ]
    assert all(o.user.role == Role.OFFICIAL and o.title_en for o in officials)
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    assert len(categories) == 12
    assert all(c.default_official is not None for c in categories.values())
    assert categories["waste-collection"].default_official.user.username == "deputy-services"
    assert categories["other"].default_official.user.username == "mayor"
    assert db.session.scalar(select(Edition.number)) == 9


def test_seed_demo_accounts_use_the_configured_password(seeded):
    password = TestConfig.SEED_DEMO_PASSWORD
    for username in ("admin", "moderator", "operator", "mayor", "deputy-finance"):
        assert authenticate(username, password) is not None, username
    assert authenticate("admin", "wrong-password-1") is None


def test_seed_demo_sessions_are_closed_open_and_scheduled(seeded):
    sessions = db.session.scalars(select(LiveSession).order_by(LiveSession.starts_at)).all()
    assert [s.status for s in sessions] == [
        SessionStatus.CLOSED,
        SessionStatus.CLOSED,
        SessionStatus.OPEN,
        SessionStatus.SCHEDULED,
    ]
    for live_session in sessions:
        local = live_session.starts_at.astimezone(TEHRAN)
        assert (local.weekday(), local.time()) == (2, time(10, 0))
        assert (live_session.ends_at - live_session.starts_at).total_seconds() == 2 * 3600
    assert sessions[2].ends_at > utcnow()
    assert sessions[1].closed_at < utcnow()


def test_seed_demo_open_session_has_varied_questions(seeded):
    live_session = db.session.scalar(
        select(LiveSession).where(LiveSession.status == SessionStatus.OPEN)
    )
    questions = db.session.scalars(
        select(Question).where(Question.session_id == live_session.id)
    ).all()
    assert len(questions) >= 30
    statuses = Counter(q.status for q in questions)
    assert {S.SUBMITTED, S.APPROVED, S.ROUTED, S.REJECTED, S.MERGED} <= set(statuses)
    assert S.ON_AIR not in statuses
    assert {q.channel for q in questions} == {Channel.WEB, Channel.PHONE}
    assert any(q.asker_name for q in questions)
    assert any(not q.asker_name for q in questions)
    assert any(q.edited_text for q in questions)
    carried = [q for q in questions if q.carried_from_session_id is not None]
    assert carried and all(q.status in (S.SUBMITTED, S.APPROVED) for q in carried)
    topics = Counter(q.category.slug for q in questions if q.category)
    assert topics.most_common(1)[0][0] == "waste-collection"
    districts = Counter(q.district.number for q in questions if q.district)
    assert {n for n, _ in districts.most_common(3)} == {2, 5, 6}


def test_seed_demo_history_has_answers_and_follow_ups(seeded):
    closed = select(LiveSession.id).where(LiveSession.status == SessionStatus.CLOSED)
    history = Counter(
        db.session.scalars(select(Question.status).where(Question.session_id.in_(closed)))
    )
    assert history[S.ANSWERED] >= 5
    assert history[S.UNANSWERED] >= 1
    assert history[S.REJECTED] >= 1
    assert history[S.MERGED] >= 1
    assert _count(FollowUp) >= history[S.UNANSWERED] + 1
    for question in db.session.scalars(select(Question).where(Question.status == S.ANSWERED)):
        assert question.answer is not None
        assert question.answer.official_id == question.official_id


def test_seed_demo_goes_through_the_verbs(seeded):
    actions = Counter(db.session.scalars(select(AuditRecord.action)))
    for action in ("approved", "rejected", "merged", "routed", "on_air", "answered", "entered"):
        assert actions[action] > 0, action
    assert actions["session_closed"] == 2
    assert actions["carried_in"] > 0
    # Support counts are the verbs' work: they match the support rows.
    counted = dict(
        db.session.execute(
            select(Support.question_id, func.count()).group_by(Support.question_id)
        ).all()
    )
    assert sum(counted.values()) > 100
    for question in db.session.scalars(select(Question)):
        assert question.support_count == counted.get(question.id, 0), question.id


def test_seed_demo_history_happened_during_its_sessions(seeded):
    closed = db.session.scalars(
        select(LiveSession).where(LiveSession.status == SessionStatus.CLOSED)
    ).all()
    for live_session in closed:
        assert live_session.opened_at < live_session.live_at == live_session.starts_at
        assert live_session.closed_at == live_session.ends_at
        answered = db.session.scalars(
            select(Question).where(
                Question.session_id == live_session.id, Question.status == S.ANSWERED
            )
        ).all()
        for question in answered:
            assert live_session.opened_at <= question.submitted_at < question.approved_at
            assert question.approved_at < question.routed_at < question.on_air_at
            assert live_session.live_at < question.on_air_at < question.answered_at
            assert question.answered_at == question.answer.created_at < live_session.closed_at
        audit_times = db.session.scalars(
            select(AuditRecord.created_at).where(AuditRecord.session_id == live_session.id)
        ).all()
        assert max(audit_times) == live_session.closed_at


def test_seed_demo_dates_nothing_in_the_future(seeded):
    now = utcnow()
    assert db.session.scalar(select(func.max(AuditRecord.created_at))) <= now
    assert db.session.scalar(select(func.max(Support.created_at))) <= now
    for question in db.session.scalars(select(Question)):
        stamps = [question.submitted_at, question.approved_at, question.routed_at]
        stamps += [question.answered_at, question.closed_at, question.updated_at]
        assert all(s <= now for s in stamps if s is not None), question.id


def test_seed_demo_if_empty_seeds_an_empty_database(seeded):
    assert "Seeded the demo data" in seeded
    assert _count(Question) >= 30


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--if-empty"], 0, "not seeded"),
        ([], 1, "--if-empty"),
    ],
)
def test_seed_demo_leaves_a_database_with_data_alone(seeded_cli, args, exit_code, message):
    before = (_count(User), _count(Question), _count(AuditRecord))
    result = seeded_cli("seed-demo", *args)
    assert result.exit_code == exit_code, result.output
    assert message in result.output
    assert (_count(User), _count(Question), _count(AuditRecord)) == before


def test_seed_demo_force_replaces_everything_after_confirmation(cli, factory):
    factory.user("admin", username="someone")
    refused = cli("seed-demo", "--force", input="n\n")
    assert refused.exit_code != 0
    assert _count(User) == 1
    result = cli("seed-demo", "--force", input="y\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.id).where(User.username == "someone")) is None
    assert _count(User) == 10


def test_create_user_adds_an_account(cli):
    result = cli(
        "create-user",
        "Sara",
        "--role",
        "moderator",
        "--password",
        "long-enough-pw",
        "--display-name",
        "سارا",
    )
    assert result.exit_code == 0, result.output
    assert "sara" in result.output
    user = authenticate("sara", "long-enough-pw")
    assert (user.role, user.display_name) == (Role.MODERATOR, "سارا")


def test_create_user_prompts_for_the_password_twice(cli):
    result = cli("create-user", "op7", "--role", "operator", input="secret-137-pw\nsecret-137-pw\n")
    assert result.exit_code == 0, result.output
    assert "secret-137-pw" not in result.output
    assert authenticate("op7", "secret-137-pw") is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["taken", "--role", "admin", "--password", "long-enough-pw"], "taken"),
        (["newname", "--role", "admin", "--password", "short"], "at least 12 characters"),
    ],
)
def test_create_user_refuses_with_a_clear_message(cli, factory, args, message):
    factory.user("moderator", username="taken")
    result = cli("create-user", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert _count(User) == 1


def test_create_user_refuses_an_unknown_role(cli):
    result = cli("create-user", "someone", "--role", "mayor", "--password", "long-enough-pw")
    assert result.exit_code == 2
    assert _count(User) == 0


def test_create_user_adds_an_official_with_their_profile(cli):
    result = cli(
        "create-user",
        "deputy-culture",
        "--role",
        "official",
        "--display-name",
        "دکتر نمونه",
        "--title",
        "معاون فرهنگی",
        "--password",
        "long-enough-pw",
    )
    assert result.exit_code == 0, result.output
    official = db.session.scalar(select(Official))
    assert (official.user.username, official.name) == ("deputy-culture", "دکتر نمونه")
    assert official.title == official.portfolio == "معاون فرهنگی"


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "official"],
        ["--role", "moderator", "--title", "معاون"],
    ],
)
def test_create_user_keeps_titles_to_officials(cli, args):
    result = cli("create-user", "someone", *args, "--password", "long-enough-pw")
    assert result.exit_code == 2
    assert "--title" in result.output
    assert _count(User) == 0
