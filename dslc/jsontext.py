"""Reading JSON from files and options, with every failure a located error.

``loads`` is the one way the CLI tools and the store read a JSON document
given by a user: it refuses input over the byte limit before parsing
(``dslc.limits``), accepts a UTF-8 byte order mark (as the text front end
does), and turns every way ``json.loads`` can fail into a ``CompileError``
with a code and an offset, never a raw exception:

- bytes that are not UTF-8: ``DSLC_FILE_UNREADABLE`` at the first bad byte;
- a syntax error: ``DSLC_JSON_SYNTAX``; ``NaN`` and ``Infinity`` (which
  Python reads but JSON does not have) are syntax errors too;
- an integer of more than 4300 digits (Python refuses to convert it):
  ``DSLC_JSON_NUMBER_TOO_LONG``;
- nesting deeper than Python's parser can recurse: ``DSLC_JSON_TOO_DEEP``;
- a ``\\uD800``-style escape without its pair (a string no UTF-8 output
  can print): ``DSLC_STRING_NOT_UNICODE``.
"""

from __future__ import annotations

import json
import os
import re
from typing import NoReturn

from dslc import codes
from dslc.diagnostics import CompileError, Diagnostic
from dslc.limits import MAX_INT_DIGITS, max_source_bytes

BOM = "\ufeff"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
BOM_BYTES = b"\xef\xbb\xbf"


class _NumberTooLong(Exception):
    def __init__(self, digits: str) -> None:
        self.digits = digits


class _NotJson(Exception):
    def __init__(self, word: str) -> None:
        self.word = word


def _fail(
    code: str,
    message: str,
    filename: str | None,
    source: str | None,
    start: int = -1,
    end: int = -1,
) -> NoReturn:
    diag = Diagnostic(code, message, start=start, end=end, filename=filename)
    raise CompileError([diag], source)


def check_size(size: int, filename: str | None, limit: int | None = None) -> None:
    """Refuse ``size`` bytes when over the limit (before reading or parsing)."""
    most = max_source_bytes(limit)
    if size > most:
        _fail(
            codes.SOURCE_TOO_LARGE,
            f"the input is {size} bytes, more than the limit of {most} "
            "(set DSLC_MAX_SOURCE_BYTES to change it)",
            filename,
            None,
        )


def read_file(path: str, *, limit: int | None = None) -> bytes:
    """The bytes of a file, its size checked before it is read."""
    try:
        with open(path, "rb") as handle:
            check_size(os.fstat(handle.fileno()).st_size, path, limit)
            return handle.read(max_source_bytes(limit) + 1)
    except OSError as exc:
        _fail(codes.FILE_UNREADABLE, f"cannot read: {exc.strerror}", path, None)


def decode(
    raw: bytes, filename: str | None = None, *, limit: int | None = None, keep_offsets: bool = True
) -> str:
    """UTF-8 text of ``raw``. A byte order mark becomes a space, so offsets,
    lines and columns stay those of the file (or is dropped, for text that
    is stored: ``keep_offsets=False``). Raises CompileError."""
    check_size(len(raw), filename, limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(
            codes.FILE_UNREADABLE,
            f"not UTF-8 text: {exc.reason} (byte {exc.start})",
            filename,
            None,
            exc.start,
            exc.end,
        )
    if text.startswith(BOM):
        return (" " if keep_offsets else "") + text[1:]
    return text


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _NumberTooLong(digits)
    return int(digits)


def _parse_constant(word: str) -> float:
    raise _NotJson(word)


def loads(source: str | bytes, filename: str | None = None, *, limit: int | None = None) -> object:
    """Parse one JSON document (text or UTF-8 bytes). Raises CompileError
    with the source attached, so the error renders with line and caret."""
    if isinstance(source, bytes):
        text = decode(source, filename, limit=limit)
    else:
        # len(str) <= its UTF-8 size: a cheap first check, then the exact one
        # only for text near the limit.
        if len(source) * 4 > max_source_bytes(limit):
            check_size(len(source.encode("utf-8", "surrogatepass")), filename, limit)
        text = " " + source[1:] if source.startswith(BOM) else source
    try:
        value = json.loads(text, parse_int=_parse_int, parse_constant=_parse_constant)
    except json.JSONDecodeError as exc:
        _fail(codes.JSON_SYNTAX, f"invalid JSON: {exc.msg}", filename, text, exc.pos, exc.pos + 1)
    except _NumberTooLong as exc:
        at = text.find(exc.digits)
        _fail(
            codes.JSON_NUMBER_TOO_LONG,
            f"an integer of {len(exc.digits.lstrip('-'))} digits "
            f"(at most {MAX_INT_DIGITS} are read)",
            filename,
            text,
            at,
            at + min(len(exc.digits), 40),
        )
    except _NotJson as exc:
        at = _find_word(text, exc.word)
        _fail(
            codes.JSON_SYNTAX,
            f"invalid JSON: {exc.word} is not a JSON value (numbers must be finite)",
            filename,
            text,
            at,
            at + len(exc.word) if at >= 0 else -1,
        )
    except RecursionError:
        # Python's parser recurses once per level; programs nest 32.
        _fail(
            codes.JSON_TOO_DEEP,
            "the JSON nests too deeply to read (programs may nest 32 levels)",
            filename,
            None,
        )
    escape = _SURROGATE_ESCAPE.search(text)
    if escape is not None and _has_lone_surrogate(value):
        _fail(
            codes.STRING_NOT_UNICODE,
            "a string has a lone surrogate (a \\uD800-\\uDFFF escape without its pair): "
            "not valid Unicode",
            filename,
            text,
            escape.start(),
            escape.end(),
        )
    return value


def _has_lone_surrogate(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _find_word(text: str, word: str) -> int:
    """Where a bare ``NaN``/``Infinity`` is (outside strings), best effort."""
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif text.startswith(word, i):
            return i
    return -1


def message(exc: CompileError, *, with_name: bool = True) -> str:
    """One line for an option's error: the first diagnostic, with its
    line and column when it has an offset."""
    diag = exc.diagnostics[0]
    where = ""
    if exc.source is not None and diag.start >= 0:
        line = exc.source.count("\n", 0, diag.start) + 1
        col = diag.start - (exc.source.rfind("\n", 0, diag.start) + 1) + 1
        where = f" (line {line}, column {col})"
    name = f"{diag.filename}: " if diag.filename and with_name else ""
    return f"{name}{diag.message}{where} [{diag.code}]"
