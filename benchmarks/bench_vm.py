"""VM benchmark: the engine's execution path next to the same logic written
by hand in Python, every pair measured side by side in one run.

    python -m benchmarks.bench_vm [--shared PATH] [--repeat N] [--quick]

Rows (issue 11's targets in brackets):

- ``vm.run`` of GAME's ``default`` template on its first, last and longest
  paths, against a hand-written function of the same rules [<= 2x];
- ``vm.score`` (DSL_FULL) on the same paths [<= 2.5x];
- the stack VM alone (``vm.runner.run_reference``), for scale;
- generated 10 / 100 / 1000-rule programs, last rule fires [<= 2.5x];
- ``vm.load`` (decode + verify; binding waits for the VM) and the first
  run's translation, against ``json.loads`` of the AST [<= 4x];
- ``vm.load`` with a warm authenticated code cache [< 1x];
- ``dslc.compile_json`` against ``json.loads`` [<= 10x].

Times are medians of several repeats of many loops; read the ratios (both
sides run moments apart on the same machine).
"""

from __future__ import annotations

import argparse
import json
import statistics
import timeit
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dslc
import vm
from vm.runner import run_reference

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EXAMPLE_DEFAULT = Path(__file__).resolve().parents[1] / "examples" / "default.json"

# Three paths through ``default``: the first rule decides; the last rule
# decides (every ``and`` stops at its first argument); and the longest one,
# where every condition is evaluated and the final ``default`` case wins.
PATHS: dict[str, tuple[dict[str, object], tuple[object, str]]] = {
    "first": (
        {
            "task.measurements_count": 1,
            "user.measurements_count": 7,
            "user.avg_time": 30.0,
            "all.avg_time": 20.0,
            "user.new_last_window_diff": 3.0,
            "user.last_window_diff": 5.0,
        },
        (1, "BasicEngagement"),
    ),
    "last": (
        {
            "task.measurements_count": 10,
            "user.measurements_count": 7,
            "user.avg_time": 30.0,
            "all.avg_time": 20.0,
            "user.new_last_window_diff": 3.0,
            "user.last_window_diff": 5.0,
        },
        (8, "IndividualAdjustment"),
    ),
    "longest": (
        {
            "task.measurements_count": 10,
            "user.measurements_count": 7,
            "user.avg_time": 30.0,
            "all.avg_time": 20.0,
            "user.new_last_window_diff": 35.0,
            "user.last_window_diff": 5.0,
        },
        (1, "default"),
    ),
}


def hand_written_default(fields: Mapping[str, object]) -> tuple[object, str]:
    """The default template's rules, as a Python programmer would write them
    (same lazy reads through the same mapping)."""
    get = fields.get
    if get("task.measurements_count") < 2:  # type: ignore[operator]
        return 1, "BasicEngagement"
    if get("user.measurements_count") <= 2:  # type: ignore[operator]
        return 1, "default"
    user_avg = get("user.avg_time")
    all_avg = get("all.avg_time")
    if user_avg < all_avg:  # type: ignore[operator]
        return 11, "PerformanceBonus"
    diff = get("user.new_last_window_diff") - get("user.last_window_diff")  # type: ignore[operator]
    if diff > 0 and diff < all_avg:
        return 3, "IndividualOverGlobal"
    if diff > 0 and diff < user_avg:
        return 15, "PeakPerformerBonus"
    if diff > 0 and diff > user_avg:
        return 7, "GlobalAdvantageAdjustment"
    if diff < 0:
        return 8, "IndividualAdjustment"
    return 1, "default"


def rules_program(n: int) -> dict[str, Any]:
    """``n`` rules ``user.measurements_count == i -> i points``."""
    return {
        "type": "program",
        "rules": [
            {
                "type": "rule",
                "when": {
                    "type": "compare",
                    "op": "==",
                    "left": {"type": "field", "path": "user.measurements_count"},
                    "right": {"type": "literal", "value": i},
                },
                "then": [
                    {
                        "type": "assign_points",
                        "value": {"type": "literal", "value": i},
                        "case_name": f"rule{i}",
                    }
                ],
            }
            for i in range(n)
        ],
    }


def hand_written_rules(n: int) -> Callable[[Mapping[str, object]], tuple[object, str]]:
    """The same ``n`` rules as a chain of ``if``s a programmer would write
    (benchmark scaffolding: generated once, here, from integers only)."""
    lines = ["def rules(fields):", "    v = fields.get('user.measurements_count')"]
    for i in range(n):
        lines += [f"    if v == {i}:", f"        return {i}, 'rule{i}'"]
    lines.append("    return 0, None")
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), namespace)
    return namespace["rules"]  # type: ignore[no-any-return]


def measure(fn: Callable[[], object], number: int, repeat: int) -> float:
    """Median seconds per call."""
    return statistics.median(t / number for t in timeit.repeat(fn, number=number, repeat=repeat))


def row(label: str, ours: float, theirs: float, target: str) -> None:
    times = f"{ours * 1e6:9.2f} us  {theirs * 1e6:9.2f} us"
    print(f"  {label:<44} {times}  {ours / theirs:7.2f}x  {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=20000)
    parser.add_argument("--quick", action="store_true", help="fewer loops (a smoke run)")
    args = parser.parse_args(argv)
    n, r = (args.number // 10, 3) if args.quick else (args.number, args.repeat)

    template = args.shared / "templates" / "default_v0_0_2.json"
    if not template.exists():
        template = EXAMPLE_DEFAULT
        print(f"(../shared not found: using {template.name}, the template's logic as text)")
    ast_text = template.read_text(encoding="utf-8")
    document = json.loads(ast_text)
    ast = document.get("astJson", document)
    image = dslc.compile_json(ast)
    program = vm.load(image)

    print(f"{'':<46} {'ours':>12} {'next to':>12} {'ratio':>8}  target")
    print("default template: vm.run vs hand-written Python")
    for name, (fields, expected) in PATHS.items():
        got = vm.run(program, fields=fields)
        assert (got.points, got.case_name) == expected == hand_written_default(fields), name
        row(
            f"vm.run, {name} path",
            measure(lambda f=fields: vm.run(program, fields=f), n, r),
            measure(lambda f=fields: hand_written_default(f), n, r),
            "<= 2x",
        )
    for name, (fields, _expected) in PATHS.items():
        row(
            f"vm.score (DSL_FULL), {name} path",
            measure(lambda f=fields: vm.score(program, fields=f), n, r),
            measure(lambda f=fields: hand_written_default(f), n, r),
            "<= 2.5x",
        )
    for name, (fields, _expected) in PATHS.items():
        row(
            f"stack VM alone (reference), {name} path",
            measure(lambda f=fields: run_reference(program, fields=f), n, r),
            measure(lambda f=fields: hand_written_default(f), n, r),
            "(scale)",
        )

    print("generated programs, last rule fires: vm.run vs hand-written")
    for size in (10, 100, 1000):
        generated = vm.load(dslc.compile_json(rules_program(size), max_nodes=10 * size + 10))
        by_hand = hand_written_rules(size)
        fields = {"user.measurements_count": size - 1}
        got = vm.run(generated, fields=fields)
        assert (got.points, got.case_name) == by_hand(fields), size
        loops = max(50, n // size)
        row(
            f"{size} rules",
            measure(lambda p=generated, f=fields: vm.run(p, fields=f), loops, r),
            measure(lambda h=by_hand, f=fields: h(f), loops, r),
            "<= 2.5x",
        )

    print(f"loading ({len(image)} bytes of image, {len(ast_text)} bytes of JSON AST)")
    t_json = measure(lambda: json.loads(ast_text), n // 10, r)

    def load_and_translate() -> None:
        vm.run(vm.load(image, code_cache=None), fields=PATHS["first"][0])

    row(
        "vm.load (no code cache)",
        measure(lambda: vm.load(image, code_cache=None), n // 10, r),
        t_json,
        "<= 4x (vs json.loads)",
    )
    cache = vm.CodeCache(b"bench_vm: a key only the engine holds")
    vm.load(image, code_cache=cache)  # translated and signed once
    row(
        "vm.load, warm authenticated code cache",
        measure(lambda: vm.load(image, code_cache=cache), n // 10, r),
        t_json,
        "< 1x",
    )
    row(
        "vm.load + translate on first run",
        measure(load_and_translate, max(10, n // 100), r),
        t_json,
        "(first event)",
    )
    row(
        "dslc.compile_json",
        measure(lambda: dslc.compile_json(json.loads(ast_text)), max(10, n // 100), r),
        t_json,
        "<= 10x",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
