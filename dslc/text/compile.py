"""``compile_text``: text to image bytes, with text-worded diagnostics."""

from __future__ import annotations

from dslc.compiler import compile_stages
from dslc.diagnostics import CompileError
from dslc.ids import fill_ids
from dslc.text.parse import parse_built
from dslc.text.reword import reword
from dslc.validate import validate


def compile_text(source: str, filename: str = "<input>") -> bytes:
    """Compile a text program to image bytes. Raises CompileError with every
    diagnostic (``file:line:col`` spans; render them with the source, as
    ``CompileError.render`` does). Type errors that are certain at compile
    time are errors for text input."""
    built, diags = parse_built(source, filename)
    if built is None:
        raise CompileError(diags, source)
    program = fill_ids(built.program)
    # Validated here first so that the messages speak the text's words
    # (compile_stages validates again; a valid program costs little).
    problems = reword(validate(program, filename=filename), program, built.outline)
    if any(d.is_error for d in problems):
        raise CompileError(diags + problems, source)
    try:
        compiled = compile_stages(
            program, strict_types=True, filename=filename, source=source, prior=diags
        )
    except CompileError as exc:
        raise CompileError(reword(exc.diagnostics, program, built.outline), source) from None
    return compiled.data
