"""Every construct of the text language parses to the surface AST the JSON
front end would build, with a character span on every node."""

from __future__ import annotations

import math

import pytest

from dslc.ast import (
    And,
    Arith,
    AssignPoints,
    Compare,
    Field,
    FuncCall,
    Literal,
    Not,
    Or,
    Return,
    SetCallbackData,
    SetCaseName,
    SetData,
    SetPoints,
    Veto,
)
from dslc.ids import iter_nodes
from dslc.text import parse_header, parse_text
from tests.text.support import parse_ok, shape


def when(cond: str) -> object:
    """The condition of a one-rule program."""
    return parse_ok(f"rule r\n    when {cond} then\n        stop\n").rules[0].when


def value(expr: str) -> object:
    """The value of a ``set callback`` statement."""
    program = parse_ok(f"rule r\n    when true then\n        set callback k to {expr}\n")
    return program.rules[0].then[0].value


# -- rules and programs ---------------------------------------------------------


def test_a_full_program() -> None:
    program = parse_ok(
        "strategy my_strategy\n"
        "rule first\n"
        "    when task.measurements_count == 1 then\n"
        '        award 5 points as "First"\n'
        'otherwise award 2 points as "Other"\n'
    )
    assert program.id == "my_strategy" and program.named
    (rule,) = program.rules
    assert rule.id == "first" and rule.named
    assert isinstance(rule.when, Compare) and rule.when.op == "=="
    assert shape(rule.then) == shape((AssignPoints(Literal(5), "First"),))
    assert isinstance(program.default, AssignPoints) and program.default.case_name == "Other"
    assert program.pre_rules is None and program.post_rules is None
    assert program.parent_variables is None


def test_else_when_and_else() -> None:
    program = parse_ok(
        "rule tiers\n"
        "    when data.s > 90 then\n"
        '        award 3 points as "A"\n'
        "    else when data.s > 50 then\n"
        '        award 2 points as "B"\n'
        "        stop\n"
        "    else when data.s > 10 then\n"
        '        award 1 points as "C"\n'
        "    else\n"
        "        set callback none to true\n"
        "        stop\n"
    )
    rule = program.rules[0]
    assert len(rule.then) == 1
    assert [len(b.then) for b in rule.else_ifs] == [2, 1]
    assert [type(s) for s in rule.else_ or ()] == [SetCallbackData, Return]


def test_no_else_is_none_and_no_else_when_is_empty() -> None:
    rule = parse_ok("rule r when true then stop").rules[0]
    assert rule.else_ is None and rule.else_ifs == ()


def test_rule_names_bare_quoted_and_missing() -> None:
    program = parse_ok(
        "rule plain when true then stop\n"
        'rule "x y/ü" when true then stop\n'
        "rule when true then stop\n"
        "rule p.rule.7 when true then stop\n"
        'rule "when" when true then stop\n'
    )
    rules = program.rules
    assert [(r.id, r.named) for r in rules[:2]] == [("plain", True), ("x y/ü", True)]
    # An unnamed rule gets the reference's generated id.
    assert (rules[2].id, rules[2].named) == ("p.program.0.rule.2", False)
    assert rules[3].id == "p.rule.7" and rules[4].id == "when"


def test_duplicate_rule_names_are_kept() -> None:
    program = parse_ok("rule r when true then stop\nrule r when false then stop")
    assert [r.id for r in program.rules] == ["r", "r"]


def test_ids_follow_the_reference_rules() -> None:
    program = parse_ok('strategy p\nrule when data.x > 1 then award 1 points as "A"')
    ids = [nid for _, nid in iter_nodes(program)]
    assert ids == [
        "p",
        "p.rule.0",
        "p.rule.0.compare.0",
        "p.rule.0.compare.0.field.0",
        "p.rule.0.compare.0.literal.1",
        "p.rule.0.assign_points.0",
        "p.rule.0.assign_points.0.literal.0",
    ]


def test_an_empty_file_is_an_empty_program() -> None:
    program = parse_ok("# nothing yet\n")
    assert program.rules == () and program.default is None and not program.named


def test_extension_sections() -> None:
    program = parse_ok(
        "strategy s\n"
        "extends constantEffort\n"
        "parent variables\n"
        "    variable_max_points = 50\n"
        '    "variable_name" = "x"\n'
        "    variable_flag = null\n"
        "    variable_neg = -2.5\n"
        "before parent\n"
        '    rule pre when data.x then set data y to 1 veto as "No"\n'
        "after parent\n"
        '    rule post when true then set points to parent.points set case name to "C"\n'
    )
    assert program.rules == ()
    assert program.parent_variables == {
        "variable_max_points": 50,
        "variable_name": "x",
        "variable_flag": None,
        "variable_neg": -2.5,
    }
    assert [type(s) for s in program.pre_rules[0].then] == [SetData, Veto]
    assert [type(s) for s in program.post_rules[0].then] == [SetPoints, SetCaseName]
    assert parse_header("strategy s\nextends constantEffort\n") == {
        "type": "DSL_EXTEND",
        "parent": "constantEffort",
        "name": "s",
    }


def test_empty_sections_stay_present() -> None:
    program = parse_ok("parent variables\nbefore parent\nafter parent\n")
    assert program.pre_rules == () and program.post_rules == ()
    assert program.parent_variables == {}


def test_every_statement() -> None:
    program = parse_ok(
        "rule r when true then\n"
        '    award 1 points as "A"\n'
        "    set callback note to 2\n"
        '    set callback "with space" to 3\n'
        "    set data key to 4\n"
        '    veto as "V"\n'
        "    set points to 5\n"
        '    set case name to "N"\n'
        "    stop\n"
    )
    stmts = program.rules[0].then
    assert [s.type for s in stmts] == [
        "assign_points",
        "set_callback_data",
        "set_callback_data",
        "set_data",
        "veto",
        "set_points",
        "set_case_name",
        "return",
    ]
    assert stmts[2].key == "with space" and stmts[3].key == "key"


def test_parse_header_of_a_plain_and_a_broken_file() -> None:
    assert parse_header("rule r when true then stop") == {
        "type": "DSL_FULL",
        "parent": None,
        "name": None,
    }
    # The header is read even when the rest does not parse.
    assert parse_header('extends "my built-in"\nrule ! broken') == {
        "type": "DSL_EXTEND",
        "parent": "my built-in",
        "name": None,
    }


# -- conditions -------------------------------------------------------------------


@pytest.mark.parametrize("op", ["<", "<=", "==", "!=", ">=", ">"])
def test_comparisons(op: str) -> None:
    cond = when(f"user.avg_time {op} 3")
    assert isinstance(cond, Compare) and cond.op == op
    assert cond.left == Field("user.avg_time", id=cond.left.id, loc=cond.left.loc)


def test_and_or_chains_are_flat_and_parentheses_nest() -> None:
    flat = when("data.a and data.b and data.c")
    assert isinstance(flat, And) and len(flat.args) == 3
    nested = when("(data.a and data.b) and data.c")
    assert isinstance(nested, And) and len(nested.args) == 2 and isinstance(nested.args[0], And)
    right = when("data.a or (data.b or data.c)")
    assert isinstance(right, Or) and isinstance(right.args[1], Or)


def test_precedence_not_and_or() -> None:
    cond = when("not data.a and data.b or data.c")
    assert isinstance(cond, Or)
    first = cond.args[0]
    assert isinstance(first, And) and isinstance(first.args[0], Not)
    cmp = when("not data.a > 1")
    assert isinstance(cmp, Not) and isinstance(cmp.arg, Compare)
    double = when("not not data.a")
    assert isinstance(double, Not) and isinstance(double.arg, Not)


def test_all_and_any_lists() -> None:
    one = when("all(data.a)")
    assert isinstance(one, And) and len(one.args) == 1
    many = when("any(data.a, data.b > 1, not data.c)")
    assert isinstance(many, Or) and len(many.args) == 3


@pytest.mark.parametrize(
    "cond", ["true", "false", "null", "0", '""', "data.flag", "externalGameId"]
)
def test_bare_literal_and_field_conditions(cond: str) -> None:
    assert isinstance(when(cond), Literal | Field)


# -- values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", 2),
        ("2.0", 2.0),
        ("-3", -3),
        ("0.1", 0.1),
        ("1e+308", 1e308),
        ("1.5e-3", 0.0015),
        ("2E2", 200.0),
        ("12345678901234567890123", 12345678901234567890123),
        ("true", True),
        ("false", False),
        ("null", None),
        ('"plain"', "plain"),
        ('"q\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f"', 'q"b\\s/n\nt\tr\rb\bf\f'),
        ('"\\u00e9\\ud83d\\ude00"', "é\U0001f600"),
        ('"ünïcödé"', "ünïcödé"),
    ],
)
def test_literals_keep_their_exact_value_and_type(text: str, expected: object) -> None:
    lit = value(text)
    assert isinstance(lit, Literal)
    assert type(lit.value) is type(expected) and lit.value == expected


def test_negative_zero_stays_negative() -> None:
    lit = value("-0.0")
    assert isinstance(lit, Literal) and math.copysign(1.0, lit.value) == -1.0


def test_arithmetic_precedence_and_left_associativity() -> None:
    expr = value("1 + 2 * 3 - 4 / 5")
    # (1 + (2 * 3)) - (4 / 5)
    assert isinstance(expr, Arith) and expr.op == "-"
    assert isinstance(expr.left, Arith) and expr.left.op == "+"
    assert isinstance(expr.left.right, Arith) and expr.left.right.op == "*"
    assert isinstance(expr.right, Arith) and expr.right.op == "/"
    grouped = value("1 - (2 - 3)")
    assert isinstance(grouped, Arith) and isinstance(grouped.right, Arith)


def test_minus_before_a_number_is_a_negative_literal() -> None:
    expr = value("3 - -2")
    assert isinstance(expr, Arith) and shape(expr.right) == shape(Literal(-2))
    tight = value("3-2")
    assert isinstance(tight, Arith) and tight.op == "-"


def test_min_max_are_arithmetic_and_int_clamp_are_calls() -> None:
    expr = value("max(min(1, 2), clamp(int(2.5), 0, 10))")
    assert isinstance(expr, Arith) and expr.op == "max"
    assert isinstance(expr.left, Arith) and expr.left.op == "min"
    call = expr.right
    assert isinstance(call, FuncCall) and call.name == "clamp" and len(call.args) == 3
    assert isinstance(call.args[0], FuncCall) and call.args[0].name == "int"


def test_unknown_functions_parse_and_are_left_to_the_validator() -> None:
    expr = value("round(1)")
    assert isinstance(expr, FuncCall) and expr.name == "round"


def test_fields_bare_and_quoted() -> None:
    assert value("data.2x") == Field("data.2x", id=value("data.2x").id, loc=value("data.2x").loc)
    quoted = value('field("data.x\\n")')
    assert isinstance(quoted, Field) and quoted.path == "data.x\n"


def test_spans_cover_each_node() -> None:
    source = 'rule r\n    when (user.avg_time + 1) * 2 > 3 then\n        award 1 points as "A"\n'
    program, _ = parse_text(source, "t.strat")
    assert program is not None
    texts = {
        node.type: source[node.loc.start : node.loc.end]
        for node, _ in iter_nodes(program)
        if hasattr(node, "loc") and node.type in ("compare", "assign_points", "rule")
    }
    assert texts["compare"] == "(user.avg_time + 1) * 2 > 3"
    assert texts["assign_points"] == 'award 1 points as "A"'
    assert texts["rule"].startswith("rule r") and texts["rule"].endswith('"A"')
    cmp = program.rules[0].when
    assert isinstance(cmp, Compare) and isinstance(cmp.left, Arith)
    assert source[cmp.left.left.loc.start : cmp.left.left.loc.end] == "user.avg_time + 1"


def test_comments_and_layout_do_not_matter() -> None:
    spaced = parse_ok(
        "# a comment\nrule r # named r\n  when data.x # the flag\n then stop # done\n"
    )
    tight = parse_ok("rule r when data.x then stop")
    assert spaced.rules[0].when.path == tight.rules[0].when.path  # type: ignore[union-attr]


def test_a_hash_inside_a_string_is_not_a_comment() -> None:
    lit = value('"#1"')
    assert isinstance(lit, Literal) and lit.value == "#1"


def test_the_grammar_is_lalr_without_conflicts(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from lark import Lark, logger

    from dslc.text.grammar import grammar_text

    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="lark"):
            Lark(grammar_text(), parser="lalr", debug=True)
    finally:
        logger.setLevel(level)
    assert not [r for r in caplog.records if "conflict" in r.getMessage().lower()]


def test_parse_header_skips_a_byte_order_mark() -> None:
    from dslc.text import parse_header

    source = "\ufeffstrategy bonus\nextends default\n"
    assert parse_header(source) == {"type": "DSL_EXTEND", "parent": "default", "name": "bonus"}
