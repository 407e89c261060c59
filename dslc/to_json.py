"""The GAME JSON AST of a surface AST (the inverse of ``dslc.json_loader``).

Keys are written only when present. An id is written only when reloading
could not regenerate it: a rule or program the author named, or any node
whose id differs from the one the reference generates at its position. So
``load_json(program_to_json(p))`` gives back ``p`` (locations aside), and a
program written in text gets no noise ids.
"""

from __future__ import annotations

from typing import Any, cast

from dslc.ast import (
    And,
    Arith,
    AssignPoints,
    Compare,
    ElseIf,
    Field,
    FuncCall,
    Literal,
    Node,
    Not,
    Or,
    Program,
    Rule,
    SetCallbackData,
    SetData,
    Veto,
)
from dslc.ids import fold

Json = dict[str, Any]


def program_to_json(program: Program) -> Json:
    """The program as a JSON-ready dict (a fresh object, safe to mutate)."""
    return cast(Json, fold(program, _node_json))


def _keeps_id(node: Node, default_id: str) -> bool:
    if isinstance(node, ElseIf):
        return False
    if isinstance(node, Rule | Program) and node.named:
        return node.id != ""
    return node.id not in ("", default_id)


def _node_json(node: Node, default_id: str, kids: list[Json]) -> Json:
    if isinstance(node, ElseIf):
        return {"when": kids[0], "then": kids[1:]}
    out: Json = {"type": node.type}
    if _keeps_id(node, default_id):
        out["id"] = node.id
    if isinstance(node, Program):
        _program_keys(node, kids, out)
    elif isinstance(node, Rule):
        _rule_keys(node, kids, out)
    elif isinstance(node, Literal):
        out["value"] = node.value
    elif isinstance(node, Field):
        out["path"] = node.path
    elif isinstance(node, Compare | Arith):
        out.update(op=node.op, left=kids[0], right=kids[1])
    elif isinstance(node, FuncCall):
        out.update(name=node.name, args=kids)
    elif isinstance(node, And | Or):
        out["args"] = kids
    elif isinstance(node, Not):
        out["arg"] = kids[0]
    else:
        _statement_keys(node, kids, out)
    return out


def _statement_keys(node: Node, kids: list[Json], out: Json) -> None:
    if isinstance(node, SetCallbackData | SetData):
        out["key"] = node.key
    if kids:
        out["value"] = kids[0]
    if isinstance(node, AssignPoints | Veto):
        out["case_name"] = node.case_name


def _rule_keys(rule: Rule, kids: list[Json], out: Json) -> None:
    at = 1 + len(rule.then)
    out["when"] = kids[0]
    out["then"] = kids[1:at]
    if rule.else_ifs:
        out["else_if"] = kids[at : at + len(rule.else_ifs)]
    if rule.else_ is not None:
        out["else"] = kids[at + len(rule.else_ifs) :]


def _program_keys(program: Program, kids: list[Json], out: Json) -> None:
    # ``fold`` hands over the rules of every section, then ``default``.
    at = 0
    for name, rules in program.sections():
        out[name] = kids[at : at + len(rules)]
        at += len(rules)
    if program.default is not None:
        out["default"] = kids[at]
    if program.parent_variables is not None:
        out["parent_variables"] = dict(program.parent_variables)
