"""Blockly XML, GAME's dashboard format, both ways (BLOCKLY.md).

    ast = dslc.blockly_to_json(xml)     # the JSON AST GAME's generator gives
    xml = dslc.json_to_blockly(ast)     # the workspace GAME's dashboard stores

Reading maps every block to the JSON AST and locates errors by block id and
element path. Writing refuses (``DSLC_BLOCKLY_UNSUPPORTED``) any program
that GAME's blocks cannot carry rather than change it.
"""

from __future__ import annotations

from typing import Any

from dslc.blockly.compile import compile_blockly, compile_blockly_stages
from dslc.blockly.reader import Place, Workspace, read_workspace, relocate
from dslc.blockly.writer import Written, program_to_blockly
from dslc.diagnostics import CompileError, Diagnostic

__all__ = [
    "Place",
    "Workspace",
    "Written",
    "blockly_to_json",
    "compile_blockly",
    "compile_blockly_stages",
    "json_to_blockly",
    "program_to_blockly",
    "read_workspace",
    "relocate",
]


def blockly_to_json(xml: str, filename: str | None = None) -> dict[str, Any]:
    """The JSON AST of a Blockly workspace, as GAME's dashboard generates it
    (same keys, same order). Raises CompileError when the XML is not a
    workspace GAME's dashboard could have saved; the program itself is
    checked when it is compiled."""
    return read_workspace(xml, filename).ast


def json_to_blockly(
    ast: Any, filename: str | None = None, *, warnings: list[Diagnostic] | None = None
) -> str:
    """The Blockly workspace GAME's dashboard would store for a JSON AST.

    Raises CompileError when ``ast`` is not a valid program, or holds
    something GAME's blocks cannot carry (``DSLC_BLOCKLY_UNSUPPORTED``, one
    error per node, naming the construct). Warnings (such as
    ``DSLC_BLOCKLY_EDITOR_LOSES_FUNC_ARGS``) are appended to ``warnings``
    when a list is given."""
    from dslc.json_loader import load_and_validate

    program, diags = load_and_validate(ast, filename)
    if program is None:
        raise CompileError(diags)
    written = program_to_blockly(program, filename)
    if warnings is not None:
        warnings.extend(written.warnings)
    return written.xml
