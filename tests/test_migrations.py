"""The Alembic migrations build exactly the schema the models describe, and undo it."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from liveqa.extensions import db


@pytest.fixture
def empty_db(app):
    """Push an app context on a database with no tables at all."""
    with app.app_context():
        db.drop_all()
        yield
        db.session.remove()


def _schema_snapshot() -> dict:
    """Return the reflected constraints and indexes of every model table."""
    inspector = inspect(db.engine)
    snapshot = {}
    for table in sorted(db.metadata.tables):
        snapshot[table] = {
            "checks": sorted(
                (c["name"], c["sqltext"]) for c in inspector.get_check_constraints(table)
            ),
            "uniques": sorted(
                (c["name"], tuple(c["column_names"]))
                for c in inspector.get_unique_constraints(table)
            ),
            "indexes": sorted(
                (
                    i["name"],
                    tuple(i["column_names"]),
                    bool(i["unique"]),
                    # The partial index's WHERE clause, as the database reports it.
                    tuple(sorted((k, str(v)) for k, v in i.get("dialect_options", {}).items())),
                )
                for i in inspector.get_indexes(table)
            ),
            "foreign_keys": sorted(
                (fk["name"], fk["referred_table"], tuple(fk["constrained_columns"]))
                for fk in inspector.get_foreign_keys(table)
            ),
        }
    return snapshot


def test_migrations_have_one_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"merge the migration branches: {heads}"


def test_upgraded_database_matches_the_models(empty_db):
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "models and migrations disagree; run `flask db migrate`"


def test_migrations_create_the_constraints_create_all_does(empty_db):
    # compare_metadata ignores CHECK constraints and partial-index conditions; compare them.
    db.create_all()
    expected = _schema_snapshot()
    db.drop_all()
    upgrade()
    assert _schema_snapshot() == expected


def test_downgrade_to_base_removes_every_table(empty_db):
    upgrade()
    assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
