"""The canonical text of a program: what ``json_to_text`` prints and what the
formatter writes.

The layout depends on the AST alone (never on how the source was spaced), so
printing is idempotent by construction. Every printed line that starts a
piece of the program carries the outline key of that piece (see
``dslc.text.build``), which is how the formatter puts comments back.

Parentheses: an operand is parenthesised when the grammar needs it to read
back the same tree (``a - (b - c)``, ``(a and b) and c``), and also where a
reader could misjudge the precedence (``(a and b) or c``, ``not (x > 1)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from dslc.ast import (
    ARITH_OPS,
    COMPARE_OPS,
    And,
    Arith,
    AssignPoints,
    Compare,
    Field,
    FuncCall,
    Literal,
    Node,
    Not,
    Or,
    Program,
    Return,
    Rule,
    Scalar,
    SetCallbackData,
    SetCaseName,
    SetData,
    SetPoints,
    Stmt,
    Veto,
)
from dslc.text.build import Key
from dslc.text.words import SECTION_HEADERS, is_bare_name, name_text, quote_string

INDENT = 4
WIDTH = 100

# Precedence, loosest first (the grammar's order).
_OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _ATOM = range(1, 8)
_ARITH_PREC = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}
# Names the text reads as something other than a plain function call.
_SPECIAL_CALLS = frozenset({"min", "max", "all", "any", "field"})


class NotRepresentable(ValueError):
    """The AST holds something the text language cannot say (a non-finite
    float, an operator the language does not have, ...). Only invalid
    programs do."""


@dataclass(frozen=True, slots=True)
class Line:
    indent: int
    text: str
    key: Key | None = None


# -- expressions ---------------------------------------------------------------


def literal_text(value: Scalar) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotRepresentable(f"the number {value!r} has no text form")
        # repr is the shortest text that reads back as the same float, and
        # always has a '.' or an exponent, so it never reads back as an int.
        return repr(value)
    if isinstance(value, str):
        return quote_string(value)
    raise NotRepresentable(f"a literal must be a scalar, not a {type(value).__name__}")


def field_text(path: str) -> str:
    return path if is_bare_name(path) else f"field({quote_string(path)})"


def expr_text(node: Node) -> str:
    return _expr(node)[0]


def _expr(node: Node) -> tuple[str, int]:
    """The text of a condition or value and its precedence."""
    if isinstance(node, Literal):
        return literal_text(node.value), _ATOM
    if isinstance(node, Field):
        return field_text(node.path), _ATOM
    if isinstance(node, FuncCall):
        if not is_bare_name(node.name) or node.name in _SPECIAL_CALLS:
            raise NotRepresentable(f"no function can be called {node.name!r} in text")
        return f"{node.name}({', '.join(expr_text(a) for a in node.args)})", _ATOM
    if isinstance(node, Arith):
        return _arith(node)
    if isinstance(node, Compare):
        if node.op not in COMPARE_OPS:
            raise NotRepresentable(f"the comparison {node.op!r} has no text form")
        left = _wrap(node.left, lambda p: p >= _SUM)
        right = _wrap(node.right, lambda p: p >= _SUM)
        return f"{left} {node.op} {right}", _COMPARE
    if isinstance(node, Not):
        # `not not x` reads fine; `not x > 1` would make a reader wonder.
        arg = _wrap(node.arg, lambda p: p in (_NOT, _ATOM))
        return f"not {arg}", _NOT
    if isinstance(node, And | Or):
        return _junction(node)
    raise NotRepresentable(f"a {type(node).__name__} is not a condition or value")


def _arith(node: Arith) -> tuple[str, int]:
    if node.op in ("min", "max"):
        return f"{node.op}({expr_text(node.left)}, {expr_text(node.right)})", _ATOM
    prec = _ARITH_PREC.get(node.op)
    if prec is None or node.op not in ARITH_OPS:
        raise NotRepresentable(f"the operator {node.op!r} has no text form")
    # Left-associative: the right operand needs parentheses at equal
    # precedence, or a - (b - c) would read back as (a - b) - c.
    left = _wrap(node.left, lambda p: p >= prec)
    right = _wrap(node.right, lambda p: p > prec)
    return f"{left} {node.op} {right}", prec


def _junction(node: And | Or) -> tuple[str, int]:
    word, call = ("and", "all") if isinstance(node, And) else ("or", "any")
    if len(node.args) == 1:
        # One operand: no infix form exists, the call form keeps the node.
        return f"{call}({expr_text(node.args[0])})", _ATOM
    # A nested and/or is always parenthesised: (a and b) and c is a
    # different tree from a and b and c, and mixing and/or without
    # parentheses is easy to misread.
    parts = [_wrap(a, lambda p: p > _AND) for a in node.args]
    return f" {word} ".join(parts), _AND if word == "and" else _OR


def _wrap(node: Node, fits: Callable[[int], bool]) -> str:
    text, prec = _expr(node)
    return text if fits(prec) else f"({text})"


# -- statements ------------------------------------------------------------------


def stmt_text(stmt: Stmt) -> str:
    if isinstance(stmt, AssignPoints):
        return f"award {expr_text(stmt.value)} points as {quote_string(stmt.case_name)}"
    if isinstance(stmt, SetPoints):
        return f"set points to {expr_text(stmt.value)}"
    if isinstance(stmt, SetCaseName):
        return f"set case name to {expr_text(stmt.value)}"
    if isinstance(stmt, SetData):
        return f"set data {name_text(stmt.key)} to {expr_text(stmt.value)}"
    if isinstance(stmt, SetCallbackData):
        return f"set callback {name_text(stmt.key)} to {expr_text(stmt.value)}"
    if isinstance(stmt, Veto):
        return f"veto as {quote_string(stmt.case_name)}"
    if isinstance(stmt, Return):
        return "stop"
    raise NotRepresentable(f"a {type(stmt).__name__} is not a statement")


# -- rules and programs ------------------------------------------------------------


def _condition_lines(lead: str, cond: Node, indent: int, key: Key) -> list[Line]:
    """``when COND then``; a long and/or chain goes one operand per line,
    each operator under the end of ``when``:

        when a > 1
         and b < 2
        then
    """
    one_line = f"{lead} {expr_text(cond)} then"
    if indent + len(one_line) <= WIDTH or not isinstance(cond, And | Or) or len(cond.args) < 2:
        return [Line(indent, one_line, key)]
    word = "and" if isinstance(cond, And) else "or"
    parts = [_wrap(a, lambda p: p > _AND) for a in cond.args]
    pad = " " * (len(lead) - len(word))
    lines = [Line(indent, f"{lead} {parts[0]}", key)]
    lines.extend(Line(indent, f"{pad}{word} {part}") for part in parts[1:])
    lines.append(Line(indent, "then"))
    return lines


def rule_lines(rule: Rule, indent: int, key: Key) -> list[Line]:
    head = f"rule {name_text(rule.id)}" if rule.named else "rule"
    inner, body = indent + INDENT, indent + 2 * INDENT
    lines = [Line(indent, head, key)]
    lines.extend(_condition_lines("when", rule.when, inner, (*key, "when")))
    lines.extend(Line(body, stmt_text(s), (*key, "then", j)) for j, s in enumerate(rule.then))
    for k, branch in enumerate(rule.else_ifs):
        lines.extend(_condition_lines("else when", branch.when, inner, (*key, "elif", k)))
        lines.extend(
            Line(body, stmt_text(s), (*key, "elif_then", k, j)) for j, s in enumerate(branch.then)
        )
    if rule.else_ is not None:
        lines.append(Line(inner, "else", (*key, "else")))
        lines.extend(
            Line(body, stmt_text(s), (*key, "else_then", j)) for j, s in enumerate(rule.else_)
        )
    return lines


def program_blocks(program: Program, extends: str | None = None) -> list[list[Line]]:
    """The program as blocks of lines; the text puts one blank line between
    blocks."""
    blocks: list[list[Line]] = []
    header = []
    if program.named:
        header.append(Line(0, f"strategy {name_text(program.id)}", ("strategy",)))
    if extends is not None:
        header.append(Line(0, f"extends {name_text(extends)}", ("extends",)))
    if header:
        blocks.append(header)
    if program.parent_variables is not None:
        block = [Line(0, "parent variables", ("variables",))]
        block.extend(
            Line(INDENT, f"{name_text(k)} = {literal_text(v)}", ("variable", j))
            for j, (k, v) in enumerate(program.parent_variables.items())
        )
        blocks.append(block)
    blocks.extend(rule_lines(r, 0, ("rule", "rules", i)) for i, r in enumerate(program.rules))
    if program.default is not None:
        blocks.append([Line(0, f"otherwise {stmt_text(program.default)}", ("otherwise",))])
    for section, word in (("pre_rules", "before"), ("post_rules", "after")):
        rules = getattr(program, section)
        if rules is None:
            continue
        head = Line(0, SECTION_HEADERS[section], (word,))
        if not rules:
            blocks.append([head])
            continue
        for i, r in enumerate(rules):
            lines = rule_lines(r, INDENT, ("rule", section, i))
            blocks.append([head, *lines] if i == 0 else lines)
    return blocks


def join_blocks(blocks: list[list[Line]]) -> list[Line]:
    out: list[Line] = []
    for block in blocks:
        if out:
            out.append(Line(0, ""))
        out.extend(block)
    return out


def render_lines(lines: list[Line]) -> str:
    if not lines:
        return ""
    return "\n".join((" " * ln.indent + ln.text) if ln.text else "" for ln in lines) + "\n"


def program_to_text(program: Program, *, extends: str | None = None) -> str:
    """The canonical text of ``program``. ``extends`` names the parent
    built-in of a DSL_EXTEND strategy (the JSON AST does not hold it).
    Raises NotRepresentable for the few things only invalid programs hold."""
    return render_lines(join_blocks(program_blocks(program, extends)))
