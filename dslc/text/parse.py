"""The text front end: source text to the surface AST, ids filled."""

from __future__ import annotations

from dslc.ast import Program
from dslc.diagnostics import Diagnostic, DiagnosticBag
from dslc.ids import fill_ids
from dslc.text.build import Built, build
from dslc.text.syntax import parse_tree


def parse_built(source: str, filename: str | None = None) -> tuple[Built | None, list[Diagnostic]]:
    """The program with its outline (for the formatter), or None and the
    errors. Warnings come back with a program too."""
    parsed = parse_tree(source, filename)
    if parsed.tree is None:
        return None, parsed.diagnostics
    bag = DiagnosticBag(filename)
    built = build(parsed.tree, bag, source)
    if built is None or bag.has_errors:
        return None, bag.items
    return built, bag.items


def parse_text(
    source: str, filename: str | None = "<input>"
) -> tuple[Program | None, list[Diagnostic]]:
    """The surface AST of a text program with every id filled (the reference
    rules; named rules keep their names), or None and the diagnostics.

    Only the text's own rules are checked here; ``dslc.validate`` checks the
    language's (sections, fields, limits), as for JSON input."""
    built, diags = parse_built(source, filename)
    if built is None:
        return None, diags
    return fill_ids(built.program), diags
