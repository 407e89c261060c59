"""``validate_ast``: GAME's validator contract (``app/engine/dsl_validator.py``).

It checks a program with this project's compiler front end and limits,
fills the node ids GAME would fill into the caller's dict (GAME stores the
AST with them, and its traces and Blockly blocks refer to them), and raises
the validation class (``engine.errors``) with GAME's wording, a code and
params when the program is invalid.
"""

from __future__ import annotations

from typing import Any

from dslc.ast import ElseIf
from dslc.ids import fill_ids, is_given, iter_nodes
from dslc.json_loader import load_and_validate
from engine.errors import VALIDATION, Failure, Limits, from_diagnostic, resolve_pointer


def validate_ast(ast: Any, *, max_nodes: int = 1000, max_depth: int = 32) -> dict[str, Any]:
    """Validate ``ast`` and fill its missing node ids in place; return it.

    A node id that is not a non-empty string is replaced by
    ``<parent id>.<type>.<index>`` as GAME does (duplicates are kept;
    ``else_if`` branches get none). Raises the validation class on the
    first error (nothing is filled then)."""
    limits = Limits(max_nodes=max_nodes, max_depth=max_depth)
    if not isinstance(ast, dict):
        raise Failure(VALIDATION, None, "AST root must be an object.", {}).build()
    program, diags = load_and_validate(ast, max_depth=max_depth, max_nodes=max_nodes)
    errors = [d for d in diags if d.is_error]
    if program is None or errors:
        raise from_diagnostic(ast, errors[0], limits).build()
    for node, node_id in iter_nodes(fill_ids(program)):
        if isinstance(node, ElseIf):
            continue
        raw = resolve_pointer(ast, node.loc.pointer) if node.loc.pointer else ast
        if isinstance(raw, dict) and not is_given(raw.get("id")):
            raw["id"] = node_id
    return ast
