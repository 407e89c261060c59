"""The formatter: any valid text to its canonical layout, comments kept."""

from __future__ import annotations

from dslc.diagnostics import CompileError
from dslc.text.comments import find_comments, place_comments, weave
from dslc.text.parse import parse_built
from dslc.text.printer import join_blocks, program_blocks, render_lines


def format_text(source: str, filename: str | None = "<input>") -> str:
    """``source`` in canonical layout. Raises CompileError when it does not
    parse (a program with semantic errors, such as an unknown field, is
    still formatted)."""
    source = source.removeprefix("\ufeff")  # a byte order mark is not kept
    built, diags = parse_built(source, filename)
    if built is None:
        raise CompileError(diags, source)
    lines = join_blocks(program_blocks(built.program, built.outline.header))
    placement = place_comments(source, find_comments(source), built.outline)
    return render_lines(weave(lines, placement))
