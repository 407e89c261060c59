"""Migrations, the models they must match, and backend-specific column types."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from store import migrate
from store.db import Database, make_engine
from store.errors import SchemaMissing
from store.models import Base, StrategyDefinition
from store.service import StrategyService
from tests.store import programs


@pytest.fixture
def fresh(backend: str, db_url: str, tmp_path: Path) -> Iterator[Database]:
    """An empty database of the backend under test: a new SQLite file, or a
    new Postgres schema (much cheaper to create and drop than a database)."""
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield database
        database.dispose()
        return
    schema = f"fresh_{uuid.uuid4().hex[:10]}"
    admin = make_engine(db_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(db_url, connect_args={"options": f"-csearch_path={schema}"})
    database = Database(engine=engine)
    try:
        yield database
    finally:
        database.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_models_match_the_migrations(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_column_names_are_the_reference_engines(db: Database) -> None:
    columns = [c["name"] for c in inspect(db.engine).get_columns("strategydefinition")]
    assert columns == [
        "id", "created_at", "updated_at", "apiKey_used", "oauth_user_id", "realmId", "name",
        "description", "type", "parentStrategyId", "astJson", "blocklyXml", "version",
        "status", "createdBy", "publishedAt", "experimentTag", "sourceText",
    ]  # fmt: skip
    indexes = {i["name"]: i for i in inspect(db.engine).get_indexes("strategydefinition")}
    assert indexes["ix_strategydefinition_realmId"]["column_names"] == ["realmId"]
    assert indexes["ix_strategydefinition_status"]["column_names"] == ["status"]
    assert indexes["uq_strategydefinition_one_published"]["unique"]


def test_ast_json_is_jsonb_on_postgres_and_json_on_sqlite(db: Database, backend: str) -> None:
    types = {c["name"]: c["type"] for c in inspect(db.engine).get_columns("strategydefinition")}
    expected = "JSONB" if backend == "postgres" else "JSON"
    assert type(types["astJson"]).__name__ == expected


def test_timestamps_come_from_the_database(db: Database) -> None:
    service = StrategyService(db)
    row = service.create("r", programs.create())
    assert row.created_at.utcoffset() is not None
    with db.reading() as session:
        stored = session.get(StrategyDefinition, row.id)
        assert stored is not None and stored.created_at == row.created_at


def test_init_creates_upgrades_and_is_idempotent(fresh: Database) -> None:
    first = migrate.init(fresh)
    assert (first.before, first.after, first.adopted) == (None, migrate.head_revision(fresh), False)
    again = migrate.init(fresh)
    assert not again.changed
    StrategyService(fresh).create("r", programs.create())


def test_downgrade_to_base_and_back(fresh: Database) -> None:
    migrate.init(fresh)
    config = migrate.alembic_config(fresh)
    with fresh.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
        conn.commit()
    assert not inspect(fresh.engine).has_table("strategydefinition")
    migrate.init(fresh)
    assert inspect(fresh.engine).has_table("strategybytecode")


def test_a_game_database_is_adopted(fresh: Database) -> None:
    """A database with GAME's table and no Alembic history keeps its rows."""
    config = migrate.alembic_config(fresh)
    with fresh.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, migrate.GAME_BASELINE)
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(
            text(
                'INSERT INTO strategydefinition (id, "realmId", name, type, "astJson", '
                "version, status) VALUES (:id, 'r', 'Legacy', 'DSL_FULL', :ast, 1, 'PUBLISHED')"
            ),
            {"id": uuid.uuid4().hex, "ast": '{"type": "program", "rules": []}'},
        )
        conn.commit()
    result = migrate.init(fresh)
    assert result.adopted and result.after == migrate.head_revision(fresh)
    (legacy,) = StrategyService(fresh).list("r")
    assert (legacy.name, legacy.status.value, legacy.sourceText) == ("Legacy", "PUBLISHED", None)


def test_an_uninitialised_database_says_so(fresh: Database) -> None:
    with pytest.raises(SchemaMissing, match="dslc store init"):
        StrategyService(fresh).list("r")
