"""The conformance corpus through the whole compiled path: compile_json,
vm.load, vm.run. Every valid program compiles, every invalid one is
rejected (with the reference's code where it has one), and every case
gives the recorded result or error code; deviation cases behave as
LANGUAGE.md section 7 says."""

from __future__ import annotations

from typing import Any

import dslc
import vm
from tests.support import same

RESULT_KEYS = ("points", "case_name", "callback_data", "working_data", "vetoed")


def run_case(program: vm.Program, case: dict[str, Any]) -> dict[str, Any]:
    try:
        res = vm.run(
            program,
            phase=case["mode"],
            fields=case["fields"],
            data=case["data"],
            parent=case["parent"],
        )
    except vm.ExecutionError as exc:
        return {"code": exc.code, "node_id": exc.node_id}
    return res.as_dict()


def expected_outcome(case: dict[str, Any]) -> tuple[str, Any]:
    deviation = case.get("deviation")
    if deviation == "non_numeric_arith":
        return "codes", {"DSL_ARITH_TYPE_MISMATCH"}
    if deviation == "unexpected_exception":
        return "codes", {"DSL_ARITH_OUT_OF_RANGE", "DSL_ARITH_TYPE_MISMATCH"}
    expect = case["expect"]
    if "error" in expect:
        return "codes", {expect["code"]}
    return "result", {k: expect[k] for k in RESULT_KEYS}


def check_record(record: dict[str, Any]) -> list[str]:
    rid = record["id"]
    try:
        image = dslc.compile_json(record["ast"])
    except dslc.CompileError as exc:
        if not record["valid"]:
            codes = {d.code for d in exc.errors}
            if record.get("code") and record["code"] not in codes:
                return [f"{rid}: rejected with {sorted(codes)}, reference code {record['code']}"]
            return []
        return [f"{rid}: valid program rejected: {exc}"]
    if not record["valid"]:
        return [f"{rid}: invalid program accepted ({record.get('message')})"]
    program = vm.load(image)
    problems = []
    for i, case in enumerate(record["cases"]):
        got = run_case(program, case)
        kind, want = expected_outcome(case)
        ok = got.get("code") in want if kind == "codes" else "code" not in got and same(got, want)
        if not ok:
            problems.append(f"{rid} case {i} ({case['mode']}): got {got}, want {want}")
    return problems


def test_corpus_compiles_and_runs_as_the_reference(corpus_records: list[dict[str, Any]]) -> None:
    problems: list[str] = []
    cases = 0
    for record in corpus_records:
        problems.extend(check_record(record))
        cases += len(record.get("cases", ()))
    assert cases > 5000, "the corpus should hold thousands of cases"
    assert not problems, f"{len(problems)} disagreements, first ones:\n" + "\n".join(problems[:20])


def test_runtime_errors_name_the_failing_node(corpus_records: list[dict[str, Any]]) -> None:
    """A runtime error carries the id of a node of the program (the compare,
    arith or func_call; the statement for *_NOT_NUMBER/_NOT_STRING)."""
    from dslc.frontend import json_front
    from dslc.ids import all_ids

    checked = 0
    for record in corpus_records:
        if not record["valid"]:
            continue
        failing = [c for c in record["cases"] if "error" in c["expect"]]
        if not failing:
            continue
        program = vm.load(dslc.compile_json(record["ast"]))
        ids = set(all_ids(json_front(record["ast"]).program))
        for case in failing:
            got = run_case(program, case)
            assert got.get("node_id") in ids, (record["id"], got)
            checked += 1
    assert checked > 500
