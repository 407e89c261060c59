"""Helpers for the text front end's tests."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from dslc.diagnostics import CompileError, Diagnostic, line_col
from dslc.text import compile_text, parse_text


def shape(node: Any, *, rule_ids: bool = True) -> Any:
    """A comparable view of an AST: locations dropped, ids dropped except
    those of rules and the program (the ones text keeps), and every scalar
    tagged with its type so that 2, 2.0 and True stay apart (and -0.0 from
    0.0)."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        name = type(node).__name__
        out: dict[str, Any] = {"_": name}
        for f in dataclasses.fields(node):
            if f.name == "loc":
                continue
            if f.name == "id" and (name not in ("Rule", "Program") or not rule_ids):
                continue
            out[f.name] = shape(getattr(node, f.name), rule_ids=rule_ids)
        return out
    if isinstance(node, tuple | list):
        return [shape(x, rule_ids=rule_ids) for x in node]
    if isinstance(node, dict):
        return {k: shape(v, rule_ids=rule_ids) for k, v in node.items()}
    if isinstance(node, float):
        return ("float", node, math.copysign(1.0, node))
    return (type(node).__name__, node)


def where(diag: Diagnostic, source: str) -> tuple[str, int, int]:
    line, col = line_col(source, diag.start)
    return diag.code, line, col


def compile_errors(source: str) -> list[tuple[str, int, int]]:
    """(code, line, column) of every error ``compile_text`` reports."""
    try:
        compile_text(source, "t.strat")
    except CompileError as exc:
        return [where(d, source) for d in exc.errors]
    return []


def parse_diagnostics(source: str) -> list[tuple[str, int, int]]:
    _, diags = parse_text(source, "t.strat")
    return [where(d, source) for d in diags]


def parse_ok(source: str) -> Any:
    program, diags = parse_text(source, "t.strat")
    assert program is not None, [d.message for d in diags]
    return program
