"""The JSON front end (dslc.json_loader) and its inverse (dslc.to_json).

Every structural error is checked for its code, the node id the reference
would report and the JSON pointer. Property tests: any JSON value loads
without raising, and ``load_json(program_to_json(p))`` gives back ``p``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dslc import codes
from dslc.ast import (
    And,
    Arith,
    AssignPoints,
    Compare,
    ElseIf,
    Field,
    FuncCall,
    Literal,
    Not,
    Or,
    Program,
    Return,
    Rule,
    SetCallbackData,
    SetCaseName,
    SetData,
    SetPoints,
    Veto,
)
from dslc.ids import all_ids, fill_ids, iter_nodes
from dslc.json_loader import NODE_KEYS, NODE_TYPES, load_and_validate, load_json
from dslc.to_json import program_to_json
from dslc.validate import validate

Json = dict[str, Any]
Err = tuple[str, str | None, str | None]
P = "p.program.0"
R0 = f"{P}.rule.0"
TRUE: Json = {"type": "literal", "value": True}
RETURN: Json = {"type": "return"}


def lit(value: object) -> Json:
    return {"type": "literal", "value": value}


def rule(when: object = None, then: object = None, **extra: Any) -> Json:
    return {
        "type": "rule",
        "when": TRUE if when is None else when,
        "then": [RETURN] if then is None else then,
        **extra,
    }


def program(rules: list[Any] | None = None, **extra: Any) -> Json:
    return {"type": "program", "rules": rules or [], **extra}


def with_default(stmt: object) -> Json:
    return program(default=stmt)


def load_errors(ast: object) -> list[Err]:
    loaded, diags = load_json(ast)
    assert all(d.is_error for d in diags)
    if diags:
        assert loaded is None
    return [(d.code, d.node_id, d.pointer) for d in diags]


def one(ast: object) -> Err:
    found = load_errors(ast)
    assert len(found) == 1, found
    return found[0]


def loaded(ast: object) -> Program:
    prog, diags = load_json(ast)
    assert diags == [], [d.message for d in diags]
    assert prog is not None
    return prog


# -- root and program ----------------------------------------------------------


@pytest.mark.parametrize("root", [[], 42, 1.5, "program", None, True, [{"type": "program"}]])
def test_root_must_be_an_object(root: object) -> None:
    assert one(root) == (codes.NODE_NOT_OBJECT, None, "")


def test_program_type() -> None:
    assert one({"rules": []}) == (codes.NODE_TYPE_MISSING, P, "")
    assert one({"type": None, "rules": [], "id": "x"}) == (codes.NODE_TYPE_MISSING, "x", "")
    assert one({"type": "rule", "rules": []}) == (codes.NODE_TYPE_MISPLACED, P, "/type")
    assert one({"type": "", "rules": []}) == (codes.NODE_TYPE_UNKNOWN, P, "/type")
    assert one({"type": "Program", "rules": []}) == (codes.NODE_TYPE_UNKNOWN, P, "/type")


@pytest.mark.parametrize("bad_type", [["program"], {"program": 1}, 1, False])
def test_a_non_string_type_is_an_ordinary_error(bad_type: object) -> None:
    # The reference crashes with TypeError on arrays and objects here.
    assert one({"type": bad_type, "rules": []}) == (codes.NODE_TYPE_UNKNOWN, P, "/type")
    when = {"type": bad_type, "id": "c"}
    assert one(program([rule(when, id="r")])) == (
        codes.NODE_TYPE_UNKNOWN,
        "r",
        "/rules/0/when/type",
    )
    stmt = {"type": bad_type}
    assert one(with_default(stmt)) == (codes.NODE_TYPE_UNKNOWN, P, "/default/type")


def test_program_keys() -> None:
    assert one({"type": "program", "id": "prog"}) == (codes.MISSING_KEY, "prog", "")
    assert one(program(evil_payload=1)) == (codes.UNKNOWN_KEY, P, "/evil_payload")
    assert one(program(**{"a/b~c": 1})) == (codes.UNKNOWN_KEY, P, "/a~1b~0c")
    assert one(program(**{"else": [RETURN]})) == (codes.UNKNOWN_KEY, P, "/else")


@pytest.mark.parametrize("key", ["rules", "pre_rules", "post_rules"])
@pytest.mark.parametrize("value", ["rules", {"type": "rule"}, 3])
def test_rule_sections_must_be_arrays(key: str, value: object) -> None:
    ast = {"type": "program", "rules": [], key: value}
    assert one(ast) == (codes.NOT_A_LIST, P, f"/{key}")


def test_rules_null_is_not_absent() -> None:
    assert one({"type": "program", "rules": None}) == (codes.NOT_A_LIST, P, "/rules")


def test_null_means_absent() -> None:
    prog = loaded(
        program(
            [rule(else_if=None, **{"else": None})],
            default=None,
            pre_rules=None,
            post_rules=None,
            parent_variables=None,
        )
    )
    assert prog.default is None
    assert prog.pre_rules is None
    assert prog.post_rules is None
    assert prog.parent_variables is None
    assert prog.rules[0].else_ifs == ()
    assert prog.rules[0].else_ is None


def test_empty_sections_are_kept_apart_from_absent_ones() -> None:
    prog = loaded(program(pre_rules=[], post_rules=[], parent_variables={}))
    assert prog.pre_rules == ()
    assert prog.post_rules == ()
    assert prog.parent_variables == {}


@pytest.mark.parametrize("value", [[], "x", 1, True])
def test_parent_variables_must_be_an_object(value: object) -> None:
    ast = program(parent_variables=value, id="prog")
    assert one(ast) == (codes.PARENT_VARIABLES_NOT_OBJECT, "prog", "/parent_variables")


@pytest.mark.parametrize("value", [[1, 2, 3], {"a": 1}])
def test_parent_variable_values_must_be_scalars(value: object) -> None:
    ast = program(parent_variables={"variable_ok": None, "variable_x": value})
    assert one(ast) == (codes.PARENT_VARIABLE_VALUE, P, "/parent_variables/variable_x")


def test_parent_variable_keys_must_be_strings() -> None:
    # Only reachable from Python callers: JSON object keys are strings.
    ast = program(parent_variables={1: 2})
    assert one(ast) == (codes.PARENT_VARIABLE_KEY, P, "/parent_variables")


def test_parent_variable_prefix_is_checked_by_validate() -> None:
    prog = loaded(program(parent_variables={"debug": True}))
    assert [d.code for d in validate(prog)] == [codes.PARENT_VARIABLE_KEY]
    assert prog.parent_variables == {"debug": True}


# -- rules ---------------------------------------------------------------------


@pytest.mark.parametrize("item", [2.5, "rule", None, []])
def test_rules_must_be_objects(item: object) -> None:
    assert one(program([item], id="prog")) == (codes.NODE_NOT_OBJECT, "prog", "/rules/0")


def test_rule_type() -> None:
    bare = {"when": TRUE, "then": [RETURN]}
    assert one(program([bare])) == (codes.NODE_TYPE_MISSING, R0, "/rules/0")
    found = load_errors({"type": "program", "rules": [], "post_rules": [rule(), bare]})
    assert found == [(codes.NODE_TYPE_MISSING, f"{P}.rule.1", "/post_rules/1")]
    assert one(program([{**rule(), "type": "Rule", "id": "n"}])) == (
        codes.NODE_TYPE_UNKNOWN,
        "n",
        "/rules/0/type",
    )
    assert one(program([{**rule(), "type": "compare"}])) == (
        codes.NODE_TYPE_MISPLACED,
        R0,
        "/rules/0/type",
    )


def test_rule_keys() -> None:
    assert one(program([{"type": "rule", "id": "r", "then": [RETURN]}])) == (
        codes.MISSING_KEY,
        "r",
        "/rules/0",
    )
    assert one(program([{"type": "rule", "when": TRUE}])) == (codes.MISSING_KEY, R0, "/rules/0")
    assert one(program([rule(otherwise=[RETURN], id="r")])) == (
        codes.UNKNOWN_KEY,
        "r",
        "/rules/0/otherwise",
    )


@pytest.mark.parametrize("key", ["then", "else"])
def test_statement_lists_must_be_non_empty_arrays(key: str) -> None:
    base = rule(id="r")
    assert one(program([{**base, key: []}])) == (codes.EMPTY_LIST, "r", f"/rules/0/{key}")
    for value in ("x", {"type": "return"}, 3):
        assert one(program([{**base, key: value}])) == (codes.NOT_A_LIST, "r", f"/rules/0/{key}")


def test_then_null_is_an_error() -> None:
    assert one(program([rule(id="r") | {"then": None}])) == (codes.NOT_A_LIST, "r", "/rules/0/then")


def test_else_if_shape() -> None:
    bid = f"{R0}.else_if.0"
    assert one(program([rule(else_if="x")])) == (codes.NOT_A_LIST, R0, "/rules/0/else_if")
    assert loaded(program([rule(else_if=[])])).rules[0].else_ifs == ()
    for item in ("x", 1, [], None):
        assert one(program([rule(else_if=[item])])) == (
            codes.NODE_NOT_OBJECT,
            bid,
            "/rules/0/else_if/0",
        )
    assert one(program([rule(else_if=[{"then": [RETURN]}])])) == (
        codes.MISSING_KEY,
        bid,
        "/rules/0/else_if/0",
    )
    assert one(program([rule(else_if=[{"when": TRUE}])])) == (
        codes.MISSING_KEY,
        bid,
        "/rules/0/else_if/0",
    )
    typed = {"type": "rule", "when": TRUE, "then": [RETURN]}
    assert one(program([rule(else_if=[typed])])) == (
        codes.UNKNOWN_KEY,
        bid,
        "/rules/0/else_if/0/type",
    )
    assert one(program([rule(else_if=[{"when": TRUE, "then": []}])])) == (
        codes.EMPTY_LIST,
        bid,
        "/rules/0/else_if/0/then",
    )
    assert one(program([rule(else_if=[{"when": TRUE, "then": None}])])) == (
        codes.NOT_A_LIST,
        bid,
        "/rules/0/else_if/0/then",
    )


def test_else_if_nodes_are_blamed_on_the_branch() -> None:
    bid = f"{R0}.else_if.1"
    branch = {"when": TRUE, "then": [RETURN]}
    bad = {"when": 5, "then": [7]}
    assert load_errors(program([rule(else_if=[branch, bad])])) == [
        (codes.NODE_NOT_OBJECT, bid, "/rules/0/else_if/1/when"),
        (codes.NODE_NOT_OBJECT, bid, "/rules/0/else_if/1/then/0"),
    ]


# -- conditions ----------------------------------------------------------------


def test_condition_not_an_object() -> None:
    assert one(program([rule(2.5, id="r")])) == (codes.NODE_NOT_OBJECT, "r", "/rules/0/when")
    assert one(program([rule(None, id="r") | {"when": None}])) == (
        codes.NODE_NOT_OBJECT,
        "r",
        "/rules/0/when",
    )


@pytest.mark.parametrize("node_type", ["arith", "func_call", "return", "program", "rule"])
def test_condition_type_misplaced(node_type: str) -> None:
    assert one(program([rule({"type": node_type}, id="r")])) == (
        codes.NODE_TYPE_MISPLACED,
        "r",
        "/rules/0/when/type",
    )


def test_bare_expression_condition_hint() -> None:
    _, diags = load_json(program([rule({"type": "arith"})]))
    assert diags[0].hint is not None and "compare" in diags[0].hint


@pytest.mark.parametrize("node_type", ["eval", "exec", "lambda", "None", ""])
def test_condition_type_unknown(node_type: str) -> None:
    assert one(program([rule({"type": node_type, "id": "c"}, id="r")])) == (
        codes.NODE_TYPE_UNKNOWN,
        "r",
        "/rules/0/when/type",
    )


def test_condition_type_missing_blames_the_parent() -> None:
    when = {"type": "or", "id": "o", "args": [{"value": 1}]}
    assert one(program([rule(when)])) == (codes.NODE_TYPE_MISSING, "o", "/rules/0/when/args/0")


@pytest.mark.parametrize("node_type", ["and", "or"])
def test_and_or_args(node_type: str) -> None:
    base = {"type": node_type, "id": "c"}
    assert one(program([rule(base)])) == (codes.MISSING_KEY, "c", "/rules/0/when")
    assert one(program([rule({**base, "args": []})])) == (
        codes.EMPTY_LIST,
        "c",
        "/rules/0/when/args",
    )
    assert one(program([rule({**base, "args": TRUE})])) == (
        codes.NOT_A_LIST,
        "c",
        "/rules/0/when/args",
    )


def test_not_arg() -> None:
    assert one(program([rule({"type": "not", "id": "n"})])) == (
        codes.MISSING_KEY,
        "n",
        "/rules/0/when",
    )
    assert load_errors(program([rule({"type": "not", "id": "n", "args": [TRUE]})])) == [
        (codes.MISSING_KEY, "n", "/rules/0/when"),
        (codes.UNKNOWN_KEY, "n", "/rules/0/when/args"),
    ]


@pytest.mark.parametrize("op", [{"op": 1}, ["<"], 1, None, True])
def test_compare_op_must_be_a_string(op: object) -> None:
    when = {"type": "compare", "id": "c", "op": op, "left": lit(1), "right": lit(2)}
    assert one(program([rule(when)])) == (codes.COMPARE_OP_NOT_ALLOWED, "c", "/rules/0/when/op")


@pytest.mark.parametrize("missing", ["op", "left", "right"])
def test_compare_keys(missing: str) -> None:
    when = {"type": "compare", "op": "<", "left": lit(1), "right": lit(2)}
    del when[missing]
    assert one(program([rule(when, id="r")])) == (codes.MISSING_KEY, "r.compare.0", "/rules/0/when")


# -- expressions ---------------------------------------------------------------


def _in_value(value: object) -> Json:
    """A program whose default statement has ``value`` (at /default/value)."""
    return with_default({"type": "set_callback_data", "id": "s", "key": "k", "value": value})


def test_expression_not_an_object() -> None:
    assert one(_in_value(1)) == (codes.NODE_NOT_OBJECT, "s", "/default/value")
    when = {"type": "compare", "id": "c", "op": "<", "left": [1], "right": lit(1)}
    assert one(program([rule(when)])) == (codes.NODE_NOT_OBJECT, "c", "/rules/0/when/left")


@pytest.mark.parametrize("node_type", ["and", "or", "not", "compare", "return", "rule"])
def test_expression_type_misplaced(node_type: str) -> None:
    assert one(_in_value({"type": node_type})) == (
        codes.NODE_TYPE_MISPLACED,
        "s",
        "/default/value/type",
    )


def test_expression_type_unknown_and_missing() -> None:
    assert one(_in_value({"type": "print"})) == (
        codes.NODE_TYPE_UNKNOWN,
        "s",
        "/default/value/type",
    )
    assert one(_in_value({"value": 1})) == (codes.NODE_TYPE_MISSING, "s", "/default/value")


@pytest.mark.parametrize("value", [[1], {"__class__": "object"}, [], {}])
def test_literal_value_must_be_a_scalar(value: object) -> None:
    assert one(_in_value({"type": "literal", "value": value})) == (
        codes.LITERAL_NOT_SCALAR,
        "s.literal.0",
        "/default/value/value",
    )


@pytest.mark.parametrize("path", [None, "", 1, ["data.x"], {"p": 1}])
def test_field_path_must_be_a_non_empty_string(path: object) -> None:
    assert one(_in_value({"type": "field", "path": path})) == (
        codes.FIELD_PATH_NOT_STRING,
        "s.field.0",
        "/default/value/path",
    )


@pytest.mark.parametrize("op", [["+"], {"+": 1}, 1, None])
def test_arith_op_must_be_a_string(op: object) -> None:
    value = {"type": "arith", "op": op, "left": lit(1), "right": lit(2)}
    assert one(_in_value(value)) == (
        codes.ARITH_OP_NOT_ALLOWED,
        "s.arith.0",
        "/default/value/op",
    )


@pytest.mark.parametrize("name", [["int"], {"n": "int"}, 1, None])
def test_func_name_must_be_a_string(name: object) -> None:
    value = {"type": "func_call", "name": name, "args": [lit(1)]}
    assert one(_in_value(value)) == (
        codes.FUNC_NAME_NOT_ALLOWED,
        "s.func_call.0",
        "/default/value/name",
    )


@pytest.mark.parametrize("args", ["not a list", 1, None, {"0": 1}])
def test_func_args_must_be_an_array(args: object) -> None:
    # The reference reports this as an arity mismatch; its code is kept.
    value = {"type": "func_call", "name": "int", "args": args}
    assert one(_in_value(value)) == (
        codes.FUNC_ARITY_MISMATCH,
        "s.func_call.0",
        "/default/value/args",
    )


COMPLETE: dict[str, Json] = {
    "program": program(),
    "rule": rule(),
    "and": {"type": "and", "args": [TRUE]},
    "or": {"type": "or", "args": [TRUE]},
    "not": {"type": "not", "arg": TRUE},
    "compare": {"type": "compare", "op": "<", "left": lit(1), "right": lit(2)},
    "literal": lit(1),
    "field": {"type": "field", "path": "data.x"},
    "arith": {"type": "arith", "op": "+", "left": lit(1), "right": lit(2)},
    "func_call": {"type": "func_call", "name": "int", "args": [lit(1)]},
    "assign_points": {"type": "assign_points", "value": lit(1), "case_name": "c"},
    "set_callback_data": {"type": "set_callback_data", "key": "k", "value": lit(1)},
    "return": {"type": "return"},
    "set_data": {"type": "set_data", "key": "k", "value": lit(1)},
    "veto": {"type": "veto", "case_name": "c"},
    "set_points": {"type": "set_points", "value": lit(1)},
    "set_case_name": {"type": "set_case_name", "value": lit("c")},
}
MISSING_CASES = [(t, key) for t, (required, _) in sorted(NODE_KEYS.items()) for key in required]


def test_complete_nodes_load() -> None:
    assert sorted(COMPLETE) == sorted(NODE_TYPES)
    for node_type, node in COMPLETE.items():
        assert load_errors(_placed({**node, "id": "n"})) == [], node_type


@pytest.mark.parametrize(("node_type", "key"), MISSING_CASES)
def test_every_missing_required_key(node_type: str, key: str) -> None:
    node = {**COMPLETE[node_type], "id": "n"}
    del node[key]
    _, diags = load_json(_placed(node))
    assert [(d.code, d.node_id, d.pointer) for d in diags] == [
        (codes.MISSING_KEY, "n", _pointer_of(node_type))
    ]
    assert repr(key) in diags[0].message


@pytest.mark.parametrize("node_type", sorted(NODE_TYPES))
def test_every_node_rejects_unknown_keys(node_type: str) -> None:
    node: Json = {**COMPLETE[node_type], "id": "n", "sneaky": 1}
    assert load_errors(_placed(node)) == [
        (codes.UNKNOWN_KEY, "n", _pointer_of(node_type) + "/sneaky")
    ]


def _placed(node: Json) -> Json:
    """``node`` at a position its type may take."""
    node_type = node["type"]
    if node_type == "program":
        return node
    if node_type == "rule":
        return program([node])
    if node_type in ("and", "or", "not", "compare"):
        return program([rule(node)])
    if node_type in ("literal", "field", "arith", "func_call"):
        return _in_value(node)
    section = {"set_data": "pre_rules", "veto": "pre_rules"}.get(node_type, "post_rules")
    return program(**{section: [rule(then=[node])]})


def _pointer_of(node_type: str) -> str:
    if node_type == "program":
        return ""
    if node_type == "rule":
        return "/rules/0"
    if node_type in ("and", "or", "not", "compare"):
        return "/rules/0/when"
    if node_type in ("literal", "field", "arith", "func_call"):
        return "/default/value"
    section = {"set_data": "pre_rules", "veto": "pre_rules"}.get(node_type, "post_rules")
    return f"/{section}/0/then/0"


# -- statements ----------------------------------------------------------------


@pytest.mark.parametrize("item", [2.5, "return", None, [RETURN]])
def test_statement_not_an_object(item: object) -> None:
    assert one(program([rule(then=[RETURN, item], id="r")])) == (
        codes.NODE_NOT_OBJECT,
        "r",
        "/rules/0/then/1",
    )
    assert one(with_default(item) if item is not None else with_default([])) == (
        codes.NODE_NOT_OBJECT,
        P,
        "/default",
    )


@pytest.mark.parametrize("node_type", ["literal", "field", "compare", "and", "rule", "program"])
def test_statement_type_misplaced(node_type: str) -> None:
    assert one(program([rule(then=[{"type": node_type}], id="r")])) == (
        codes.NODE_TYPE_MISPLACED,
        "r",
        "/rules/0/then/0/type",
    )


def test_statement_type_unknown_and_missing() -> None:
    assert one(with_default({"type": "sneaky_eval", "code": "1+1"})) == (
        codes.NODE_TYPE_UNKNOWN,
        P,
        "/default/type",
    )
    assert one(program([rule(then=[{"key": "k", "value": lit(1)}], id="r")])) == (
        codes.NODE_TYPE_MISSING,
        "r",
        "/rules/0/then/0",
    )


@pytest.mark.parametrize("stmt_type", ["assign_points", "veto"])
@pytest.mark.parametrize("case_name", [None, 1, ["x"], {"x": 1}])
def test_case_name_must_be_a_string(stmt_type: str, case_name: object) -> None:
    stmt = {"type": stmt_type, "id": "s", "value": lit(1), "case_name": case_name}
    if stmt_type == "veto":
        del stmt["value"]
    assert one(with_default(stmt)) == (codes.CASE_NAME_INVALID, "s", "/default/case_name")


@pytest.mark.parametrize(
    ("stmt_type", "code"),
    [("set_callback_data", codes.CALLBACK_KEY_INVALID), ("set_data", codes.DATA_KEY_INVALID)],
)
@pytest.mark.parametrize("key", [None, 5, ["k"], {}])
def test_keys_must_be_strings(stmt_type: str, code: str, key: object) -> None:
    stmt = {"type": stmt_type, "id": "s", "key": key, "value": lit(1)}
    assert one(with_default(stmt)) == (code, "s", "/default/key")


def test_return_takes_no_keys() -> None:
    assert one(with_default({"type": "return", "value": lit(1)})) == (
        codes.UNKNOWN_KEY,
        f"{P}.return.0",
        "/default/value",
    )


def test_a_statement_in_the_wrong_section_still_loads() -> None:
    # Sections are the validator's business (shared with the text front end).
    prog = loaded(program([rule(then=[{"type": "veto", "case_name": "x"}])]))
    assert isinstance(prog.rules[0].then[0], Veto)


# -- depth and hostile input ---------------------------------------------------


def _nested_not(depth: int) -> Json:
    node: Json = TRUE
    for _ in range(depth):
        node = {"type": "not", "arg": node}
    return node


def test_depth_limit_in_the_loader() -> None:
    assert load_errors(program([rule(_nested_not(30))])) == []
    [(code, node_id, pointer)] = load_errors(program([rule(_nested_not(31))]))
    assert code == codes.DEPTH_LIMIT
    assert node_id == R0 + ".not.0" * 31 + ".literal.0"
    assert pointer == "/rules/0/when" + "/arg" * 31


def test_a_100000_deep_object_does_not_blow_the_stack() -> None:
    found = load_errors(program([rule(_nested_not(100000))]))
    assert [e[0] for e in found] == [codes.DEPTH_LIMIT]
    assert found[0][2] == "/rules/0/when" + "/arg" * 31


def test_deep_junk_anywhere_is_harmless() -> None:
    deep: Any = {}
    for _ in range(100000):
        deep = {"a": deep, "b": [deep]}
    cases: list[tuple[object, str]] = [
        (deep, codes.NODE_TYPE_MISSING),
        (program(junk=deep), codes.UNKNOWN_KEY),
        (_in_value({"type": "literal", "value": deep}), codes.LITERAL_NOT_SCALAR),
        (_in_value({"type": deep}), codes.NODE_TYPE_UNKNOWN),
        (program(parent_variables={"variable_x": deep}), codes.PARENT_VARIABLE_VALUE),
        (program([rule(else_if=[{"when": TRUE, "then": [RETURN], "x": deep}])]), codes.UNKNOWN_KEY),
    ]
    for ast, code in cases:
        assert [e[0] for e in load_errors(ast)] == [code]


def test_huge_strings_are_truncated_in_messages() -> None:
    _, diags = load_json({"type": "x" * 1_000_000, "rules": []})
    assert len(diags[0].message) < 200


# -- reporting -----------------------------------------------------------------


def test_all_errors_are_reported() -> None:
    ast = program(
        [
            rule(id="a", sneaky=1),
            rule({"type": "eval"}, id="b"),
            rule(then=[{"type": "assign_points", "value": {"type": "literal"}}], id="c"),
        ],
        post_rules="x",
        default=3,
    )
    assert load_errors(ast) == [
        (codes.UNKNOWN_KEY, "a", "/rules/0/sneaky"),
        (codes.NODE_TYPE_UNKNOWN, "b", "/rules/1/when/type"),
        (codes.MISSING_KEY, "c.assign_points.0", "/rules/2/then/0"),
        (codes.MISSING_KEY, "c.assign_points.0.literal.0", "/rules/2/then/0/value"),
        (codes.NOT_A_LIST, P, "/post_rules"),
        (codes.NODE_NOT_OBJECT, P, "/default"),
    ]


def test_filename_and_messages() -> None:
    _, diags = load_json(program(junk=1), filename="s.json")
    [d] = diags
    assert d.filename == "s.json"
    assert "junk" in d.message
    assert d.hint is not None and "rules" in d.hint


def test_load_and_validate() -> None:
    ok = program([rule(then=[{"type": "assign_points", "value": lit(1), "case_name": "c"}])])
    prog, diags = load_and_validate(ok, filename="f.json")
    assert prog is not None and diags == []
    bad = program([rule({"type": "field", "path": "nope"})])
    prog, diags = load_and_validate(bad, filename="f.json")
    assert prog is None
    assert [(d.code, d.filename) for d in diags] == [(codes.FIELD_PATH_NOT_ALLOWED, "f.json")]
    prog, diags = load_and_validate([], filename="f.json")
    assert prog is None and [d.code for d in diags] == [codes.NODE_NOT_OBJECT]


# -- what the AST holds --------------------------------------------------------


def test_numbers_keep_their_json_types() -> None:
    values = [1, 1.0, True, False, 0, -0.0, None, "1", 10**30]
    prog = loaded(program([rule(then=[_cb(lit(v)) for v in values])]))
    got = [s.value.value for s in prog.rules[0].then if isinstance(s, SetCallbackData)]
    assert [type(v) for v in got] == [type(v) for v in values]
    assert got[4] == 0 and got[5] == 0.0


def _cb(value: Json) -> Json:
    return {"type": "set_callback_data", "key": "k", "value": value}


def test_every_node_has_its_pointer() -> None:
    ast = program(
        [
            rule(
                {
                    "type": "and",
                    "args": [
                        {"type": "not", "arg": {"type": "field", "path": "data.a"}},
                        {"type": "compare", "op": "<", "left": lit(1), "right": lit(2)},
                    ],
                },
                [_cb({"type": "func_call", "name": "int", "args": [lit(1.5)]})],
                else_if=[{"when": TRUE, "then": [RETURN]}],
                **{"else": [_cb({"type": "arith", "op": "+", "left": lit(1), "right": lit(2)})]},
            )
        ],
        pre_rules=[rule(then=[{"type": "set_data", "key": "k", "value": lit(1)}])],
        post_rules=[rule(then=[{"type": "set_points", "value": lit(1)}])],
        default={"type": "veto", "case_name": "x"},
    )
    prog = loaded(ast)
    seen = 0
    for node, _ in iter_nodes(prog):
        pointer = node.loc.pointer
        assert pointer is not None
        target = _resolve(ast, pointer)
        if isinstance(node, ElseIf):
            assert "when" in target
        else:
            assert target["type"] == node.type
        seen += 1
    assert seen == len(list(iter_nodes(prog))) > 20


def _resolve(doc: Any, pointer: str) -> Any:
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        doc = doc[int(token)] if isinstance(doc, list) else doc[token]
    return doc


def test_named_flags() -> None:
    prog = loaded(program([rule(id="r"), rule(id="")], id="prog"))
    assert prog.named
    assert [r.named for r in prog.rules] == [True, False]
    assert [r.id for r in prog.rules] == ["r", "prog.rule.1"]


# -- to_json -------------------------------------------------------------------


def test_to_json_writes_only_needed_ids() -> None:
    ast = program(
        [
            rule(
                {"type": "literal", "id": "mine", "value": 1},
                [RETURN],
                id="r",
                else_if=[{"id": "dropped", "when": TRUE, "then": [RETURN]}],
            ),
            rule(),
        ],
        default={"type": "return", "id": f"{P}.return.0"},
    )
    out = program_to_json(loaded(ast))
    assert out == {
        "type": "program",
        "rules": [
            {
                "type": "rule",
                "id": "r",
                "when": {"type": "literal", "id": "mine", "value": 1},
                "then": [RETURN],
                "else_if": [{"when": TRUE, "then": [RETURN]}],
            },
            {"type": "rule", "when": TRUE, "then": [RETURN]},
        ],
        "default": RETURN,
    }


def test_to_json_of_a_text_style_ast() -> None:
    prog = Program(
        rules=(Rule(Field("data.x"), (SetPoints(Literal(2)),), id="bonus", named=True),),
        post_rules=(),
        parent_variables={"variable_a": 1},
    )
    assert program_to_json(prog) == {
        "type": "program",
        "rules": [
            {
                "type": "rule",
                "id": "bonus",
                "when": {"type": "field", "path": "data.x"},
                "then": [{"type": "set_points", "value": {"type": "literal", "value": 2}}],
            }
        ],
        "post_rules": [],
        "parent_variables": {"variable_a": 1},
    }


def test_corpus_style_round_trip() -> None:
    ast = program(
        [rule(else_if=[{"when": TRUE, "then": [RETURN]}], **{"else": [RETURN]}, id="dup")],
        pre_rules=[rule(id="dup")],
        id="prog",
    )
    prog = loaded(ast)
    again = loaded(json.loads(json.dumps(program_to_json(prog))))
    assert _canonical(again) == _canonical(prog)


# -- properties ----------------------------------------------------------------

_ids = st.one_of(st.just(""), st.text(min_size=1, max_size=4))
_text = st.text(max_size=6)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)
_exprs = st.recursive(
    st.one_of(
        st.builds(Literal, _scalars, id=_ids),
        st.builds(Field, st.text(min_size=1, max_size=8), id=_ids),
    ),
    lambda kids: st.one_of(
        st.builds(Arith, _text, kids, kids, id=_ids),
        st.builds(FuncCall, _text, st.lists(kids, max_size=3).map(tuple), id=_ids),
    ),
    max_leaves=5,
)
_conds = st.recursive(
    st.one_of(
        st.builds(Literal, _scalars, id=_ids),
        st.builds(Field, st.text(min_size=1, max_size=8), id=_ids),
        st.builds(Compare, _text, _exprs, _exprs, id=_ids),
    ),
    lambda kids: st.one_of(
        st.builds(And, st.lists(kids, min_size=1, max_size=3).map(tuple), id=_ids),
        st.builds(Or, st.lists(kids, min_size=1, max_size=3).map(tuple), id=_ids),
        st.builds(Not, kids, id=_ids),
    ),
    max_leaves=5,
)
_stmts = st.one_of(
    st.builds(AssignPoints, _exprs, _text, id=_ids),
    st.builds(SetCallbackData, _text, _exprs, id=_ids),
    st.builds(Return, id=_ids),
    st.builds(SetData, _text, _exprs, id=_ids),
    st.builds(Veto, _text, id=_ids),
    st.builds(SetPoints, _exprs, id=_ids),
    st.builds(SetCaseName, _exprs, id=_ids),
)
_stmt_lists = st.lists(_stmts, min_size=1, max_size=3).map(tuple)


def _make_rule(when: Any, then: Any, else_ifs: Any, else_: Any, rule_id: str) -> Rule:
    return Rule(when, then, else_ifs, else_, id=rule_id, named=rule_id != "")


def _make_program(
    rules: Any, default: Any, pre: Any, post: Any, variables: Any, prog_id: str
) -> Program:
    return Program(rules, default, pre, post, variables, id=prog_id, named=prog_id != "")


_rules = st.builds(
    _make_rule,
    _conds,
    _stmt_lists,
    st.lists(st.builds(ElseIf, _conds, _stmt_lists), max_size=2).map(tuple),
    st.none() | _stmt_lists,
    _ids,
)
_rule_lists = st.lists(_rules, max_size=3).map(tuple)
_programs = st.builds(
    _make_program,
    _rule_lists,
    st.none() | _stmts,
    st.none() | _rule_lists,
    st.none() | _rule_lists,
    st.none() | st.dictionaries(_text, _scalars, max_size=3),
    _ids,
)


def _canonical(prog: Program) -> tuple[str, list[str], list[object]]:
    """Everything but locations; JSON text tells 1, 1.0 and true apart."""
    flags = [getattr(node, "named", None) for node, _ in iter_nodes(prog)]
    return json.dumps(program_to_json(prog), sort_keys=True), all_ids(prog), flags


@pytest.mark.slow  # hundreds of generated programs (left out by test.sh --quick)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_programs)
def test_round_trip(prog: Program) -> None:
    filled = fill_ids(prog)
    as_json = program_to_json(filled)
    again, diags = load_json(json.loads(json.dumps(as_json)))
    assert diags == []
    assert again is not None
    assert _canonical(again) == _canonical(filled)
    assert again == fill_ids(again)


_keys = st.one_of(
    st.sampled_from(sorted({k for req, opt in NODE_KEYS.values() for k in (*req, *opt)})),
    st.sampled_from(["type", "id", "sneaky"]),
    st.text(max_size=3),
)
_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=4)),
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.dictionaries(_keys, kids, max_size=4),
        st.fixed_dictionaries(
            {"type": st.sampled_from(sorted(NODE_TYPES)) | kids},
            optional={
                key: kids
                for key in (
                    "id",
                    "when",
                    "then",
                    "args",
                    "arg",
                    "left",
                    "right",
                    "value",
                    "op",
                    "name",
                    "path",
                    "key",
                    "case_name",
                    "else_if",
                    "else",
                )
            },
        ),
    ),
    max_leaves=40,
)
_program_like = st.fixed_dictionaries(
    {"type": st.just("program"), "rules": st.lists(_json, max_size=3)},
    optional={
        "default": _json,
        "pre_rules": st.lists(_json, max_size=2),
        "post_rules": st.lists(_json, max_size=2),
        "parent_variables": _json,
        "id": _json,
    },
)


@pytest.mark.slow  # hundreds of generated programs (left out by test.sh --quick)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_json, _program_like))
def test_any_json_loads_without_raising(value: object) -> None:
    prog, diags = load_json(value)
    assert (prog is None) == any(d.is_error for d in diags)
    for d in diags:
        assert d.code and d.message and d.pointer is not None
    if prog is not None:
        validate(prog)
        program_to_json(prog)


def _mutated(data: st.DataObject, doc: Any) -> Any:
    """``doc`` with one container member, picked at random, replaced by junk."""
    doc = json.loads(json.dumps(doc))
    parent, key = None, None
    node = doc
    while isinstance(node, dict | list) and node and data.draw(st.booleans()):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        parent, key = node, data.draw(st.sampled_from(keys))
        node = parent[key]
    if parent is None:
        return data.draw(_json)
    parent[key] = data.draw(_json)
    return doc


@pytest.mark.slow  # hundreds of generated programs (left out by test.sh --quick)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_programs, st.data())
def test_damaged_programs_load_without_raising(prog: Program, data: st.DataObject) -> None:
    damaged = _mutated(data, program_to_json(fill_ids(prog)))
    result, diags = load_json(damaged)
    assert (result is None) == any(d.is_error for d in diags)
    if result is not None:
        validate(result)
