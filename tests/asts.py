"""Random surface ASTs for property tests, in two flavours.

- ``programs()`` (with ``inputs()``): valid programs, every statement in a
  section that allows it, field paths from the catalogue, random and often
  ill-typed literals and inputs: what the compiled path and the reference
  evaluator must agree on.
- ``any_programs()``: any shape the AST can hold, odd names and paths,
  every scalar type, one-argument and/or, negative zero, huge integers:
  what printers (text, Blockly) must say exactly, or refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from hypothesis import strategies as st

from dslc.ast import (
    ARITH_OPS,
    COMPARE_OPS,
    And,
    Arith,
    AssignPoints,
    Compare,
    Cond,
    ElseIf,
    Expr,
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
    Stmt,
    Veto,
)
from dslc.fields import CATALOGUE, FieldKind, known_paths
from vm.values import INT64_MAX, INT64_MIN

# -- values -------------------------------------------------------------------

INTS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([0, 1, -1, 2, 100, INT64_MAX, INT64_MIN, INT64_MAX - 1, 2**62, 2**53 + 1]),
    st.integers(INT64_MIN, INT64_MAX),
)
FLOATS = st.one_of(
    st.sampled_from([0.0, -0.0, 0.5, 1.5, -2.5, 2.0, 1e308, -1e308, 5e-324, 1e16, 2.0**63]),
    st.floats(allow_nan=False, allow_infinity=False),
)
NUMBERS = st.one_of(INTS, FLOATS)
STRINGS = st.sampled_from(["", "0", "a", "b", "ab", "10", " 7 ", "caf\u00e9"])
SCALARS = st.one_of(NUMBERS, st.booleans(), st.none(), STRINGS)
# Literals lean towards numbers so that many programs run to the end instead
# of failing at their first operator; integers beyond 64 bits are legal
# literals (the reference accepts any JSON number) and must fail cleanly.
LITERAL_VALUES = st.one_of(NUMBERS, NUMBERS, SCALARS, st.sampled_from([2**64, -(2**70)]))
# Event data may also hold lists and objects, opaque to the language.
OPAQUE = st.one_of(
    st.lists(st.integers(0, 2), max_size=2),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 2), max_size=1),
)
INPUT_VALUES = st.one_of(NUMBERS, NUMBERS, SCALARS, OPAQUE)

# -- programs -----------------------------------------------------------------

DATA_KEYS = ("x", "y", "label", "n0")
HOST_PATHS = tuple(
    path for path, info in CATALOGUE.items() if info.kind in (FieldKind.EVENT, FieldKind.ANALYTICS)
)
PARENT_PATHS = tuple(p for p, info in CATALOGUE.items() if info.kind is FieldKind.PARENT)
DATA_PATHS = tuple(f"data.{k}" for k in DATA_KEYS)
CASE_NAMES = st.sampled_from(["A", "Bonus", "x y", "~!@#$%^&*()_+{}|:<>?"])
CALLBACK_KEYS = st.sampled_from(["k", "note", "\u00fcber", "x"])
# Mostly generated ids; some authored ones, duplicates included, so that the
# node an error names is checked against author ids as well.
IDS = st.sampled_from(["", "", "", "", "", "dup", "n1"])

SECTION_STATEMENTS: dict[str, tuple[str, ...]] = {
    "rules": ("assign_points", "set_callback_data", "return"),
    "default": ("assign_points", "set_callback_data", "return"),
    "pre_rules": ("set_data", "set_callback_data", "veto", "return"),
    "post_rules": ("set_points", "set_case_name", "set_callback_data", "return"),
}
EXPR_DEPTH = 2
COND_DEPTH = 2
Draw = Callable[[st.SearchStrategy[Any]], Any]


@cache
def field_paths(section: str) -> st.SearchStrategy[str]:
    paths = DATA_PATHS + HOST_PATHS
    if section == "post_rules":
        paths += PARENT_PATHS + PARENT_PATHS  # post rules are about the parent
    return st.sampled_from(paths)


@cache
@st.composite
def exprs(draw: Draw, section: str, depth: int = EXPR_DEPTH) -> Expr:
    kinds = ["literal", "field"] + (["arith", "int", "clamp"] if depth > 0 else [])
    kind = draw(st.sampled_from(kinds))
    # Leaves keep generated ids: no error names a leaf, and they are most
    # of the nodes (each draw costs, and the property has a time budget).
    if kind == "literal":
        return Literal(draw(LITERAL_VALUES))
    if kind == "field":
        return Field(draw(field_paths(section)))
    node_id = draw(IDS)
    sub = exprs(section, depth - 1)
    if kind == "arith":
        op = draw(st.sampled_from(["+", "-", "*", "/", "min", "max"]))
        return Arith(op, draw(sub), draw(sub), id=node_id)
    if kind == "int":
        return FuncCall("int", (draw(sub),), id=node_id)
    return FuncCall("clamp", (draw(sub), draw(sub), draw(sub)), id=node_id)


@cache
@st.composite
def conds(draw: Draw, section: str, depth: int = COND_DEPTH) -> Cond:
    kinds = ["compare", "compare", "literal", "field"]
    if depth > 0:
        kinds += ["and", "or", "not"]
    kind = draw(st.sampled_from(kinds))
    if kind == "literal":
        return Literal(draw(LITERAL_VALUES))
    if kind == "field":
        return Field(draw(field_paths(section)))
    node_id = draw(IDS)
    if kind == "compare":
        op = draw(st.sampled_from(["<", "<=", "==", "!=", ">=", ">"]))
        left = draw(exprs(section))
        return Compare(op, left, draw(exprs(section)), id=node_id)
    if kind == "not":
        return Not(draw(conds(section, depth - 1)), id=node_id)
    args = tuple(draw(st.lists(conds(section, depth - 1), min_size=1, max_size=3)))
    return And(args, id=node_id) if kind == "and" else Or(args, id=node_id)


@cache
@st.composite
def stmts(draw: Draw, section: str) -> Stmt:
    kind = draw(st.sampled_from(SECTION_STATEMENTS[section]))
    node_id = draw(IDS)
    value = exprs(section)
    if kind == "assign_points":
        return AssignPoints(draw(value), draw(CASE_NAMES), id=node_id)
    if kind == "set_callback_data":
        return SetCallbackData(draw(CALLBACK_KEYS), draw(value), id=node_id)
    if kind == "return":
        return Return(id=node_id)
    if kind == "set_data":
        return SetData(draw(st.sampled_from((*DATA_KEYS, "new"))), draw(value), id=node_id)
    if kind == "veto":
        return Veto(draw(CASE_NAMES), id=node_id)
    if kind == "set_points":
        return SetPoints(draw(value), id=node_id)
    return SetCaseName(draw(value), id=node_id)


@cache
def blocks(section: str) -> st.SearchStrategy[tuple[Stmt, ...]]:
    return st.lists(stmts(section), min_size=1, max_size=2).map(tuple)


@cache
@st.composite
def rules(draw: Draw, section: str) -> Rule:
    else_ifs = draw(
        st.lists(st.builds(ElseIf, conds(section), blocks(section)), max_size=2).map(tuple)
    )
    node_id = draw(IDS)
    return Rule(
        when=draw(conds(section)),
        then=draw(blocks(section)),
        else_ifs=else_ifs,
        else_=draw(st.none() | blocks(section)),
        id=node_id,
        named=bool(node_id),
    )


@cache
def rule_lists(section: str) -> st.SearchStrategy[tuple[Rule, ...]]:
    return st.lists(rules(section), max_size=3).map(tuple)


@st.composite
def programs(draw: Draw) -> Program:
    program_id = draw(st.sampled_from(["", "", "prog"]))
    return Program(
        rules=draw(rule_lists("rules")),
        default=draw(st.none() | stmts("default")),
        pre_rules=draw(st.none() | rule_lists("pre_rules")),
        post_rules=draw(st.none() | rule_lists("post_rules")),
        id=program_id or "p.program.0",
        named=bool(program_id),
    )


@st.composite
def inputs(draw: Draw) -> tuple[dict[str, object], dict[str, object], dict[str, object]]:
    fields = draw(st.dictionaries(st.sampled_from(HOST_PATHS), INPUT_VALUES, max_size=6))
    data = draw(st.dictionaries(st.sampled_from(DATA_KEYS), INPUT_VALUES, max_size=4))
    parent = draw(
        st.fixed_dictionaries(
            {
                "points": st.one_of(NUMBERS, st.none()),
                "case_name": st.one_of(st.none(), CASE_NAMES),
                "callback_data": st.dictionaries(CALLBACK_KEYS, SCALARS, max_size=2),
            }
        )
    )
    return fields, data, parent


# -- any shape ------------------------------------------------------------------

names = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}(\.[A-Za-z0-9_]{1,4}){0,2}", fullmatch=True),
    st.sampled_from(["rule", "when", "points", "name", "x y", "ü", "", "a\nb", '"q"', "#"]),
    st.text(max_size=6),
)

paths = st.one_of(
    st.sampled_from(known_paths()),
    st.from_regex(r"data\.[A-Za-z0-9_]{1,8}", fullmatch=True),
    st.sampled_from(["data.x\n", "and", "min", "all", "field", "a b", "", "data.then"]),
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e308, 5e-324, 1e16, 2.0, -2.5]),
    st.text(max_size=8),
)

any_leaves: st.SearchStrategy[Expr] = st.one_of(
    st.builds(Literal, scalars),
    st.builds(Field, paths),
)


def _any_expr_step(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Arith, st.sampled_from(ARITH_OPS), children, children),
        st.builds(
            FuncCall,
            st.sampled_from(["int", "clamp", "round", "abs"]),
            st.lists(children, max_size=3).map(tuple),
        ),
    )


any_exprs: st.SearchStrategy[Expr] = st.recursive(any_leaves, _any_expr_step, max_leaves=6)


def _any_cond_step(children: st.SearchStrategy[Cond]) -> st.SearchStrategy[Cond]:
    args = st.lists(children, min_size=1, max_size=3).map(tuple)
    return st.one_of(st.builds(And, args), st.builds(Or, args), st.builds(Not, children))


any_conds: st.SearchStrategy[Cond] = st.recursive(
    st.one_of(any_leaves, st.builds(Compare, st.sampled_from(COMPARE_OPS), any_exprs, any_exprs)),
    _any_cond_step,
    max_leaves=5,
)

any_case_names = st.one_of(st.from_regex(r"[A-Za-z]{1,10}", fullmatch=True), st.text(max_size=6))

any_stmts: st.SearchStrategy[Stmt] = st.one_of(
    st.builds(AssignPoints, any_exprs, any_case_names),
    st.builds(SetCallbackData, names, any_exprs),
    st.builds(Return),
    st.builds(SetData, names, any_exprs),
    st.builds(Veto, any_case_names),
    st.builds(SetPoints, any_exprs),
    st.builds(SetCaseName, any_exprs),
)

any_stmt_lists = st.lists(any_stmts, min_size=1, max_size=3).map(tuple)


@st.composite
def any_rules(draw: st.DrawFn) -> Rule:
    named = draw(st.booleans())
    return Rule(
        when=draw(any_conds),
        then=draw(any_stmt_lists),
        else_ifs=tuple(draw(st.lists(st.builds(ElseIf, any_conds, any_stmt_lists), max_size=2))),
        else_=draw(st.none() | any_stmt_lists),
        id=draw(names.filter(bool)) if named else "",
        named=named,
    )


any_rule_lists = st.lists(any_rules(), max_size=3).map(tuple)


@st.composite
def any_programs(draw: st.DrawFn) -> Program:
    named = draw(st.booleans())
    return Program(
        rules=draw(any_rule_lists),
        default=draw(st.none() | any_stmts),
        pre_rules=draw(st.none() | any_rule_lists),
        post_rules=draw(st.none() | any_rule_lists),
        parent_variables=draw(st.none() | st.dictionaries(names, scalars, max_size=3)),
        id=draw(names.filter(bool)) if named else "",
        named=named,
    )
