"""The text front end: a strategy language for game designers.

Public API (re-exported by ``dslc``)::

    compile_text(source, filename="<input>") -> bytes
    parse_text(source, filename) -> (Program | None, [Diagnostic])
    format_text(source) -> str
    json_to_text(ast, *, extends=None) -> str
    text_to_json(source) -> dict
    parse_header(source) -> {"type", "parent", "name"}
    program_to_text(program, *, extends=None) -> str

The grammar is ``grammar/strategy.lark``; ``docs/language.md`` is the guide.
"""

from __future__ import annotations

from dslc.text.compile import compile_text
from dslc.text.convert import DSL_EXTEND, DSL_FULL, json_to_text, parse_header, text_to_json
from dslc.text.format import format_text
from dslc.text.parse import parse_text
from dslc.text.printer import NotRepresentable, program_to_text

__all__ = [
    "DSL_EXTEND",
    "DSL_FULL",
    "NotRepresentable",
    "compile_text",
    "format_text",
    "json_to_text",
    "parse_header",
    "parse_text",
    "program_to_text",
    "text_to_json",
]
