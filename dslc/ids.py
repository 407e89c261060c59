"""Node ids: the reference engine's id-filling rules (LANGUAGE.md section 1).

Traces and error messages point at node ids, and existing dashboards match
them against Blockly block ids, so the generated ids must be exactly the
reference's. Every rule lives here; the JSON loader (which fills ids while it
descends, to name nodes in its own errors) and ``fill_ids`` (for the text
front end, which builds the tree bottom-up) both use ``children``.

Summary of the rules:

- an id that is not a non-empty string is replaced by
  ``<parent id>.<type>.<index>``; duplicates are kept;
- an unnamed program is ``p.program.0``;
- rules of every section are ``<program id>.rule.<i>``; the ``default``
  statement is ``<program id>.<type>.0``;
- a rule's ``when`` is index 0 and the statements of ``then`` and ``else`` are
  numbered from 0 each (so they can collide);
- an ``else_if`` branch has no id; its nodes use ``<rule id>.else_if.<j>`` as
  their parent id;
- below that, each child is numbered by its position (operands 0 and 1,
  arguments by position, a statement's value 0, ``not``'s argument 0).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import TypeVar, cast

from dslc.ast import (
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
    Node,
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
    TypedNode,
    Veto,
)

PROGRAM_PARENT = "p"
_PROGRAM_DEFAULT = f"{PROGRAM_PARENT}.program.0"

R = TypeVar("R")


def is_given(value: object) -> bool:
    """Whether an author-supplied id is kept (the reference keeps only
    non-empty strings; ``""``, ``0``, ``false`` and ``null`` are replaced)."""
    return isinstance(value, str) and value != ""


def generated_id(parent_id: str, node_type: str, index: int) -> str:
    return f"{parent_id}.{node_type}.{index}"


def resolve_id(given: object, parent_id: str, node_type: str, index: int) -> str:
    """The id a node ends up with: its own if given, else the generated one."""
    if is_given(given):
        return cast(str, given)
    return generated_id(parent_id, node_type, index)


def program_id(given: object) -> str:
    return resolve_id(given, PROGRAM_PARENT, "program", 0)


def else_if_id(rule_id: str, index: int) -> str:
    """The parent id of the nodes inside ``else_if`` branch ``index``. The
    branch itself never carries an id; the reference still names it by this
    string in its errors."""
    return generated_id(rule_id, "else_if", index)


def effective_id(node: Node, default_id: str) -> str:
    if isinstance(node, ElseIf):
        return default_id
    return node.id or default_id


def _numbered(parent_id: str, nodes: tuple[TypedNode, ...]) -> list[tuple[Node, str]]:
    return [(n, generated_id(parent_id, n.type, i)) for i, n in enumerate(nodes)]


def children(node: Node, node_id: str) -> list[tuple[Node, str]]:
    """The children of ``node`` (whose id is ``node_id``), in the reference's
    visiting order, each with the id the reference generates at its position.

    Program children are its rules (``rules``, ``pre_rules``, ``post_rules``)
    and then ``default``; rule children are ``when``, ``then``, the
    ``else_if`` branches, then ``else``.
    """
    if isinstance(node, Program):
        out: list[tuple[Node, str]] = []
        for _, rules in node.sections():
            out.extend(_numbered(node_id, rules))
        if node.default is not None:
            out.append((node.default, generated_id(node_id, node.default.type, 0)))
        return out
    if isinstance(node, Rule):
        out = [(node.when, generated_id(node_id, node.when.type, 0))]
        out.extend(_numbered(node_id, node.then))
        out.extend((b, else_if_id(node_id, j)) for j, b in enumerate(node.else_ifs))
        out.extend(_numbered(node_id, node.else_ or ()))
        return out
    if isinstance(node, ElseIf):
        when = (node.when, generated_id(node_id, node.when.type, 0))
        return [when, *_numbered(node_id, node.then)]
    if isinstance(node, Compare | Arith):
        return _numbered(node_id, (node.left, node.right))
    if isinstance(node, And | Or | FuncCall):
        return _numbered(node_id, node.args)
    if isinstance(node, Not):
        return _numbered(node_id, (node.arg,))
    if isinstance(node, AssignPoints | SetCallbackData | SetData | SetPoints | SetCaseName):
        return _numbered(node_id, (node.value,))
    return []


def fold(program: Program, build: Callable[[Node, str, list[R]], R]) -> R:
    """Combine the tree bottom-up: ``build(node, default_id, child_results)``.

    ``default_id`` is the id the reference would generate at the node's
    position (the node's effective id is ``effective_id(node, default_id)``).
    Uses an explicit stack, so any depth is fine.
    """
    # An entry is (node, default_id, None) before its children are visited
    # and (node, default_id, child_count) once they have been scheduled.
    stack: list[tuple[Node, str, int | None]] = [(program, _PROGRAM_DEFAULT, None)]
    results: list[R] = []
    while stack:
        node, default_id, count = stack.pop()
        if count is None:
            kids = children(node, effective_id(node, default_id))
            stack.append((node, default_id, len(kids)))
            stack.extend((kid, kid_default, None) for kid, kid_default in reversed(kids))
            continue
        first = len(results) - count
        done = results[first:]
        del results[first:]
        results.append(build(node, default_id, done))
    return results[0]


def iter_nodes(program: Program) -> Iterator[tuple[Node, str]]:
    """Every node in the reference's visiting order (pre-order) with its
    effective id. ``else_if`` branches are included with their branch id."""
    stack: list[tuple[Node, str]] = [(program, _PROGRAM_DEFAULT)]
    while stack:
        node, default_id = stack.pop()
        node_id = effective_id(node, default_id)
        yield node, node_id
        stack.extend(reversed(children(node, node_id)))


def all_ids(program: Program) -> list[str]:
    """The effective id of every node that has one (``else_if`` excluded)."""
    return [nid for node, nid in iter_nodes(program) if not isinstance(node, ElseIf)]


def fill_ids(program: Program) -> Program:
    """A copy of ``program`` where every empty id is filled by the rules above;
    non-empty ids (and the ``named`` flags) are kept as they are."""
    return cast(Program, fold(program, _with_filled_id))


def _with_filled_id(node: Node, default_id: str, kids: list[Node]) -> Node:
    node_id = effective_id(node, default_id)
    if isinstance(node, Program):
        return _rebuild_program(node, node_id, kids)
    if isinstance(node, Rule):
        return _rebuild_rule(node, node_id, kids)
    if isinstance(node, ElseIf):
        return dataclasses.replace(
            node, when=cast(Cond, kids[0]), then=cast(tuple[Stmt, ...], tuple(kids[1:]))
        )
    # The kids are the node's own children, rebuilt: same kinds, new ids.
    if isinstance(node, Compare | Arith):
        return dataclasses.replace(
            node, left=cast(Expr, kids[0]), right=cast(Expr, kids[1]), id=node_id
        )
    if isinstance(node, And | Or):
        return dataclasses.replace(node, args=cast(tuple[Cond, ...], tuple(kids)), id=node_id)
    if isinstance(node, FuncCall):
        return dataclasses.replace(node, args=cast(tuple[Expr, ...], tuple(kids)), id=node_id)
    if isinstance(node, Not):
        return dataclasses.replace(node, arg=cast(Cond, kids[0]), id=node_id)
    if isinstance(node, AssignPoints | SetCallbackData | SetData | SetPoints | SetCaseName):
        return dataclasses.replace(node, value=cast(Expr, kids[0]), id=node_id)
    if isinstance(node, Literal | Field | Return | Veto):
        return dataclasses.replace(node, id=node_id)
    raise TypeError(f"not a surface AST node: {type(node).__name__}")


def _take(kids: list[Node], start: int, count: int) -> tuple[tuple[Node, ...], int]:
    return tuple(kids[start : start + count]), start + count


def _rebuild_rule(rule: Rule, rule_id: str, kids: list[Node]) -> Rule:
    then, at = _take(kids, 1, len(rule.then))
    else_ifs, at = _take(kids, at, len(rule.else_ifs))
    else_ = None if rule.else_ is None else tuple(kids[at:])
    return dataclasses.replace(
        rule,
        when=cast(Cond, kids[0]),
        then=cast(tuple[Stmt, ...], then),
        else_ifs=cast(tuple[ElseIf, ...], else_ifs),
        else_=cast(tuple[Stmt, ...] | None, else_),
        id=rule_id,
    )


def _rebuild_program(program: Program, prog_id: str, kids: list[Node]) -> Program:
    sections: dict[str, tuple[Rule, ...]] = {}
    at = 0
    for name, rules in program.sections():
        taken, at = _take(kids, at, len(rules))
        sections[name] = cast(tuple[Rule, ...], taken)
    default = cast(Stmt, kids[at]) if program.default is not None else None
    return dataclasses.replace(
        program,
        rules=sections["rules"],
        pre_rules=sections.get("pre_rules"),
        post_rules=sections.get("post_rules"),
        default=default,
        id=prog_id,
    )


__all__ = [
    "PROGRAM_PARENT",
    "all_ids",
    "children",
    "effective_id",
    "else_if_id",
    "fill_ids",
    "fold",
    "generated_id",
    "is_given",
    "iter_nodes",
    "program_id",
    "resolve_id",
]
