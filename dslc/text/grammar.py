"""The LALR parser of the text language, built once from grammar/strategy.lark."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from lark import Lark

GRAMMAR_FILE = "strategy.lark"

# Mirrors the WORD terminal of the grammar: a bare name or a field path.
WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*")


@cache
def grammar_text() -> str:
    return resources.files("grammar").joinpath(GRAMMAR_FILE).read_text(encoding="utf-8")


@cache
def parser() -> Lark:
    """The parser. ``maybe_placeholders`` keeps optional parts (a rule's name,
    its ``else``) at fixed positions as None, so callbacks index children."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
    )


@cache
def keywords() -> frozenset[str]:
    """Every word the grammar uses as a keyword. A name equal to one of them
    is printed in quotes, and a field path equal to one is rejected, so that
    no keyword is ever read as a name by accident."""
    out = set()
    for term in parser().terminals:
        pattern = term.pattern
        if pattern.type == "str" and WORD_RE.fullmatch(pattern.value):
            out.add(pattern.value)
    return frozenset(out)


def terminal_pattern(name: str) -> str | None:
    """The literal text of a keyword or operator terminal, if it has one."""
    for term in parser().terminals:
        if term.name == name and term.pattern.type == "str":
            return str(term.pattern.value)
    return None
