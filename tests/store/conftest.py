"""Fixtures of the store suite: every test using ``db`` runs on SQLite and
on Postgres.

Postgres: a uniquely named database is created for the test session (per
xdist worker) on the server of ``$DSLC_TEST_DATABASE_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) and dropped at
the end. When the server is unreachable the
Postgres half is skipped, unless ``DSLC_REQUIRE_POSTGRES=1`` (CI), where it
fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from store import toolchain
from store.db import Database, make_engine, normalise_url
from store.loader import StrategyLoader
from store.migrate import init
from store.models import StrategyBytecode, StrategyDefinition, StrategySource
from store.service import StrategyService

# A maintenance database on the server to test against (CI sets this variable);
# the suite creates its own database next to it.
PG_ADMIN_URL = make_url(
    normalise_url(
        os.environ.get("DSLC_TEST_DATABASE_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def _postgres_required() -> bool:
    return os.environ.get("DSLC_REQUIRE_POSTGRES") == "1"


@contextmanager
def new_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server (dropped afterwards); skips
    (or fails, in CI) when the server is unreachable."""
    admin = make_engine(
        PG_ADMIN_URL.render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    server = PG_ADMIN_URL.render_as_string(hide_password=True)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        admin.dispose()
        reason = f"PostgreSQL unreachable at {server}: {str(exc).splitlines()[0]}"
        if _postgres_required():
            pytest.fail(f"{reason} (DSLC_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    name = f"dslc_store_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    try:
        yield PG_ADMIN_URL.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with new_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.db'}"


@pytest.fixture(scope="session")
def _databases() -> Iterator[dict[str, Database]]:
    # One migrated database per backend for the whole session; tests start
    # from empty tables (see ``db``), which is much cheaper than migrating.
    opened: dict[str, Database] = {}
    yield opened
    for db in opened.values():
        db.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{backend}_url"))


@pytest.fixture
def db(backend: str, db_url: str, _databases: dict[str, Database]) -> Iterator[Database]:
    database = _databases.get(backend)
    if database is None:
        database = Database(db_url)
        init(database)
        _databases[backend] = database
    _empty(database)
    yield database
    _empty(database)


def _empty(database: Database) -> None:
    with database.transaction() as session:
        session.execute(delete(StrategyBytecode))
        session.execute(delete(StrategySource))
        session.execute(delete(StrategyDefinition))


@pytest.fixture
def service(db: Database) -> StrategyService:
    return StrategyService(db)


@pytest.fixture
def loader(db: Database) -> StrategyLoader:
    # No in-process memo: every load goes through the database cache.
    return StrategyLoader(db, memo_size=0)


@pytest.fixture
def stats() -> toolchain.CompileStats:
    toolchain.STATS.reset()
    return toolchain.STATS


class StatementLog:
    """SQL statements sent through an engine while attached."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> StatementLog:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def sql_log(db: Database) -> StatementLog:
    return StatementLog(db.engine)
