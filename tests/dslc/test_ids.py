"""The id-filling rules of LANGUAGE.md section 1 (dslc.ids)."""

from __future__ import annotations

import pytest

from dslc.ast import (
    And,
    Arith,
    AssignPoints,
    Compare,
    ElseIf,
    Field,
    FuncCall,
    Literal,
    Loc,
    Not,
    Or,
    Program,
    Return,
    Rule,
    SetCallbackData,
    SetData,
    SetPoints,
    Veto,
)
from dslc.ids import (
    all_ids,
    children,
    else_if_id,
    fill_ids,
    generated_id,
    is_given,
    iter_nodes,
    program_id,
    resolve_id,
)
from dslc.json_loader import load_json

P = "p.program.0"


@pytest.mark.parametrize(
    ("value", "kept"),
    [("x", True), ("", False), (None, False), (0, False), (False, False), (17, False), ([], False)],
)
def test_only_non_empty_strings_are_kept(value: object, kept: bool) -> None:
    assert is_given(value) is kept
    expected = value if kept else "parent.literal.3"
    assert resolve_id(value, "parent", "literal", 3) == expected


def test_program_id() -> None:
    assert program_id(None) == P
    assert program_id("") == P
    assert program_id("mine") == "mine"
    assert generated_id("a", "b", 2) == "a.b.2"
    assert else_if_id("r", 1) == "r.else_if.1"


def _filled(program: Program) -> Program:
    return fill_ids(program)


def test_unnamed_program_and_rules_of_every_section() -> None:
    p = _filled(
        Program(
            rules=(Rule(Literal(True), (Return(),)), Rule(Literal(True), (Return(),))),
            pre_rules=(Rule(Literal(True), (Return(),)),),
            post_rules=(Rule(Literal(True), (Return(),)),),
            id="",
        )
    )
    assert p.id == P
    assert [r.id for r in p.rules] == [f"{P}.rule.0", f"{P}.rule.1"]
    # Rules of pre_rules and post_rules are numbered from 0 too, so they collide.
    assert p.pre_rules is not None and p.post_rules is not None
    assert p.pre_rules[0].id == f"{P}.rule.0"
    assert p.post_rules[0].id == f"{P}.rule.0"


def test_then_and_else_statements_collide() -> None:
    p = _filled(
        Program(rules=(Rule(Literal(True), (Return(), Return()), else_=(Return(),), id="r"),))
    )
    rule = p.rules[0]
    assert [s.id for s in rule.then] == ["r.return.0", "r.return.1"]
    assert rule.else_ is not None
    assert rule.else_[0].id == "r.return.0"


def test_else_if_nodes_use_the_branch_as_parent() -> None:
    branch = ElseIf(
        Compare("<", Literal(1), Field("data.x")),
        (SetCallbackData("k", Literal(1)), Return()),
    )
    p = _filled(
        Program(rules=(Rule(Literal(True), (Return(),), else_ifs=(branch, branch), id="r"),))
    )
    second = p.rules[0].else_ifs[1]
    assert not hasattr(second, "id")
    assert isinstance(second.when, Compare)
    assert second.when.id == "r.else_if.1.compare.0"
    assert second.when.left.id == "r.else_if.1.compare.0.literal.0"
    assert second.when.right.id == "r.else_if.1.compare.0.field.1"
    assert [s.id for s in second.then] == [
        "r.else_if.1.set_callback_data.0",
        "r.else_if.1.return.1",
    ]


def test_default_statement_and_its_value() -> None:
    p = _filled(Program(rules=(), default=AssignPoints(Literal(3), "x"), id="prog"))
    assert p.default is not None and isinstance(p.default, AssignPoints)
    assert p.default.id == "prog.assign_points.0"
    assert p.default.value.id == "prog.assign_points.0.literal.0"


def test_children_by_position() -> None:
    when = And(
        (
            Not(Field("data.a")),
            Or((Literal(False), Compare("==", Arith("+", Literal(1), Literal(2)), Literal(3)))),
        )
    )
    value = FuncCall("clamp", (Field("data.v"), Literal(0), Literal(9)))
    p = _filled(Program(rules=(Rule(when, (SetCallbackData("k", value),), id="r"),)))
    got = dict(all_ids_with_types(p))
    assert got["r.and.0"] == "and"
    assert got["r.and.0.not.0"] == "not"
    assert got["r.and.0.not.0.field.0"] == "field"
    assert got["r.and.0.or.1"] == "or"
    assert got["r.and.0.or.1.literal.0"] == "literal"
    assert got["r.and.0.or.1.compare.1"] == "compare"
    assert got["r.and.0.or.1.compare.1.arith.0"] == "arith"
    assert got["r.and.0.or.1.compare.1.arith.0.literal.1"] == "literal"
    assert got["r.and.0.or.1.compare.1.literal.1"] == "literal"
    assert got["r.set_callback_data.0.func_call.0"] == "func_call"
    assert got["r.set_callback_data.0.func_call.0.literal.2"] == "literal"


def all_ids_with_types(p: Program) -> list[tuple[str, str]]:
    return [(nid, str(getattr(n, "type", "else_if"))) for n, nid in iter_nodes(p)]


def test_bare_condition_takes_its_position_id() -> None:
    p = _filled(Program(rules=(Rule(Field("data.flag"), (Return(),), id="r"),)))
    assert p.rules[0].when.id == "r.field.0"


def test_given_ids_are_kept_and_name_their_children() -> None:
    p = _filled(
        Program(
            rules=(
                Rule(Compare("<", Literal(1, id="one"), Literal(2)), (Return(id="dup"),), id="r"),
                Rule(Literal(True, id="dup"), (Return(id="dup"),), id="r"),
            ),
            id="prog",
            named=True,
        )
    )
    ids = all_ids(p)
    assert ids == [
        "prog",
        "r",
        "r.compare.0",
        "one",
        "r.compare.0.literal.1",
        "dup",
        "r",
        "dup",
        "dup",
    ]
    assert p.named


def test_fill_keeps_flags_locations_and_is_idempotent() -> None:
    loc = Loc(start=3, end=9)
    original = Program(
        rules=(Rule(Literal(True, loc=loc), (Veto("no", loc=loc),), id="", loc=loc),),
        pre_rules=(),
    )
    once = fill_ids(original)
    assert once.rules[0].when.loc == loc
    assert once.rules[0].then[0].loc == loc
    assert once.rules[0].named is False
    assert once.pre_rules == ()
    assert once.post_rules is None
    assert fill_ids(once) == once
    # The input is left as it was (nodes are immutable; this guards the contract).
    assert original.rules[0].id == ""


def test_fill_is_not_recursive() -> None:
    # Deeper than Python's recursion limit; ids grow with depth, so keep it
    # moderate.
    cond: Not | Literal = Literal(True)
    for _ in range(3000):
        cond = Not(cond)
    p = fill_ids(Program(rules=(Rule(cond, (Return(),)),)))
    ids = all_ids(p)
    assert len(ids) == 3000 + 4
    assert ids[-2].endswith(".not.0.literal.0")


def test_children_orders_sections_then_default() -> None:
    p = Program(
        rules=(Rule(Literal(True), (Return(),)),),
        pre_rules=(Rule(Literal(True), (SetData("k", Literal(1)),)),),
        post_rules=(Rule(Literal(True), (SetPoints(Literal(1)),)),),
        default=Return(),
    )
    kids = children(p, "P")
    assert [d for _, d in kids] == ["P.rule.0", "P.rule.0", "P.rule.0", "P.return.0"]
    assert children(Literal(1), "x") == []
    assert children(Return(), "x") == []


def test_iter_nodes_is_the_reference_preorder() -> None:
    rule = Rule(
        Literal(True),
        (Return(),),
        else_ifs=(ElseIf(Literal(False), (Return(),)),),
        else_=(Return(),),
        id="r",
    )
    order = [nid for _, nid in iter_nodes(fill_ids(Program(rules=(rule,), default=Return())))]
    assert order == [
        P,
        "r",
        "r.literal.0",
        "r.return.0",
        "r.else_if.0",
        "r.else_if.0.literal.0",
        "r.else_if.0.return.0",
        "r.return.0",
        f"{P}.return.0",
    ]


@pytest.mark.parametrize("odd", ["", 0, False, None, 1.5, [], {}])
def test_loader_replaces_odd_ids(odd: object) -> None:
    ast = {
        "type": "program",
        "id": odd,
        "rules": [
            {
                "type": "rule",
                "id": odd,
                "when": {"type": "literal", "id": odd, "value": True},
                "then": [{"type": "return", "id": odd}],
                "else_if": [
                    {
                        "id": "ignored",
                        "when": {"type": "literal", "value": 1},
                        "then": [{"type": "return"}],
                    }
                ],
            }
        ],
    }
    program, diags = load_json(ast)
    assert diags == []
    assert program is not None
    assert not program.named
    assert not program.rules[0].named
    assert all_ids(program) == [
        P,
        f"{P}.rule.0",
        f"{P}.rule.0.literal.0",
        f"{P}.rule.0.return.0",
        f"{P}.rule.0.else_if.0.literal.0",
        f"{P}.rule.0.else_if.0.return.0",
    ]
    assert "ignored" not in all_ids(program)
