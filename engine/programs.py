"""Compiled programs, cached per process.

GAME builds a ``DslStrategy`` per event; compiling once per ``(id, version,
hash_version)`` makes every later event of that strategy version cost a
dictionary lookup. The hash is part of the key because a draft is edited in
place without a new version: its hash changes with its AST.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Final

import dslc
import vm
from dslc import ast as A
from dslc.ids import iter_nodes
from dslc.simulate import load_program
from engine.errors import Failure, Limits, from_compile_error

MAX_ENTRIES: Final = 512
DEFAULT_LIMITS: Final = Limits(max_nodes=1000, max_depth=32)


def ast_hash(ast: object) -> str:
    """GAME's ``hash_version`` of a DSL strategy: SHA-256 of the AST as JSON
    with sorted keys and ``(",", ":")`` separators; None counts as {}."""
    canonical = json.dumps(ast or {}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class Compiled:
    """A strategy version ready to score."""

    ast: Any
    program: vm.Program
    _surface: A.Program | None = None
    _nodes: dict[str, dict[str, Any]] | None = field(default=None)

    def surface(self) -> A.Program:
        """The validated surface AST (ids filled), for traced re-runs."""
        if self._surface is None:
            self._surface = load_program(self.ast)
        return self._surface

    def nodes(self) -> dict[str, dict[str, Any]]:
        """JSON nodes by their (filled) id, for error params; built on the
        first error only."""
        if self._nodes is None:
            from engine.errors import resolve_pointer

            out: dict[str, dict[str, Any]] = {}
            for node, node_id in iter_nodes(self.surface()):
                raw = resolve_pointer(self.ast, node.loc.pointer)
                if isinstance(raw, dict) and node_id not in out:
                    out[node_id] = raw
            self._nodes = out
        return self._nodes


class CompileFailed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


class ProgramCache:
    """A bounded LRU of compiled programs; safe to share between threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        # A program that does not compile is remembered as its failure: a
        # broken stored strategy must not cost a compilation per event.
        self._entries: OrderedDict[tuple[str, object, str], Compiled | CompileFailed] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self.compiles = 0  # how many compilations ran (for tests and metrics)

    def get(self, key: tuple[str, object, str], ast: object) -> Compiled:
        """The compiled program for ``key``; raises ``CompileFailed``."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
        if hit is None:
            try:
                hit = compile_ast(ast)
            except CompileFailed as exc:
                hit = exc
            with self._lock:
                self.compiles += 1
                self._entries[key] = hit
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        if isinstance(hit, CompileFailed):
            raise CompileFailed(hit.failure)
        return hit

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def compile_ast(ast: object) -> Compiled:
    """Compile and load a program; raises ``CompileFailed`` with GAME's
    validation error when it is not valid."""
    try:
        image = dslc.compile_json(ast)
    except dslc.CompileError as exc:
        raise CompileFailed(from_compile_error(ast, exc, DEFAULT_LIMITS)) from None
    return Compiled(ast, vm.load(image))


PROGRAMS: Final = ProgramCache()
