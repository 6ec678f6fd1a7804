"""Seed a real server's database; run in a child process, never imported by the tests.

`python tests/realseed.py prepare [--demo]` builds the schema of the database named by
LIVEQA_DATABASE_URL with `flask db upgrade`, runs `flask seed-demo` (with --demo), adds the
e2e accounts and a live session, and prints what it made as JSON on its last line.
"""

import json
import os
import sys

from realserver import MIGRATIONS, PASSWORD, ROOT, migrations_exist


def _prepare(use_demo: bool) -> dict:
    """Create the schema, run seed-demo if asked and present, add the test accounts."""
    from datetime import date, timedelta

    from sqlalchemy import select, text

    from liveqa.app import create_app
    from liveqa.domain.accounts import create_user
    from liveqa.domain.questions import put_back_question
    from liveqa.domain.sessions import find_current_session, start_session
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
        User,
        utcnow,
    )

    app = create_app()
    seeded_with_demo = False
    with app.app_context():
        if os.environ["LIVEQA_DATABASE_URL"].startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        if migrations_exist():
            # The real `flask db upgrade`, run in this process to import the app only once.
            _cli(app, "db", "upgrade", "-d", str(MIGRATIONS))
        else:
            db.create_all()
        if use_demo and "seed-demo" in app.cli.commands:
            _cli(app, "seed-demo")
            seeded_with_demo = True

        def user(username, role, display_name):
            found = db.session.scalar(select(User).where(User.username == username))
            return found or create_user(username, PASSWORD, role, display_name=display_name)

        admin = user("e2e-admin", "admin", "E2E Admin")
        moderator = user("e2e-moderator", "moderator", "E2E Moderator")
        user("e2e-operator", "operator", "E2E Operator")
        officials = []
        for username, name, title in (
            ("e2e-official", "مهندس آزمون‌پور", "معاون خدمات شهری"),
            ("e2e-official2", "دکتر دومی", "معاون حمل و نقل"),
        ):
            account = user(username, "official", name)
            db.session.flush()
            official = db.session.scalar(select(Official).where(Official.user_id == account.id))
            if official is None:
                official = Official(
                    name=name, title=title, title_en=title, portfolio=title, user=account, rank=5
                )
                db.session.add(official)
            officials.append(official)
        if db.session.scalar(select(Category).limit(1)) is None:
            db.session.add(Category(slug="traffic", name="ترافیک", name_en="Traffic"))
        if db.session.scalar(select(District).limit(1)) is None:
            db.session.add(District(number=1, name="منطقه ۱", name_en="District 1"))
        db.session.commit()

        current = find_current_session()
        if current is None or current.status == SessionStatus.CLOSED:
            edition = db.session.scalar(select(Edition).order_by(Edition.number.desc()).limit(1))
            if edition is None:
                edition = Edition(number=9, title="دوره نهم", starts_on=date(2026, 1, 1))
                db.session.add(edition)
            start = utcnow() - timedelta(minutes=10)
            current = LiveSession(
                edition=edition,
                title="نشست آزمون",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                status=SessionStatus.OPEN,
                opened_at=start,
            )
            db.session.add(current)
            db.session.flush()
        if current.status != SessionStatus.LIVE:
            start_session(current, admin)
        for official in officials:
            if official not in current.officials:
                current.officials.append(official)
        # The hall shows one question at a time; tests put their own questions on air.
        for on_air in db.session.scalars(
            select(Question).where(
                Question.session_id == current.id, Question.status == QuestionStatus.ON_AIR
            )
        ):
            put_back_question(on_air, admin)
        db.session.commit()
        return {
            "seeded_with_demo": seeded_with_demo,
            "session_id": current.id,
            "password": PASSWORD,
            "admin": admin.username,
            "moderator": moderator.username,
            "operator": "e2e-operator",
            "officials": [
                {"id": o.id, "name": o.name, "title": o.title, "username": o.user.username}
                for o in officials
            ],
            "category_id": db.session.scalar(select(Category.id).limit(1)),
            "district_id": db.session.scalar(select(District.id).limit(1)),
        }


def _cli(app, *args) -> None:
    result = app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)
    sys.stderr.write(result.output)
    if result.exit_code != 0:
        raise SystemExit(f"flask {' '.join(args)} failed ({result.exit_code})")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] != ["prepare"]:
        sys.exit("usage: realseed.py prepare [--demo]")
    print(json.dumps(_prepare("--demo" in sys.argv[2:]), ensure_ascii=False))
