"""Concurrent publishes of one family end with exactly one PUBLISHED row.

Run on both backends; the Postgres run is the one that matters (real
concurrent transactions, row locks, the partial unique index deciding).
SQLite serialises writers, so there every publish wins in turn.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from sqlalchemy import select, update

from store.db import Database
from store.errors import Conflict
from store.models import StrategyDefinition
from store.service import StrategyService
from tests.store import programs

REALM = "race"
THREADS = 12


def _rows(db: Database) -> dict[Any, tuple[str, Any, Any]]:
    with db.reading() as session:
        result = session.execute(
            select(
                StrategyDefinition.id,
                StrategyDefinition.status,
                StrategyDefinition.publishedAt,
                StrategyDefinition.updated_at,
            )
        )
        return {row.id: (row.status, row.publishedAt, row.updated_at) for row in result}


def _race(calls: list[Callable[[], object]]) -> list[BaseException | None]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> BaseException | None:
        barrier.wait()
        try:
            call()
        except Exception as exc:
            return exc
        return None

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_concurrent_publishes_leave_one_published_row(
    service: StrategyService, db: Database
) -> None:
    first = service.publish(REALM, service.create(REALM, programs.create()).id)
    drafts = [
        service.update(REALM, first.id, {"astJson": programs.full(points)}).id
        for points in range(2, THREADS + 2)
    ]
    before = _rows(db)

    outcomes = _race([partial(service.publish, REALM, d) for d in drafts])

    unexpected = [e for e in outcomes if e is not None and not isinstance(e, Conflict)]
    assert unexpected == []
    winners = {d for d, e in zip(drafts, outcomes, strict=True) if e is None}
    losers = [d for d, e in zip(drafts, outcomes, strict=True) if e is not None]
    assert winners, "at least one publish must succeed"
    after = _rows(db)
    published = [row_id for row_id, (status, *_rest) in after.items() if status == "PUBLISHED"]
    assert len(published) == 1
    assert published[0] in winners
    # Every winner was published at some point (and later ones archived it).
    for row_id in winners:
        status, published_at, _ = after[row_id]
        assert status in ("PUBLISHED", "ARCHIVED") and published_at is not None
    # Every failed attempt left its row exactly as it was.
    for row_id in losers:
        assert after[row_id] == before[row_id]
    assert after[first.id][0] == "ARCHIVED"
    archived = sum(1 for status, *_ in after.values() if status == "ARCHIVED")
    assert archived == len(winners)  # v1 plus every winner but the last


def test_the_index_alone_stops_concurrent_raw_publishes(
    service: StrategyService, db: Database
) -> None:
    """Bypassing the service (no archiving first): the database still lets
    exactly one transaction publish a row of the family."""
    first = service.create(REALM, programs.create())
    with db.transaction() as session:
        extra = [
            StrategyDefinition(
                realmId=REALM,
                name=first.name,
                type="DSL_FULL",
                astJson=programs.full(version),
                version=version,
                status="DRAFT",
            )
            for version in range(2, THREADS + 1)
        ]
        session.add_all(extra)
        session.flush()
        ids = [first.id, *(row.id for row in extra)]

    def force_publish(row_id: Any) -> None:
        with db.transaction() as session:
            session.execute(
                update(StrategyDefinition)
                .where(StrategyDefinition.id == row_id)
                .values(status="PUBLISHED")
            )

    outcomes = _race([partial(force_publish, r) for r in ids])
    assert sum(1 for e in outcomes if e is None) == 1
    assert all(isinstance(e, Conflict) for e in outcomes if e is not None)
    statuses = [status for status, *_ in _rows(db).values()]
    assert statuses.count("PUBLISHED") == 1
