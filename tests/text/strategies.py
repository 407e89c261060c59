"""Hypothesis strategies for surface ASTs, including the odd corners the
text must still say exactly: weird names and paths, every scalar type,
one-argument and/or, nested and/or, negative zero, huge integers."""

from __future__ import annotations

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
from dslc.fields import known_paths

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

leaves: st.SearchStrategy[Expr] = st.one_of(
    st.builds(Literal, scalars),
    st.builds(Field, paths),
)


def _expr_step(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Arith, st.sampled_from(ARITH_OPS), children, children),
        st.builds(
            FuncCall,
            st.sampled_from(["int", "clamp", "round", "abs"]),
            st.lists(children, max_size=3).map(tuple),
        ),
    )


exprs: st.SearchStrategy[Expr] = st.recursive(leaves, _expr_step, max_leaves=6)


def _cond_step(children: st.SearchStrategy[Cond]) -> st.SearchStrategy[Cond]:
    args = st.lists(children, min_size=1, max_size=3).map(tuple)
    return st.one_of(st.builds(And, args), st.builds(Or, args), st.builds(Not, children))


conds: st.SearchStrategy[Cond] = st.recursive(
    st.one_of(leaves, st.builds(Compare, st.sampled_from(COMPARE_OPS), exprs, exprs)),
    _cond_step,
    max_leaves=5,
)

case_names = st.one_of(st.from_regex(r"[A-Za-z]{1,10}", fullmatch=True), st.text(max_size=6))

stmts: st.SearchStrategy[Stmt] = st.one_of(
    st.builds(AssignPoints, exprs, case_names),
    st.builds(SetCallbackData, names, exprs),
    st.builds(Return),
    st.builds(SetData, names, exprs),
    st.builds(Veto, case_names),
    st.builds(SetPoints, exprs),
    st.builds(SetCaseName, exprs),
)

stmt_lists = st.lists(stmts, min_size=1, max_size=3).map(tuple)


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    named = draw(st.booleans())
    return Rule(
        when=draw(conds),
        then=draw(stmt_lists),
        else_ifs=tuple(draw(st.lists(st.builds(ElseIf, conds, stmt_lists), max_size=2))),
        else_=draw(st.none() | stmt_lists),
        id=draw(names.filter(bool)) if named else "",
        named=named,
    )


rule_lists = st.lists(rules(), max_size=3).map(tuple)


@st.composite
def programs(draw: st.DrawFn) -> Program:
    named = draw(st.booleans())
    return Program(
        rules=draw(rule_lists),
        default=draw(st.none() | stmts),
        pre_rules=draw(st.none() | rule_lists),
        post_rules=draw(st.none() | rule_lists),
        parent_variables=draw(st.none() | st.dictionaries(names, scalars, max_size=3)),
        id=draw(names.filter(bool)) if named else "",
        named=named,
    )
