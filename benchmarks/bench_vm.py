"""VM benchmark: the reference ``default`` template, side by side with the
same logic written by hand in Python, measured in one run.

    python -m benchmarks.bench_vm [--shared PATH] [--repeat N]

Prints per-evaluation times on the path that reaches the last rule, their
ratio, and image load time (decode + verify + bind) next to ``json.loads``
of the JSON AST. Times are the median of several repeats of many loops each,
so the ratio is what to read: both sides run on the same machine, moments
apart.
"""

from __future__ import annotations

import argparse
import json
import statistics
import timeit
from collections.abc import Callable, Mapping
from pathlib import Path

import dslc
import vm

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EXAMPLE_DEFAULT = Path(__file__).resolve().parents[1] / "examples" / "default.json"

# Reaches the last rule: no earlier rule fires, the window difference is
# negative, so every ``and`` stops at its first argument.
EVENT_FIELDS: dict[str, object] = {
    "task.measurements_count": 10,
    "user.measurements_count": 7,
    "user.avg_time": 30.0,
    "all.avg_time": 20.0,
    "user.new_last_window_diff": 3.0,
    "user.last_window_diff": 5.0,
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


def measure(fn: Callable[[], object], number: int, repeat: int) -> float:
    """Median seconds per call."""
    return statistics.median(t / number for t in timeit.repeat(fn, number=number, repeat=repeat))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args(argv)

    template = args.shared / "templates" / "default_v0_0_2.json"
    if not template.exists():
        # A fresh clone without ../shared: the same rules, from the example.
        template = EXAMPLE_DEFAULT
        print(f"(../shared not found: using {template.name}, the template's logic as text)")
    ast_text = template.read_text(encoding="utf-8")
    image = dslc.compile_json(json.loads(ast_text))
    program = vm.load(image)

    result = vm.run(program, fields=EVENT_FIELDS)
    expected = hand_written_default(EVENT_FIELDS)
    assert (result.points, result.case_name) == expected, (result, expected)
    assert expected == (8, "IndividualAdjustment")

    n, r = args.number, args.repeat
    t_vm = measure(lambda: vm.run(program, fields=EVENT_FIELDS), n, r)
    t_py = measure(lambda: hand_written_default(EVENT_FIELDS), n, r)
    t_load = measure(lambda: vm.load(image), n // 10, r)
    t_json = measure(lambda: json.loads(ast_text), n // 10, r)
    t_compile = measure(lambda: dslc.compile_json(json.loads(ast_text)), n // 100, r)

    us = 1e6
    print("default template, path to the last rule (IndividualAdjustment)")
    print(f"  vm.run                 {t_vm * us:8.2f} us/eval")
    print(f"  hand-written Python    {t_py * us:8.2f} us/eval")
    print(f"  ratio vm / python      {t_vm / t_py:8.2f} x   (target: within 10x)")
    print(f"image load ({len(image)} bytes: decode + verify + bind)")
    print(f"  vm.load                {t_load * us:8.2f} us")
    print(f"  json.loads of the AST  {t_json * us:8.2f} us   ({len(ast_text)} bytes)")
    print(f"  ratio load / json      {t_load / t_json:8.2f} x")
    print(f"compile from JSON        {t_compile * us:8.2f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
