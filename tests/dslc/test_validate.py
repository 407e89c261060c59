"""The semantic rules of LANGUAGE.md section 1 (dslc.validate).

Most programs are written as GAME JSON and loaded, so each error can be
checked for its code, the node id the reference would report and the JSON
pointer; a few are built as ASTs with text spans, as the text front end does.
"""

from __future__ import annotations

from typing import Any

import pytest

from dslc import codes
from dslc.ast import (
    STATEMENT_SECTIONS,
    STATEMENT_TYPES,
    Compare,
    ElseIf,
    Field,
    Literal,
    Loc,
    Not,
    Program,
    Return,
    Rule,
    SetCallbackData,
)
from dslc.ids import fill_ids
from dslc.json_loader import load_json
from dslc.validate import MAX_DEPTH, MAX_NODES, quote, validate

Json = dict[str, Any]
P = "p.program.0"
R0 = f"{P}.rule.0"
TRUE: Json = {"type": "literal", "value": True}
RETURN: Json = {"type": "return"}


def lit(value: object) -> Json:
    return {"type": "literal", "value": value}


def field(path: str) -> Json:
    return {"type": "field", "path": path}


def rule(when: Json | None = None, then: list[Json] | None = None, **extra: Any) -> Json:
    return {"type": "rule", "when": when or TRUE, "then": then or [RETURN], **extra}


def program(rules: list[Json] | None = None, **extra: Any) -> Json:
    return {"type": "program", "rules": rules or [], **extra}


def in_section(section: str, stmt: Json) -> Json:
    """A program with ``stmt`` as the only statement of ``section``."""
    if section == "default":
        return program(default=stmt)
    return program(**{section: [rule(then=[stmt])]})


def errors(ast: Json) -> list[tuple[str, str | None, str | None]]:
    loaded, diags = load_json(ast)
    assert diags == [], [d.message for d in diags]
    assert loaded is not None
    return [(d.code, d.node_id, d.pointer) for d in validate(loaded)]


def only(ast: Json) -> tuple[str, str | None, str | None]:
    found = errors(ast)
    assert len(found) == 1, found
    return found[0]


def messages(ast: Json) -> list[tuple[str, str | None]]:
    loaded, _ = load_json(ast)
    assert loaded is not None
    return [(d.message, d.hint) for d in validate(loaded)]


# -- valid programs ----------------------------------------------------------


def test_a_full_valid_program_has_no_error() -> None:
    ast = program(
        [
            rule(
                {"type": "compare", "op": ">=", "left": field("user.avg_time"), "right": lit(2)},
                [
                    {"type": "set_callback_data", "key": "k", "value": field("data.x")},
                    {
                        "type": "assign_points",
                        "value": {
                            "type": "func_call",
                            "name": "clamp",
                            "args": [
                                {"type": "arith", "op": "max", "left": lit(1), "right": lit(2.5)},
                                lit(0),
                                lit(10),
                            ],
                        },
                        "case_name": "ok\n",
                    },
                ],
                else_if=[{"when": field("data.flag"), "then": [RETURN]}],
                **{"else": [{"type": "assign_points", "value": lit(0), "case_name": "x" * 200}]},
            )
        ],
        pre_rules=[
            rule(then=[{"type": "set_data", "key": "a_1\n", "value": lit(None)}]),
            rule(then=[{"type": "veto", "case_name": " "}]),
        ],
        post_rules=[
            rule(
                {"type": "not", "arg": field("parent.case_name")},
                [
                    {"type": "set_points", "value": field("parent.points")},
                    {"type": "set_case_name", "value": lit("n")},
                ],
            )
        ],
        default={"type": "return"},
        parent_variables={"variable_x": None, "variable_y": 1.5},
    )
    assert errors(ast) == []


# -- sections ----------------------------------------------------------------


def _statement(stmt_type: str) -> Json:
    return {
        "assign_points": {"type": "assign_points", "value": lit(1), "case_name": "c"},
        "set_callback_data": {"type": "set_callback_data", "key": "k", "value": lit(1)},
        "return": {"type": "return"},
        "set_data": {"type": "set_data", "key": "k", "value": lit(1)},
        "veto": {"type": "veto", "case_name": "c"},
        "set_points": {"type": "set_points", "value": lit(1)},
        "set_case_name": {"type": "set_case_name", "value": lit("c")},
    }[stmt_type]


SECTION_CASES = [
    (stmt_type, section)
    for stmt_type in STATEMENT_TYPES
    for section in ("rules", "default", "pre_rules", "post_rules")
]


@pytest.mark.parametrize(("stmt_type", "section"), SECTION_CASES)
def test_statement_sections(stmt_type: str, section: str) -> None:
    found = errors(in_section(section, _statement(stmt_type)))
    if section in STATEMENT_SECTIONS[stmt_type]:
        assert found == []
        return
    if section == "default":
        expected = (f"{P}.{stmt_type}.0", "/default")
    else:
        expected = (f"{R0}.{stmt_type}.0", f"/{section}/0/then/0")
    assert found == [(codes.STATEMENT_NOT_ALLOWED, *expected)]


def test_statement_section_message_names_the_allowed_sections() -> None:
    [(message, _)] = messages(in_section("rules", _statement("set_points")))
    assert message == "set_points is not allowed in rules; it is allowed in: post_rules"
    [(message, _)] = messages(in_section("pre_rules", _statement("assign_points")))
    assert message.endswith("it is allowed in: rules, default")


def test_sections_apply_to_else_if_and_else() -> None:
    veto = _statement("veto")
    ast = program(
        [rule(else_if=[{"when": TRUE, "then": [veto]}], **{"else": [RETURN, veto]})],
    )
    assert errors(ast) == [
        (codes.STATEMENT_NOT_ALLOWED, f"{R0}.else_if.0.veto.0", "/rules/0/else_if/0/then/0"),
        (codes.STATEMENT_NOT_ALLOWED, f"{R0}.veto.1", "/rules/0/else/1"),
    ]


# -- fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["__builtins__", "user.password", "data.a.b", "data.", "data. ", "data.ü", "os.system", ""],
)
def test_field_path_not_allowed(path: str) -> None:
    ast = program([rule({"type": "compare", "op": "==", "left": field(path), "right": lit(1)})])
    ast["rules"][0]["when"]["left"]["id"] = "f"
    if path == "":
        # An empty path is a structural error of the JSON front end.
        loaded, diags = load_json(ast)
        assert loaded is None
        assert [(d.code, d.node_id) for d in diags] == [(codes.FIELD_PATH_NOT_STRING, "f")]
        return
    assert only(ast) == (codes.FIELD_PATH_NOT_ALLOWED, "f", "/rules/0/when/left")


def test_field_path_hints() -> None:
    [(_, hint)] = messages(program([rule(field("usr.avg_time"))]))
    assert hint == "did you mean 'user.avg_time'?"
    [(_, hint)] = messages(program([rule(field("data.a-b"))]))
    assert hint is not None and "[A-Za-z0-9_]" in hint
    [(_, hint)] = messages(program([rule(field("zzzzzzzz"))]))
    assert hint is not None and "externalGameId" in hint


def test_data_path_with_a_trailing_newline_is_accepted() -> None:
    assert errors(program([rule(field("data.x\n"))])) == []


@pytest.mark.parametrize("path", ["parent.points", "parent.case_name"])
@pytest.mark.parametrize("section", ["rules", "pre_rules", "default"])
def test_parent_fields_only_in_post_rules(path: str, section: str) -> None:
    stmt = {"type": "set_callback_data", "key": "k", "value": field(path)}
    found = errors(in_section(section, stmt))
    if section == "default":
        expected = (f"{P}.set_callback_data.0.field.0", "/default/value")
    else:
        expected = (f"{R0}.set_callback_data.0.field.0", f"/{section}/0/then/0/value")
    assert found == [(codes.PARENT_FIELD_OUTSIDE_POST, *expected)]
    assert errors(in_section("post_rules", stmt)) == []


def test_parent_field_as_a_bare_condition() -> None:
    assert only(program([rule(field("parent.points"))])) == (
        codes.PARENT_FIELD_OUTSIDE_POST,
        f"{R0}.field.0",
        "/rules/0/when",
    )


# -- operators and functions -------------------------------------------------


@pytest.mark.parametrize("op", ["===", "is", "__class__", "<>", ""])
def test_compare_op_not_allowed(op: str) -> None:
    when = {"type": "compare", "id": "c", "op": op, "left": lit(1), "right": lit(2)}
    assert only(program([rule(when)])) == (codes.COMPARE_OP_NOT_ALLOWED, "c", "/rules/0/when")


@pytest.mark.parametrize("op", ["**", "__pow__", "%", "abs", "//"])
def test_arith_op_not_allowed(op: str) -> None:
    value = {"type": "arith", "op": op, "left": lit(1), "right": lit(2)}
    stmt = {"type": "assign_points", "value": value, "case_name": "c"}
    assert only(program([rule(then=[stmt])])) == (
        codes.ARITH_OP_NOT_ALLOWED,
        f"{R0}.assign_points.0.arith.0",
        "/rules/0/then/0/value",
    )


@pytest.mark.parametrize("name", ["eval", "Int", "round", "os.system", "__import__"])
def test_func_name_not_allowed(name: str) -> None:
    value = {"type": "func_call", "id": "fc", "name": name, "args": [lit(1)]}
    ast = program([rule(then=[{"type": "set_callback_data", "key": "k", "value": value}])])
    assert only(ast) == (codes.FUNC_NAME_NOT_ALLOWED, "fc", "/rules/0/then/0/value")


def test_func_name_hint() -> None:
    value = {"type": "func_call", "name": "Int", "args": [lit(1)]}
    [(_, hint)] = messages(
        program(default={"type": "set_callback_data", "key": "k", "value": value})
    )
    assert hint is not None and hint.startswith("did you mean 'int'?")


@pytest.mark.parametrize(("name", "count"), [("int", 0), ("int", 2), ("clamp", 1), ("clamp", 4)])
def test_func_arity(name: str, count: int) -> None:
    value = {"type": "func_call", "id": "fc", "name": name, "args": [lit(1)] * count}
    ast = program(default={"type": "set_callback_data", "key": "k", "value": value})
    assert only(ast) == (codes.FUNC_ARITY_MISMATCH, "fc", "/default/value")


def test_literal_not_scalar_in_a_built_ast() -> None:
    bad = Literal(value=[1, 2], loc=Loc(start=4, end=9))  # type: ignore[arg-type]
    p = fill_ids(Program(rules=(Rule(bad, (Return(),), id="r"),)))
    [d] = validate(p)
    assert (d.code, d.node_id, d.start, d.end) == (codes.LITERAL_NOT_SCALAR, "r.literal.0", 4, 9)
    assert "an array" in d.message


# -- case names and keys -----------------------------------------------------


@pytest.mark.parametrize("name", ["", "x" * 201, "ev\x00il", "tab\there", "ü", "a\n\n", "\n"])
@pytest.mark.parametrize("stmt_type", ["assign_points", "veto"])
def test_case_name_invalid(stmt_type: str, name: str) -> None:
    stmt = {**_statement(stmt_type), "case_name": name}
    section = "rules" if stmt_type == "assign_points" else "pre_rules"
    assert only(in_section(section, stmt)) == (
        codes.CASE_NAME_INVALID,
        f"{R0}.{stmt_type}.0",
        f"/{section}/0/then/0",
    )


@pytest.mark.parametrize("name", ["x", "x" * 200, "x" * 200 + "\n", " ~", "Case 1: ok!"])
def test_case_name_valid(name: str) -> None:
    stmt = {**_statement("veto"), "case_name": name}
    assert errors(in_section("pre_rules", stmt)) == []


def test_callback_key_must_not_be_empty() -> None:
    stmt = {"type": "set_callback_data", "key": "", "value": lit(1)}
    assert only(in_section("post_rules", stmt)) == (
        codes.CALLBACK_KEY_INVALID,
        f"{R0}.set_callback_data.0",
        "/post_rules/0/then/0",
    )
    assert errors(in_section("post_rules", {**stmt, "key": "a.b ü"})) == []


@pytest.mark.parametrize("key", ["", "a.b", "ü", "a b", "x\n\n"])
def test_data_key_invalid(key: str) -> None:
    stmt = {"type": "set_data", "key": key, "value": lit(1)}
    assert only(in_section("pre_rules", stmt)) == (
        codes.DATA_KEY_INVALID,
        f"{R0}.set_data.0",
        "/pre_rules/0/then/0",
    )


@pytest.mark.parametrize("key", ["debug", "Variable_x", "", "variable"])
def test_parent_variable_key(key: str) -> None:
    ast = program(parent_variables={"variable_ok": 1, key: True})
    escaped = "/parent_variables/" + key
    assert only(ast) == (codes.PARENT_VARIABLE_KEY, P, escaped)


def test_parent_variable_key_pointer_is_escaped() -> None:
    ast = program(parent_variables={"a/b~c": 1}, id="prog")
    assert only(ast) == (codes.PARENT_VARIABLE_KEY, "prog", "/parent_variables/a~1b~0c")


# -- limits ------------------------------------------------------------------


def _not_chain(count: int, leaf: Json) -> Json:
    node = leaf
    for _ in range(count):
        node = {"type": "not", "arg": node}
    return node


def test_depth_32_is_fine_and_33_is_an_error() -> None:
    # The rule is depth 1 and its ``when`` depth 2, so after 30 ``not``s the
    # leaf is at depth 32.
    assert errors(program([rule(_not_chain(30, TRUE))])) == []
    loaded, diags = load_json(program([rule(_not_chain(31, TRUE))]))
    # The JSON loader refuses to descend past the limit itself.
    assert loaded is None
    [d] = diags
    assert d.code == codes.DEPTH_LIMIT
    assert d.node_id == R0 + ".not.0" * 31 + ".literal.0"
    assert d.pointer == "/rules/0/when" + "/arg" * 31


def test_depth_of_statement_values_and_default() -> None:
    def arith_chain(count: int) -> Json:
        node: Json = lit(1)
        for _ in range(count):
            node = {"type": "arith", "op": "+", "left": node, "right": lit(1)}
        return node

    # Statement at depth 2, its value at 3: 29 ariths put the leaves at 32.
    ok = {"type": "set_callback_data", "key": "k", "value": arith_chain(29)}
    assert errors(program([rule(then=[ok])])) == []
    # The default statement is depth 1, so one more arith fits there.
    deeper = {"type": "set_callback_data", "key": "k", "value": arith_chain(30)}
    assert errors(program(default=deeper)) == []
    assert load_json(program([rule(then=[deeper])]))[0] is None


def test_depth_in_a_built_ast_from_the_text_front_end() -> None:
    # Far deeper than the recursion limit: the validator must not recurse.
    cond: Not | Literal = Literal(True, loc=Loc(start=0, end=4))
    for _ in range(5000):
        cond = Not(cond, loc=Loc(start=1, end=2))
    p = fill_ids(Program(rules=(Rule(cond, (Return(),)),)))
    found = validate(p)
    assert [d.code for d in found] == [codes.DEPTH_LIMIT]
    assert found[0].node_id == R0 + ".not.0" * 32
    assert (found[0].start, found[0].end, found[0].pointer) == (1, 2, None)


def test_depth_limit_constant() -> None:
    assert MAX_DEPTH == 32
    assert MAX_NODES == 1000


def _returns_program(count: int, when: Json = TRUE, **extra: Any) -> Json:
    return program([rule(when, [RETURN] * count, **extra)])


def test_node_count_1000_is_fine_and_1001_is_an_error() -> None:
    # program 1 + rule 1 + bare literal condition 2 + the returns.
    assert errors(_returns_program(996)) == []
    assert only(_returns_program(997)) == (
        codes.NODE_LIMIT,
        f"{R0}.return.996",
        "/rules/0/then/996",
    )


def test_node_count_rules_for_compare_and_else_if() -> None:
    compare = {"type": "compare", "op": "<", "left": lit(1), "right": lit(2)}
    # A compare condition is 3 nodes (not 2 + 2): 1 + 1 + 3 + 995 = 1000.
    assert errors(_returns_program(995, compare)) == []
    assert errors(_returns_program(996, compare))[0][0] == codes.NODE_LIMIT
    # An else_if branch is 1, its bare condition 2, its return 1.
    branch = {"when": TRUE, "then": [RETURN]}
    assert errors(_returns_program(992, else_if=[branch])) == []
    found = errors(_returns_program(993, else_if=[branch]))
    assert found == [(codes.NODE_LIMIT, f"{R0}.else_if.0.return.0", "/rules/0/else_if/0/then/0")]


def test_node_limit_is_reported_once() -> None:
    assert len(errors(_returns_program(3000))) == 1


# -- general -----------------------------------------------------------------


def test_all_errors_are_reported_in_visiting_order() -> None:
    ast = program(
        [
            rule(field("bad.path"), [_statement("veto")]),
            rule(then=[{"type": "set_data", "key": "a.b", "value": lit(1)}]),
        ],
        default={"type": "set_callback_data", "key": "", "value": field("parent.points")},
    )
    assert errors(ast) == [
        (codes.FIELD_PATH_NOT_ALLOWED, f"{R0}.field.0", "/rules/0/when"),
        (codes.STATEMENT_NOT_ALLOWED, f"{R0}.veto.0", "/rules/0/then/0"),
        (codes.STATEMENT_NOT_ALLOWED, f"{P}.rule.1.set_data.0", "/rules/1/then/0"),
        (codes.DATA_KEY_INVALID, f"{P}.rule.1.set_data.0", "/rules/1/then/0"),
        (codes.CALLBACK_KEY_INVALID, f"{P}.set_callback_data.0", "/default"),
        (codes.PARENT_FIELD_OUTSIDE_POST, f"{P}.set_callback_data.0.field.0", "/default/value"),
    ]


def test_text_spans_and_filename_pass_through() -> None:
    when = Compare(
        "=~", Field("data.x", loc=Loc(start=5, end=11)), Literal(1), loc=Loc(start=3, end=20)
    )
    branch = ElseIf(Literal(True), (SetCallbackData("", Literal(1), loc=Loc(start=30, end=40)),))
    p = fill_ids(Program(rules=(Rule(when, (Return(),), else_ifs=(branch,), id="r", named=True),)))
    found = validate(p, filename="s.strat")
    assert [(d.code, d.node_id, d.start, d.end, d.filename) for d in found] == [
        (codes.COMPARE_OP_NOT_ALLOWED, "r.compare.0", 3, 20, "s.strat"),
        (codes.CALLBACK_KEY_INVALID, "r.else_if.0.set_callback_data.0", 30, 40, "s.strat"),
    ]


def test_quote_is_safe_on_hostile_values() -> None:
    deep: list[Any] = []
    for _ in range(100000):
        deep = [deep]
    assert quote(deep) == "an array"
    assert quote({"a": 1}) == "an object"
    assert quote("x" * 1000).endswith("...")
    assert len(quote("x" * 1000)) < 80
    assert quote(None) == "null"
    assert quote(1.5) == "1.5"
    assert quote(b"x") == "a bytes"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_literals_are_rejected(value: float) -> None:
    """JSON has no NaN or infinity, but Python's parser accepts them."""
    program, diags = load_json(
        {
            "type": "program",
            "rules": [],
            "default": {
                "type": "assign_points",
                "id": "a",
                "value": {"type": "literal", "id": "lit", "value": value},
                "case_name": "x",
            },
        }
    )
    assert program is not None and not diags
    errors = validate(program)
    assert [(d.code, d.node_id, d.pointer) for d in errors] == [
        ("DSLC_LITERAL_NOT_FINITE", "lit", "/default/value")
    ]
