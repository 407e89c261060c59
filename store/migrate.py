"""Create or upgrade a store database with the packaged Alembic migrations.

Two modes, chosen by what the database holds (``store.adoption``):

- standalone: no ``strategydefinition`` table; the store creates GAME's
  table exactly as GAME's migrations do, then its own tables.
- GAME: the table exists with GAME's columns (whatever GAME's Alembic
  revision); it is adopted as it is and only the store's own objects are
  added (in the store's schema on Postgres).

Either way the store's history goes to its own version table, so GAME's
``alembic upgrade head`` / ``current`` and ``dslc store init`` each work,
in any order, as often as they are run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from store import adoption, legacy
from store.db import Database

PACKAGE_DIR = Path(__file__).resolve().parent

Mode = Literal["standalone", "game"]


@dataclass(frozen=True, slots=True)
class InitResult:
    before: str | None
    after: str | None
    mode: Mode
    # GAME's Alembic revision as found (None: no GAME history).
    game_revision: str | None = None

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def adopted(self) -> bool:
        """This run took over GAME's existing table."""
        return self.mode == "game" and self.before is None

    def describe(self) -> str:
        """One line naming the mode chosen (``dslc store init`` prints it)."""
        if self.mode == "standalone":
            return "standalone: the store owns strategydefinition (created as GAME creates it)"
        at = f" (GAME's Alembic revision {self.game_revision})" if self.game_revision else ""
        return f"adopting GAME's strategydefinition table{at}; GAME's schema is left as it is"


def alembic_config(db: Database) -> Config:
    cfg = Config(str(PACKAGE_DIR / "alembic.ini"))
    # Absolute, so it works from an installed wheel and any working directory.
    cfg.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def head_revision(db: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def current_revision(db: Database) -> str | None:
    """The store's revision (from its own version table, not GAME's)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=adoption.version_options(conn))
        return context.get_current_revision()


def init(db: Database) -> InitResult:
    """Bring the database to the newest schema; nothing changes on failure."""
    cfg = alembic_config(db)
    before = current_revision(db)
    with db.engine.connect() as conn:
        found = adoption.survey(conn)
        texts: list[tuple[uuid.UUID, str]] = []
        converted = before is None and found.legacy_store and found.has_table
        if converted:
            # Made by an older store: converted in this same transaction.
            texts = legacy.convert(conn)
            found = adoption.survey(conn)
        if before is None:
            if found.has_table:
                adoption.require_game_shape(found)
            else:
                adoption.require_table_or_none(found)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        legacy.restore_texts(conn, texts)
        conn.commit()
    game = found.has_game_history or found.has_game_tables
    # A table found before the first run is GAME's, unless an older store made it.
    adopted = before is None and found.has_table and not converted
    mode: Mode = "game" if game or adopted else "standalone"
    return InitResult(
        before=before, after=current_revision(db), mode=mode, game_revision=found.game_revision
    )
