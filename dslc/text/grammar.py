"""The LALR parser of the text language, built once from grammar/strategy.lark."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from lark import Lark, Token

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
        lexer_callbacks={"WORD": _reserve_keywords},
    )


def _reserve_keywords(token: Token) -> Token:
    """Keywords are reserved everywhere. lark's contextual lexer would read
    ``then`` as a name wherever the keyword cannot follow (so ``when then``
    would parse ``then`` as a field); a keyword always stays a keyword, and
    a name that is one must be quoted."""
    kind = keyword_types().get(str(token))
    if kind is not None:
        token.type = kind
    return token


@cache
def keyword_types() -> dict[str, str]:
    """Terminal name of every keyword, by its text."""
    out = {}
    for term in parser().terminals:
        pattern = term.pattern
        if pattern.type == "str" and WORD_RE.fullmatch(pattern.value):
            out[str(pattern.value)] = term.name
    return out


def keywords() -> frozenset[str]:
    """Every word the grammar uses as a keyword: printed in quotes where a
    name equals one."""
    return frozenset(keyword_types())


def terminal_pattern(name: str) -> str | None:
    """The literal text of a keyword or operator terminal, if it has one."""
    for term in parser().terminals:
        if term.name == name and term.pattern.type == "str":
            return str(term.pattern.value)
    return None
