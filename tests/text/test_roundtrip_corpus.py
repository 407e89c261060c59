"""The whole conformance corpus through text and back.

For every valid program ``ast``: ``text_to_json(json_to_text(ast))`` loads to
the same program (locations and the ids text has no place for aside; rule
and program ids survive), runs every corpus case exactly as ``ast`` does,
with the same trace, and prints to the same text again (a fixed point).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import dslc
import vm
from dslc.ast import Program
from dslc.diagnostics import CompileError
from dslc.json_loader import load_json
from dslc.simulate import simulate
from dslc.text import compile_text, format_text, json_to_text, text_to_json
from tests.support import same
from tests.text.support import shape

# Whole-corpus sweeps: about 30 s of CPU (scripts/test.sh -m "not slow" skips them).
pytestmark = pytest.mark.slow

Record = dict[str, Any]
MAX_REPORTED = 10


@dataclass(slots=True)
class Trip:
    record: Record
    original: Program
    text: str
    json: dict[str, Any]
    back: Program


def _load(ast: object) -> Program:
    program, diags = load_json(ast)
    assert program is not None, [d.message for d in diags]
    return program


@pytest.fixture(scope="module")
def trips(corpus_records: list[Record]) -> list[Trip]:
    out = []
    for record in corpus_records:
        if not record["valid"]:
            continue
        text = json_to_text(record["ast"])
        back_json = text_to_json(text)
        out.append(Trip(record, _load(record["ast"]), text, back_json, _load(back_json)))
    assert len(out) > 1000
    return out


def _report(problems: list[str]) -> str:
    return f"{len(problems)} records differ, first ones:\n" + "\n".join(problems[:MAX_REPORTED])


def test_every_valid_program_round_trips_to_the_same_ast(trips: list[Trip]) -> None:
    problems = [t.record["id"] for t in trips if shape(t.original) != shape(t.back)]
    assert not problems, _report(problems)


def test_rule_and_program_ids_survive(trips: list[Trip]) -> None:
    def ids(p: Program) -> list[tuple[str, bool]]:
        return [(p.id, p.named)] + [(r.id, r.named) for _, rules in p.sections() for r in rules]

    problems = [t.record["id"] for t in trips if ids(t.original) != ids(t.back)]
    assert not problems, _report(problems)
    named = sum(r.named for t in trips for _, rules in t.back.sections() for r in rules)
    assert named > 3000


def test_the_text_is_a_fixed_point(trips: list[Trip]) -> None:
    problems = [t.record["id"] for t in trips if json_to_text(t.json) != t.text]
    assert not problems, _report(problems)


def test_the_text_is_formatted(trips: list[Trip]) -> None:
    problems = [t.record["id"] for t in trips if format_text(t.text) != t.text]
    assert not problems, _report(problems)


def _outcome(program: vm.Program, case: Record) -> dict[str, Any]:
    try:
        res = vm.run(
            program,
            phase=case["mode"],
            fields=case["fields"],
            data=case["data"],
            parent=case["parent"],
        )
    except vm.ExecutionError as exc:
        return {"error": exc.code}
    return dict(res.as_dict())


def test_the_round_trip_runs_every_case_as_the_original(trips: list[Trip]) -> None:
    problems = []
    cases = 0
    for t in trips:
        original = vm.load(dslc.compile_json(t.record["ast"]))
        back = vm.load(dslc.compile_json(t.json))
        for i, case in enumerate(t.record["cases"]):
            cases += 1
            want, got = _outcome(original, case), _outcome(back, case)
            if not same(want, got):
                problems.append(f"{t.record['id']} case {i}: {got} != {want}")
    assert cases > 5000
    assert not problems, _report(problems)


def _trace_view(trace: list[dict[str, Any]] | None) -> list[tuple[Any, ...]]:
    """A trace without the node ids text does not keep (rules keep theirs)."""
    return [
        (e["type"], e.get("nodeId") if e["type"] == "rule" else None, e["value"], e.get("branch"))
        for e in trace or []
    ]


def test_the_round_trip_traces_as_the_original(trips: list[Trip]) -> None:
    problems = []
    traced = 0
    for t in trips:
        for i, case in enumerate(t.record["cases"]):
            args = (case["mode"], case["fields"], case["data"], case["parent"])
            try:
                want = simulate(t.original, *args)
                got = simulate(t.back, *args)
            except vm.ExecutionError:
                continue  # the VM test above compares the errors
            traced += 1
            if _trace_view(want.trace) != _trace_view(got.trace):  # type: ignore[arg-type]
                problems.append(f"{t.record['id']} case {i}")
            elif not same(want.as_result(), got.as_result()):
                problems.append(f"{t.record['id']} case {i}: result")
    assert traced > 4000
    assert not problems, _report(problems)


TYPE_CODES = {
    "DSLC_TYPE_COMPARE",
    "DSLC_TYPE_ARITH",
    "DSLC_TYPE_ASSIGN_POINTS",
    "DSLC_TYPE_SET_POINTS",
    "DSLC_TYPE_SET_CASE_NAME",
    "DSLC_DIV_BY_ZERO",
    "DSLC_OUT_OF_RANGE",
}


def test_the_text_compiles_unless_it_has_certain_type_errors(trips: list[Trip]) -> None:
    """Text input makes certain type errors errors; nothing else stops a
    valid program from compiling from text, and it runs as the JSON does."""
    problems = []
    strict = 0
    for t in trips:
        try:
            image = compile_text(t.text, f"{t.record['id']}.strat")
        except CompileError as exc:
            codes = {d.code for d in exc.errors}
            if not codes <= TYPE_CODES:
                problems.append(f"{t.record['id']}: {sorted(codes)}")
            strict += 1
            continue
        program = vm.load(image)
        original = vm.load(dslc.compile_json(t.record["ast"]))
        for i, case in enumerate(t.record["cases"]):
            if not same(_outcome(program, case), _outcome(original, case)):
                problems.append(f"{t.record['id']} case {i}")
    assert not problems, _report(problems)
    # The random programs of the corpus often compare a string with a
    # number; the templates and hand-written programs compile.
    assert 0 < strict < len(trips) - 700


def test_invalid_programs_are_rejected_from_text_for_the_same_reasons(
    corpus_records: list[Record],
) -> None:
    """An invalid program that the JSON loader can read (a bad path, a
    statement in the wrong section, too deep, ...) has a text form, and
    compiling that text fails with the codes compiling the JSON gives."""
    problems = []
    checked = 0
    for record in corpus_records:
        if record["valid"]:
            continue
        program, _ = load_json(record["ast"])
        if program is None:
            continue  # not a program the AST can hold: nothing to print
        try:
            text = json_to_text(record["ast"])
        except CompileError:
            continue  # an operator or name that text cannot say
        with pytest.raises(CompileError) as from_json:
            dslc.compile_json(record["ast"])
        with pytest.raises(CompileError) as from_text:
            compile_text(text)
        want = {d.code for d in from_json.value.errors}
        got = {d.code for d in from_text.value.errors}
        if want != got:
            problems.append(f"{record['id']}: {sorted(got)} != {sorted(want)}")
        checked += 1
    assert checked > 50
    assert not problems, _report(problems)
