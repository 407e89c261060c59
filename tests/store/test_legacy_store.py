"""A database made by the store before it kept its own history (its
revisions in ``alembic_version``, ``sourceText`` on the table, the cache in
the default schema) is converted by ``dslc store init``, losing nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    insert,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from store import adoption, migrate
from store.db import Database
from store.errors import Conflict
from store.service import StrategyService
from tests.store import programs
from tests.store.conftest import new_postgres_database
from tests.store.test_schema import _metadata_for

NOW = text("CURRENT_TIMESTAMP")
PUBLISHED = text("status = 'PUBLISHED'")
TEXT = 'strategy legacy\n\nrule r\n    when true then\n        award 3 points as "L"\n'


def _legacy_layout() -> MetaData:
    """The tables of the store's old revisions 0001 and 0002."""
    metadata = MetaData()
    definition = Table(
        "strategydefinition", metadata,
        Column("id", Uuid(), primary_key=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
        Column("apiKey_used", String()), Column("oauth_user_id", String()),
        Column("realmId", String(), nullable=False), Column("name", String(), nullable=False),
        Column("description", String()), Column("type", String(), nullable=False),
        Column("parentStrategyId", String()),
        Column("astJson", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        Column("blocklyXml", Text()), Column("version", Integer(), nullable=False),
        Column("status", String(), nullable=False), Column("createdBy", String()),
        Column("publishedAt", DateTime(timezone=True)), Column("experimentTag", String()),
        Column("sourceText", Text()),
        UniqueConstraint(
            "realmId", "name", "version", name="uq_strategydefinition_realm_name_version"
        ),
        Index("ix_strategydefinition_realmId", "realmId"),
        Index("ix_strategydefinition_status", "status"),
    )  # fmt: skip
    Index(
        "uq_strategydefinition_one_published", definition.c.realmId, definition.c.name,
        unique=True, postgresql_where=PUBLISHED, sqlite_where=PUBLISHED,
    )  # fmt: skip
    Table(
        "strategybytecode", metadata,
        Column("strategyId", Uuid(), ForeignKey("strategydefinition.id", ondelete="CASCADE"),
               primary_key=True),
        Column("version", Integer(), primary_key=True),
        Column("formatVersion", Integer(), primary_key=True),
        Column("sourceHash", String(64), primary_key=True),
        Column("image", LargeBinary(), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    )  # fmt: skip
    Table("alembic_version", metadata, Column("version_num", String(32), primary_key=True))
    return metadata


@pytest.fixture
def legacy(backend: str, tmp_path: Path) -> Iterator[Database]:
    def build(database: Database) -> Database:
        layout = _legacy_layout()
        layout.create_all(database.engine)
        with database.engine.begin() as conn:
            conn.execute(
                insert(layout.tables["alembic_version"]), {"version_num": "0002_store_extensions"}
            )
            rows = layout.tables["strategydefinition"]
            conn.execute(insert(rows), [
                {"id": uuid.UUID(int=1), "realmId": "r", "name": "Legacy", "type": "DSL_FULL",
                 "astJson": programs.full(3), "version": 1, "status": "PUBLISHED",
                 "sourceText": TEXT},
                {"id": uuid.UUID(int=3), "realmId": "r", "name": "Legacy", "type": "DSL_FULL",
                 "astJson": programs.full(4), "version": 2, "status": "DRAFT", "sourceText": None},
                {"id": uuid.UUID(int=2), "realmId": "r", "name": "Plain", "type": "DSL_FULL",
                 "astJson": programs.full(1), "version": 1, "status": "DRAFT", "sourceText": None},
            ])  # fmt: skip
            conn.execute(
                insert(layout.tables["strategybytecode"]),
                {"strategyId": uuid.UUID(int=1), "version": 1, "formatVersion": 1,
                 "sourceHash": "0" * 64, "image": b"old"},
            )  # fmt: skip
        return database

    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'legacy.db'}")
        yield build(database)
        database.dispose()
        return
    with new_postgres_database() as url:
        database = Database(url)
        try:
            yield build(database)
        finally:
            database.dispose()


def test_init_converts_a_legacy_store_database(legacy: Database, backend: str) -> None:
    result = migrate.init(legacy)
    assert (result.before, result.mode) == (None, "standalone")
    assert result.after == migrate.head_revision(legacy)
    inspector = inspect(legacy.engine)
    assert not inspector.has_table("alembic_version")
    with legacy.engine.connect() as conn:
        opts = {
            "compare_type": True,
            "include_schemas": backend == "postgres",
            **adoption.version_options(conn),
        }
        context = MigrationContext.configure(conn, opts=opts)
        assert compare_metadata(context, _metadata_for(backend)) == []
    service = StrategyService(legacy)
    _draft, legacy_row, plain = service.list("r")
    assert (legacy_row.name, legacy_row.sourceText, legacy_row.status.value) == (
        "Legacy",
        TEXT,
        "PUBLISHED",
    )
    assert (plain.name, plain.sourceText) == ("Plain", None)
    with pytest.raises(Conflict), legacy.transaction() as session:
        session.execute(
            text("UPDATE strategydefinition SET status = 'PUBLISHED' WHERE version = 2")
        )
    assert not migrate.init(legacy).changed
