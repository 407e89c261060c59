"""Text front end benchmark: compiling GAME's ``default`` template from text,
next to compiling the same strategy from its JSON AST.

    python -m benchmarks.bench_text_compile [--runs N] [--number N]

The JSON is ``../shared/templates/default_v0_0_2.json`` (else
``examples/default.json``); the text is ``examples/default.strat`` (the same
strategy, comments included). Each side is timed ``--runs`` times, ``--number``
compilations per run; the medians are printed side by side with their ratio,
then the front ends alone (parse versus load) to show where the difference
lies. Both sides run in one process, moments apart, so the ratio is what to
read.
"""

from __future__ import annotations

import argparse
import json
import statistics
import timeit
from collections.abc import Callable
from pathlib import Path

import dslc
from dslc.json_loader import load_json
from dslc.text import compile_text, parse_text

ROOT = Path(__file__).resolve().parents[1]
JSON_CANDIDATES = (
    ROOT.parent / "shared" / "templates" / "default_v0_0_2.json",
    ROOT / "examples" / "default.json",
)
TEXT_FILE = ROOT / "examples" / "default.strat"


def median_ms(fn: Callable[[], object], runs: int, number: int) -> float:
    fn()  # warm up: the grammar and the parser tables are built once
    times = timeit.repeat(fn, repeat=runs, number=number)
    return statistics.median(times) / number * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25, help="timed runs per side")
    parser.add_argument("--number", type=int, default=20, help="compilations per run")
    args = parser.parse_args()

    json_path = next(p for p in JSON_CANDIDATES if p.is_file())
    ast = json.loads(json_path.read_text(encoding="utf-8"))
    source = TEXT_FILE.read_text(encoding="utf-8")

    rows = [
        (
            "compile (to image bytes)",
            median_ms(lambda: compile_text(source, "default.strat"), args.runs, args.number),
            median_ms(lambda: dslc.compile_json(ast), args.runs, args.number),
        ),
        (
            "front end only (to the AST)",
            median_ms(lambda: parse_text(source, "default.strat"), args.runs, args.number),
            median_ms(lambda: load_json(ast), args.runs, args.number),
        ),
    ]
    print(f"default template: {TEXT_FILE.name} ({len(source)} chars) vs {json_path.name}")
    print(f"median of {args.runs} runs x {args.number} compilations, ms per compilation")
    print(f"{'':30} {'text':>10} {'json':>10} {'text/json':>10}")
    for label, text_ms, json_ms in rows:
        print(f"{label:30} {text_ms:10.3f} {json_ms:10.3f} {text_ms / json_ms:9.2f}x")


if __name__ == "__main__":
    main()
