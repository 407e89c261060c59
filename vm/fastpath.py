"""What a translated function needs at run time (vm.translate builds it):
the fallback signal, host-failure wrapping, the fixed helpers the generated
code may name, and turning a compiled unit into functions.

Kept apart from the translator so that running translated code, or loading
it from the code cache, never imports the ``ast`` machinery.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType, CoroutineType
from typing import Any

from vm.host import MISSING
from vm.values import arith, check_number, clamp, compare, to_int


class Fallback(Exception):
    """Raised by a translated function: rerun this event on the VM.

    ``fetched`` holds the values of the phase's field locals (``MISSING``
    where not fetched), in the order of ``Translated.used``."""

    __slots__ = ("cause", "fetched")

    def __init__(self, cause: BaseException, fetched: tuple[object, ...]) -> None:
        self.cause = cause
        self.fetched = fetched


class HostFetchError(Exception):
    """The field source raised while fetching ``path`` (kept to be replayed
    to the VM, so the host is not asked twice)."""

    __slots__ = ("error", "path")

    def __init__(self, path: str, error: BaseException) -> None:
        self.path = path
        self.error = error


class _Guard(Exception):
    """A fast-path guard failed."""


_GUARD = _Guard()


def _fail() -> Any:
    raise _GUARD


def guarded_getter(get: Callable[[str], object]) -> Callable[[str], object]:
    """Wrap a host ``get`` so its exceptions are told apart from guards."""

    def fetch(path: str) -> object:
        try:
            return get(path)
        except Exception as exc:
            raise HostFetchError(path, exc) from None

    return fetch


async def _fetch_async(source: object, path: str) -> object:
    try:
        if source is None:
            return None
        value = source.get(path)  # type: ignore[attr-defined]
        if type(value) is CoroutineType or inspect.isawaitable(value):
            value = await value
        return value
    except Exception as exc:
        raise HostFetchError(path, exc) from None


_NUM = frozenset((int, float, bool))

# The names a generated function may use besides its own locals.
_HELPERS: dict[str, object] = {
    "_M": MISSING,
    "_N": _NUM,
    "_fail": _fail,
    "_ckn": check_number,
    "_arith": arith,
    "_int": to_int,
    "_clamp": clamp,
    "_cmp": compare,
    "_FB": Fallback,
    "_afetch": _fetch_async,
    "_int_t": int,
    "_float_t": float,
    "_str_t": str,
    "_list_t": list,
    "_type": type,
    "_isinstance": isinstance,
}


@dataclass(frozen=True, slots=True)
class Translated:
    """One phase's function and the field slots its fallback reports."""

    function: Callable[..., Any]
    used: tuple[int, ...]  # field table indices, in the order of Fallback.fetched
    is_async: bool


# What a code cache keeps of one image: one module code object holding every
# phase's sync and async function, and for each the field slots its
# fallback reports (None: declined, the VM runs that phase).
Unit = tuple[CodeType, tuple[tuple[str, bool, tuple[int, ...] | None], ...]]


def _namespace() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__builtins__": {"Exception": Exception, "dict": dict}}
    namespace.update(_HELPERS)
    return namespace


def _name(phase: str, is_async: bool) -> str:
    return f"phase_{phase}_async" if is_async else f"phase_{phase}"


def instantiate(unit: Unit) -> dict[tuple[str, bool], Translated | None]:
    """The functions of a translated unit, by (phase, is_async)."""
    code, plan = unit
    namespace = _namespace()
    exec(code, namespace)
    out: dict[tuple[str, bool], Translated | None] = {}
    for phase, is_async, used in plan:
        out[phase, is_async] = (
            None if used is None else Translated(namespace[_name(phase, is_async)], used, is_async)
        )
    return out
