"""How the text language names things, for messages and the printer.

The JSON AST speaks of ``assign_points`` and ``pre_rules``; a designer reading
a text diagnostic should see the words they wrote (``award``, ``before
parent``). One table per kind of name, used by every message.
"""

from __future__ import annotations

import json

from dslc.text.grammar import WORD_RE, keywords
from dslc.vocabulary import Vocabulary

# The words that start each statement, by the JSON statement type.
STATEMENT_WORDS: dict[str, str] = {
    "assign_points": "award",
    "set_callback_data": "set callback",
    "return": "stop",
    "set_data": "set data",
    "veto": "veto",
    "set_points": "set points",
    "set_case_name": "set case name",
}

# Where rules of each JSON section are written in text.
SECTION_WORDS: dict[str, str] = {
    "rules": "the main rules",
    "default": "'otherwise'",
    "pre_rules": "rules under 'before parent'",
    "post_rules": "rules under 'after parent'",
}

# The text language's words for the shared validator's and checker's messages.
TEXT = Vocabulary(
    kind="text",
    statements={kind: f"'{word}'" for kind, word in STATEMENT_WORDS.items()},
    sections=SECTION_WORDS,
    case_name="case name",
    parent_variable="parent variable",
)

SECTION_HEADERS: dict[str, str] = {
    "pre_rules": "before parent",
    "post_rules": "after parent",
}


def quote_string(value: str) -> str:
    """A string literal: JSON escapes, so the text reads back to the same
    string. Control characters and line separators are escaped (a string
    stays on its line in every editor), lone surrogates too (a file must be
    valid UTF-8); every other character is written as itself."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif (
            code < 0x20
            or 0x7F <= code <= 0x9F
            or code in (0x2028, 0x2029)
            or (0xD800 <= code <= 0xDFFF)
        ):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def unquote_string(token: str) -> str:
    """The value of a string literal the grammar accepted (JSON syntax)."""
    value = json.loads(token)
    assert isinstance(value, str)
    return value


def is_bare_name(value: str) -> bool:
    """Whether a name (rule, key, strategy, field path) may be written
    without quotes: it looks like a word and is not a keyword."""
    return WORD_RE.fullmatch(value) is not None and value not in keywords()


def name_text(value: str) -> str:
    return value if is_bare_name(value) else quote_string(value)
