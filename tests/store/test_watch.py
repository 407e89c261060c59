"""Watching loaders in one process: the in-process program cache and its
invalidation (``store.notify``, ``store.watch``; issue 7, section 4). The
two-process tests are in ``test_watch_processes``."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from store import notify
from store.db import Database
from store.loader import StrategyLoader
from store.notify import Change
from store.schemas import StrategyRead
from store.service import StrategyService
from store.watch import Listener
from tests.store import programs
from tests.store.conftest import StatementLog

REALM = "watch"
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
POSTGRES_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)]
)
WAIT = 30.0  # bound of every wait on another thread (the suite shares 2 cores)


def _published(service: StrategyService, name: str = "Bonus", points: int = 1) -> StrategyRead:
    return service.publish(REALM, service.create(REALM, programs.create(name, points=points)).id)


def _queries(log: StatementLog) -> list[str]:
    """The statements that ask something (SQLite's reads also send BEGIN)."""
    return [
        s for s in log.statements if s.split()[0].upper() not in {"BEGIN", "COMMIT", "ROLLBACK"}
    ]


def _eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    pytest.fail(f"never happened: {what}")


def _watching(db: Database, ttl: float = 3600) -> StrategyLoader:
    """A watching loader, listening (on Postgres). Created after the test's
    own writes: a notification of a change made before it loaded would
    otherwise drop its fresh entry once more (harmless, but one query)."""
    loader = StrategyLoader(db, watch=True, ttl=ttl)
    if loader.listener is not None:
        assert loader.listener.wait_connected(WAIT)
    return loader


def test_a_warm_watching_loader_serves_from_memory_without_a_query(
    service: StrategyService, db: Database, sql_log: StatementLog
) -> None:
    row = _published(service, points=4)
    with _watching(db) as watching:
        first = watching.load(row.strategy_ref)
        with sql_log:
            for _ in range(100):
                loaded = watching.load(row.strategy_ref)
                assert loaded.score().points == 4
    assert sql_log.statements == []
    assert loaded.program is first.program and loaded.compiled is False


def test_a_loader_that_does_not_watch_asks_every_time(
    service: StrategyService, db: Database, sql_log: StatementLog
) -> None:
    row = _published(service)
    loader = StrategyLoader(db)
    loader.load(row.strategy_ref)
    with sql_log:
        loader.load(row.strategy_ref)
    assert len(_queries(sql_log)) == 1


@pytest.mark.parametrize("op", ["publish", "rollback", "archive", "update"])
def test_every_change_to_what_a_family_serves_reaches_a_watching_loader(
    op: str, service: StrategyService, db: Database, backend: str
) -> None:
    v1 = _published(service, points=1)
    other = _published(service, "Other", points=7)
    v2 = service.publish(REALM, service.update(REALM, v1.id, {"astJson": programs.full(2)}).id)
    loader = _watching(db, ttl=0.05)
    try:
        assert loader.load(v1.strategy_ref).score().points == 2
        assert loader.load(other.strategy_ref).score().points == 7
        if op == "publish":
            draft = service.update(REALM, v2.id, {"astJson": programs.full(3)})
            service.publish(REALM, draft.id)

            def expected() -> bool:
                return loader.load(v1.strategy_ref).score().points == 3
        elif op == "rollback":
            service.rollback(REALM, v1.name, 1)

            def expected() -> bool:
                return loader.load(v1.strategy_ref).score().points == 1
        elif op == "archive":
            service.archive(REALM, v2.id)

            def expected() -> bool:
                return _not_served(loader, v1.strategy_ref)
        else:  # an update of the published version forks a draft: served stays v2
            service.update(REALM, v2.id, {"astJson": programs.full(5)})

            def expected() -> bool:
                loader.load(other.strategy_ref)  # on SQLite, revalidates
                return (v1.strategy_ref, None) not in loader._served  # dropped

        if backend == "sqlite":
            time.sleep(0.06)  # past the ttl
        _eventually(expected, f"the loader saw the {op}")
        if op == "update":
            assert loader.load(v1.strategy_ref).score().points == 2
        # Another family's entry is kept (Postgres names the family) or
        # reloaded to the same program (SQLite drops everything).
        assert loader.load(other.strategy_ref).score().points == 7
    finally:
        loader.close()


def _not_served(loader: StrategyLoader, ref: str) -> bool:
    try:
        loader.load(ref)
    except Exception as exc:
        return "no published version" in str(exc)
    return False


@SQLITE_ONLY
def test_sqlite_revalidates_at_most_once_per_ttl(
    service: StrategyService, db: Database, backend: str, sql_log: StatementLog
) -> None:
    v1 = _published(service, points=1)
    loader = StrategyLoader(db, watch=True, ttl=0.5)
    assert loader.load(v1.strategy_ref).score().points == 1
    service.publish(REALM, service.update(REALM, v1.id, {"astJson": programs.full(2)}).id)
    with sql_log:
        # Within the ttl the entry is served as it is, with no query ...
        assert loader.load(v1.strategy_ref).score().points == 1
        assert sql_log.statements == []
        time.sleep(0.55)
        # ... then one read of the counter, which moved: the family is reloaded.
        assert loader.load(v1.strategy_ref).score().points == 2
    assert sum("user_version" in s for s in sql_log.statements) == 1
    time.sleep(0.55)
    sql_log.statements.clear()
    with sql_log:
        loader.load(v1.strategy_ref)  # the counter did not move: nothing reloaded
    assert len(_queries(sql_log)) == 1 and "user_version" in _queries(sql_log)[0]


@SQLITE_ONLY
def test_sqlite_operations_bump_the_generation_only_when_they_change_something(
    service: StrategyService, db: Database, backend: str
) -> None:

    def generation() -> int:
        with db.read_connection() as conn:
            return notify.generation(conn)

    start = generation()
    draft = service.create(REALM, programs.create(points=1))
    assert generation() == start  # a new family serves nothing yet
    v1 = service.publish(REALM, draft.id)
    assert generation() == start + 1
    service.publish(REALM, v1.id)  # republishing is a no-op
    assert generation() == start + 1
    v2 = service.update(REALM, v1.id, {"astJson": programs.full(2)})
    service.publish(REALM, v2.id)
    service.rollback(REALM, v1.name, 1)
    service.archive(REALM, v1.id)
    assert generation() == start + 5
    with pytest.raises(RuntimeError), db.transaction() as session:
        notify.announce(session, Change(op="publish"))
        raise RuntimeError("rolled back")
    assert generation() == start + 5


@POSTGRES_ONLY
def test_postgres_notifies_each_operation_on_commit_only(
    service: StrategyService, db: Database, backend: str
) -> None:
    heard: queue.Queue[Change] = queue.Queue()
    listener = Listener(db.url, heard.put).start()
    try:
        assert listener.wait_connected(WAIT)
        with pytest.raises(RuntimeError), db.transaction() as session:
            notify.announce(session, Change(op="publish", realm=REALM, name="Ghost"))
            raise RuntimeError("rolled back: nobody hears of it")
        draft = service.create(REALM, programs.create(points=1))
        v1 = service.publish(REALM, draft.id)
        service.publish(REALM, v1.id)  # no-op: no notification
        v2 = service.update(REALM, v1.id, {"astJson": programs.full(2)})
        service.publish(REALM, v2.id)
        service.rollback(REALM, v1.name, 1)
        service.archive(REALM, v1.id)
        got = [heard.get(timeout=WAIT) for _ in range(5)]
        assert [(c.op, c.realm, c.name, c.version) for c in got] == [
            ("publish", REALM, "Bonus", 1),
            ("update", REALM, "Bonus", 2),
            ("publish", REALM, "Bonus", 2),
            ("rollback", REALM, "Bonus", 1),
            ("archive", REALM, "Bonus", 1),
        ]
        assert got[0].id == str(v1.id)
        time.sleep(0.2)
        assert heard.empty()
    finally:
        listener.stop()


@POSTGRES_ONLY
def test_a_loader_keeps_nothing_new_while_it_is_not_listening(
    service: StrategyService, db: Database, backend: str, sql_log: StatementLog
) -> None:
    row = _published(service, points=4)
    loader = StrategyLoader(db, watch=True)
    assert loader.listener is not None and loader.listener.wait_connected(WAIT)
    loader.close()
    _eventually(lambda: not loader.listener.connected, "the listener stopped")  # type: ignore[union-attr]
    with sql_log:
        for _ in range(3):
            assert loader.load(row.strategy_ref).score().points == 4
    assert len(_queries(sql_log)) == 3


@POSTGRES_ONLY
def test_a_reconnected_loader_revalidates_what_it_held(
    service: StrategyService, db: Database, backend: str
) -> None:
    """A publish made while the listener was away is not heard; reconnecting
    drops every entry, so it is seen anyway."""
    v1 = _published(service, points=1)
    loader = StrategyLoader(db, watch=True)
    listener = loader.listener
    assert listener is not None and listener.wait_connected(WAIT)
    try:
        assert loader.load(v1.strategy_ref).score().points == 1
        # Lose the notification: mute the listener, publish, kill its connection.
        listener.on_change = lambda change: None
        service.publish(REALM, service.update(REALM, v1.id, {"astJson": programs.full(2)}).id)
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.backend_pid})
        _eventually(lambda: listener.connects >= 2 and listener.connected, "a reconnection")
        assert loader.load(v1.strategy_ref).score().points == 2
    finally:
        loader.close()


@given(st.text(max_size=200))
def test_any_payload_parses_to_a_change(payload: str) -> None:
    change = Change.parse(payload)
    assert isinstance(change.op, str)
    assert change.family is None or all(isinstance(part, str) for part in change.family)


@given(st.text(min_size=1, max_size=50), st.text(min_size=1, max_size=50), st.integers(1, 10**6))
def test_payloads_round_trip(realm: str, name: str, version: int) -> None:
    change = Change(op="publish", realm=realm, name=name, id="x", version=version)
    assert Change.parse(change.payload()) == change


def test_a_payload_too_long_for_postgres_names_no_family() -> None:
    change = Change(op="publish", realm="r", name="n" * 10_000, version=1)
    assert len(change.payload()) < 8000
    assert Change.parse(change.payload()).family is None
