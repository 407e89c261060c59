"""Databases made by the store before it kept its own migration history.

Those stores wrote their revisions (``0001_game_strategydefinition``,
``0002_store_extensions``) into ``alembic_version``, added ``sourceText``
and a partial unique index to ``strategydefinition``, kept the bytecode
cache beside it, and created the table with stricter columns than GAME's.
``convert`` turns such a database into today's layout, in the caller's
transaction (nothing changes if any step fails): the texts move to the
store's own table, the table gets GAME's exact shape, the cache is dropped
(it is rebuilt on demand) and ``alembic_version`` (the store's, not GAME's)
goes away. The store's migrations then run as on any other database.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from store.adoption import GAME_VERSION_TABLE
from store.models import ONE_PUBLISHED_INDEX, TABLE, StrategySource

LEGACY_CACHE_TABLE = "strategybytecode"  # in the default schema, not the store's


def convert(conn: Connection) -> list[tuple[uuid.UUID, str]]:
    """Bring a legacy store database to GAME's table; returns the saved
    texts, which ``restore_texts`` writes once the store's tables exist."""
    inspector = inspect(conn)
    columns = {c["name"] for c in inspector.get_columns(TABLE)}
    texts: list[tuple[uuid.UUID, str]] = []
    if "sourceText" in columns:
        rows = conn.execute(
            text(f'SELECT id, "sourceText" FROM {TABLE} WHERE "sourceText" IS NOT NULL')
        ).all()
        texts = [(uuid.UUID(str(row[0])), str(row[1])) for row in rows]
    indexes = {i["name"] for i in inspector.get_indexes(TABLE)}
    if ONE_PUBLISHED_INDEX in indexes:
        conn.execute(text(f"DROP INDEX {ONE_PUBLISHED_INDEX}"))
    if inspector.has_table(LEGACY_CACHE_TABLE):
        conn.execute(text(f"DROP TABLE {LEGACY_CACHE_TABLE}"))
    operations = Operations(MigrationContext.configure(conn))
    stamp = sa.DateTime(timezone=True)
    with operations.batch_alter_table(TABLE) as batch:
        batch.alter_column("created_at", existing_type=stamp, nullable=True, server_default=None)
        batch.alter_column("updated_at", existing_type=stamp, nullable=True, server_default=None)
        batch.alter_column("realmId", existing_type=sa.String(), nullable=True)
        batch.alter_column("astJson", existing_type=sa.JSON(), nullable=True)
        batch.alter_column("description", existing_type=sa.String(), type_=sa.Text())
        batch.alter_column("type", existing_type=sa.String(), server_default=text("'DSL_FULL'"))
        batch.alter_column("version", existing_type=sa.Integer(), server_default=text("1"))
        batch.alter_column("status", existing_type=sa.String(), server_default=text("'DRAFT'"))
        if "sourceText" in columns:
            batch.drop_column("sourceText")
        if "ix_strategydefinition_id" not in indexes:
            batch.create_index("ix_strategydefinition_id", ["id"])
    conn.execute(text(f"DROP TABLE {GAME_VERSION_TABLE}"))
    return texts


def restore_texts(conn: Connection, texts: list[tuple[uuid.UUID, str]]) -> None:
    if texts:
        conn.execute(
            sa.insert(StrategySource),
            [{"strategyId": sid, "text": body} for sid, body in texts],
        )
