"""Migrations, the models they must match, and backend-specific column types."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from store import adoption, migrate
from store.db import Database
from store.errors import SchemaMissing
from store.models import Base, StrategyDefinition
from store.service import StrategyService
from tests.store import programs
from tests.store.conftest import new_postgres_database


@pytest.fixture
def fresh(backend: str, tmp_path: Path) -> Iterator[Database]:
    """An empty database of the backend under test: a new SQLite file, or a
    new Postgres database (the store's schema has a fixed name, so a
    Postgres schema per test would not isolate it)."""
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield database
        database.dispose()
        return
    with new_postgres_database() as url:
        database = Database(url)
        try:
            yield database
        finally:
            database.dispose()


def _metadata_for(backend: str) -> MetaData:
    """The models as they are on this backend: SQLite has no schemas, so the
    store's tables are in the main database there."""
    if backend == "postgres":
        return Base.metadata
    flat = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(flat, schema=None)
    return flat


def test_models_match_the_migrations(db: Database, backend: str) -> None:
    with db.engine.connect() as conn:
        opts = {
            "compare_type": True,
            "include_schemas": backend == "postgres",
            **adoption.version_options(conn),
        }
        context = MigrationContext.configure(conn, opts=opts)
        assert compare_metadata(context, _metadata_for(backend)) == []


def test_column_names_are_the_reference_engines(db: Database) -> None:
    columns = [c["name"] for c in inspect(db.engine).get_columns("strategydefinition")]
    assert columns == [
        "id", "created_at", "updated_at", "apiKey_used", "oauth_user_id", "realmId", "name",
        "description", "type", "parentStrategyId", "astJson", "blocklyXml", "version",
        "status", "createdBy", "publishedAt", "experimentTag",
    ]  # fmt: skip
    indexes = {
        i["name"]: i
        for i in inspect(db.engine).get_indexes("strategydefinition")
        if not i.get("duplicates_constraint")  # Postgres: the unique constraint's own
    }
    assert {name: i["column_names"] for name, i in indexes.items()} == {
        "ix_strategydefinition_id": ["id"],
        "ix_strategydefinition_realmId": ["realmId"],
        "ix_strategydefinition_status": ["status"],
    }


def test_ast_json_is_jsonb_on_postgres_and_json_on_sqlite(db: Database, backend: str) -> None:
    types = {c["name"]: c["type"] for c in inspect(db.engine).get_columns("strategydefinition")}
    expected = "JSONB" if backend == "postgres" else "JSON"
    assert type(types["astJson"]).__name__ == expected


def test_timestamps_come_from_the_database(db: Database) -> None:
    service = StrategyService(db)
    row = service.create("r", programs.create())
    assert row.created_at is not None and row.created_at.utcoffset() is not None
    with db.reading() as session:
        stored = session.get(StrategyDefinition, row.id)
        assert stored is not None and stored.created_at == row.created_at


def test_init_creates_upgrades_and_is_idempotent(fresh: Database) -> None:
    first = migrate.init(fresh)
    assert (first.before, first.after, first.mode) == (
        None,
        migrate.head_revision(fresh),
        "standalone",
    )
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
    schema = "dslc" if fresh.backend == "postgresql" else None
    assert inspect(fresh.engine).has_table("strategybytecode", schema=schema)


def test_an_uninitialised_database_says_so(fresh: Database) -> None:
    with pytest.raises(SchemaMissing, match="dslc store init"):
        StrategyService(fresh).list("r")
