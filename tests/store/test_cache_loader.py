"""The bytecode cache and the engine-side loader."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select, update

from store import cache, toolchain
from store.db import Database
from store.errors import InvalidPayload, NotFound
from store.loader import StrategyLoader
from store.models import StrategyBytecode, StrategyDefinition
from store.schemas import StrategyRead
from store.service import StrategyService
from tests.store import programs

REALM = "cache"


def _published(service: StrategyService, points: int = 1) -> StrategyRead:
    return service.publish(REALM, service.create(REALM, programs.create(points=points)).id)


def _drop_cache(db: Database) -> None:
    with db.transaction() as session:
        session.execute(delete(StrategyBytecode))


def _cache_rows(db: Database) -> int:
    with db.reading() as session:
        return cache.count(session)


def test_second_load_of_a_published_strategy_does_not_compile(
    service: StrategyService, loader: StrategyLoader, db: Database, stats: toolchain.CompileStats
) -> None:
    row = _published(service, points=4)
    _drop_cache(db)  # publishing filled it; start from a cold cache
    stats.reset()

    first = loader.load(row.strategy_ref)
    assert (first.compiled, stats.compilations) == (True, 1)
    assert _cache_rows(db) == 1

    second = loader.load(row.strategy_ref)
    assert (second.compiled, stats.compilations) == (False, 1)
    assert stats.loads == 2  # read from the cache and verified, not compiled
    assert second.score(fields={}, data={}).points == 4


def test_publish_prefills_the_cache(
    service: StrategyService, loader: StrategyLoader, stats: toolchain.CompileStats
) -> None:
    row = _published(service)
    stats.reset()
    assert loader.load(row.strategy_ref).compiled is False
    assert stats.compilations == 0


def test_editing_a_draft_invalidates_its_cache_entry(
    service: StrategyService, loader: StrategyLoader, db: Database, stats: toolchain.CompileStats
) -> None:
    draft = service.create(REALM, programs.create(points=1))
    before = loader.simulate(REALM, draft.id)
    with db.reading() as session:
        old_key = cache.key_for(session.get(StrategyDefinition, draft.id))  # type: ignore[arg-type]

    service.update(REALM, draft.id, {"astJson": programs.full(9)})
    with db.reading() as session:
        new_key = cache.key_for(session.get(StrategyDefinition, draft.id))  # type: ignore[arg-type]
        assert cache.get(session, old_key) is None  # dropped with the edit
        assert cache.get(session, new_key) is not None  # the update compiled it
    assert new_key.source_hash != old_key.source_hash
    after = loader.simulate(REALM, draft.id)
    assert before.score().points == 1 and after.score().points == 9


def test_a_source_changed_behind_the_service_misses_the_cache(
    service: StrategyService, loader: StrategyLoader, db: Database, stats: toolchain.CompileStats
) -> None:
    """The key hashes the row's current source, so even a row edited by
    another tool (say, GAME itself on a shared database) is never served
    stale code."""
    row = _published(service, points=1)
    with db.transaction() as session:
        session.execute(
            update(StrategyDefinition)
            .where(StrategyDefinition.id == row.id)
            .values(astJson=programs.full(6))
        )
    stats.reset()
    loaded = loader.load(row.strategy_ref)
    assert (loaded.compiled, stats.compilations) == (True, 1)
    assert loaded.score().points == 6


def test_a_new_format_version_invalidates(
    service: StrategyService,
    loader: StrategyLoader,
    db: Database,
    stats: toolchain.CompileStats,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = _published(service)
    stats.reset()
    assert loader.load(row.strategy_ref).compiled is False

    current = toolchain.format_version()
    monkeypatch.setattr(toolchain, "format_version", lambda: current + 1)
    assert loader.load(row.strategy_ref).compiled is True
    assert loader.load(row.strategy_ref).compiled is False
    assert stats.compilations == 1
    with db.reading() as session:
        formats = set(session.scalars(select(StrategyBytecode.formatVersion)))
    # The old format's entry stays for engines still running the old VM.
    assert formats == {current, current + 1}


def test_a_new_compiler_invalidates(
    service: StrategyService,
    loader: StrategyLoader,
    stats: toolchain.CompileStats,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = _published(service)
    stats.reset()
    monkeypatch.setattr(toolchain, "compiler_fingerprint", lambda: "a-newer-compiler")
    assert loader.load(row.strategy_ref).compiled is True
    assert stats.compilations == 1


def test_a_rejected_cached_image_is_rebuilt(
    service: StrategyService, loader: StrategyLoader, db: Database, stats: toolchain.CompileStats
) -> None:
    row = _published(service, points=3)
    with db.transaction() as session:
        session.execute(update(StrategyBytecode).values(image=b"\x00garbage"))
    stats.reset()
    loaded = loader.load(row.strategy_ref)
    assert loaded.compiled is True and loaded.score().points == 3
    assert loader.load(row.strategy_ref).compiled is False  # repaired


def test_only_published_definitions_are_served(
    service: StrategyService, loader: StrategyLoader
) -> None:
    draft = service.create(REALM, programs.create(points=2))
    with pytest.raises(NotFound, match="no published version"):
        loader.load(draft.strategy_ref)
    # ... but a draft can be simulated.
    assert loader.simulate(REALM, draft.id).score().points == 2

    v1 = service.publish(REALM, draft.id)
    v2 = service.publish(REALM, service.update(REALM, v1.id, {"astJson": programs.full(5)}).id)
    # A game configured with v1's id runs the family's published version.
    served = loader.load(v1.strategy_ref)
    assert served.definition is not None and served.definition.id == v2.id
    assert served.score().points == 5
    # A draft id of a family with a published version serves the published one.
    v3 = service.update(REALM, v2.id, {"astJson": programs.full(7)})
    assert loader.load(v3.strategy_ref).definition.version == 2  # type: ignore[union-attr]
    assert loader.simulate(REALM, v3.id).score().points == 7

    service.archive(REALM, v2.id)
    with pytest.raises(NotFound):
        loader.load(v1.strategy_ref)


def test_rollback_changes_what_the_engine_runs(
    service: StrategyService, loader: StrategyLoader
) -> None:
    v1 = _published(service, points=1)
    service.publish(REALM, service.update(REALM, v1.id, {"astJson": programs.full(2)}).id)
    assert loader.load(v1.strategy_ref).score().points == 2
    service.rollback(REALM, v1.name, 1)
    assert loader.load(v1.strategy_ref).score().points == 1


def test_dsl_extend_runs_with_its_parent(service: StrategyService, loader: StrategyLoader) -> None:
    row = service.create(
        REALM,
        {
            "name": "Doubles default",
            "type": "DSL_EXTEND",
            "parentStrategyId": "default",
            "astJson": programs.extend(2, overrides={"variable_basic_points": 5}),
        },
    )
    service.publish(REALM, row.id)
    loaded = loader.load(row.strategy_ref)
    assert loaded.parent is not None and loaded.parent.id == "default"
    result = loaded.score(fields={"task.measurements_count": 0}, data={})
    assert (result.points, result.case_name) == (10, "BasicEngagement")


def test_builtin_ids_resolve_to_builtins(loader: StrategyLoader) -> None:
    loaded = loader.load("default")
    assert (loaded.kind, loaded.program) == ("builtin", None)
    result = loaded.score(fields={"task.measurements_count": 1})
    assert isinstance(result, toolchain.Score)
    assert (result.points, result.case_name) == (1, "BasicEngagement")
    # A failing built-in raises the VM's own runtime error, typed, like a program.
    with pytest.raises(toolchain.ExecutionError) as failed:
        loaded.score(fields={"task.measurements_count": "many"})
    assert failed.value.code == "DSL_COMPARE_TYPE_MISMATCH"
    assert failed.value.node_id == "builtin:default.basic_engagement"
    with pytest.raises(NotFound, match="built-in"):
        loader.load("no_such_strategy")
    with pytest.raises(InvalidPayload):
        loader.load("custom:not-a-uuid")
    with pytest.raises(NotFound):
        loader.load("custom:00000000-0000-4000-8000-000000000000")


def test_memo_skips_even_decoding(service: StrategyService, db: Database) -> None:
    row = _published(service)
    memo = StrategyLoader(db)
    first = memo.load(row.strategy_ref)
    loads = toolchain.STATS.loads
    assert memo.load(row.strategy_ref).program is first.program
    assert toolchain.STATS.loads == loads


def test_concurrent_fills_of_one_entry_are_fine(
    service: StrategyService, db: Database, stats: toolchain.CompileStats
) -> None:
    row = _published(service, points=8)
    _drop_cache(db)
    loaders = [StrategyLoader(db, memo_size=0) for _ in range(6)]
    barrier = threading.Barrier(len(loaders))

    def load(each: StrategyLoader) -> object:
        barrier.wait()
        return each.load(row.strategy_ref).score().points

    with ThreadPoolExecutor(len(loaders)) as pool:
        assert list(pool.map(load, loaders)) == [8] * len(loaders)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(StrategyBytecode)) == 1


def test_put_twice_is_a_no_op(service: StrategyService, db: Database) -> None:
    row = _published(service)
    with db.transaction() as session:
        stored = session.get(StrategyDefinition, row.id)
        assert stored is not None
        key = cache.key_for(stored)
        first = toolchain.compile_program(programs.full(1), None, "first.json")
        second = toolchain.compile_program(programs.full(2), None, "second.json")
        cache.put(session, key, first)
        cache.put(session, key, second)
    with db.reading() as session:
        assert cache.count(session) == 1
        assert cache.get(session, key) == cache.sealed(key, first)


def test_build_cache_targets(service: StrategyService, loader: StrategyLoader) -> None:
    published = _published(service)
    draft = service.create(REALM, programs.create("Draft only"))
    other = service.publish("elsewhere", service.create("elsewhere", programs.create()).id)
    assert set(loader.cache_targets()) == {published.id, other.id}
    assert loader.cache_targets(realm_id=REALM) == [published.id]
    assert set(loader.cache_targets(include_drafts=True)) == {published.id, other.id, draft.id}
    assert loader.warm(published.id) is False
