"""Engines, sessions and transactions for Postgres (psycopg 3) and SQLite.

``Database.transaction()`` is the only way the service writes: one
transaction per operation, committed on success and rolled back on any
exception, with database errors translated into the store's typed errors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from store.errors import Conflict, InvalidPayload, SchemaMissing, StoreError
from store.models import FAMILY_VERSION_UNIQUE, ONE_PUBLISHED_INDEX, STORE_SCHEMA

ENV_VAR = "DSLC_DATABASE_URL"
# The embedded default: a SQLite file in the working directory.
DEFAULT_URL = "sqlite:///dslc.db"

_BEGIN_MODE = "dslc_sqlite_begin"


class DatabaseError(StoreError):
    """The database could not be reached or failed in an unexpected way."""

    code = "DSLC_STORE_DATABASE"


def resolve_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``$DSLC_DATABASE_URL``, else ``dslc.db``."""
    chosen = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    return normalise_url(chosen)


def normalise_url(url: str) -> str:
    # ``postgresql://`` would select psycopg2, which is not a dependency.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# The backends the store is built and tested for, and the drivers it ships.
SUPPORTED_URLS = "sqlite:///PATH or postgresql://USER@HOST/DB (postgresql+psycopg://...)"
_SUPPORTED = {("sqlite", "pysqlite"), ("postgresql", "psycopg")}


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    try:
        parsed = make_url(url)
        backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    except Exception:  # ArgumentError, or a plugin's own error for a bad URL
        raise DatabaseError(f"not a database URL: {url!r} (supported: {SUPPORTED_URLS})") from None
    if (backend, driver) not in _SUPPORTED:
        raise DatabaseError(
            f"unsupported database URL scheme {parsed.drivername!r} (supported: {SUPPORTED_URLS})"
        )
    if backend == "sqlite":
        return _sqlite_engine(url, **kwargs)
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    connect_args = kwargs.pop("connect_args", {})
    # Wait for a competing writer instead of failing with "database is locked".
    connect_args.setdefault("timeout", 30)
    connect_args.setdefault("check_same_thread", False)
    # SQLite has no schemas: the store's tables live in the main database.
    options = dict(kwargs.pop("execution_options", {}))
    options.setdefault("schema_translate_map", {STORE_SCHEMA: None})
    engine = create_engine(url, connect_args=connect_args, execution_options=options, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of the sqlite3
        # module's implicit, deferred one.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        # The cache rows cascade with their definition.
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL: readers (the engine loading programs) never wait for a writer,
        # and a commit costs one fsync of the log instead of two.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that reads and then writes can fail with
        # SQLITE_BUSY when another writer got there first, without waiting.
        # Writers take the write lock up front (IMMEDIATE) and queue instead.
        mode = conn.get_execution_options().get(_BEGIN_MODE, "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """One database: an engine plus session factories for writes and reads."""

    def __init__(self, url: str | None = None, *, engine: Engine | None = None) -> None:
        self.url = resolve_url(url) if engine is None else str(engine.url)
        self.engine = engine if engine is not None else make_engine(self.url)
        self.backend = self.engine.dialect.name
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = self.engine.execution_options(**{_BEGIN_MODE: "DEFERRED"})
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)
        # Hot-path reads are single statements: on Postgres, autocommit spares
        # the BEGIN and ROLLBACK round trips around each one.
        self._hot_engine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.backend == "postgresql"
            else self._read_engine
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: commit on success, roll back on any error."""
        with _translated(), self._writer.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work (never takes SQLite's write lock)."""
        with _translated(), self._reader.begin() as session:
            yield session

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A Core connection for reads on hot paths (no ORM session to set up).
        Each statement sees its own snapshot: use it for single-query reads."""
        with _translated(), self._hot_engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.engine.url.render_as_string(hide_password=True)!r})"


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except IntegrityError as exc:
        refused = _foreign_key_message(exc)
        if refused is not None:
            raise InvalidPayload(refused) from exc
        raise Conflict(_integrity_message(exc)) from exc
    except (OperationalError, ProgrammingError) as exc:
        if _is_missing_table(exc):
            raise SchemaMissing(
                "the database has no store tables; run `dslc store init` first"
            ) from exc
        raise DatabaseError(f"database error: {_first_line(exc)}") from exc
    except DBAPIError as exc:
        raise DatabaseError(f"database error: {_first_line(exc)}") from exc


# GAME's foreign keys on strategydefinition: the column and what it must name.
_REFERENCES = {
    "apiKey_used": "an API key of GAME's apikey table",
    "oauth_user_id": "a user of GAME's oauthusers table (provider_user_id)",
}


def _foreign_key_message(exc: IntegrityError) -> str | None:
    """A value GAME's foreign keys refuse is a bad payload, not a conflict."""
    if getattr(exc.orig, "sqlstate", None) != "23503":
        return None
    detail = getattr(getattr(exc.orig, "diag", None), "message_detail", None) or ""
    for column, meaning in _REFERENCES.items():
        if f"({column})" in detail:
            return f"invalid {column}: it must name {meaning}; nothing was written ({detail})"
    return f"a referenced row does not exist; nothing was written: {_first_line(exc)}"


def _integrity_message(exc: IntegrityError) -> str:
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    text = str(exc.orig)
    if (
        constraint == ONE_PUBLISHED_INDEX
        or ONE_PUBLISHED_INDEX in text
        or (constraint is None and "strategydefinition.name" in text and "version" not in text)
    ):
        return (
            "another version of this strategy was published at the same time; "
            "nothing was changed (retry)"
        )
    if constraint == FAMILY_VERSION_UNIQUE or "strategydefinition.version" in text:
        return "a concurrent change created the same version; nothing was changed (retry)"
    return f"conflicting write, nothing was changed: {_first_line(exc)}"


def _is_missing_table(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def _first_line(exc: DBAPIError) -> str:
    return (str(exc.orig).strip().splitlines() or ["unknown error"])[0]
