"""Every example of docs/language.md is checked.

A ```strat block compiles and is already formatted. A ```strat-error block
fails to compile, and the ```text block after it is exactly what the
compiler prints for it (as file example.strat).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dslc.diagnostics import CompileError
from dslc.text import compile_text, format_text

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "language.md"
BLOCK = re.compile(r"^```([\w-]*)\n(.*?)^```\n", re.M | re.S)


def _blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))]


def _examples() -> list[str]:
    return [body for tag, body in _blocks() if tag == "strat"]


def _error_examples() -> list[tuple[str, str]]:
    blocks = _blocks()
    out = []
    for i, (tag, body) in enumerate(blocks):
        if tag == "strat-error":
            follow_tag, rendered = blocks[i + 1]
            assert follow_tag == "text", "a strat-error block is followed by its output"
            out.append((body, rendered))
    return out


def test_the_guide_has_examples() -> None:
    assert len(_examples()) >= 15
    assert len(_error_examples()) >= 3
    tags = {tag for tag, _ in _blocks()}
    assert tags <= {"strat", "strat-error", "text"}, tags


@pytest.mark.parametrize("source", _examples())
def test_guide_example_compiles_and_is_formatted(source: str) -> None:
    compile_text(source, "example.strat")
    assert format_text(source) == source


@pytest.mark.parametrize(("source", "rendered"), _error_examples())
def test_guide_error_example_prints_what_the_guide_shows(source: str, rendered: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_text(source, "example.strat")
    assert info.value.render() + "\n" == rendered
