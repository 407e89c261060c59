"""Properties over generated programs: printing then parsing gives the same
program; the printed text is formatted; formatting is idempotent, keeps every
comment and does not depend on the layout of its input."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dslc.ast import Program
from dslc.ids import fill_ids
from dslc.text import format_text, parse_header, program_to_text
from dslc.text.parse import parse_built
from tests.asts import any_programs as programs
from tests.asts import names
from tests.text.support import shape

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
extends_names = st.none() | names.filter(bool)


def _parse(text: str) -> tuple[Program, str | None]:
    built, diags = parse_built(text, "gen.strat")
    assert built is not None, [(d.code, d.message) for d in diags]
    return fill_ids(built.program), built.outline.header


@pytest.mark.slow  # hundreds of generated programs (left out by test.sh --quick)
@SETTINGS
@given(programs(), extends_names)
def test_print_then_parse_gives_the_same_program(program: Program, extends: str | None) -> None:
    text = program_to_text(program, extends=extends)
    back, header = _parse(text)
    assert shape(back) == shape(fill_ids(program))
    assert header == extends
    assert parse_header(text)["parent"] == extends


@pytest.mark.slow  # hundreds of generated programs (left out by test.sh --quick)
@SETTINGS
@given(programs(), extends_names)
def test_printed_text_is_formatted(program: Program, extends: str | None) -> None:
    text = program_to_text(program, extends=extends)
    assert format_text(text) == text


@pytest.mark.slow  # hundreds of generated programs (left out by test.sh --quick)
@SETTINGS
@given(programs())
def test_layout_does_not_matter(program: Program) -> None:
    """Lines and indentation carry no meaning: the program on one line
    formats to the same text. (Strings never hold a raw newline.)"""
    text = program_to_text(program)
    squashed = re.sub(r"\n[ ]*", " ", text)
    assert format_text(squashed) == text


@st.composite
def commented(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A printed program with comments added at the end of lines and on
    lines of their own, and the comments added."""
    text = program_to_text(draw(programs()))
    out: list[str] = []
    added: list[str] = []
    for i, line in enumerate(text.split("\n")[:-1]):
        if draw(st.booleans()):
            tail = draw(st.text(alphabet='ab #"', max_size=4))
            comment = f"# own {i} {tail}".rstrip()
            indent = " " * draw(st.integers(0, 8))
            out.append(indent + comment)
            added.append(comment)
            if draw(st.booleans()):
                out.append("")
        if line.strip() and draw(st.booleans()):
            comment = f"# end {i}"
            line = f"{line}  {comment}"
            added.append(comment)
        out.append(line)
    if draw(st.booleans()):
        out.append("# last")
        added.append("# last")
    return "\n".join(out) + "\n", added


@pytest.mark.slow  # hundreds of generated programs (left out by test.sh --quick)
@SETTINGS
@given(commented())
def test_formatting_is_idempotent_and_keeps_comments(case: tuple[str, list[str]]) -> None:
    source, added = case
    once = format_text(source)
    assert format_text(once) == once
    kept = [line.strip() for line in once.split("\n") if "#" in line]
    for comment in added:
        assert any(comment in line for line in kept), comment
    assert shape(_parse(once)[0]) == shape(_parse(source)[0])
