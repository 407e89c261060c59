"""dslc: the compiler for game-scoring strategies (JSON AST and text).

Public API::

    image = dslc.compile_json(ast)        # bytes; raises dslc.CompileError
    image = dslc.compile_text(source, filename="x.strat")
    text = dslc.json_to_text(ast); ast = dslc.text_to_json(source)
    xml = dslc.json_to_blockly(ast); ast = dslc.blockly_to_json(xml)
"""

from __future__ import annotations

from typing import Any

from dslc.compiler import compile_json
from dslc.diagnostics import CompileError, Diagnostic, Severity

__all__ = [
    "CompileError",
    "Diagnostic",
    "Severity",
    "blockly_to_json",
    "compile_blockly",
    "compile_json",
    "compile_text",
    "format_text",
    "json_to_blockly",
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

_BLOCKLY_API = frozenset({"blockly_to_json", "compile_blockly", "json_to_blockly"})


def __getattr__(name: str) -> Any:
    # The text front end (lark) and the Blockly one (an XML parser) load only
    # when first used, so an engine compiling JSON does not pay for them.
    if name in _TEXT_API:
        from dslc import text

        return getattr(text, name)
    if name in _BLOCKLY_API:
        from dslc import blockly

        return getattr(blockly, name)
    raise AttributeError(f"module 'dslc' has no attribute {name!r}")
