"""Create or upgrade a store database with the packaged Alembic migrations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from store.db import Database
from store.models import TABLE

PACKAGE_DIR = Path(__file__).resolve().parent
# The revision whose schema is exactly the reference engine's table.
GAME_BASELINE = "0001_game_strategydefinition"


@dataclass(frozen=True, slots=True)
class InitResult:
    before: str | None
    after: str | None
    adopted: bool

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(db: Database) -> Config:
    cfg = Config(str(PACKAGE_DIR / "alembic.ini"))
    # Absolute, so it works from an installed wheel and any working directory.
    cfg.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def head_revision(db: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def init(db: Database) -> InitResult:
    """Bring the database to the newest schema.

    A database that already has the reference engine's table but no Alembic
    history is a GAME database: it is stamped at the baseline revision (its
    table is kept as is) and then upgraded.
    """
    cfg = alembic_config(db)
    before = current_revision(db)
    adopted = False
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        if before is None and inspect(conn).has_table(TABLE):
            command.stamp(cfg, GAME_BASELINE)
            adopted = True
        command.upgrade(cfg, "head")
        conn.commit()
    return InitResult(before=before, after=current_revision(db), adopted=adopted)
