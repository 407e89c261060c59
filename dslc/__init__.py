"""dslc: the compiler for game-scoring strategies (JSON AST and text).

Public API::

    image = dslc.compile_json(ast)        # bytes; raises dslc.CompileError
    image = dslc.compile_text(source, filename="x.strat")
    text = dslc.json_to_text(ast); ast = dslc.text_to_json(source)
"""

from __future__ import annotations

from typing import Any

from dslc.compiler import compile_json
from dslc.diagnostics import CompileError, Diagnostic, Severity

__all__ = [
    "CompileError",
    "Diagnostic",
    "Severity",
    "compile_json",
    "compile_text",
    "format_text",
    "json_to_text",
    "parse_header",
    "parse_text",
    "program_to_text",
    "text_to_json",
]

_TEXT_API = frozenset(
    {
        "compile_text",
        "format_text",
        "json_to_text",
        "parse_header",
        "parse_text",
        "program_to_text",
        "text_to_json",
    }
)


def __getattr__(name: str) -> Any:
    # The text front end (lark) loads only when a text API is first used, so
    # an engine compiling JSON does not pay for the grammar.
    if name in _TEXT_API:
        from dslc import text

        return getattr(text, name)
    raise AttributeError(f"module 'dslc' has no attribute {name!r}")
