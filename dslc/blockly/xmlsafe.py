"""Parsing untrusted XML with every cost bounded before it is paid.

A workspace comes from a dashboard, a file or an API call: treat it as
hostile. ``defusedxml`` refuses document type declarations (so no entity
expansion, internal or external, and no external references); the size is
checked before parsing, and the element count and nesting depth while
parsing, so the tree built is never larger than the limits.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from dslc import codes
from dslc.diagnostics import CompileError, Diagnostic

# The store keeps workspaces up to 4 MiB (store.schemas.MAX_XML); a program
# of 1000 nodes is well under a megabyte as Blockly writes it.
MAX_CHARS = 4 << 20
# A 1000-node program is a few thousand elements; unattached blocks and
# shadows add some. The depth allows a 1000-statement stack (each statement
# nests one ``<next>`` deeper).
MAX_ELEMENTS = 50_000
MAX_DEPTH = 4_096


class _Limit(Exception):
    pass


class _BoundedBuilder(ET.TreeBuilder):
    """A tree builder that stops the parse at the element or depth limit."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        self.count += 1
        self.depth += 1
        if self.count > MAX_ELEMENTS:
            raise _Limit(f"more than {MAX_ELEMENTS} XML elements")
        if self.depth > MAX_DEPTH:
            raise _Limit(f"XML elements nest deeper than {MAX_DEPTH} levels")
        return super().start(tag, attrs)

    def end(self, tag: str) -> ET.Element:
        self.depth -= 1
        return super().end(tag)


def local_name(tag: str) -> str:
    """An element's name without its namespace, lower-cased as Blockly
    compares them."""
    return tag.rsplit("}", 1)[-1].lower()


def parse_xml(text: str, filename: str | None = None) -> ET.Element:
    """The root element of ``text``; a CompileError for anything that is not
    small, well-formed XML without a document type declaration."""

    def fail(code: str, message: str, start: int = -1) -> CompileError:
        diag = Diagnostic(
            code, message, start=start, end=start + 1 if start >= 0 else -1, filename=filename
        )
        return CompileError([diag], text)

    if len(text) > MAX_CHARS:
        raise fail(
            codes.BLOCKLY_TOO_LARGE,
            f"the workspace is {len(text)} characters; at most {MAX_CHARS} are read",
        )
    parser = DefusedXMLParser(
        target=_BoundedBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    body = text.removeprefix("\ufeff")  # editors on Windows may add one
    shift = len(text) - len(body)
    try:
        parser.feed(body)
        root = parser.close()
    except _Limit as exc:
        raise fail(codes.BLOCKLY_TOO_LARGE, f"the workspace has {exc}") from None
    except DefusedXmlException as exc:
        raise fail(
            codes.BLOCKLY_XML_FORBIDDEN,
            f"the XML has a document type declaration or entities ({type(exc).__name__}); "
            "a Blockly workspace has none",
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise fail(
            codes.BLOCKLY_XML_SYNTAX,
            f"invalid XML: {_reason(exc)}",
            shift + _offset(body, line, column),
        ) from None
    return root


def _reason(exc: ET.ParseError) -> str:
    # "not well-formed (invalid token): line 1, column 4" -> the reason only
    return str(exc).split(": line ", 1)[0]


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of expat's (1-based line, 0-based column)."""
    start = 0
    for _ in range(line - 1):
        nl = text.find("\n", start)
        if nl < 0:
            break
        start = nl + 1
    return min(start + column, len(text))
