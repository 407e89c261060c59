"""Recognising GAME's database: what is already there before the store
migrates, and whether the ``strategydefinition`` table is GAME's.

GAME's table is recognised by its shape (its columns), whatever revision
GAME's own migrations are at: the store never reads GAME's
``alembic_version`` to decide, it only reports it. The store keeps its own
migration history in its own version table, so the two never collide.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, inspect, text

from store.errors import StoreError
from store.models import STORE_SCHEMA, TABLE, VERSION_TABLE

# GAME's Alembic version table (the default name, in GAME's schema).
GAME_VERSION_TABLE = "alembic_version"
# Revisions written to GAME's version table by the store before it kept its
# own history (dslc 0.x): such a database was made by an older store.
LEGACY_STORE_REVISIONS = frozenset({"0001_game_strategydefinition", "0002_store_extensions"})
# The columns of GAME's table (revision e1c8d5a4b9f7), in GAME's order.
GAME_COLUMNS = (
    "id", "created_at", "updated_at", "apiKey_used", "oauth_user_id", "realmId", "name",
    "description", "type", "parentStrategyId", "astJson", "blocklyXml", "version",
    "status", "createdBy", "publishedAt", "experimentTag",
)  # fmt: skip


class NotGameTable(StoreError):
    """A ``strategydefinition`` table exists but is not GAME's (or the
    database is in a state the store must not touch)."""


@dataclass(frozen=True, slots=True)
class Survey:
    """What the database holds before the store migrates it."""

    has_table: bool
    missing_columns: tuple[str, ...]
    game_revision: str | None  # the content of GAME's alembic_version, if any
    has_game_history: bool  # GAME's alembic_version table exists
    has_game_tables: bool  # GAME's apikey table exists

    @property
    def legacy_store(self) -> bool:
        return self.game_revision in LEGACY_STORE_REVISIONS


def store_schema(conn: Connection) -> str | None:
    """The schema of the store's tables on this backend (None: the main one)."""
    return STORE_SCHEMA if conn.dialect.name == "postgresql" else None


def version_options(conn: Connection) -> dict[str, str | None]:
    """Alembic options naming the store's own version table."""
    return {"version_table": VERSION_TABLE, "version_table_schema": store_schema(conn)}


def survey(conn: Connection) -> Survey:
    inspector = inspect(conn)
    has_table = inspector.has_table(TABLE)
    missing: tuple[str, ...] = ()
    if has_table:
        present = {c["name"] for c in inspector.get_columns(TABLE)}
        missing = tuple(c for c in GAME_COLUMNS if c not in present)
    has_history = inspector.has_table(GAME_VERSION_TABLE)
    revision = None
    if has_history:
        rows = conn.execute(text(f"SELECT version_num FROM {GAME_VERSION_TABLE}")).scalars()
        revision = ", ".join(sorted(str(r) for r in rows)) or None
    return Survey(has_table, missing, revision, has_history, inspector.has_table("apikey"))


def require_game_shape(found: Survey) -> None:
    """Refuse a ``strategydefinition`` table that lacks GAME's columns."""
    if found.missing_columns:
        raise NotGameTable(
            f"the database has a {TABLE!r} table that is not GAME's: it lacks the "
            f"column(s) {', '.join(found.missing_columns)}; nothing was changed"
        )


def require_table_or_none(found: Survey) -> None:
    """GAME's migrations create ``strategydefinition`` unconditionally, so
    the store must not create it in a database GAME manages: GAME runs
    first, then the store adopts its table."""
    if not found.has_table and found.has_game_history:
        at = f" at revision {found.game_revision}" if found.game_revision else ""
        raise NotGameTable(
            f"this database has an Alembic history ({GAME_VERSION_TABLE}{at}) but no "
            f"{TABLE!r} table: if it is GAME's database, run GAME's migrations first "
            "(alembic upgrade head), then `dslc store init`; nothing was changed"
        )


def refuse_two_published(conn: Connection) -> None:
    """An adopted database that already breaks "one PUBLISHED row per
    family" fails, loudly, rather than running with two published versions."""
    rows = conn.execute(
        text(
            f"SELECT \"realmId\", name FROM {TABLE} WHERE status = 'PUBLISHED' "
            'GROUP BY "realmId", name HAVING count(*) > 1'
        )
    ).all()
    if rows:
        families = ", ".join(f"{name!r} (realm {realm!r})" for realm, name in rows[:5])
        raise NotGameTable(
            f"{len(rows)} strategy families have more than one PUBLISHED version: "
            f"{families}; archive all but one of each, then run `dslc store init` again"
        )
