"""The text front end's entry (``text_front``) and ``compile_text``."""

from __future__ import annotations

from dataclasses import replace

from dslc import accept
from dslc.ast import Loc, Program
from dslc.compiler import Compiled, compile_front
from dslc.diagnostics import CompileError, Diagnostic
from dslc.frontend import Front, ast_front
from dslc.text.build import Built
from dslc.text.parse import parse_built
from dslc.text.syntax import limit_error, unstorable_strings
from dslc.text.words import TEXT
from dslc.validate import MAX_DEPTH, MAX_NODES
from dslc.vocabulary import Vocabulary


def text_front(
    source: str,
    filename: str = "<input>",
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    stored: bool = False,
) -> Front:
    """Parse, fill ids and validate a text program once, with messages in
    the text's words. Raises CompileError with the source attached.

    ``stored=True`` adds what the store requires besides the language
    (``dslc.accept``): a known parent and its variables, no U+0000 in a
    string. ``dslc check``, ``dslc compile`` and the store set it."""
    unstorable = unstorable_strings(source, filename, nul=stored)
    if unstorable:  # checked before any work
        raise CompileError(unstorable, source)
    over = limit_error(source, filename, max_nodes=max_nodes, max_depth=max_depth)
    if over is not None:  # a hostile megabyte costs a scan, not a parse
        raise CompileError([over], source)
    built, diags = parse_built(source, filename)
    if built is None:
        raise CompileError(diags, source)
    if stored:
        diags = diags + parent_problems(built, filename)
    return ast_front(
        built.program,
        strict_types=True,
        filename=filename,
        source=source,
        vocabulary=_words(built),
        prior=diags,
        max_depth=max_depth,
        max_nodes=max_nodes,
    )


def parent_problems(built: Built, filename: str) -> list[Diagnostic]:
    """The store's parent rules (``dslc.accept``), located in the text: the
    ``extends`` line and each parent variable's line."""
    spans = {key: (start, end) for key, start, end in built.outline.anchors if len(key) <= 2}
    variables = list(built.program.parent_variables or {})

    def variable_loc(key: str) -> Loc:
        index = variables.index(key) if key in variables else -1
        start, end = spans.get(("variable", index), spans.get(("variables",), (-1, -1)))
        return Loc(start=start, end=end)

    where = spans.get(("extends",), spans.get(("strategy",), (0, 0)))
    parent = built.outline.header
    problems = accept.parent_problems(
        accept.DSL_EXTEND if parent is not None else accept.DSL_FULL,
        parent,
        built.program.parent_variables,
        parent_loc=Loc(start=where[0], end=where[1]),
        variable_loc=variable_loc,
        filename=filename,
    )
    return problems + accept.unread_parent_variables(
        parent, built.program.parent_variables, variable_loc=variable_loc, filename=filename
    )


def _words(built: Built) -> Vocabulary:
    """The text vocabulary, knowing the line of each parent variable (the
    validator would otherwise point at the whole program)."""
    spans = {k[1]: (s, e) for k, s, e in built.outline.anchors if k[0] == "variable"}
    keys = list(built.program.parent_variables or {})
    locs = {
        key: Loc(start=spans[j][0], end=spans[j][1]) for j, key in enumerate(keys) if j in spans
    }
    return replace(TEXT, variable_locs=locs) if locs else TEXT


def compile_text_stages(
    source: str, filename: str = "<input>", *, stored: bool = False
) -> Compiled:
    """Every stage for a text program (for tools that show them); raises
    CompileError with the source attached. ``stored``: see ``text_front``."""
    return compile_front(text_front(source, filename, stored=stored))


def compile_text(source: str, filename: str = "<input>", *, stored: bool = False) -> bytes:
    """Compile a text program to image bytes. Raises CompileError with every
    diagnostic (``file:line:col`` spans; ``CompileError.render`` shows them
    with the source line and a caret). Type errors that are certain at
    compile time are errors for text input, not warnings as for JSON."""
    return compile_text_stages(source, filename, stored=stored).data


def validate_text(
    source: str, filename: str = "<input>"
) -> tuple[Program | None, list[Diagnostic]]:
    """Syntax and the language's rules, without type checking or code
    generation: the program (ids filled) and the diagnostics, or None when
    any of them is an error."""
    try:
        front = text_front(source, filename)
    except CompileError as exc:
        return None, exc.diagnostics
    return front.program, front.diagnostics
