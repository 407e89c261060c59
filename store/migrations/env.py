"""Alembic environment of the strategy store.

Run through ``store.migrate`` (which hands over an open connection in
``config.attributes["connection"]``) or by hand with
``alembic -c store/alembic.ini upgrade head``.

The store's history is kept in its own version table
(``dslc_alembic_version``, in the store's schema on Postgres), never in
``alembic_version``: on GAME's database, GAME's Alembic history and the
store's are independent, and either tool can upgrade in any order.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, text

from store.adoption import store_schema
from store.db import make_engine
from store.models import STORE_SCHEMA, VERSION_TABLE, Base

config = context.config
target_metadata = Base.metadata


def _include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    # Autogenerate against a shared database compares the store's objects
    # only, never GAME's other tables.
    if type_ == "schema":
        return name in (None, STORE_SCHEMA)
    if type_ == "table":
        return name in target_metadata.tables or (
            f"{parent_names.get('schema_name')}.{name}" in target_metadata.tables
        )
    return True


def _configure(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # The version table lives in the store's schema, which must exist
        # before Alembic looks for it.
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{STORE_SCHEMA}"'))
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_schemas=connection.dialect.name == "postgresql",
        include_name=_include_name,
        version_table=VERSION_TABLE,
        version_table_schema=store_schema(connection),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or "sqlite:///dslc.db"
    postgres = url.startswith("postgres")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        version_table=VERSION_TABLE,
        version_table_schema=STORE_SCHEMA if postgres else None,
    )
    with context.begin_transaction():
        if postgres:
            context.execute(f'CREATE SCHEMA IF NOT EXISTS "{STORE_SCHEMA}"')
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///dslc.db")
    try:
        with engine.connect() as conn:
            _configure(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
