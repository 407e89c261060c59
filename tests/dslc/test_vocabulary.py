"""Validator and checker messages in the words of the input kind: the same
mistake written as JSON and as text has one code and two wordings."""

from __future__ import annotations

from typing import Any

import pytest

import dslc
from dslc import codes
from dslc.diagnostics import CompileError, Diagnostic


def _rule(then: list[dict[str, Any]], when: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "rule", "when": when or {"type": "literal", "value": True}, "then": then}


def _json_error(program: dict[str, Any]) -> Diagnostic:
    with pytest.raises(CompileError) as failed:
        dslc.compile_json({"type": "program", **program})
    (diag,) = failed.value.errors
    return diag


def _text_error(source: str) -> Diagnostic:
    with pytest.raises(CompileError) as failed:
        dslc.compile_text(source, "s.strat")
    (diag,) = failed.value.errors
    return diag


VETO = {"type": "veto", "case_name": "No"}
PARENT_POINTS = {"type": "field", "path": "parent.points"}
ONE = {"type": "literal", "value": 1}

# (code, JSON program, JSON message, JSON hint, text, text message, text hint)
CASES: list[tuple[str, dict[str, Any], str, str | None, str, str, str | None]] = [
    (
        codes.STATEMENT_NOT_ALLOWED,
        {"rules": [_rule([VETO])]},
        "veto is not allowed in rules; it is allowed in: pre_rules",
        None,
        'rule r when true then veto as "No"\n',
        "'veto' cannot be used in the main rules",
        "'veto' is allowed in rules under 'before parent'",
    ),
    (
        codes.PARENT_FIELD_OUTSIDE_POST,
        {
            "rules": [
                _rule(
                    [{"type": "assign_points", "value": ONE, "case_name": "A"}],
                    {"type": "compare", "op": ">", "left": PARENT_POINTS, "right": ONE},
                )
            ]
        },
        "field 'parent.points' is only available inside post_rules, not in rules",
        None,
        'rule r when parent.points > 1 then award 1 points as "A"\n',
        "'parent.points' can only be read in rules under 'after parent', not in the main rules",
        "the parent's result exists only once the parent has run",
    ),
    (
        codes.CASE_NAME_INVALID,
        {"rules": [_rule([{"type": "assign_points", "value": ONE, "case_name": ""}])]},
        "assign_points case_name '' must be 1 to 200 printable ASCII characters",
        None,
        'rule r when true then award 1 points as ""\n',
        "'award' case name '' must be 1 to 200 printable ASCII characters",
        None,
    ),
    (
        codes.DATA_KEY_INVALID,
        {"rules": [], "pre_rules": [_rule([{"type": "set_data", "key": "a-b", "value": ONE}])]},
        "set_data key 'a-b' must match [A-Za-z0-9_]+ (it is read back as data.<key>)",
        None,
        'extends default\nbefore parent\n    rule r when true then set data "a-b" to 1\n',
        "'set data' key 'a-b' must match [A-Za-z0-9_]+ (it is read back as data.<key>)",
        None,
    ),
    (
        codes.PARENT_VARIABLE_KEY,
        {"rules": [], "parent_variables": {"x": 2}},
        "parent_variables key 'x' must start with 'variable_'",
        None,
        "extends default\nparent variables\n    x = 2\n",
        "parent variable 'x' must start with 'variable_'",
        None,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_one_code_two_wordings(
    case: tuple[str, dict[str, Any], str, str | None, str, str, str | None],
) -> None:
    code, program, json_message, json_hint, text, text_message, text_hint = case
    as_json = _json_error(program)
    assert (as_json.code, as_json.message, as_json.hint) == (code, json_message, json_hint)
    as_text = _text_error(text)
    assert (as_text.code, as_text.message, as_text.hint) == (code, text_message, text_hint)


def test_a_parent_variable_is_reported_on_its_own_line() -> None:
    source = "extends default\nparent variables\n    variable_a = 1\n    x = 2\n"
    diag = _text_error(source)
    assert (diag.start, diag.end) == (source.index("x = 2"), source.index("x = 2") + len("x = 2"))
    json_diag = _json_error({"rules": [], "parent_variables": {"variable_a": 1, "x": 2}})
    assert json_diag.pointer == "/parent_variables/x"


def test_checker_messages_use_the_words_too() -> None:
    award_text = {"type": "assign_points", "value": {"type": "literal", "value": "ten"}}
    program = {"type": "program", "rules": [_rule([{**award_text, "case_name": "T"}])]}
    # JSON: a warning (the reference engine accepts the program).
    _, diags = _compile_json_with_warnings(program)
    assert [d.message for d in diags] == [
        "assign_points needs a number, but the value is string (this node fails whenever it runs)"
    ]
    diag = _text_error('rule r when true then award "ten" points as "T"\n')
    assert (diag.code, diag.message) == (
        codes.TYPE_ASSIGN_POINTS,
        "'award' needs a number, but the value is string",
    )


def test_a_name_that_is_a_json_word_is_not_rewritten() -> None:
    """The text wording once came from regexes over the JSON message, which
    also rewrote a user's field path that happened to be a JSON word."""
    diag = _text_error('rule r when task.return > 1 then award 1 points as "A"\n')
    assert diag.code == codes.FIELD_PATH_NOT_ALLOWED
    assert diag.message == "field path 'task.return' is not allowed"


def _compile_json_with_warnings(program: dict[str, Any]) -> tuple[bytes, list[Diagnostic]]:
    from dslc.compiler import compile_json_stages

    compiled = compile_json_stages(program)
    return compiled.data, compiled.diagnostics
