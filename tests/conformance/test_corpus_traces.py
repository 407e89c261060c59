"""The reference evaluator (``dslc.simulate``) against the conformance corpus.

Every case of every valid record: the result (points with int and float
kept apart, case name, callback data, working data, vetoed) and the exact
trace on success; the recorded code on failure; and on the cases marked as
deviations, the stable code LANGUAGE.md section 7 asks for instead.

The corpus is checked in one pass per kind of case with every mismatch
collected, so a regression reports all the records it breaks at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import dslc
from dslc.ast import Program
from dslc.simulate import Simulation, load_program, simulate, simulate_json
from tests.support import same
from vm import ExecutionError

Record = dict[str, Any]
Case = dict[str, Any]

DEVIATION_CODES: dict[str, tuple[str, ...]] = {
    "non_numeric_arith": ("DSL_ARITH_TYPE_MISMATCH",),
    "unexpected_exception": ("DSL_ARITH_OUT_OF_RANGE", "DSL_ARITH_TYPE_MISMATCH"),
}
RESULT_KEYS = ("points", "case_name", "callback_data", "working_data", "vetoed")
MAX_REPORTED = 10


Loaded = list[tuple[Record, Program]]


@pytest.fixture(scope="module")
def loaded(corpus_records: list[Record]) -> Loaded:
    """Every valid record with its program, loaded once for all the tests."""
    return [(r, load_program(r["ast"])) for r in corpus_records if r["valid"]]


def cases(records: Loaded) -> Iterator[tuple[Record, Program, int, Case]]:
    for record, program in records:
        for i, case in enumerate(record["cases"]):
            yield record, program, i, case


def run(program: Program, case: Case, *, trace: bool = True) -> Simulation:
    return simulate(
        program, case["mode"], case["fields"], case["data"], case["parent"], trace=trace
    )


def first_trace_difference(got: list[Any], want: list[Any]) -> str:
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        if not same(g, w):
            return f"entry {i}: got {json.dumps(g)}, want {json.dumps(w)}"
    return f"length: got {len(got)} entries, want {len(want)}"


def check_all(problems: list[str], total: int) -> None:
    assert total > 0, "no case of this kind in the corpus"
    shown = "\n".join(problems[:MAX_REPORTED])
    assert not problems, f"{len(problems)} of {total} cases differ:\n{shown}"


def test_success_cases_match_results_and_traces(loaded: Loaded) -> None:
    problems: list[str] = []
    total = 0
    for record, program, i, case in cases(loaded):
        expect = case["expect"]
        if "error" in expect or "deviation" in case:
            continue
        total += 1
        where = f"{record['id']} case {i} ({case['mode']})"
        try:
            sim = run(program, case)
        except ExecutionError as exc:
            problems.append(f"{where}: raised {exc}")
            continue
        for key in RESULT_KEYS:
            got = getattr(sim, key)
            if not same(got, expect[key]):
                problems.append(f"{where}: {key} {got!r} != {expect[key]!r}")
        assert sim.trace is not None
        if not same(sim.trace, expect["trace"]):
            diff = first_trace_difference(sim.trace, expect["trace"])
            problems.append(f"{where}: trace differs at {diff}")
    check_all(problems, total)


def test_error_cases_raise_the_recorded_code(loaded: Loaded) -> None:
    problems: list[str] = []
    total = 0
    for record, program, i, case in cases(loaded):
        expect = case["expect"]
        if "error" not in expect or "deviation" in case:
            continue
        total += 1
        where = f"{record['id']} case {i} ({case['mode']})"
        try:
            sim = run(program, case)
        except ExecutionError as exc:
            if exc.code != expect["code"]:
                problems.append(f"{where}: {exc.code} != {expect['code']}")
            elif not exc.node_id:
                problems.append(f"{where}: {exc.code} without a node id")
        else:
            problems.append(f"{where}: no error, got {sim.as_result()!r}")
    check_all(problems, total)


def test_deviation_cases_fail_with_the_stable_code(loaded: Loaded) -> None:
    problems: list[str] = []
    total = 0
    for record, program, i, case in cases(loaded):
        deviation = case.get("deviation")
        if deviation is None:
            continue
        total += 1
        allowed = DEVIATION_CODES[deviation]
        where = f"{record['id']} case {i} ({case['mode']}, {deviation})"
        try:
            sim = run(program, case)
        except ExecutionError as exc:
            if exc.code not in allowed:
                problems.append(f"{where}: {exc.code} not in {allowed}")
        else:
            problems.append(f"{where}: no error, got {sim.as_result()!r}")
    check_all(problems, total)


def test_untraced_runs_give_the_same_results(loaded: Loaded) -> None:
    """``trace=False`` (the dashboard's quick preview) changes nothing else."""
    problems: list[str] = []
    total = 0
    for record, program, i, case in cases(loaded):
        if "error" in case["expect"] or "deviation" in case:
            continue
        total += 1
        sim = run(program, case, trace=False)
        if sim.trace is not None:
            problems.append(f"{record['id']} case {i}: a trace was built")
        expect = case["expect"]
        if not all(same(getattr(sim, k), expect[k]) for k in RESULT_KEYS):
            problems.append(f"{record['id']} case {i}: {sim.as_result()!r}")
    check_all(problems, total)


# -- the API, on small programs (no corpus needed) ----------------------------


def _lit(value: object) -> dict[str, object]:
    return {"type": "literal", "value": value}


def _field(path: str) -> dict[str, object]:
    return {"type": "field", "path": path}


def _rule(when: dict[str, object], *then: dict[str, object]) -> dict[str, object]:
    return {"type": "rule", "when": when, "then": list(then)}


def test_simulate_json_rejects_an_invalid_program() -> None:
    bad = {"type": "program", "rules": [_rule(_field("os.environ"), {"type": "return"})]}
    with pytest.raises(dslc.CompileError) as info:
        simulate_json(bad, "full")
    assert "DSL_FIELD_PATH_NOT_ALLOWED" in [d.code for d in info.value.errors]


def test_unknown_phase_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="phase"):
        simulate_json({"type": "program", "rules": []}, "middle")


def test_fields_are_read_through_get_once_per_run() -> None:
    class Source:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def get(self, path: str) -> object:
            self.calls.append(path)
            return 3

    count = _field("user.measurements_count")
    points = {"type": "arith", "op": "+", "left": count, "right": count}
    ast = {
        "type": "program",
        "rules": [
            _rule(
                {"type": "compare", "op": ">", "left": count, "right": _lit(1)},
                {"type": "assign_points", "value": points, "case_name": "Twice"},
            )
        ],
    }
    source = Source()
    sim = simulate_json(ast, "full", fields=source)
    assert (sim.points, sim.case_name) == (6, "Twice")
    assert source.calls == ["user.measurements_count"]


def test_runtime_error_names_the_failing_node() -> None:
    ast = {
        "type": "program",
        "rules": [
            _rule(
                _lit(True),
                {
                    "type": "assign_points",
                    "value": {"type": "arith", "op": "/", "left": _lit(1), "right": _lit(0)},
                    "case_name": "Boom",
                },
            )
        ],
    }
    with pytest.raises(ExecutionError) as info:
        simulate_json(ast, "full")
    assert info.value.code == "DSL_ARITH_DIV_BY_ZERO"
    assert info.value.node_id == "p.program.0.rule.0.assign_points.0.arith.0"
