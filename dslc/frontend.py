"""One front-end entry per input kind. Each fills node ids and validates
exactly once, in the words of its input kind, and hands the back end
(``dslc.compiler.compile_front``) a ``Front``:

    json_front(ast, filename)       a GAME JSON AST (dicts, as parsed)
    text_front(source, filename)    text (``dslc.text.compile``; lark loads there)
    ast_front(program, ...)         a surface AST built in Python

Each raises ``CompileError`` with every diagnostic when the input is not a
valid program; warnings ride along in ``Front.diagnostics``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dslc import ast as A
from dslc.diagnostics import CompileError, Diagnostic
from dslc.ids import fill_ids
from dslc.validate import MAX_DEPTH, MAX_NODES, check_limits, validate
from dslc.vocabulary import JSON, Vocabulary


@dataclass(frozen=True, slots=True)
class Front:
    """A valid program with its ids filled, ready for the back end.

    ``strict_types``: certain type errors are errors (text) or warnings
    (JSON, whose reference engine accepts such programs). ``source`` is the
    text the spans point into, for rendering diagnostics with a caret."""

    program: A.Program
    diagnostics: list[Diagnostic]
    vocabulary: Vocabulary
    strict_types: bool
    filename: str | None = None
    source: str | None = None


def json_front(
    ast: object,
    filename: str | None = None,
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Front:
    """The JSON front end: load (the loader fills ids as it goes) and
    validate. ``max_depth``/``max_nodes`` are the host's limits."""
    from dslc.json_loader import load_json

    check_limits(max_depth, max_nodes)
    program, diags = load_json(ast, filename=filename, max_depth=max_depth, max_nodes=max_nodes)
    if program is None or any(d.is_error for d in diags):
        raise CompileError(diags)
    return _validated(
        program, diags, JSON, False, filename, None, max_depth=max_depth, max_nodes=max_nodes
    )


def ast_front(
    program: A.Program,
    *,
    strict_types: bool,
    filename: str | None = None,
    source: str | None = None,
    vocabulary: Vocabulary = JSON,
    prior: Sequence[Diagnostic] = (),
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Front:
    """A surface AST from elsewhere (built in Python, or by a front end that
    leaves ids to this one): fill its ids, then validate."""
    return _validated(
        fill_ids(program),
        list(prior),
        vocabulary,
        strict_types,
        filename,
        source,
        max_depth=max_depth,
        max_nodes=max_nodes,
    )


def _validated(
    program: A.Program,
    diags: list[Diagnostic],
    vocabulary: Vocabulary,
    strict_types: bool,
    filename: str | None,
    source: str | None,
    *,
    max_depth: int,
    max_nodes: int,
) -> Front:
    problems = validate(
        program,
        filename=filename,
        max_depth=max_depth,
        max_nodes=max_nodes,
        vocabulary=vocabulary,
    )
    diags = diags + problems
    if any(d.is_error for d in diags):
        raise CompileError(diags, source)
    return Front(program, diags, vocabulary, strict_types, filename, source)
