"""``compile_text``: text to image bytes, with text-worded diagnostics."""

from __future__ import annotations

from dslc.ast import Program
from dslc.compiler import Compiled, compile_stages
from dslc.diagnostics import CompileError, Diagnostic
from dslc.ids import fill_ids
from dslc.text.parse import parse_built
from dslc.text.reword import reword
from dslc.validate import validate


def compile_text_stages(source: str, filename: str = "<input>") -> Compiled:
    """Every stage for a text program (for tools that show them); raises
    CompileError with the source attached."""
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
        return compile_stages(
            program, strict_types=True, filename=filename, source=source, prior=diags
        )
    except CompileError as exc:
        raise CompileError(reword(exc.diagnostics, program, built.outline), source) from None


def compile_text(source: str, filename: str = "<input>") -> bytes:
    """Compile a text program to image bytes. Raises CompileError with every
    diagnostic (``file:line:col`` spans; ``CompileError.render`` shows them
    with the source line and a caret). Type errors that are certain at
    compile time are errors for text input, not warnings as for JSON."""
    return compile_text_stages(source, filename).data


def validate_text(
    source: str, filename: str = "<input>"
) -> tuple[Program | None, list[Diagnostic]]:
    """Syntax and the language's rules, without type checking or code
    generation: the program (ids filled) and the diagnostics, or None when
    any of them is an error."""
    built, diags = parse_built(source, filename)
    if built is None:
        return None, diags
    program = fill_ids(built.program)
    diags = diags + reword(validate(program, filename=filename), program, built.outline)
    return (None if any(d.is_error for d in diags) else program), diags
