"""The conformance corpus through Blockly XML.

Every valid program is either written as a workspace or refused with
``DSLC_BLOCKLY_UNSUPPORTED`` errors that each name a construct BLOCKLY.md
lists. Every written one reads back as the same program, runs every case as
the original does, and XML -> AST -> XML -> AST is a fixed point. Invalid
programs are refused with their compile errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

import dslc
import vm
from dslc import codes
from dslc.blockly import blockly_to_json, json_to_blockly
from dslc.diagnostics import CompileError, Diagnostic
from tests.blockly.editor import losses
from tests.blockly.support import load, same_program
from tests.support import same

pytestmark = pytest.mark.slow

Record = dict[str, Any]
MAX_REPORTED = 10

# What each refusal may name: the constructs of BLOCKLY.md's "Writing XML".
CONSTRUCTS = {
    r"a return statement": "no block for return",
    r"a (boolean|null) literal": "no block for boolean or null literals",
    r"a default that is an? \w+ statement": "no default other than one assign_points",
    r"an (and|or) of \d+ condition\(s\)": "and/or take exactly two conditions",
    r"a statement after (assign_points|veto)": "assign_points and veto have no next connection",
    r"a bare (field|literal) as a condition of (and|or|not)": "and/or/not accept only conditions",
    r"(a text literal|a number literal|the field '[^']*'|an arith|a func_call) as .+": (
        "inputs are typed"
    ),
    r"the number \S+": "number fields are JavaScript numbers",
    r"the parent variable (string|number) .+": "parent variable overrides are text",
    r"the field path '[^']*'": "no field block holds the path (data keys are [A-Za-z0-9_]+)",
}
_CONSTRUCT_RE = re.compile(
    r"GAME's blocks cannot carry (" + "|".join(f"(?:{p})" for p in CONSTRUCTS) + "): "
)


@dataclass(slots=True)
class Written:
    record: Record
    xml: str


@dataclass(slots=True)
class Outcome:
    written: list[Written]
    refused: list[tuple[Record, list[Diagnostic]]]


@pytest.fixture(scope="module")
def outcome(corpus_records: list[Record]) -> Outcome:
    out = Outcome([], [])
    for record in corpus_records:
        if not record["valid"]:
            continue
        try:
            out.written.append(Written(record, json_to_blockly(record["ast"])))
        except CompileError as exc:
            out.refused.append((record, exc.diagnostics))
    return out


def _report(problems: list[str]) -> str:
    return f"{len(problems)} records differ, first ones:\n" + "\n".join(problems[:MAX_REPORTED])


def test_programs_are_written_or_refused_for_a_listed_construct(outcome: Outcome) -> None:
    problems = [
        f"{record['id']}: {d.code} {d.message}"
        for record, diags in outcome.refused
        for d in diags
        if d.is_error
        and (d.code != codes.BLOCKLY_UNSUPPORTED or not _CONSTRUCT_RE.match(d.message))
    ]
    assert not problems, _report(problems)
    # each refusal is located at a node of the program
    assert all(d.node_id and d.pointer is not None for _, ds in outcome.refused for d in ds)
    # the random programs use every construct GAME lacks; templates and the
    # hand-written programs are written
    assert len(outcome.written) > 100 and len(outcome.refused) > 1000
    assert {w.record["id"] for w in outcome.written} >= {
        "s1-tpl-default_v0_0_2",
        "s1-tpl-constant_effort_v0_0_1",
    }


def test_every_written_program_reads_back_as_the_same_program(outcome: Outcome) -> None:
    problems = [
        w.record["id"]
        for w in outcome.written
        if not same_program(load(w.record["ast"]), load(blockly_to_json(w.xml)))
    ]
    assert not problems, _report(problems)


def test_gamess_editor_loads_every_written_workspace_whole(outcome: Outcome) -> None:
    problems = [f"{w.record['id']}: {losses(w.xml)[:3]}" for w in outcome.written if losses(w.xml)]
    assert not problems, _report(problems)


def test_xml_ast_xml_ast_is_a_fixed_point(outcome: Outcome) -> None:
    problems = []
    for w in outcome.written:
        first = blockly_to_json(w.xml)
        again = json_to_blockly(first)
        if again != w.xml or blockly_to_json(again) != first:
            problems.append(w.record["id"])
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


def test_every_case_runs_as_the_original(outcome: Outcome) -> None:
    problems = []
    cases = 0
    for w in outcome.written:
        original = vm.load(dslc.compile_json(w.record["ast"]))
        back = vm.load(dslc.compile_json(blockly_to_json(w.xml)))
        for i, case in enumerate(w.record["cases"]):
            cases += 1
            want, got = _outcome(original, case), _outcome(back, case)
            if not same(want, got):
                problems.append(f"{w.record['id']} case {i}: {got} != {want}")
    assert cases > 500
    assert not problems, _report(problems)


def test_invalid_programs_are_refused_with_their_compile_errors(
    corpus_records: list[Record],
) -> None:
    problems = []
    for record in corpus_records:
        if record["valid"]:
            continue
        try:
            json_to_blockly(record["ast"])
        except CompileError as exc:
            if any(d.code == codes.BLOCKLY_UNSUPPORTED for d in exc.errors):
                problems.append(record["id"])
            continue
        problems.append(f"{record['id']}: written")
    assert not problems, _report(problems)
