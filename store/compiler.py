"""The store's one door to the compiler and the VM.

Everything the store needs from ``dslc`` and ``vm`` goes through here, so
there is one place that counts compilations (the cache tests and the
benchmark read ``STATS``), one place that turns a ``CompileError`` into the
store's ``InvalidDefinition``, and one place that says what a cache key
depends on (``format_version`` and ``compiler_fingerprint``).
"""

from __future__ import annotations

import hashlib
import importlib
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from store.errors import CompilerUnavailable, ImageRejected, InvalidDefinition


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


def _module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - both ship with this project
        raise CompilerUnavailable(f"package {name!r} is not installed: {exc}") from exc


def _api(module: str, attr: str) -> Any:
    mod = _module(module)
    value = getattr(mod, attr, None)
    if value is None:
        hint = ""
        if getattr(mod, "__file__", None) is None:
            # An editable install can resolve the package to a bare namespace
            # directory, skipping its __init__: say so instead of guessing.
            hint = f" ({module!r} was imported as a namespace package; reinstall the project)"
        raise CompilerUnavailable(f"{module}.{attr} is not available in this build{hint}")
    return value


def _diagnostics(exc: BaseException, source: str | None = None) -> list[dict[str, Any]]:
    out = []
    for diagnostic in getattr(exc, "diagnostics", []):
        item = diagnostic.to_dict()
        start = item.get("start")
        if source is not None and isinstance(start, int) and start >= 0:
            # Offsets are for tools; people read lines and columns.
            item["line"] = source.count("\n", 0, start) + 1
            item["column"] = start - (source.rfind("\n", 0, start) + 1) + 1
        out.append(item)
    return out


def _is_compile_error(exc: BaseException) -> bool:
    error_type = getattr(_module("dslc"), "CompileError", None)
    return error_type is not None and isinstance(exc, error_type)


def compile_program(ast: dict[str, Any], source_text: str | None, filename: str) -> bytes:
    """Compile a definition's source to an image; text wins when present
    (its diagnostics carry lines and columns)."""
    try:
        if source_text is not None:
            image = _api("dslc", "compile_text")(source_text, filename)
        else:
            image = _api("dslc", "compile_json")(ast)
    except Exception as exc:
        if _is_compile_error(exc):
            raise InvalidDefinition(
                f"{filename} does not compile", _diagnostics(exc, source_text)
            ) from exc
        raise
    with _stats_lock:
        STATS.compilations += 1
    return bytes(image)


def text_to_json(source_text: str, filename: str) -> dict[str, Any]:
    """The JSON AST of a text-language program (what ``astJson`` stores)."""
    try:
        ast = _api("dslc", "text_to_json")(source_text)
    except Exception as exc:
        if _is_compile_error(exc):
            raise InvalidDefinition(
                f"{filename} does not parse", _diagnostics(exc, source_text)
            ) from exc
        raise
    return dict(ast)


def text_header(source_text: str) -> dict[str, Any]:
    """``{"type", "parent", "name"}`` from a text program's leading lines
    (the JSON AST has no place for the parent of an ``extends`` strategy)."""
    return dict(_api("dslc.text", "parse_header")(source_text))


def load_image(image: bytes) -> Any:
    """Verify and load an image into a ``vm.Program``."""
    try:
        program = _api("vm", "load")(image)
    except Exception as exc:
        if isinstance(exc, _api("vm", "VerifyError")):
            raise ImageRejected(f"the VM refused the image: {exc}") from exc
        raise
    with _stats_lock:
        STATS.loads += 1
    return program


def vm_score(program: Any, *, fields: Any, data: Any, parent: Any) -> Any:
    """Score one event with a loaded program (``vm.score``)."""
    return _api("vm", "score")(program, fields=fields, data=data, parent=parent)


def format_version() -> int:
    """The image format the installed VM reads (part of every cache key)."""
    return int(_api("vm", "FORMAT_VERSION"))


def builtin_registry() -> Any:
    """``vm.builtins.DEFAULT_REGISTRY``: the parents a DSL_EXTEND may name."""
    return _api("vm.builtins", "DEFAULT_REGISTRY")


@cache
def compiler_fingerprint() -> str:
    """A digest of the compiler's own code (``dslc`` and ``grammar``).

    Part of the cache key's source hash: the same source compiled by a
    different compiler may give different bytes, and the package version
    does not move on every change, so the code itself is hashed (once per
    process, a few hundred kilobytes at most).
    """
    digest = hashlib.sha256()
    for package in ("dslc", "grammar"):
        root = Path(_module(package).__file__ or "").parent
        for path in sorted(root.rglob("*")):
            if path.suffix in {".py", ".lark"} and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(b"\0")
                digest.update(path.read_bytes())
                digest.update(b"\0")
    return digest.hexdigest()[:16]
