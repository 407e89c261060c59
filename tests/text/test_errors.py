"""Every error path of the text front end: the code, the line and the column.

Errors are reported as ``file:line:col: error[CODE]: message``, with the
source line, a caret under the span and, where it helps, a hint.
"""

from __future__ import annotations

import math

import pytest

from dslc import codes
from dslc.diagnostics import CompileError
from dslc.text import compile_text, format_text, json_to_text, parse_text, text_to_json
from dslc.text.syntax import MAX_SOURCE_CHARS
from tests.text.support import compile_errors, parse_diagnostics, where

ONE = 'rule r when true then award 1 points as "A"\n'

# (source, code, line, column) of the first error.
CASES: list[tuple[str, str, int, int]] = [
    # -- syntax, in words ---------------------------------------------------------
    ('rule r\n    when x > 1\n        award 1 points as "A"\n', codes.TEXT_SYNTAX, 3, 9),
    ("rule r\n    when x = 1 then\n        stop\n", codes.TEXT_SYNTAX, 2, 12),
    ('rule r\n    when x > 1 then\n        awrd 1 points as "A"\n', codes.TEXT_SYNTAX, 3, 9),
    ("rule r when -x > 1 then stop", codes.TEXT_SYNTAX, 1, 14),
    ("rule r when true then set score to 1", codes.TEXT_SYNTAX, 1, 27),
    ('rule r when true then award 1 as "A"', codes.TEXT_SYNTAX, 1, 31),
    ("rule r when true then award 1 points as Bonus", codes.TEXT_SYNTAX, 1, 41),
    ("rule r when (x > 1 then stop", codes.TEXT_SYNTAX, 1, 20),
    ("rule r when then stop", codes.TEXT_SYNTAX, 1, 13),
    ("rule r when x > 1 then stop\nwhen y then stop", codes.TEXT_SYNTAX, 2, 1),
    ("rule r\n    when x > 1 then\n", codes.TEXT_UNEXPECTED_END, 2, 20),
    ("rule r when x > 1 then stop else  # more to come\n", codes.TEXT_UNEXPECTED_END, 1, 33),
    ("rule r when x && y then stop", codes.TEXT_BAD_CHARACTER, 1, 15),
    ("rule r when x == 'a' then stop", codes.TEXT_BAD_CHARACTER, 1, 18),
    ("rule r when x > .5 then stop", codes.TEXT_BAD_CHARACTER, 1, 17),
    ("rule r when x > 1 then stop %", codes.TEXT_BAD_CHARACTER, 1, 29),
    ("rule r when x\u00a0> 1 then stop", codes.TEXT_BAD_CHARACTER, 1, 14),
    ('rule r when x == "abc then stop', codes.TEXT_BAD_STRING, 1, 18),
    ('rule r when x == "a\\qb" then stop', codes.TEXT_BAD_STRING, 1, 20),
    ('rule r when x == "a\tb" then stop', codes.TEXT_BAD_STRING, 1, 20),
    ('rule r when x == "\\u12" then stop', codes.TEXT_BAD_STRING, 1, 19),
    ("strategy rule", codes.TEXT_RESERVED_WORD, 1, 10),
    ("rule r when true then set callback name to 1", codes.TEXT_RESERVED_WORD, 1, 36),
    # -- what the grammar lets through ----------------------------------------------
    ("rule r when x > 1e999 then stop", codes.TEXT_BAD_NUMBER, 1, 17),
    ("rule r when x > " + "9" * 5000 + " then stop", codes.TEXT_BAD_NUMBER, 1, 17),
    ("rule r when x + 1 then stop", codes.TEXT_NOT_A_CONDITION, 1, 13),
    ("rule r when int(x) then stop", codes.TEXT_NOT_A_CONDITION, 1, 13),
    ("rule r when not (x + 1) then stop", codes.TEXT_NOT_A_CONDITION, 1, 17),
    ("rule r when all(data.a, 1 + 1) then stop", codes.TEXT_NOT_A_CONDITION, 1, 25),
    ('rule r when true then award (x > 1) points as "A"', codes.TEXT_NOT_A_VALUE, 1, 29),
    ("rule r when true then set callback k to x and y", codes.TEXT_NOT_A_VALUE, 1, 41),
    ("rule r when min(x > 1, 2) > 0 then stop", codes.TEXT_NOT_A_VALUE, 1, 17),
    ("rule r when (x > 1) + 1 > 0 then stop", codes.TEXT_NOT_A_VALUE, 1, 13),
    ("rule r when 1 < x < 5 then stop", codes.TEXT_CHAINED_COMPARISON, 1, 19),
    ("rule r when field(x) then stop", codes.TEXT_FIELD_ARGUMENT, 1, 13),
    ('rule r when field("a", "b") then stop', codes.TEXT_FIELD_ARGUMENT, 1, 13),
    ("rule r when min(1) > 0 then stop", codes.FUNC_ARITY_MISMATCH, 1, 13),
    ("rule r when max(1, 2, 3) > 0 then stop", codes.FUNC_ARITY_MISMATCH, 1, 13),
    ("rule r when all() then stop", codes.FUNC_ARITY_MISMATCH, 1, 13),
    ("otherwise stop\notherwise stop", codes.TEXT_DUPLICATE, 2, 1),
    ("strategy a\nstrategy b", codes.TEXT_DUPLICATE, 2, 1),
    ("extends default\nextends default", codes.TEXT_DUPLICATE, 2, 1),
    ("parent variables\nparent variables", codes.TEXT_DUPLICATE, 2, 1),
    ("extends default\nbefore parent\nbefore parent", codes.TEXT_DUPLICATE, 3, 1),
    ("parent variables\n    variable_a = 1\n    variable_a = 2", codes.TEXT_DUPLICATE, 3, 5),
    ("rule r when true then stop\nextends default", codes.TEXT_MISPLACED, 2, 1),
    ("otherwise stop\nrule r when true then stop", codes.TEXT_MISPLACED, 2, 1),
    ("extends default\nbefore parent\nparent variables", codes.TEXT_MISPLACED, 3, 1),
    ("extends default\nafter parent\nbefore parent", codes.TEXT_MISPLACED, 3, 1),
    ("extends default\nstrategy s", codes.TEXT_MISPLACED, 2, 1),
    ("extends default\nafter parent\notherwise stop", codes.TEXT_MISPLACED, 3, 1),
    # -- the language's rules (dslc.validate), in text words -------------------------
    ("rule r when user.avg_tme > 1 then stop", codes.FIELD_PATH_NOT_ALLOWED, 1, 13),
    ("rule r when data.a.b > 1 then stop", codes.FIELD_PATH_NOT_ALLOWED, 1, 13),
    ('rule r when true then veto as "V"', codes.STATEMENT_NOT_ALLOWED, 1, 23),
    (
        'extends default\nafter parent\n rule r when true then award 1 points as "A"',
        codes.STATEMENT_NOT_ALLOWED,
        3,
        24,
    ),
    (
        "extends default\nbefore parent\n rule r when true then set points to 1",
        codes.STATEMENT_NOT_ALLOWED,
        3,
        24,
    ),
    ("otherwise set data x to 1", codes.STATEMENT_NOT_ALLOWED, 1, 11),
    ("rule r when parent.points > 1 then stop", codes.PARENT_FIELD_OUTSIDE_POST, 1, 13),
    ('rule r when true then award 1 points as ""', codes.CASE_NAME_INVALID, 1, 23),
    (
        'extends default\nbefore parent\n rule r when true then set data "a b" to 1',
        codes.DATA_KEY_INVALID,
        3,
        24,
    ),
    ('rule r when true then set callback "" to 1', codes.CALLBACK_KEY_INVALID, 1, 23),
    ("parent variables\n    variable_a = 1\n    x = 2", codes.PARENT_VARIABLE_KEY, 3, 5),
    ("rule r when round(1) > 0 then stop", codes.FUNC_NAME_NOT_ALLOWED, 1, 13),
    ("rule r when int(1, 2) > 0 then stop", codes.FUNC_ARITY_MISMATCH, 1, 13),
    # -- type errors that are certain: errors for text -------------------------------
    ('rule r when "a" < 1 then stop', codes.TYPE_COMPARE, 1, 13),
    ('rule r when true then award "a" * 2 points as "A"', codes.TYPE_ARITH, 1, 29),
    ('rule r when true then award "x" points as "A"', codes.TYPE_ASSIGN_POINTS, 1, 23),
    (
        'extends default\nafter parent\n rule r when true then set points to "x"',
        codes.TYPE_SET_POINTS,
        3,
        24,
    ),
    (
        "extends default\nafter parent\n rule r when true then set case name to 1",
        codes.TYPE_SET_CASE_NAME,
        3,
        24,
    ),
]


@pytest.mark.parametrize(("source", "code", "line", "col"), CASES)
def test_error_code_line_and_column(source: str, code: str, line: int, col: int) -> None:
    errors = compile_errors(source)
    assert errors, f"no error for {source!r}"
    assert errors[0] == (code, line, col)


def test_the_depth_limit_of_the_language() -> None:
    deep = "rule r when " + "(" * 31 + "1" + " + 1)" * 31 + " > 0 then stop"
    # Every node one level too deep is reported: the innermost sum and the
    # right operand of the sum around it.
    assert compile_errors(deep) == [(codes.DEPTH_LIMIT, 1, 44), (codes.DEPTH_LIMIT, 1, 53)]
    ok = "rule r when " + "(" * 29 + "1" + " + 1)" * 29 + " > 0 then stop"
    assert compile_errors(ok) == []


def test_the_node_limit_of_the_language() -> None:
    rules = "".join(f'rule r{i} when true then award {i} points as "A"\n' for i in range(250))
    errors = compile_errors(rules)
    assert [e[0] for e in errors] == [codes.NODE_LIMIT]
    assert errors[0][1] == 200  # the rule where the count passes 1000


def test_section_warnings() -> None:
    diags = parse_diagnostics("extends default\nrule r when true then stop\n")
    assert diags == [(codes.TEXT_SECTION_UNUSED, 2, 1)]
    diags = parse_diagnostics("rule r when true then stop\nafter parent\n")
    assert diags == [(codes.TEXT_SECTION_UNUSED, 2, 1)]
    diags = parse_diagnostics("parent variables\n    variable_a = 1\n")
    assert diags == [(codes.TEXT_SECTION_UNUSED, 1, 1)]
    # Warnings do not stop compilation.
    compile_text("extends default\notherwise stop\n")


# -- several errors in one file -----------------------------------------------------------


def test_every_broken_rule_is_reported() -> None:
    source = (
        "rule a\n"
        "    when x > 1\n"  # 'then' missing
        '        award 1 points as "A"\n'
        "rule b\n"
        "    when y = 2 then\n"  # '=' for '=='
        "        stop\n"
        "rule c\n"
        "    when true then\n"
        "        stop\n"
        "rule d\n"
        "    when z > 3 then\n"
        "        awrd 3 points\n"  # typo
    )
    assert compile_errors(source) == [
        (codes.TEXT_SYNTAX, 3, 9),
        (codes.TEXT_SYNTAX, 5, 12),
        (codes.TEXT_SYNTAX, 12, 9),
    ]


def test_a_rule_cut_short_does_not_hide_the_next_one() -> None:
    source = "rule a\n    when x > 1 then\nrule b\n    when y then\n"
    assert compile_errors(source) == [
        (codes.TEXT_SYNTAX, 3, 1),
        (codes.TEXT_UNEXPECTED_END, 4, 16),
    ]


def test_every_semantic_error_is_reported() -> None:
    source = (
        "rule a when user.avg_tme > 1 then stop\n"
        'rule b when true then veto as "V"\n'
        "rule c when parent.points > 1 then stop\n"
        "rule d when true then set callback k to x + 1 > 2\n"
        "rule e when x + 1 then stop\n"
    )
    # Errors of the text's own shapes come first (the AST is not built
    # further), then on a fixed file the language's rules.
    assert compile_errors(source) == [
        (codes.TEXT_NOT_A_VALUE, 4, 41),
        (codes.TEXT_NOT_A_CONDITION, 5, 13),
    ]
    fixed = "\n".join(source.splitlines()[:3])
    assert compile_errors(fixed) == [
        (codes.FIELD_PATH_NOT_ALLOWED, 1, 13),
        (codes.STATEMENT_NOT_ALLOWED, 2, 23),
        (codes.PARENT_FIELD_OUTSIDE_POST, 3, 13),
    ]


def test_the_number_of_syntax_errors_is_capped() -> None:
    source = "rule r when x = 1 then stop\n" * 200
    assert len(compile_errors(source)) == 25


# -- rendering -----------------------------------------------------------------------------


def test_rendered_like_a_compiler() -> None:
    source = "rule fast\n    when user.avg_tme < all.avg_time then\n        stop\n"
    with pytest.raises(CompileError) as info:
        compile_text(source, "speed.strat")
    assert info.value.render() == (
        "speed.strat:2:10: error[DSL_FIELD_PATH_NOT_ALLOWED]: "
        "field path 'user.avg_tme' is not allowed\n"
        "   2 |     when user.avg_tme < all.avg_time then\n"
        "                ^^^^^^^^^^^^\n"
        "  hint: did you mean 'user.avg_time'?"
    )


def test_syntax_errors_say_what_was_expected_in_words() -> None:
    _, diags = parse_text("rule r\n    when x > 1\n        award 1 points\n", "t.strat")
    (diag,) = diags
    assert diag.message == "expected 'then', found 'award'"
    assert diag.hint == "write 'then' between the condition and the statements"
    _, diags = parse_text("rule r when x > 1 then", "t.strat")
    assert diags[0].message == (
        "the file ends too early: expected a statement ('award', 'set', 'veto' or 'stop')"
    )
    _, diags = parse_text("rule r when true then awrd 1", "t.strat")
    assert diags[0].hint == "did you mean 'award'?"
    _, diags = parse_text("rule r when x = 1 then stop", "t.strat")
    assert diags[0].message == "expected 'then' or an operator, found '='"
    assert diags[0].hint == "to compare two values write '=='"


def test_a_statement_in_the_wrong_section_says_where_it_belongs() -> None:
    with pytest.raises(CompileError) as info:
        compile_text('rule r when true then veto as "V"\n')
    (diag,) = info.value.errors
    assert diag.message == "'veto' cannot be used in the main rules"
    assert diag.hint == "'veto' is allowed in rules under 'before parent'"


def test_diagnostics_carry_the_file_name() -> None:
    _, diags = parse_text("rule r when x = 1 then stop", "my.strat")
    assert diags[0].filename == "my.strat"


# -- limits: clean errors, never a RecursionError -------------------------------------------


def test_a_long_chain_is_refused_before_parsing() -> None:
    # 5000 operands: certainly more than 1000 nodes, found by the scan
    # before any parse (dslc.text.syntax.limit_error): the program, the rule
    # and its condition make 3, so the 998th "+" (column 15 + 4 * 997) is the
    # 1001st node.
    source = "rule r when " + " + ".join(["1"] * 5000) + " > 0 then stop"
    assert compile_errors(source)[0] == (codes.NODE_LIMIT, 1, 15 + 4 * 997)


@pytest.mark.parametrize(
    ("cond", "code", "col"),
    [
        # Refused by a scan before parsing, at the 65th parenthesis.
        ("(" * 100_000 + "data.x" + ")" * 100_000, codes.TEXT_TOO_DEEP, 13 + 64),
        ("(data.x + " * 50_000 + "1" + ")" * 50_000 + " > 0", codes.TEXT_TOO_DEEP, 13 + 640),
        ("min(" * 30_000 + "1" + ", 1)" * 30_000 + " > 0", codes.TEXT_TOO_DEEP, 12 + 4 * 64 + 4),
        ("all(" * 30_000 + "data.x" + ")" * 30_000, codes.TEXT_TOO_DEEP, 12 + 4 * 64 + 4),
        ("(" * 50_000, codes.TEXT_TOO_DEEP, 13 + 64),
        # Chains without parentheses are refused by the scan before parsing
        # (milliseconds, not seconds), where the validator would: the 32nd "not".
        ("not " * 100_000 + "data.x", codes.DEPTH_LIMIT, 13 + 4 * 31),
        # Within the text's limits, the language's own limit speaks.
        ("not " * 40 + "data.x", codes.DEPTH_LIMIT, 13 + 4 * 31),
        ("(" * 64 + "data.x" + ")" * 64, None, 0),
    ],
)
def test_deep_nesting_gives_a_clean_error(cond: str, code: str | None, col: int) -> None:
    source = f"rule r when {cond} then stop"
    errors = compile_errors(source)
    if code is None:
        assert errors == []
        assert format_text(source).startswith("rule r\n    when data.x then")
        return
    assert errors[0] == (code, 1, col)
    if code != codes.DEPTH_LIMIT:
        with pytest.raises(CompileError):
            format_text(source)


def test_an_input_that_is_too_large() -> None:
    source = "# " + "x" * MAX_SOURCE_CHARS
    errors = compile_errors(source)
    assert errors == [(codes.TEXT_TOO_LARGE, 1, MAX_SOURCE_CHARS + 1)]


def test_parse_errors_raise_from_the_converters() -> None:
    with pytest.raises(CompileError) as info:
        text_to_json("rule r when x = 1 then stop")
    assert info.value.errors[0].code == codes.TEXT_SYNTAX
    with pytest.raises(CompileError) as info:
        format_text("rule r when")
    assert info.value.errors[0].code == codes.TEXT_UNEXPECTED_END


@pytest.mark.parametrize(
    "node",
    [
        {"type": "literal", "value": math.nan},
        {"type": "literal", "value": math.inf},
        {
            "type": "arith",
            "op": "**",
            "left": {"type": "literal", "value": 2},
            "right": {"type": "literal", "value": 2},
        },
        {"type": "func_call", "name": "a b", "args": []},
        {"type": "func_call", "name": "min", "args": []},
    ],
)
def test_what_text_cannot_say(node: dict[str, object]) -> None:
    """Only invalid programs hold these; converting them is a clean error."""
    ast = {
        "type": "program",
        "rules": [],
        "default": {"type": "set_callback_data", "key": "k", "value": node},
    }
    with pytest.raises(CompileError) as info:
        json_to_text(ast)
    assert info.value.errors[0].code == codes.TEXT_NOT_REPRESENTABLE


def test_json_that_is_not_a_program_does_not_convert() -> None:
    with pytest.raises(CompileError) as info:
        json_to_text({"type": "rule"})
    assert info.value.errors


def test_where_reports_code_line_and_column() -> None:
    _, diags = parse_text("\n\n  rule r when x = 1 then stop", "t.strat")
    assert where(diags[0], "\n\n  rule r when x = 1 then stop") == (codes.TEXT_SYNTAX, 3, 17)


@pytest.mark.parametrize(
    ("source", "hint"),
    [
        ("rule r when x then stop\nelse if y then stop", "'else when'"),
        ("rule r when x then stop\nend", "needs no 'end'"),
        ("rule r when x then return", "write 'stop'"),
        ('default award 1 points as "x"', "'otherwise'"),
        ("rule r when x then stop\nbefor parent", "did you mean 'before'?"),
    ],
)
def test_words_from_other_languages_get_a_hint(source: str, hint: str) -> None:
    _, diags = parse_text(source, "t.strat")
    assert diags[0].code == codes.TEXT_SYNTAX
    assert diags[0].hint is not None and hint in diags[0].hint
