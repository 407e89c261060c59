"""Compiling a Blockly workspace: read it, then every stage of a JSON AST,
with every diagnostic pointed at the block it is about."""

from __future__ import annotations

from dataclasses import replace

from dslc.blockly.reader import read_workspace, relocate
from dslc.compiler import Compiled, compile_front
from dslc.diagnostics import CompileError
from dslc.frontend import json_front


def compile_blockly_stages(xml: str, filename: str | None = None) -> Compiled:
    """Every stage for a workspace. Raises CompileError whose diagnostics
    name the block (id) and its element path instead of a JSON pointer."""
    workspace = read_workspace(xml, filename)
    try:
        front = json_front(workspace.ast, filename)
        front = replace(front, diagnostics=workspace.warnings + front.diagnostics)
        compiled = compile_front(front)
    except CompileError as exc:
        # The front end raises with its own diagnostics: keep the reader's too.
        ours = [w for w in workspace.warnings if w not in exc.diagnostics]
        raise CompileError(relocate(ours + exc.diagnostics, workspace.places), xml) from None
    return replace(compiled, diagnostics=relocate(compiled.diagnostics, workspace.places))


def compile_blockly(xml: str, filename: str | None = None) -> bytes:
    """A workspace compiled to image bytes (see ``compile_blockly_stages``)."""
    return compile_blockly_stages(xml, filename).data
