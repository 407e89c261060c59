"""``compile_text``: text to image bytes, with text-worded diagnostics."""

from __future__ import annotations

from dslc.compiler import compile_stages
from dslc.diagnostics import CompileError
from dslc.text.parse import parse_text
from dslc.text.reword import reword
from dslc.validate import validate


def compile_text(source: str, filename: str = "<input>") -> bytes:
    """Compile a text program to image bytes. Raises CompileError with every
    diagnostic (``file:line:col`` spans; render them with the source, as
    ``CompileError.render`` does). Type errors that are certain at compile
    time are errors for text input."""
    program, diags = parse_text(source, filename)
    if program is None:
        raise CompileError(diags, source)
    # Validated here first so that the messages speak the text's words
    # (compile_stages validates again; a valid program costs little).
    problems = reword(validate(program, filename=filename), program)
    if any(d.is_error for d in problems):
        raise CompileError(diags + problems, source)
    return compile_stages(
        program, strict_types=True, filename=filename, source=source, prior=diags
    ).data
