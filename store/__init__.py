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

The public names load on first use (PEP 562): ``import store.cli`` (which
``dslc --help`` does, to list the ``store`` group) must not pay for
SQLAlchemy and alembic.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# public name -> the module that defines it
_WHERE = {
    "Database": "store.db",
    "DatabaseError": "store.db",
    "CompilerUnavailable": "store.errors",
    "Conflict": "store.errors",
    "ImageRejected": "store.errors",
    "ImmutableVersion": "store.errors",
    "InvalidDefinition": "store.errors",
    "InvalidPayload": "store.errors",
    "NotFound": "store.errors",
    "SchemaMissing": "store.errors",
    "StoreError": "store.errors",
    "LoadedStrategy": "store.loader",
    "StrategyLoader": "store.loader",
    "StrategyCreate": "store.schemas",
    "StrategyRead": "store.schemas",
    "StrategyUpdate": "store.schemas",
    "StrategyService": "store.service",
}


def __getattr__(name: str) -> Any:
    if name == "migrate":
        return import_module("store.migrate")
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'store' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


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
