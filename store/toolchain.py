"""The store's one door to the compiler and the VM.

Everything the store needs from ``dslc`` and ``vm`` goes through here, with
ordinary imports (DESIGN.md: no imports by name between our packages), so
the layer test, mypy and a reader all see the dependency. This module is
where compilations are counted (the cache tests and the benchmark read
``STATS``), where a ``dslc.CompileError`` becomes the store's
``InvalidDefinition``, and where a cache key's dependencies are named
(``format_version`` and ``compiler_fingerprint``).

``vm.Program``, ``vm.Score`` and ``vm.ExecutionError`` pass through
unchanged: a loaded program is a ``Program``, scoring returns a ``Score``
and a runtime failure raises ``ExecutionError``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import dslc
import vm
import vm.image as vm_image
import vm.verify as vm_verify
from dslc import accept, codes, jsontext, sources
from dslc.accept import GAME_BUILTINS
from dslc.ast import Loc
from dslc.diagnostics import CompileError, line_col, render
from dslc.json_output import NotJsonError
from dslc.json_output import dumps as result_json
from dslc.replay_report import ReplayError, replay_options, run_diff, run_replay, with_log_help
from dslc.sources import Header, OptionError, StrategySource, json_object_option
from dslc.validate import child_pointer
from store.errors import ImageRejected, InvalidDefinition, InvalidPayload, NotStrategies
from vm import ExecutionError, Program, Score, VerifyError
from vm.builtins import (
    DEFAULT_REGISTRY,
    BuiltinError,
    BuiltinRegistry,
    BuiltinStrategy,
    FieldReader,
    ParentResult,
)

__all__ = [
    "GAME_BUILTINS",
    "STATS",
    "BuiltinRegistry",
    "BuiltinStrategy",
    "CompileError",
    "CompileStats",
    "ExecutionError",
    "Header",
    "NotJsonError",
    "OptionError",
    "Program",
    "ReplayError",
    "Score",
    "StrategySource",
    "blockly_of",
    "builtin_registry",
    "certificate_of",
    "check_image_seal",
    "codes",
    "compile_program",
    "compile_text_source",
    "compiler_fingerprint",
    "diagnostics_of",
    "error_line",
    "fingerprint_files",
    "fingerprint_of",
    "format_version",
    "json_object_option",
    "jsontext",
    "load_image",
    "parent_problems",
    "read_strategies",
    "read_strategy",
    "render_compile_error",
    "render_runtime_error",
    "replay_options",
    "result_json",
    "run_diff",
    "run_replay",
    "score",
    "score_builtin",
    "seal_image",
    "text_header",
    "text_to_json",
    "value_problems",
    "with_log_help",
]


@dataclass
class CompileStats:
    """Process-wide counters, for tests and benchmarks."""

    compilations: int = 0
    loads: int = 0

    def reset(self) -> None:
        self.compilations = 0
        self.loads = 0


STATS = CompileStats()
_stats_lock = threading.Lock()


def diagnostics_of(exc: CompileError, source: str | None = None) -> list[dict[str, Any]]:
    """A compile error's diagnostics as the store reports them (JSON-ready
    dicts), with line and column when the source text is at hand."""
    out = []
    for diagnostic in exc.diagnostics:
        item = diagnostic.to_dict()
        text = source if source is not None else exc.source
        if text is not None and diagnostic.start >= 0:
            # Offsets are for tools; people read lines and columns.
            item["line"], item["column"] = line_col(text, diagnostic.start)
        out.append(item)
    return out


def read_strategies(path: str | Path) -> list[StrategySource]:
    """Every strategy in a file, read by ``dslc.sources`` (the reader every
    ``dslc`` command uses). A file that cannot be read as one raises
    ``InvalidPayload`` carrying its diagnostics; an events file raises
    ``NotStrategies``."""
    try:
        return sources.read_strategies(path)
    except sources.NotAStrategy as exc:
        raise NotStrategies(str(path), exc.reason) from None
    except CompileError as exc:
        raise _unreadable(exc) from None


def read_strategy(path: str | Path) -> StrategySource:
    """The one strategy in a file (``read_strategies``, refusing a list)."""
    try:
        return sources.read_strategy(path)
    except sources.NotAStrategy as exc:
        raise NotStrategies(str(path), exc.reason) from None
    except CompileError as exc:
        # chained: the CLI renders the cause's diagnostics as 'dslc check' does
        raise _unreadable(exc) from exc


def _unreadable(exc: CompileError) -> InvalidPayload:
    # The first line of each diagnostic as ``dslc check`` prints it.
    lines = [render(d, exc.source).partition("\n")[0] for d in exc.errors]
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    return InvalidPayload(lines[0] + more, diagnostics_of(exc))


def compile_program(ast: dict[str, Any], source_text: str | None, filename: str) -> bytes:
    """Compile a definition's source to an image; text wins when present
    (its diagnostics carry lines and columns)."""
    try:
        if source_text is not None:
            from dslc.text import compile_text

            image = compile_text(source_text, filename, stored=True)
        else:
            image = dslc.compile_json(ast, filename)
    except CompileError as exc:
        raise InvalidDefinition(
            f"{filename} does not compile", diagnostics_of(exc, source_text)
        ) from exc
    with _stats_lock:
        STATS.compilations += 1
    return image


def compile_text_source(source_text: str, filename: str) -> tuple[dict[str, Any], bytes]:
    """A text program's JSON AST (what ``astJson`` stores) and its image,
    from one parse: the front end's program is both converted and compiled.
    The store's rules apply (``dslc.accept``, as ``dslc check``)."""
    from dslc.compiler import compile_front
    from dslc.text.compile import text_front
    from dslc.to_json import program_to_json

    try:
        front = text_front(source_text, filename, stored=True)
        compiled = compile_front(front)
    except CompileError as exc:
        raise InvalidDefinition(
            f"{filename} does not compile", diagnostics_of(exc, source_text)
        ) from exc
    with _stats_lock:
        STATS.compilations += 1
    return program_to_json(front.program), compiled.data


def text_to_json(source_text: str, filename: str) -> dict[str, Any]:
    """The JSON AST of a text-language program (what ``astJson`` stores)."""
    from dslc.text import text_to_json as convert

    try:
        return convert(source_text, filename)
    except CompileError as exc:
        raise InvalidDefinition(
            f"{filename} does not parse", diagnostics_of(exc, source_text)
        ) from exc


def blockly_of(ast: dict[str, Any]) -> tuple[str | None, str | None]:
    """The Blockly workspace GAME's dashboard would store for a program, or
    None and why its blocks cannot carry it (the first refusal, as ``dslc``
    prints it)."""
    from dslc.blockly import json_to_blockly

    try:
        return json_to_blockly(ast), None
    except CompileError as exc:
        lines = [render(d, exc.source).partition("\n")[0] for d in exc.errors]
        more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
        return None, (lines[0] if lines else "not a program") + more


def text_header(source_text: str) -> dict[str, str | None]:
    """``{"type", "parent", "name"}`` from a text program's leading lines
    (the JSON AST has no place for the parent of an ``extends`` strategy)."""
    from dslc.text import parse_header

    return parse_header(source_text)


def parent_problems(type_: str, parent: str | None, overrides: object) -> list[dict[str, Any]]:
    """``dslc.accept``'s parent rules (the ones ``dslc check`` applies) for a
    stored definition, located by JSON pointers into the payload."""
    diagnostics = accept.parent_problems(
        type_,
        parent,
        overrides if isinstance(overrides, dict) else None,
        parent_loc=Loc(pointer="/parentStrategyId"),
        variable_loc=lambda key: Loc(pointer=child_pointer("/astJson/parent_variables", key)),
    )
    return [d.to_dict() for d in diagnostics]


def value_problems(value: object, pointer: str) -> list[dict[str, Any]]:
    """``dslc.accept``'s storable-value rules (no U+0000, no lone surrogate,
    finite numbers, bounded nesting), located by JSON pointers."""
    return [d.to_dict() for d in accept.value_problems(value, pointer)]


def load_image(image: bytes) -> Program:
    """Verify and load an image into a ``vm.Program``."""
    try:
        program = vm.load(image)
    except VerifyError as exc:
        raise ImageRejected(f"the VM refused the image: {exc}") from exc
    with _stats_lock:
        STATS.loads += 1
    return program


def certificate_of(image: bytes) -> dict[str, tuple[int, int]]:
    """Per phase, (most steps, most distinct field fetches): the image's
    cost certificate, or what the verifier computes for an image written
    before certificates existed."""
    try:
        decoded = vm_image.decode(image)
        if decoded.certificate is None:
            decoded = vm_verify.certify(decoded)
    except VerifyError as exc:
        raise ImageRejected(f"the VM refused the image: {exc}") from exc
    assert decoded.certificate is not None
    return dict(zip(vm_image.PHASES, decoded.certificate, strict=True))


def seal_image(image: bytes, source_hash: str) -> bytes:
    """The image sealed with a source hash (hex SHA-256), ``vm.image.seal``."""
    try:
        return vm_image.seal(image, bytes.fromhex(source_hash))
    except VerifyError as exc:
        raise ImageRejected(f"cannot seal a malformed image: {exc}") from exc


def check_image_seal(image: bytes, source_hash: str) -> None:
    """``ImageRejected`` unless the image is sealed with this source hash."""
    try:
        vm_image.check_seal(image, bytes.fromhex(source_hash))
    except VerifyError as exc:
        raise ImageRejected(f"cache entry refused: {exc}") from exc


def score(
    program: Program,
    *,
    fields: object,
    data: Mapping[str, object] | None,
    parent: BuiltinStrategy | None,
) -> Score:
    """Score one event with a loaded program (``vm.score``); a failing rule
    raises ``vm.ExecutionError``."""
    return vm.score(program, fields=fields, data=data, parent=parent)


def score_builtin(
    builtin: BuiltinStrategy, *, fields: object, data: Mapping[str, object] | None
) -> Score:
    """Score one event with a bare built-in and its default variables, as a
    ``Score``; a failing built-in raises ``ExecutionError`` like a program."""
    # A mapping (or nothing) is wrapped; anything else is an analytics
    # source with ``get(path)``, as the VM takes it.
    reader = _Fields(fields) if fields is None or isinstance(fields, Mapping) else fields
    try:
        result = ParentResult.normalise(
            builtin.calculate_points(
                cast(FieldReader, reader), data or {}, builtin.default_variables()
            )
        )
    except BuiltinError as exc:
        raise ExecutionError(exc.code, exc.node_id, exc.detail) from None
    return Score(result.points, result.case_name, dict(result.callback_data))


class _Fields:
    """A plain mapping of field paths (or nothing) as a built-in's reader."""

    def __init__(self, values: Mapping[str, object] | None) -> None:
        self._values = values or {}

    def get(self, path: str) -> object:
        return self._values.get(path)


def format_version() -> int:
    """The image format the installed VM reads (part of every cache key)."""
    return vm.FORMAT_VERSION


def builtin_registry() -> BuiltinRegistry:
    """The built-in strategies a DSL_EXTEND may name as its parent."""
    return DEFAULT_REGISTRY


# Everything whose code shapes an image: the compiler and its grammar, and
# the VM package (the encoder ``vm/image.py``, the opcode table and anything
# else ``dslc`` uses to build or check what it emits). Hashing all of ``vm``
# is deliberately wider than needed: a VM release then recompiles every
# cached image once, which is cheap, whereas a missed file serves stale code.
_FINGERPRINT_SUFFIXES = {".py", ".lark"}


def _fingerprint_roots() -> list[tuple[str, Path]]:
    return [
        ("dslc", Path(dslc.__file__ or "").parent),
        ("grammar", Path(str(resources.files("grammar")))),
        ("vm", Path(vm.__file__ or "").parent),
    ]


def fingerprint_files() -> list[tuple[str, Path]]:
    """The files the fingerprint covers, as (``package/relative/path``, path)."""
    files: list[tuple[str, Path]] = []
    for package, root in _fingerprint_roots():
        for path in sorted(root.rglob("*")):
            if path.suffix in _FINGERPRINT_SUFFIXES and path.is_file():
                files.append((f"{package}/{path.relative_to(root).as_posix()}", path))
    return files


def fingerprint_of(contents: list[tuple[str, bytes]]) -> str:
    """The digest of (name, bytes) pairs; any change to a name or a byte moves it."""
    digest = hashlib.sha256()
    for name, data in contents:
        # Length-prefixed, so no two different lists hash the same stream.
        for part in (name.encode(), data):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
    return digest.hexdigest()[:16]


@cache
def compiler_fingerprint() -> str:
    """A digest of the code that turns a source into an image (``dslc``,
    its grammar and ``vm``, see ``fingerprint_files``).

    Part of the cache key's source hash: the same source compiled by a
    different compiler or encoder may give different bytes, and the package
    version does not move on every change, so the code itself is hashed (once
    per process, under a megabyte).
    """
    return fingerprint_of([(name, path.read_bytes()) for name, path in fingerprint_files()])


# -- rendering for the CLI (dslc.report: one error style for every command) -------
# Imported when called: an engine that only scores never loads click.


def error_line(code: str, message: str, where: str | None = None) -> str:
    """``[WHERE: ]error[CODE]: message``, as every dslc command prints it."""
    from dslc.report import error_line as line

    return line(code, message, where)


def render_compile_error(exc: CompileError, filename: str | None = None) -> str:
    """Every diagnostic of EXC as ``dslc check`` prints it (source line and
    caret for text), located in FILENAME when given."""
    from dslc.diagnostics import render
    from dslc.report import with_filename

    diags = with_filename(exc.diagnostics, filename) if filename else exc.diagnostics
    return "\n".join(render(d, exc.source) for d in diags)


def render_runtime_error(
    exc: ExecutionError,
    *,
    source_text: str | None,
    ast_json: Any,
    filename: str,
    parent: BuiltinStrategy | None,
    fields: object,
    data: Mapping[str, object] | None,
) -> str:
    """EXC at its node: the source line and caret (text) or JSON pointer,
    and the values the node was given, as ``dslc run`` prints it."""
    from dslc.compiler import compile_json_stages
    from dslc.diagnostics import render
    from dslc.report import explain_failure

    try:
        if source_text is not None:
            from dslc.text.compile import compile_text_stages

            program = compile_text_stages(source_text, filename).ast
        else:
            program = compile_json_stages(ast_json, filename).ast
    except CompileError:  # it compiled when it was stored: keep the bare error
        detail = f"{exc.detail} (node {exc.node_id})" if exc.node_id else exc.detail
        return error_line(exc.code, detail, filename)
    diag = explain_failure(exc, program, filename=filename, parent=parent, fields=fields, data=data)
    return render(diag, source_text)
