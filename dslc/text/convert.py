"""Converters between the JSON AST and text, and the header of a text file.

The JSON AST has no field for the parent built-in of a DSL_EXTEND strategy
(the store keeps it in a column); ``extends`` carries it into text and
``parse_header`` reads it back out.
"""

from __future__ import annotations

from typing import Any

from lark.exceptions import LarkError

from dslc import codes
from dslc.diagnostics import CompileError, Diagnostic
from dslc.json_loader import load_json
from dslc.text.grammar import parser
from dslc.text.parse import parse_text
from dslc.text.printer import NotRepresentable, program_to_text
from dslc.text.words import unquote_string
from dslc.to_json import program_to_json

DSL_FULL = "DSL_FULL"
DSL_EXTEND = "DSL_EXTEND"


def json_to_text(ast: Any, *, extends: str | None = None, filename: str | None = None) -> str:
    """The canonical text of a GAME JSON AST. Named rule and program ids are
    kept; generated ids and the ids of other nodes are not (text has no
    place for them). Raises CompileError when ``ast`` is not a program, or
    holds something text cannot say (only invalid programs do)."""
    program, diags = load_json(ast, filename=filename)
    if program is None:
        raise CompileError(diags)
    try:
        return program_to_text(program, extends=extends)
    except NotRepresentable as exc:
        raise CompileError(
            [Diagnostic(codes.TEXT_NOT_REPRESENTABLE, str(exc), filename=filename)]
        ) from None


def text_to_json(source: str, filename: str | None = "<input>") -> dict[str, Any]:
    """The GAME JSON AST of a text program (the program only: the parent of
    an ``extends`` strategy is in ``parse_header``). Raises CompileError on
    syntax errors; the semantic rules are checked by ``compile_text``."""
    program, diags = parse_text(source, filename)
    if program is None:
        raise CompileError(diags, source)
    return program_to_json(program)


def parse_header(source: str) -> dict[str, str | None]:
    """What the store needs besides the JSON: ``{"type": "DSL_FULL" or
    "DSL_EXTEND", "parent": built-in name or None, "name": strategy name or
    None}``. Reads only the leading ``strategy`` and ``extends`` lines, so it
    works on a file with errors further down."""
    header: dict[str, str | None] = {"type": DSL_FULL, "parent": None, "name": None}
    # Editors on Windows may save a byte order mark; the parser skips it too.
    tokens = parser().lex(source.removeprefix("\ufeff"))
    try:
        while True:
            keyword = next(tokens, None)
            if keyword is None or keyword.type not in ("_STRATEGY", "_EXTENDS"):
                break
            value = next(tokens, None)
            if value is None or value.type not in ("WORD", "STRING"):
                break
            name = unquote_string(value) if value.type == "STRING" else str(value)
            if keyword.type == "_EXTENDS":
                header["type"], header["parent"] = DSL_EXTEND, name
            else:
                header["name"] = name
    except LarkError:
        pass  # a character that does not lex: the header ends there
    return header
