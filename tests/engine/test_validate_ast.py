"""``engine.game.validate_ast``: GAME's validator contract."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from engine.game import DslValidationError, validate_ast


def _ids(node: object, out: list[object]) -> list[object]:
    """Every ``id`` value in a JSON tree, else_if branches excluded."""
    if isinstance(node, dict):
        if "type" in node:
            out.append(node.get("id"))
        for value in node.values():
            _ids(value, out)
    elif isinstance(node, list):
        for item in node:
            _ids(item, out)
    return out


def test_missing_ids_are_filled_in_place_as_game_names_them() -> None:
    ast: dict[str, Any] = {
        "type": "program",
        "rules": [
            {
                "type": "rule",
                "when": {
                    "type": "compare",
                    "op": "<",
                    "left": {"type": "field", "path": "data.x", "id": ""},
                    "right": {"type": "literal", "value": 1, "id": "mine"},
                },
                "then": [
                    {
                        "type": "assign_points",
                        "value": {"type": "literal", "value": 1},
                        "case_name": "A",
                    }
                ],
                "else_if": [
                    {"when": {"type": "literal", "value": True}, "then": [{"type": "return"}]}
                ],
            }
        ],
    }
    returned = validate_ast(ast)
    assert returned is ast
    rule = ast["rules"][0]
    assert ast["id"] == "p.program.0"
    assert rule["id"] == "p.program.0.rule.0"
    assert rule["when"]["id"] == "p.program.0.rule.0.compare.0"
    assert rule["when"]["left"]["id"] == "p.program.0.rule.0.compare.0.field.0"
    assert rule["when"]["right"]["id"] == "mine"
    assert rule["then"][0]["id"] == "p.program.0.rule.0.assign_points.0"
    assert rule["then"][0]["value"]["id"] == "p.program.0.rule.0.assign_points.0.literal.0"
    branch = rule["else_if"][0]
    assert "id" not in branch
    assert branch["when"]["id"] == "p.program.0.rule.0.else_if.0.literal.0"
    assert branch["then"][0]["id"] == "p.program.0.rule.0.else_if.0.return.0"


@pytest.mark.slow
def test_filled_ids_are_the_ones_the_reference_traces_name(
    corpus_records: list[dict[str, Any]],
) -> None:
    checked = 0
    for record in corpus_records:
        if not record["valid"]:
            continue
        ast = copy.deepcopy(record["ast"])
        validate_ast(ast)
        ids = _ids(ast, [])
        assert all(isinstance(i, str) and i for i in ids), record["id"]
        for case in record["cases"]:
            if "trace" in case["expect"]:
                traced = {entry["nodeId"] for entry in case["expect"]["trace"]}
                assert traced <= set(ids), record["id"]
                checked += 1
    assert checked > 1000


def test_invalid_programs_raise_the_validation_class_with_code_and_params() -> None:
    ast = {
        "type": "program",
        "rules": [
            {
                "type": "rule",
                "id": "r",
                "when": {"type": "field", "id": "f", "path": "parent.points"},
                "then": [{"type": "return"}],
            }
        ],
    }
    with pytest.raises(DslValidationError) as info:
        validate_ast(ast)
    assert info.value.code == "DSL_PARENT_FIELD_OUTSIDE_POST"
    assert info.value.params == {"nodeId": "f", "path": "parent.points", "context": "rule"}
    assert info.value.detail == (
        "field.path 'parent.points' is only available inside post_rules (DSL_EXTEND mode)."
    )
    with pytest.raises(DslValidationError) as info:
        validate_ast([1])
    assert info.value.detail == "AST root must be an object."


def test_limits_are_parameters() -> None:
    deep: dict[str, Any] = {"type": "literal", "value": True}
    for _ in range(5):
        deep = {"type": "not", "arg": deep}
    ast = {
        "type": "program",
        "rules": [{"type": "rule", "when": deep, "then": [{"type": "return"}]}],
    }
    validate_ast(copy.deepcopy(ast))
    with pytest.raises(DslValidationError) as info:
        validate_ast(copy.deepcopy(ast), max_depth=3)
    assert info.value.code == "DSLC_DEPTH_LIMIT"
    assert info.value.detail == "AST nesting depth exceeds the maximum allowed (3)."
    with pytest.raises(DslValidationError) as info:
        validate_ast(copy.deepcopy(ast), max_nodes=4)
    assert info.value.code == "DSLC_NODE_LIMIT"
    assert info.value.params["maxNodes"] == 4


def test_every_invalid_corpus_program_gets_games_wording(
    corpus_records: list[dict[str, Any]],
) -> None:
    """The corpus records the reference validator's message for each invalid
    program; ``detail`` is that message (crashes of the reference aside),
    and the code is the reference's where it has one."""
    checked = 0
    problems = []
    for record in corpus_records:
        if record["valid"] or record.get("deviation") == "unexpected_exception":
            continue
        with pytest.raises(DslValidationError) as info:
            validate_ast(copy.deepcopy(record["ast"]))
        checked += 1
        if info.value.detail != record["message"]:
            problems.append(f"{record['id']}: {info.value.detail!r} != {record['message']!r}")
        if record["code"] is not None and info.value.code != record["code"]:
            problems.append(f"{record['id']}: code {info.value.code} != {record['code']}")
    assert checked > 250
    assert not problems, "\n".join(problems[:20])
