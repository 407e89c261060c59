"""The JSON front end against the reference engine's conformance corpus.

Valid programs must load and validate cleanly, invalid ones must be rejected
(with the reference's code where it has one), and every node id in the
reference's traces must be an id of our filled AST: that pins the id-filling
rules to the reference.
"""

from __future__ import annotations

from typing import Any

from dslc.diagnostics import Diagnostic
from dslc.ids import all_ids
from dslc.json_loader import load_json
from dslc.validate import validate

Record = dict[str, Any]


def _errors(ast: object) -> list[Diagnostic]:
    program, diags = load_json(ast)
    if program is not None:
        diags = diags + validate(program)
    return [d for d in diags if d.is_error]


def _summary(diags: list[Diagnostic]) -> str:
    return "; ".join(f"{d.code} at {d.pointer!r}: {d.message}" for d in diags[:3])


def test_corpus_has_both_kinds(corpus_records: list[Record]) -> None:
    assert any(r["valid"] for r in corpus_records)
    assert any(not r["valid"] for r in corpus_records)


def test_valid_programs_load_and_validate(corpus_records: list[Record]) -> None:
    failures = [
        f"{r['id']}: {_summary(errors)}"
        for r in corpus_records
        if r["valid"] and (errors := _errors(r["ast"]))
    ]
    assert not failures, "\n".join(failures[:20])


def test_invalid_programs_are_rejected(corpus_records: list[Record]) -> None:
    failures = []
    for r in corpus_records:
        if r["valid"]:
            continue
        errors = _errors(r["ast"])
        if not errors:
            failures.append(f"{r['id']}: accepted (reference: {r['message']})")
        elif r["code"] is not None and r["code"] not in {d.code for d in errors}:
            failures.append(f"{r['id']}: expected {r['code']}, got {_summary(errors)}")
    assert not failures, "\n".join(failures[:20])


def test_every_error_has_code_message_and_pointer(corpus_records: list[Record]) -> None:
    for r in corpus_records:
        if r["valid"]:
            continue
        for d in _errors(r["ast"]):
            assert d.code.startswith(("DSL_", "DSLC_")), r["id"]
            assert d.message, r["id"]
            assert d.pointer is not None, r["id"]


def test_trace_node_ids_are_filled_ids(corpus_records: list[Record]) -> None:
    failures = []
    for r in corpus_records:
        if not r["valid"]:
            continue
        program, _ = load_json(r["ast"])
        assert program is not None, r["id"]
        ids = set(all_ids(program))
        traced = {
            entry["nodeId"] for case in r["cases"] for entry in case["expect"].get("trace", [])
        }
        missing = traced - ids
        if missing:
            failures.append(f"{r['id']}: {sorted(missing)[:5]}")
    assert not failures, "\n".join(failures[:20])


def test_traces_exercise_generated_ids(corpus_records: list[Record]) -> None:
    """Guard against a vacuous id check: the corpus must trace generated ids
    of each shape the rules describe."""
    traced = {
        entry["nodeId"]
        for r in corpus_records
        if r["valid"]
        for case in r["cases"]
        for entry in case["expect"].get("trace", [])
    }
    assert any(i.startswith("p.program.0.rule.") for i in traced)
    assert any(".else_if." in i for i in traced)
