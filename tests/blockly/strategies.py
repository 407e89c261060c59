"""Hypothesis strategies for programs GAME's blocks can carry: and/or of two
conditions, numbers a JavaScript double holds exactly, text literals only
where the editor takes text, statements in their sections and nothing after
assign_points or veto. The unrestricted generator is ``tests.asts.any_programs``."""

from __future__ import annotations

import functools

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
    Rule,
    SetCallbackData,
    SetCaseName,
    SetData,
    SetPoints,
    Stmt,
    Veto,
)
from dslc.blockly.blocks import FIELD_PATHS, PARENT_PATHS

_SAFE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("\n\t"),
    max_size=8,
)
# Printable ASCII, as case names must be.
case_names = st.from_regex(r"[ -~]{1,12}", fullmatch=True)
_KEYS = st.from_regex(r"[A-Za-z0-9_]{1,8}", fullmatch=True)

numbers = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    st.sampled_from([0.5, -2.5, 1e-7, 1e21, 1e300, 5e-324]),
)


@functools.cache
def fields(section: str) -> st.SearchStrategy[Field]:
    paths = st.sampled_from(FIELD_PATHS) | _KEYS.map(lambda k: "data." + k)
    if section == "post_rules":
        paths = paths | st.sampled_from(PARENT_PATHS)
    return st.builds(Field, paths)


@functools.cache
def numeric(section: str) -> st.SearchStrategy[Expr]:
    """Number-valued expressions: fields, numbers, arithmetic, functions."""
    leaves = st.builds(Literal, numbers) | fields(section)

    def step(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        return st.one_of(
            st.builds(Arith, st.sampled_from(ARITH_OPS), children, children),
            st.builds(FuncCall, st.just("int"), st.tuples(children)),
            st.builds(FuncCall, st.just("clamp"), st.tuples(children, children, children)),
        )

    return st.recursive(leaves, step, max_leaves=5)


@functools.cache
def anything(section: str) -> st.SearchStrategy[Expr]:
    return numeric(section) | st.builds(Literal, _SAFE_TEXT)


@functools.cache
def texts(section: str) -> st.SearchStrategy[Expr]:
    """What set_case_name takes: text literals and text-capable fields."""
    data = _KEYS.map(lambda k: Field("data." + k))
    parent = st.sampled_from([Field(p) for p in PARENT_PATHS])
    return st.builds(Literal, _SAFE_TEXT) | data | parent


@functools.cache
def conditions(section: str) -> st.SearchStrategy[Cond]:
    compares = st.builds(
        Compare, st.sampled_from(COMPARE_OPS), anything(section), anything(section)
    )

    def step(children: st.SearchStrategy[Cond]) -> st.SearchStrategy[Cond]:
        two = st.tuples(children, children)
        return st.one_of(st.builds(And, two), st.builds(Or, two), st.builds(Not, children))

    return st.recursive(compares, step, max_leaves=4)


@functools.cache
def whens(section: str) -> st.SearchStrategy[Cond]:
    return conditions(section) | fields(section) | st.builds(Literal, numbers)


@functools.cache
def stacks(section: str) -> st.SearchStrategy[tuple[Stmt, ...]]:
    callback = st.builds(SetCallbackData, _KEYS, anything(section))
    if section == "rules":
        middle = callback
        last = st.builds(AssignPoints, numeric(section), case_names)
    elif section == "pre_rules":
        middle = callback | st.builds(SetData, _KEYS, anything(section))
        last = st.builds(Veto, case_names)
    else:
        middle = (
            callback
            | st.builds(SetPoints, numeric(section))
            | st.builds(SetCaseName, texts(section))
        )
        last = middle
    with_middle = st.tuples(st.lists(middle, min_size=1, max_size=2), st.lists(last, max_size=1))
    return st.one_of(
        with_middle.map(lambda parts: tuple(parts[0] + parts[1])),
        last.map(lambda stmt: (stmt,)),
    )


@functools.cache
def rules(section: str) -> st.SearchStrategy[Rule]:
    return st.builds(
        Rule,
        when=whens(section),
        then=stacks(section),
        else_ifs=st.lists(st.builds(ElseIf, whens(section), stacks(section)), max_size=2).map(
            tuple
        ),
        else_=st.none() | stacks(section),
    )


_PARENT_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_ ]{0,6}[A-Za-z0-9_]", fullmatch=True).filter(
        lambda s: s not in ("true", "false", "null")
    ),
)


@st.composite
def programs(draw: st.DrawFn) -> Program:
    def section(name: str) -> tuple[Rule, ...]:
        return tuple(draw(st.lists(rules(name), max_size=2)))

    return Program(
        rules=section("rules"),
        default=draw(st.none() | st.builds(AssignPoints, numeric("rules"), st.just("Default"))),
        pre_rules=section("pre_rules") or None,
        post_rules=section("post_rules") or None,
        parent_variables=draw(
            st.dictionaries(_KEYS.map(lambda k: "variable_" + k), _PARENT_VALUES, max_size=2)
        )
        or None,
    )
