"""Engine benchmark: events per second through ``engine.game.DslStrategy``
with an async analytics mock, next to ``vm.score_async`` alone.

    python -m benchmarks.bench_engine [--events N] [--repeat N]

The strategy is GAME's ``default`` template (``../shared/templates``, else
``examples/default.json``) stored as a PUBLISHED DSL_FULL definition; each
event builds a new ``DslStrategy`` (GAME does) and awaits
``calculate_points``, so the figure includes the constructor, the hash
memo, the program cache lookup, the lazy analytics fetches and the result
shaping. The other side scores the same loaded program with
``vm.score_async`` and the same analytics answers. Both run in one event
loop, side by side; medians of ``--repeat`` runs. Read the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dslc
import vm
from engine.fields import ANALYTICS
from engine.game import DslStrategy

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = (
    ROOT.parent / "shared" / "templates" / "default_v0_0_2.json",
    ROOT / "examples" / "default.json",
)
# The path to the last rule of ``default`` (every field is read).
VALUES = {
    "task.measurements_count": 5,
    "user.measurements_count": 5,
    "user.avg_time": 10,
    "all.avg_time": 5,
    "user.last_window_diff": 9,
    "user.new_last_window_diff": 3,
}
IDS = ("game-1", "task-1", "user-1")


def _program() -> dict[str, Any]:
    for path in CANDIDATES:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise SystemExit("no default program found (shared templates or examples/default.json)")


class Analytics:
    """An async analytics service answering constants (no I/O)."""

    def __init__(self) -> None:
        for path, call in ANALYTICS.items():
            setattr(self, call.method, self._answer(VALUES.get(path)))

    @staticmethod
    def _answer(value: object) -> Callable[..., Awaitable[object]]:
        async def answer(*_args: object) -> object:
            return value

        return answer


class AsyncFields:
    """The same answers as a plain async field source for ``vm.score_async``."""

    def __init__(self) -> None:
        self.values = {
            **VALUES,
            **dict(zip(("externalGameId", "externalTaskId", "externalUserId"), IDS, strict=True)),
        }

    async def get(self, path: str) -> object:
        return self.values.get(path)


async def _events_per_second(score_one: Callable[[], Awaitable[object]], events: int) -> float:
    start = time.perf_counter()
    for _ in range(events):
        await score_one()
    return events / (time.perf_counter() - start)


async def run(events: int, repeat: int) -> None:
    ast = _program()
    definition = SimpleNamespace(
        id="bench", name="default", description=None, version=1, status="PUBLISHED",
        type="DSL_FULL", realmId="bench", astJson=ast, parentStrategyId=None,
    )  # fmt: skip
    analytics = Analytics()
    program = vm.load(dslc.compile_json(ast))
    fields = AsyncFields()

    async def through_engine() -> object:
        return await DslStrategy(definition, None, analytics).calculate_points(*IDS, {})

    async def vm_alone() -> object:
        return (await vm.score_async(program, fields=fields, data={})).as_public()

    assert await through_engine() == await vm_alone()
    engine_rates, vm_rates = [], []
    for _ in range(repeat):
        engine_rates.append(await _events_per_second(through_engine, events))
        vm_rates.append(await _events_per_second(vm_alone, events))
    e, v = statistics.median(engine_rates), statistics.median(vm_rates)
    print("GAME's default template, path to the last rule (6 analytics fields, async mock)")
    print(f"  engine.game.DslStrategy per event: {e:10,.0f} events/s")
    print(f"  vm.score_async alone:              {v:10,.0f} events/s")
    print(f"  ratio (vm / engine):               {v / e:10.2f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    asyncio.run(run(args.events, args.repeat))


if __name__ == "__main__":
    main()
