"""Diagnostics of the shared validator, in the words of the text language.

``dslc.validate`` speaks JSON (``veto is not allowed in rules``); a designer
who wrote text should read ``'veto' cannot be used in the main rules``. The
code, span and severity stay as they are: only the wording changes.
"""

from __future__ import annotations

import dataclasses
import re

from dslc import codes
from dslc.ast import STATEMENT_SECTIONS, Field, Node, Program
from dslc.diagnostics import Diagnostic
from dslc.ids import children
from dslc.text.build import Outline
from dslc.text.words import SECTION_WORDS, STATEMENT_WORDS
from dslc.validate import PARENT_VARIABLE_PREFIX

_SECTION_ORDER = ("rules", "default", "pre_rules", "post_rules")
_JSON_NAMES = re.compile(r"\b(" + "|".join(sorted(STATEMENT_WORDS, key=len, reverse=True)) + r")\b")


def _index(program: Program) -> dict[tuple[int, int], tuple[Node, str]]:
    """Every node by its span, with the section it is in."""
    out: dict[tuple[int, int], tuple[Node, str]] = {}
    roots: list[tuple[Node, str]] = [
        (rule, section) for section, rules in program.sections() for rule in rules
    ]
    if program.default is not None:
        roots.append((program.default, "default"))
    while roots:
        node, section = roots.pop()
        loc = getattr(node, "loc", None)
        if loc is not None and loc.has_span:
            out.setdefault((loc.start, loc.end), (node, section))
        roots.extend((kid, section) for kid, _ in children(node, ""))
    return out


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def reword(
    diags: list[Diagnostic], program: Program, outline: Outline | None = None
) -> list[Diagnostic]:
    """``diags`` in text words. With the ``outline`` of the parse, a bad
    parent variable key points at its own line."""
    if not diags:
        return diags
    index = _index(program)
    out = [_reword_one(d, index) for d in diags]
    return out if outline is None else _locate_variable_keys(out, program, outline)


def _locate_variable_keys(
    diags: list[Diagnostic], program: Program, outline: Outline
) -> list[Diagnostic]:
    """The validator reports a bad parent variable key at the program (JSON
    has no finer place); text has the line of the variable."""
    spans = {k[1]: (s, e) for k, s, e in outline.anchors if k[0] == "variable"}
    bad = [
        j
        for j, key in enumerate(program.parent_variables or {})
        if not key.startswith(PARENT_VARIABLE_PREFIX)
    ]
    out = []
    for diag in diags:
        if diag.code == codes.PARENT_VARIABLE_KEY and bad:
            start, end = spans.get(bad.pop(0), (diag.start, diag.end))
            diag = dataclasses.replace(
                diag,
                start=start,
                end=end,
                message=diag.message.replace("parent_variables key", "parent variable"),
            )
        out.append(diag)
    return out


def _reword_one(diag: Diagnostic, index: dict[tuple[int, int], tuple[Node, str]]) -> Diagnostic:
    found = index.get((diag.start, diag.end))
    if diag.code == codes.STATEMENT_NOT_ALLOWED and found is not None:
        node, section = found
        kind = str(getattr(node, "type", ""))
        word = STATEMENT_WORDS.get(kind, kind)
        allowed = [SECTION_WORDS[s] for s in _SECTION_ORDER if s in STATEMENT_SECTIONS[kind]]
        return dataclasses.replace(
            diag,
            message=f"'{word}' cannot be used in {SECTION_WORDS[section]}",
            hint=f"'{word}' is allowed in {_join(allowed)}",
        )
    if diag.code == codes.PARENT_FIELD_OUTSIDE_POST and found is not None:
        node, section = found
        assert isinstance(node, Field)
        return dataclasses.replace(
            diag,
            message=f"'{node.path}' can only be read in rules under 'after parent', "
            f"not in {SECTION_WORDS[section]}",
            hint="the parent's result exists only once the parent has run",
        )
    message = _JSON_NAMES.sub(lambda m: f"'{STATEMENT_WORDS[m.group()]}'", diag.message)
    message = message.replace("case_name", "case name")
    return diag if message == diag.message else dataclasses.replace(diag, message=message)
