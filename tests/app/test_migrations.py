"""The migrations build exactly the schema of the models, on PostgreSQL and on SQLite (`make run`)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestConfig
from app.extensions import db


def _diff(url: str) -> list:
    application = create_app(
        {**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}, "SQLALCHEMY_DATABASE_URI": url}
    )
    with application.app_context():
        upgrade()
        with db.engine.connect() as conn:
            # FTS5 tables of the embedded default (and their shadow tables) are DDL, not models.
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, type_, parent: (
                        not (type_ == "table" and name.startswith(("tickets_fts", "kb_articles_fts")))
                    ),
                },
            )
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    return diff


@pytest.fixture
def fresh_pg_database():
    """An empty database of its own (kept between runs and emptied: DROP DATABASE is slow under load)."""
    base = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{base.database}_migrations"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url.render_as_string(hide_password=False)


def test_migrations_build_the_models_schema_on_postgresql(fresh_pg_database):
    assert _diff(fresh_pg_database) == []


def test_migrations_build_the_models_schema_on_sqlite(tmp_path):
    assert _diff(f"sqlite:///{tmp_path / 'presidio.sqlite3'}") == []
