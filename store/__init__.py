"""store: versioned strategy definitions and their bytecode cache.

    db = store.Database("postgresql+psycopg://user@host/game")  # or sqlite:///dslc.db
    store.migrate.init(db)                                      # dslc store init
    service = store.StrategyService(db)
    row = service.create(realm, {"name": "Bonus", "astJson": ast})
    service.publish(realm, row.id)
    loaded = store.StrategyLoader(db).load(row.strategy_ref)    # "custom:<uuid>"
    result = loaded.score(fields=analytics, data=event_data)

The CLI (``dslc store ...``) is ``store.cli.store_group``; it is not imported
here, so an engine that only loads programs does not load click or rich.
"""

from __future__ import annotations

from store import migrate
from store.db import Database, DatabaseError
from store.errors import (
    CompilerUnavailable,
    Conflict,
    ImageRejected,
    ImmutableVersion,
    InvalidDefinition,
    InvalidPayload,
    NotFound,
    SchemaMissing,
    StoreError,
)
from store.loader import LoadedStrategy, StrategyLoader
from store.schemas import StrategyCreate, StrategyRead, StrategyUpdate
from store.service import StrategyService

__all__ = [
    "CompilerUnavailable",
    "Conflict",
    "Database",
    "DatabaseError",
    "ImageRejected",
    "ImmutableVersion",
    "InvalidDefinition",
    "InvalidPayload",
    "LoadedStrategy",
    "NotFound",
    "SchemaMissing",
    "StoreError",
    "StrategyCreate",
    "StrategyLoader",
    "StrategyRead",
    "StrategyService",
    "StrategyUpdate",
    "migrate",
]
