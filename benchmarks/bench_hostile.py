"""Refusing hostile input, next to compiling a normal strategy (issue 8
section 4: limits before work).

    python -m benchmarks.bench_hostile [--runs N]

Four refusals, each through the path ``dslc check`` takes (read the file,
then the front end), timed next to checking ``examples/default.strat`` and
``examples/default.json`` in the same run:

- a 1 MB text of ``and`` terms (about 111,000 nodes): refused by the scan
  before parsing (``DSLC_NODE_LIMIT``);
- a 1 MB text of ``not not ... x``: refused by the same scan
  (``DSLC_DEPTH_LIMIT``);
- a 14 MB JSON of 100,000 rules: refused by the byte limit before parsing
  (``DSLC_SOURCE_TOO_LARGE``, default 8 MiB);
- the same JSON with the byte limit raised: parsed (Python's JSON parser
  is most of this time), then the loader stops a few thousand nodes in
  (``DSLC_NODE_LIMIT``).

Medians of ``--runs`` runs are printed with the ratio to a normal check.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dslc.diagnostics import CompileError
from dslc.limits import ENV_MAX_SOURCE_BYTES
from dslc.sources import compile_source, parse_strategy, read_source

ROOT = Path(__file__).resolve().parents[1]
RULE = {
    "type": "rule",
    "when": {
        "type": "compare",
        "op": ">",
        "left": {"type": "field", "path": "user.avg_time"},
        "right": {"type": "literal", "value": 1},
    },
    "then": [{"type": "return"}],
}


def check(path: Path, limit: int | None = None) -> str:
    """What ``dslc check`` does with one file; the first code, or 'ok'."""
    try:
        src = read_source(path, limit=limit)
        assert src.text is not None
        compile_source(parse_strategy(str(path), src.text))
    except CompileError as exc:
        return exc.errors[0].code if exc.errors else "warnings"
    return "ok"


def raised(fn: Callable[[], str]) -> str:
    """``fn`` with ``DSLC_MAX_SOURCE_BYTES`` at 1 GiB."""
    old = os.environ.get(ENV_MAX_SOURCE_BYTES)
    os.environ[ENV_MAX_SOURCE_BYTES] = str(1 << 30)
    try:
        return fn()
    finally:
        if old is None:
            del os.environ[ENV_MAX_SOURCE_BYTES]
        else:
            os.environ[ENV_MAX_SOURCE_BYTES] = old


def median_s(fn: Callable[[], str], runs: int) -> tuple[float, str]:
    times, result = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        ands = base / "ands.strat"
        ands.write_text(
            "strategy x\nrule r when " + " and ".join(["data.a"] * 111_000) + " then stop\n",
            encoding="utf-8",
        )
        nots = base / "nots.strat"
        nots.write_text("strategy x\nrule r when " + "not " * 250_000 + "data.a then stop\n")
        big = base / "big.json"
        big.write_text(
            json.dumps({"type": "program", "rules": [RULE] * 100_000}, separators=(",", ":"))
        )
        check(ROOT / "examples" / "default.strat")  # warm up: the grammar loads once
        cases: list[tuple[str, Callable[[], str]]] = [
            ("check examples/default.strat", lambda: check(ROOT / "examples" / "default.strat")),
            ("check examples/default.json", lambda: check(ROOT / "examples" / "default.json")),
            (f"1 MB text, 111,000 'and' ({ands.stat().st_size} B)", lambda: check(ands)),
            (f"1 MB text, 250,000 'not' ({nots.stat().st_size} B)", lambda: check(nots)),
            (f"14 MB JSON, 100,000 rules ({big.stat().st_size} B)", lambda: check(big)),
            ("  the same, byte limit raised", lambda: raised(lambda: check(big, limit=1 << 30))),
        ]
        results = [(name, *median_s(fn, args.runs)) for name, fn in cases]
    normal = results[0][1]
    print(f"{'input':<48} {'median':>10} {'x normal':>9}  result")
    for name, seconds, code in results:
        print(f"{name:<48} {seconds * 1000:>8.1f}ms {seconds / normal:>9.1f}  {code}")


if __name__ == "__main__":
    main()
