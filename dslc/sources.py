"""Reading strategy files, whatever their form, for the CLI and tools.

A path ending in ``.strat`` is the text language; ``.sbc`` is a compiled
image; anything else is JSON: a bare GAME JSON AST, or a GAME template or
export record whose ``astJson`` holds the program.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from dslc import codes
from dslc.compiler import Compiled, compile_stages, load_json_program
from dslc.diagnostics import CompileError, Diagnostic

TEXT_SUFFIXES = (".strat",)
IMAGE_SUFFIXES = (".sbc",)
JSON_SUFFIXES = (".json",)
SOURCE_SUFFIXES = TEXT_SUFFIXES + JSON_SUFFIXES

JSON_SYNTAX = codes.JSON_SYNTAX
FILE_UNREADABLE = codes.FILE_UNREADABLE


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    kind: str  # "text" | "json" | "image"
    text: str | None = None
    data: bytes | None = None
    extends: str | None = None  # a record's parentStrategyId, if any


def kind_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return "json"


def read_source(path: str | Path) -> SourceFile:
    """Read a file; unreadable or undecodable input is a CompileError."""
    name = str(path)
    kind = kind_of(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise CompileError(
            [Diagnostic(FILE_UNREADABLE, f"cannot read: {exc.strerror}", filename=name)]
        ) from None
    if kind == "image":
        return SourceFile(name, kind, data=raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CompileError(
            [
                Diagnostic(
                    FILE_UNREADABLE,
                    f"not UTF-8 text: {exc.reason}",
                    start=exc.start,
                    end=exc.end,
                    filename=name,
                )
            ]
        ) from None
    return SourceFile(name, kind, text=text)


def parse_json_source(src: SourceFile) -> object:
    """The program JSON of a JSON file (a record's ``astJson`` if it is one)."""
    assert src.text is not None
    try:
        value = json.loads(src.text)
    except json.JSONDecodeError as exc:
        raise CompileError(
            [
                Diagnostic(
                    JSON_SYNTAX,
                    f"invalid JSON: {exc.msg}",
                    start=exc.pos,
                    end=exc.pos + 1,
                    filename=src.path,
                )
            ],
            src.text,
        ) from None
    except RecursionError:
        # Python's JSON parser recurses once per level; programs nest 32.
        message = "the JSON nests too deeply to read (programs may nest 32 levels)"
        raise CompileError(
            [Diagnostic(codes.JSON_TOO_DEEP, message, filename=src.path)], src.text
        ) from None
    if isinstance(value, dict) and "astJson" in value and value.get("type") != "program":
        return value["astJson"]
    return value


def compile_file(src: SourceFile) -> Compiled:
    """Every stage for a source file; raises CompileError (with the source
    text attached, so diagnostics render with the line and a caret)."""
    if src.kind == "text":
        return _compile_text(src)
    ast = parse_json_source(src)
    program, diags = load_json_program(ast, filename=src.path)
    return compile_stages(program, strict_types=False, filename=src.path, prior=diags)


def _compile_text(src: SourceFile) -> Compiled:
    # lark loads only when a text file is compiled
    from dslc.text.compile import compile_text_stages

    assert src.text is not None
    return compile_text_stages(src.text, src.path)


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write next to the target, then rename over it: a failure (a full disk,
    an interrupt) never leaves a half-written file where a good one was.
    Raises OSError; the temporary file is removed."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        if target.exists():
            shutil.copymode(target, tmp)  # a rewritten file keeps its permissions
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
