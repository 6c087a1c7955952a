"""`flask --app wsgi db upgrade` builds the schema from nothing, and it matches the models."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from tests.conftest import PG_URL, pg_url, reset_pg_schema
from webapp import create_app
from webapp.extensions import db


def _upgrade_and_diff(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    return diff, tables


def test_upgrade_builds_schema_on_empty_sqlite_file(tmp_path):
    diff, tables = _upgrade_and_diff(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert {"users", "profiles", "api_tokens", "alembic_version"} <= tables
    assert diff == []


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
def test_upgrade_builds_schema_on_empty_postgresql():
    schema = f"migration_check_{os.getpid()}"
    reset_pg_schema(schema)
    try:
        diff, tables = _upgrade_and_diff(pg_url(schema))
        assert {"users", "profiles", "api_tokens", "alembic_version"} <= tables
        assert diff == []
    finally:
        reset_pg_schema(schema, create=False)
