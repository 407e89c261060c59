"""store: versioned strategy definitions and their bytecode cache.

    db = store.Database("postgresql+psycopg://user@host/game")  # or sqlite:///dslc.db
    store.migrate.init(db)                                      # dslc store init
    service = store.StrategyService(db)
    row = service.create(realm, {"name": "Bonus", "astJson": ast})
    service.publish(realm, row.id)
    loaded = store.StrategyLoader(db).load(row.strategy_ref)    # "custom:<uuid>"
    result = loaded.score(fields=analytics, data=event_data)
    engine_loader = store.StrategyLoader(db, watch=True)          # served from memory until
                                                                  # a publish is announced

The CLI (``dslc store ...``) is ``store.cli.store_group``; it is not imported
here, so an engine that only loads programs does not load click or rich.

The public names load on first use (PEP 562): ``import store.cli`` (which
``dslc --help`` does, to list the ``store`` group) must not pay for
SQLAlchemy and alembic.
"""

from __future__ import annotations

from types import ModuleType
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
    "Database": "db",
    "DatabaseError": "db",
    "CompilerUnavailable": "errors",
    "Conflict": "errors",
    "ImageRejected": "errors",
    "ImmutableVersion": "errors",
    "InvalidDefinition": "errors",
    "InvalidPayload": "errors",
    "NotFound": "errors",
    "SchemaMissing": "errors",
    "StoreError": "errors",
    "LoadedStrategy": "loader",
    "StrategyLoader": "loader",
    "StrategyCreate": "schemas",
    "StrategyRead": "schemas",
    "StrategyUpdate": "schemas",
    "StrategyService": "service",
    "CostLimits": "limits",
    "migrate": "migrate",
}


def _module(name: str) -> ModuleType:
    # Import statements, not import_module: the dependencies stay visible
    # to mypy and to tests/test_architecture.py.
    if name == "db":
        from store import db

        return db
    if name == "errors":
        from store import errors

        return errors
    if name == "loader":
        from store import loader

        return loader
    if name == "schemas":
        from store import schemas

        return schemas
    if name == "service":
        from store import service

        return service
    # Not "from store import migrate": that asks this module's __getattr__
    # for "migrate" first, which would come back here.
    import store.migrate as migrate_module

    return migrate_module


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'store' has no attribute {name!r}")
    module = _module(where)
    value = module if name == where else getattr(module, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


__all__ = [
    "CompilerUnavailable",
    "Conflict",
    "CostLimits",
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
