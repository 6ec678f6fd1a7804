"""Command-line tools: demo data and staff accounts (`flask db` is Flask-Migrate's)."""

from collections import Counter
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from liveqa.demo import data as demo_data
from liveqa.demo.seed import DemoSeeder
from liveqa.domain.accounts import change_password, create_user, deactivate_user, find_user
from liveqa.domain.errors import DomainError
from liveqa.domain.permissions import needs_official_profile
from liveqa.domain.phones import erase_phones, rotate_phone_keys
from liveqa.domain.validation import optional_text, required_text
from liveqa.extensions import db
from liveqa.i18n import format_date
from liveqa.models import (
    AuditRecord,
    Category,
    District,
    FollowUp,
    LiveSession,
    Official,
    Question,
    Role,
    SessionStatus,
    Support,
    User,
    utcnow,
)

# The length of Official.title and Official.portfolio.
MAX_TITLE_CHARS = 200


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


# A password typed at a hidden prompt (twice) unless given.
PASSWORD_OPTION = click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given (safer: it stays out of the shell history).",
)


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--display-name", default=None, help="The name shown to others.")
@click.option("--title", default=None, help="An official's title, e.g. «معاون فنی و عمرانی».")
@click.option("--portfolio", default=None, help="An official's area (default: the title).")
@PASSWORD_OPTION
@with_appcontext
def create_user_command(username, role, display_name, title, portfolio, password) -> None:
    """Add a staff account; for an official, also the profile they answer under."""
    is_official = needs_official_profile(role)
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


def _on_user(username: str, verb, *args) -> None:
    """Run VERB on the account USERNAME and commit; turn a refusal into a CLI error."""
    try:
        verb(find_user(username), *args)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None


@click.command("deactivate-user")
@click.argument("username")
@with_appcontext
def deactivate_user_command(username) -> None:
    """Stop a staff account from logging in and end all its sessions and sockets."""
    _on_user(username, deactivate_user)
    click.echo(_("Deactivated %(username)s; their sessions have ended.", username=username))


@click.command("set-password")
@click.argument("username")
@PASSWORD_OPTION
@with_appcontext
def set_password_command(username, password) -> None:
    """Give a staff account a new password and end all its sessions and sockets."""
    _on_user(username, change_password, password)
    click.echo(
        _("Changed the password of %(username)s; their sessions have ended.", username=username)
    )


@click.command("rotate-phone-key")
@with_appcontext
def rotate_phone_key_command() -> None:
    """Encrypt every stored phone number again under the first of LIVEQA_PHONE_KEYS."""
    count = rotate_phone_keys()
    db.session.commit()
    click.echo(_("Re-encrypted %(count)d phone numbers under the first key.", count=count))


@click.command("erase-phones")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Days after a final outcome (default: LIVEQA_PHONE_RETENTION_DAYS).",
)
@with_appcontext
def erase_phones_command(days) -> None:
    """Erase the phone numbers of questions settled long enough ago (run it daily)."""
    days = days or current_app.config["PHONE_RETENTION_DAYS"]
    count = erase_phones(utcnow(), days)
    db.session.commit()
    click.echo(
        _(
            "Erased the phone numbers of %(count)d questions settled %(days)d days ago or more.",
            count=count,
            days=days,
        )
    )


def init_app(app) -> None:
    """Register the commands on APP's `flask` command line."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(deactivate_user_command)
    app.cli.add_command(set_password_command)
    app.cli.add_command(rotate_phone_key_command)
    app.cli.add_command(erase_phones_command)
