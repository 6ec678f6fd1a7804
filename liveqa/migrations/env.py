"""Alembic environment: run LiveQA's migrations against the Flask app's database."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

config = context.config

# Configure logging only for the command line: inside a running app or a test, logging is
# already set up, and fileConfig would replace its handlers.
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    """Return the Flask-SQLAlchemy engine of the current app."""
    return current_app.extensions["migrate"].db.engine


def get_metadata():
    """Return the models' metadata, the target of autogenerate."""
    return current_app.extensions["migrate"].db.metadata


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)


def render_item(type_, obj, autogen_context):
    """Render the models' TypeDecorators as their plain SQL type, so migrations stay standalone."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        # e.g. UTCDateTime is stored as a plain DATETIME / TIMESTAMP WITHOUT TIME ZONE.
        return f"sa.{obj.impl!r}"
    return False


def _configure_args(dialect_name: str) -> dict:
    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("compare_type", True)
    args.setdefault("render_item", render_item)
    # SQLite can barely ALTER; batch mode copies the table instead.
    args.setdefault("render_as_batch", dialect_name == "sqlite")
    args.setdefault("process_revision_directives", _skip_empty_revision)
    return args


def _skip_empty_revision(context_, revision, directives):
    """Write no revision file when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def run_migrations_offline():
    """Emit the migrations as SQL without a database connection."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=get_metadata(),
        literal_binds=True,
        **_configure_args(get_engine().dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys(connection, enabled: bool) -> None:
    # Batch mode drops and re-creates tables, which enforced foreign keys would refuse.
    # The pragma only works outside a transaction, so it goes to the driver directly.
    connection.connection.driver_connection.execute(
        f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}"
    )


def run_migrations_online():
    """Run the migrations on a connection from the app's engine."""
    engine = get_engine()
    is_sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if is_sqlite:
            _sqlite_foreign_keys(connection, False)
        try:
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                **_configure_args(engine.dialect.name),
            )
            with context.begin_transaction():
                context.run_migrations()
                if is_sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
            connection.commit()
        finally:
            if is_sqlite:
                _sqlite_foreign_keys(connection, True)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
