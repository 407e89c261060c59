"""Store benchmark: loading a published program through the bytecode cache,
next to compiling it from its ``astJson``.

    python -m benchmarks.bench_store_load [--db URL] [--repeat N] [--number N]

The strategy is GAME's ``default`` template (``../shared/templates``, else
``examples/default.json``). "Through the cache" is what the engine does on
each load without its in-process memo: one read of the definition and of its
cache row, the source hash, and ``vm.load`` (decode, verify, bind). "Compile"
is ``dslc.compile_json`` plus the same ``vm.load``. Last, a watching loader
with its cache warm (``StrategyLoader(db, watch=True)``): ``load()`` plus
``score()`` per event, next to ``vm.score`` alone on the same program. Times are medians of
``--repeat`` runs of ``--number`` loads each; the ratio is what to read.
The database defaults to a temporary SQLite file; with ``--db`` the rows
live in a throwaway realm that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import timeit
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete

import dslc
import vm
from store import toolchain
from store.db import Database
from store.loader import StrategyLoader
from store.migrate import init
from store.models import StrategyDefinition
from store.service import StrategyService

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = (
    ROOT.parent / "shared" / "templates" / "default_v0_0_2.json",
    ROOT / "examples" / "default.json",
)


def _program() -> tuple[str, dict[str, Any]]:
    for path in CANDIDATES:
        if path.is_file():
            return path.name, json.loads(path.read_text(encoding="utf-8"))
    raise SystemExit("no default program found (shared templates or examples/default.json)")


def _median_us(func: Callable[[], object], repeat: int, number: int) -> float:
    runs = timeit.repeat(func, repeat=repeat, number=number)
    return statistics.median(runs) / number * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=200)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(args.db or f"sqlite:///{Path(tmp) / 'bench.db'}")
        realm = f"bench-{uuid.uuid4().hex[:8]}"
        try:
            run(db, realm, args.repeat, args.number)
        finally:
            with db.transaction() as session:
                session.execute(
                    delete(StrategyDefinition).where(StrategyDefinition.realmId == realm)
                )
            db.dispose()


def run(db: Database, realm: str, repeat: int, number: int) -> None:
    init(db)
    source, ast = _program()
    service = StrategyService(db)
    row = service.publish(realm, service.create(realm, {"name": "default", "astJson": ast}).id)
    loader = StrategyLoader(db, memo_size=0)
    memo = StrategyLoader(db)
    loader.load(row.strategy_ref)  # warm connections and imports
    memo.load(row.strategy_ref)

    before = toolchain.STATS.compilations
    cached = _median_us(lambda: loader.load(row.strategy_ref), repeat, number)
    memoised = _median_us(lambda: memo.load(row.strategy_ref), repeat, number)
    assert toolchain.STATS.compilations == before, "a cached load compiled"
    compiled = _median_us(lambda: vm.load(dslc.compile_json(ast)), repeat, number)
    image = dslc.compile_json(ast)
    verify = _median_us(lambda: vm.load(image), repeat, number)

    print(f"store load benchmark: {source} on {db.backend}, median of {repeat} x {number}")
    print(f"  {'through the cache (db read + vm.load)':<42}{cached:>10.1f} us")
    print(f"  {'compile from astJson (+ vm.load)':<42}{compiled:>10.1f} us")
    print(f"  {'ratio compile / cache':<42}{compiled / cached:>10.1f} x")
    print(f"  {'in-process memo hit (db read only)':<42}{memoised:>10.1f} us")
    print(f"  {'vm.load alone (decode + verify + bind)':<42}{verify:>10.1f} us")
    _watched(db, row.strategy_ref, repeat, number * 50)


def _watched(db: Database, ref: str, repeat: int, number: int) -> None:
    """A watching loader with its cache warm: ``load()`` + ``score()`` per
    event, next to ``vm.score`` alone on the same program and event."""
    with StrategyLoader(db, watch=True, ttl=3600) as watching:
        if watching.listener is not None:
            watching.listener.wait_connected(30)
        program = watching.load(ref).program
        assert program is not None
        fields = dict.fromkeys(program.fields, 3)
        data: dict[str, object] = {}
        expected = vm.score(program, fields=fields, data=data)
        assert watching.load(ref).score(fields=fields, data=data) == expected
        served = _median_us(
            lambda: watching.load(ref).score(fields=fields, data=data), repeat, number
        )
        alone = _median_us(lambda: vm.score(program, fields=fields, data=data), repeat, number)
    print(f"  {'watching loader, warm: load() + score()':<42}{served:>10.2f} us")
    print(f"  {'vm.score alone':<42}{alone:>10.2f} us")
    print(f"  {'ratio load+score / vm.score (target 1.3)':<42}{served / alone:>10.2f} x")


if __name__ == "__main__":
    main()
