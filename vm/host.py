"""What the host hands the VM: field sources, and the per-event field cache.

A field source is a plain mapping (a missing path reads null) or any object
with ``get(path)``; for ``run_async`` it may be an object whose ``get``
returns an awaitable. The cache makes sure each field is fetched at most
once per event, shared by the pre phase, the parent strategy and the post
phase of one scoring (analytics fields are a database round trip each).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class FieldSource(Protocol):
    def get(self, path: str) -> object: ...


@runtime_checkable
class AsyncFieldSource(Protocol):
    def get(self, path: str) -> Awaitable[object]: ...


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def _null(_path: str) -> object:
    return None


def getter_of(source: object) -> Callable[[str], object]:
    """The bound ``get`` of a source. A mapping's ``get`` already reads a
    missing path as null, so mappings and sources are handled alike."""
    if source is None:
        return _null
    get = getattr(source, "get", None)
    if get is None or not callable(get):
        raise TypeError(
            f"fields must be a mapping or an object with get(path), not {type(source).__name__}"
        )
    if type(source) is not dict and inspect.iscoroutinefunction(get):
        raise TypeError("fields has an async get(path): use the async API (run_async, score_async)")
    return get


class FieldCache:
    """Field values of one event: slots for the program's field table, plus a
    dictionary for paths outside it (read by a parent built-in)."""

    __slots__ = ("extra", "get_source", "index", "paths", "slots")

    def __init__(
        self,
        paths: tuple[str, ...],
        index: dict[str, int],
        source: object,
        slots: list[object] | None = None,
    ) -> None:
        self.paths = paths
        self.index = index
        # The program's field slots (and the memo slots bound after them).
        self.slots: list[object] = slots if slots is not None else [MISSING] * len(paths)
        self.extra: dict[str, object] = {}
        self.get_source = getter_of(source)

    def get(self, path: str) -> object:
        """Read a field by path (the FieldReader a parent built-in sees)."""
        slot = self.index.get(path)
        if slot is not None:
            value = self.slots[slot]
            if value is MISSING:
                value = self.slots[slot] = self.get_source(path)
            return value
        if path not in self.extra:
            self.extra[path] = self.get_source(path)
        return self.extra[path]

    def is_cached(self, path: str) -> bool:
        slot = self.index.get(path)
        if slot is not None:
            return self.slots[slot] is not MISSING
        return path in self.extra

    def store(self, path: str, value: object) -> None:
        slot = self.index.get(path)
        if slot is not None:
            self.slots[slot] = value
        else:
            self.extra[path] = value
