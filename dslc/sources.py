"""Reading strategy inputs, whatever their form: the one reader that every
``dslc`` command, the store's CLI and the store's importer use.

    src = read_strategy("bonus.json")        # exactly one strategy
    srcs = read_strategies("export.json")    # a GAME export may list several
    compiled = compile_source(src)           # every stage, by the input's kind

What a file holds is decided by its suffix (``READERS``):

- ``.strat``: a text-language program; its ``strategy``/``extends`` lines
  give the name, type and parent (``header``).
- ``.json``: a bare GAME JSON AST (``{"type": "program", ...}``, kind
  ``json``), a GAME template or export record whose ``astJson`` (or
  ``sourceText``) holds the program (kind ``record``), or a list of records.
- ``.xml``: a Blockly workspace as GAME's dashboard saves it (kind
  ``blockly``, ``dslc.blockly``); a record with only ``blocklyXml`` (a
  dashboard draft) compiles from its XML too.
- A file with another suffix is JSON when it starts with ``{`` or ``[``,
  a workspace when it starts with ``<``, else text. ``.sbc`` is a compiled
  image, read with ``read_source``.

A reader is a function ``(filename, text) -> list[StrategySource]``; another
input kind plugs in with one line in ``READERS``.

Every failure is a ``CompileError`` whose diagnostics carry the file name
(and the offset, for JSON syntax), never a traceback; a file that is valid
but holds no strategy (an events file) is ``NotAStrategy``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from dslc import accept, codes, jsontext
from dslc.ast import Loc
from dslc.compiler import Compiled, compile_json_stages
from dslc.diagnostics import CompileError, Diagnostic
from dslc.validate import child_pointer

DSL_FULL = "DSL_FULL"
DSL_EXTEND = "DSL_EXTEND"

TEXT_SUFFIXES = (".strat",)
IMAGE_SUFFIXES = (".sbc",)
JSON_SUFFIXES = (".json",)
BLOCKLY_SUFFIXES = (".xml",)
SOURCE_SUFFIXES = TEXT_SUFFIXES + JSON_SUFFIXES + BLOCKLY_SUFFIXES

JSON_SYNTAX = codes.JSON_SYNTAX
FILE_UNREADABLE = codes.FILE_UNREADABLE

# The keys of an event of ``dslc store score --events``: a list of objects
# with only these keys (and fields or data) is events, not strategies.
_EVENT_KEYS = frozenset({"strategy", "fields", "data", "label"})
# A JSON object with one of these is a GAME record, not a bare program.
_RECORD_KEYS = frozenset({"astJson", "sourceText", "blocklyXml", "name", "parentStrategyId"})


@dataclass(frozen=True, slots=True)
class Header:
    """What a strategy says about itself besides its rules: its type, the
    parent built-in of a DSL_EXTEND and its name (None: not given)."""

    type: str = DSL_FULL
    parent: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class StrategySource:
    """One strategy as read from a file.

    ``kind`` is ``"json"`` (a bare JSON AST), ``"record"`` (a GAME record),
    ``"text"`` (a ``.strat`` program) or another registered reader's kind.
    The program is ``ast`` (the JSON AST as written, not yet validated) or
    ``text`` (text-language source), or both for a record that has both;
    text wins when compiling. ``record`` holds a record's other columns
    (``name``, ``description``, ``blocklyXml`` ...), as written. ``where``
    names the strategy in messages (``file``, or ``file[2]`` in a list).
    """

    filename: str
    kind: str
    header: Header
    ast: dict[str, Any] | None = None
    text: str | None = None
    record: dict[str, Any] = field(default_factory=dict)
    where: str = ""

    @property
    def name(self) -> str:
        """The declared name, else the file's stem."""
        return self.header.name or Path(self.filename).stem

    @property
    def blockly_xml(self) -> str | None:
        """The Blockly workspace, for a ``.xml`` file or a record that has one."""
        xml = self.record.get("blocklyXml")
        return xml if isinstance(xml, str) else None

    def program_json(self) -> dict[str, Any]:
        """The JSON AST (text or a record's only Blockly XML is converted;
        raises CompileError when it does not read)."""
        if self.ast is not None:
            return self.ast
        if self.text is None and self.blockly_xml is not None:
            from dslc.blockly import blockly_to_json

            return blockly_to_json(self.blockly_xml, self.filename)
        if self.text is None:
            raise CompileError([_no_program(self.filename)])
        from dslc.text.convert import text_to_json

        return text_to_json(self.text, self.filename)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file's content: decoded text, or an image's bytes."""

    path: str
    kind: str  # "text" | "json" | "image" (by suffix)
    text: str | None = None
    data: bytes | None = None


class NotAStrategy(CompileError):
    """The file is readable but holds no strategy (say, an events file);
    ``reason`` says what it is instead."""

    def __init__(self, filename: str, reason: str) -> None:
        self.reason = reason
        super().__init__([Diagnostic(codes.NOT_A_STRATEGY, reason, filename=filename)])


Reader = Callable[[str, str], list["StrategySource"]]


def kind_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return "json"


def read_source(path: str | Path, *, limit: int | None = None) -> SourceFile:
    """Read a file's bytes, decoding all but images as UTF-8 (an editor's
    byte order mark is dropped); unreadable, undecodable or oversized input
    is a CompileError (the size is checked before the file is read:
    ``dslc.limits``)."""
    name = str(path)
    kind = kind_of(path)
    raw = jsontext.read_file(name, limit=limit)
    if kind == "image":
        return SourceFile(name, kind, data=raw)
    return SourceFile(name, kind, text=jsontext.decode(raw, name, limit=limit, keep_offsets=False))


def read_strategies(path: str | Path) -> list[StrategySource]:
    """Every strategy in a file, in file order."""
    src = read_source(path)
    if src.kind == "image":
        raise NotAStrategy(src.path, "a compiled image, not a strategy source")
    assert src.text is not None
    return parse_strategies(src.path, src.text)


def read_strategy(path: str | Path) -> StrategySource:
    """The one strategy in a file (a list of several is an error)."""
    return _one(read_strategies(path))


def parse_strategies(filename: str, text: str) -> list[StrategySource]:
    """The strategies in ``text`` already read (from standard input, say),
    by ``filename``'s suffix."""
    return reader_for(filename, text)(filename, text)


def parse_strategy(filename: str, text: str) -> StrategySource:
    return _one(parse_strategies(filename, text))


def reader_for(filename: str, text: str) -> Reader:
    reader = READERS.get(Path(filename).suffix.lower())
    if reader is not None:
        return reader
    # No known suffix (standard input, a renamed file): JSON starts with a
    # bracket, XML with "<"; anything else is text, which says so if it does
    # not parse.
    first = text.lstrip()[:1]
    if first == "<":
        return read_blockly
    return read_json if first in ("{", "[") else read_text


def _one(sources: list[StrategySource]) -> StrategySource:
    if len(sources) != 1:
        first = sources[0].filename if sources else "<input>"
        raise CompileError(
            [
                Diagnostic(
                    codes.NOT_A_STRATEGY,
                    f"holds {len(sources)} strategies; give one record "
                    "(`dslc store import` takes a list)",
                    filename=first,
                )
            ]
        )
    return sources[0]


# -- readers ---------------------------------------------------------------------


def read_text(filename: str, text: str) -> list[StrategySource]:
    """A text-language program; the header comes from its leading lines."""
    from dslc.text.convert import parse_header  # lark loads for text only

    head = parse_header(text)
    header = Header(type=head["type"] or DSL_FULL, parent=head["parent"], name=head["name"])
    return [StrategySource(filename, "text", header, text=text, where=filename)]


def read_json(filename: str, text: str) -> list[StrategySource]:
    """A bare JSON AST, a GAME record, or a list of records."""
    document = _decode_json(filename, text)
    if isinstance(document, list):
        if _is_events(document):
            raise NotAStrategy(filename, "events for `dslc store score --events`, not strategies")
        return [
            _from_json(filename, item, f"{filename}[{i}]", f"/{i}")
            for i, item in enumerate(document)
        ]
    if _is_strategy_tests(filename, document):
        raise NotAStrategy(filename, "strategy tests for `dslc test`, not a strategy")
    return [_from_json(filename, document, filename, "")]


def read_blockly(filename: str, text: str) -> list[StrategySource]:
    """A Blockly workspace. It holds no name or parent: a workspace with
    pre or post rules or parent variables is a DSL_EXTEND whose parent the
    caller names (``--extends``, ``parentStrategyId``)."""
    from dslc.blockly import read_workspace  # the XML parser loads for XML only

    ast = read_workspace(text, filename).ast
    extends = any(key in ast for key in ("pre_rules", "post_rules", "parent_variables"))
    header = Header(type=DSL_EXTEND if extends else DSL_FULL)
    return [
        StrategySource(
            filename, "blockly", header, ast=ast, record={"blocklyXml": text}, where=filename
        )
    ]


READERS: dict[str, Reader] = {
    ".strat": read_text,
    ".json": read_json,
    ".xml": read_blockly,
}


def _decode_json(filename: str, text: str) -> object:
    # One JSON reader for every input (dslc.jsontext): located errors for
    # syntax, huge integers, NaN, lone surrogates and deep nesting.
    return jsontext.loads(text, filename)


def _from_json(filename: str, value: object, where: str, pointer: str) -> StrategySource:
    if not isinstance(value, dict):
        _refuse(filename, pointer, "expected a program or a GAME strategy record (an object)")
    if value.get("type") == "program" or not (_RECORD_KEYS & value.keys()):
        # A bare program (or something that is neither: the JSON front end
        # says what is wrong with it, with pointers into the program).
        program_id = value.get("id")
        name = program_id if isinstance(program_id, str) and program_id else None
        return StrategySource(filename, "json", Header(name=name), ast=value, where=where)
    ast = value.get("astJson")
    if ast is not None and not isinstance(ast, dict):
        _refuse(filename, f"{pointer}/astJson", "astJson must be a program object")
    source_text = value.get("sourceText")
    if source_text is not None and not isinstance(source_text, str):
        _refuse(filename, f"{pointer}/sourceText", "sourceText must be a string")
    type_ = value.get("type")
    parent = value.get("parentStrategyId")
    name = value.get("name")
    header = Header(
        type=type_ if isinstance(type_, str) else DSL_FULL,
        parent=parent if isinstance(parent, str) else None,
        name=name if isinstance(name, str) and name else None,
    )
    others = {k: v for k, v in value.items() if k not in ("astJson", "sourceText")}
    return StrategySource(
        filename, "record", header, ast=ast, text=source_text, record=others, where=where
    )


def _refuse(filename: str, pointer: str, message: str) -> NoReturn:
    raise CompileError(
        [Diagnostic(codes.NODE_NOT_OBJECT, message, pointer=pointer or "", filename=filename)]
    )


def _is_strategy_tests(filename: str, document: object) -> bool:
    """A ``NAME.test.json`` of ``dslc test`` (dslc.testing): cases, no program."""
    return (
        filename.endswith(".test.json")
        and isinstance(document, dict)
        and "cases" in document
        and "type" not in document
    )


def _is_events(document: list[object]) -> bool:
    """A non-empty list of objects with event keys only, each with fields or
    data (no strategy record has either)."""
    return bool(document) and all(
        isinstance(item, dict) and set(item) <= _EVENT_KEYS and bool(set(item) & {"fields", "data"})
        for item in document
    )


# -- JSON options ----------------------------------------------------------------


class OptionError(ValueError):
    """A JSON option (``--fields``, ``--data`` ...) that cannot be used; the
    message is one line, without the option's name."""


def json_option(value: str) -> object:
    """An option's JSON value, given inline or as ``@path/to/file.json``
    (``dslc run`` and ``dslc store score`` read them alike), read as every
    JSON input is (``dslc.jsontext``: size limit, byte order mark, located
    errors for huge integers, NaN, lone surrogates, deep nesting)."""
    try:
        if value.startswith("@"):
            return jsontext.loads(jsontext.read_file(value[1:]), value[1:])
        return jsontext.loads(value)
    except CompileError as exc:
        raise OptionError(jsontext.message(exc)) from None


def json_object_option(value: str) -> dict[str, Any]:
    """``json_option``, which must be a JSON object."""
    parsed = json_option(value)
    if not isinstance(parsed, dict):
        raise OptionError("must be a JSON object")
    return parsed


# -- compiling -------------------------------------------------------------------


def compile_source(src: StrategySource) -> Compiled:
    """Every stage for a strategy read from a file, through its kind's front
    end (text wins when a record has both), and what the store checks
    besides (``dslc.accept``: the parent and its variables, storable
    values), so a file that passes here is one the store accepts. Raises
    CompileError with the source text attached, so diagnostics render with
    the line and a caret."""
    compiled = _compile(src)
    # After compiling: the front ends stop a huge program early, and what
    # compiled is small enough to walk.
    problems = _value_problems(src)
    if src.kind == "record" and src.text is None:
        problems += _parent_problems(src)
    if any(d.is_error for d in problems):
        raise CompileError(compiled.diagnostics + problems, src.text)
    compiled.diagnostics.extend(problems)  # warnings (unread parent variables)
    return compiled


def _compile(src: StrategySource) -> Compiled:
    if src.text is not None:
        from dslc.text.compile import compile_text_stages  # lark loads for text only

        return compile_text_stages(src.text, src.filename, stored=True)
    if src.blockly_xml is not None and (src.kind == "blockly" or src.ast is None):
        # Compiled from the XML, so that diagnostics name blocks.
        from dslc.blockly import compile_blockly_stages

        return compile_blockly_stages(src.blockly_xml, src.filename)
    if src.ast is None:
        raise CompileError([_no_program(src.filename)])
    return compile_json_stages(src.ast, src.filename)


def _no_program(filename: str) -> Diagnostic:
    return Diagnostic(
        codes.MISSING_KEY,
        "the record has no program (astJson, sourceText or blocklyXml)",
        pointer="",
        filename=filename,
    )


def _value_problems(src: StrategySource) -> list[Diagnostic]:
    pointer = "/astJson" if src.kind == "record" else ""
    out = accept.value_problems(src.ast, pointer, filename=src.filename)
    out += accept.value_problems(src.record, "", filename=src.filename)
    return out


def _parent_problems(src: StrategySource) -> list[Diagnostic]:
    """A GAME record says its type and parent: the store's rules apply."""
    if src.header.type not in (DSL_FULL, DSL_EXTEND):
        return []  # GAME's own kinds (Python strategies) are not compiled here
    ast = src.ast or {}
    overrides = ast.get("parent_variables")
    given = overrides if isinstance(overrides, dict) else None

    def variable_loc(key: str) -> Loc:
        return Loc(pointer=child_pointer("/astJson/parent_variables", key))

    problems = accept.parent_problems(
        src.header.type,
        src.header.parent,
        given,
        parent_loc=Loc(pointer="/parentStrategyId"),
        variable_loc=variable_loc,
        filename=src.filename,
    )
    if problems or src.header.type != DSL_EXTEND:
        return problems
    return accept.unread_parent_variables(
        src.header.parent, given, variable_loc=variable_loc, filename=src.filename
    )


def write_atomically(path: str | Path, data: bytes) -> None:
    """Replace the file at ``path`` with ``data``, all or nothing.

    - A symbolic link is written through: its target is replaced and the
      link stays a link (as editors and formatters do).
    - The data goes to a temporary file created exclusively (``O_EXCL``,
      ``O_NOFOLLOW``, an unpredictable name: ``tempfile.mkstemp``) in the
      target's directory, then is renamed over the target: nothing planted
      beside the target can redirect the write, and a failure (a full disk,
      an interrupt) never leaves a half-written file where a good one was.
    - A read-only file (no write permission bit, so root is refused too) is
      not replaced; a rewritten file keeps its mode (and, when allowed, its
      owner); a new one gets the usual ``0o666`` minus the umask.

    Raises CompileError with ``DSLC_FILE_NOT_WRITABLE`` and the path; the
    temporary file is removed.
    """
    name = str(path)
    target = Path(os.path.realpath(path))
    try:
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        _not_writable(name, f"cannot write: {exc.strerror}")
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            _not_writable(name, "cannot write: not a regular file")
        if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
            _not_writable(name, "the file is read-only; not replaced")
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        _not_writable(name, f"cannot write: {exc.strerror}")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            if info is not None:
                os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))
                if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                    # Only root may give a file away; otherwise the mode is kept.
                    with contextlib.suppress(PermissionError):
                        os.fchown(handle.fileno(), info.st_uid, info.st_gid)
            else:
                os.fchmod(handle.fileno(), 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        _not_writable(name, f"cannot write: {exc.strerror}")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _not_writable(name: str, message: str) -> NoReturn:
    raise CompileError([Diagnostic(codes.FILE_NOT_WRITABLE, message, filename=name)])


def _umask() -> int:
    # The only way to read the umask is to set it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
