"""JSON on standard output (``dslc run``, ``dslc store score``): always
valid JSON (RFC 8259), or an error.

Python's ``json.dumps`` writes ``NaN`` and ``Infinity`` for non-finite
floats, which no JSON parser accepts. A run's result can hold one without
any arithmetic: a data value of ``1e400`` parses as infinity and can be
assigned as points or callback data. Rather than print invalid JSON, or
silently turn the number into null or a string (a consumer could not tell
it from a real null), the command fails with ``DSLC_RESULT_NOT_JSON`` and
the JSON pointer of the value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

from dslc import codes


class NotJsonError(ValueError):
    """The value at ``pointer`` has no JSON representation."""

    code = codes.RESULT_NOT_JSON

    def __init__(self, pointer: str, value: object) -> None:
        self.pointer = pointer
        self.value = value
        super().__init__(
            f"the result holds {value!r} at {pointer or '/'}, which JSON cannot represent "
            "(a non-finite number from the input)"
        )


def dumps(value: object, *, indent: int | None = 2) -> str:
    """``json.dumps`` that refuses non-finite numbers with the place of the
    first one (a NotJsonError)."""
    try:
        return json.dumps(value, indent=indent, ensure_ascii=False, allow_nan=False, default=repr)
    except ValueError:
        for pointer, bad in _non_finite(value, ""):
            raise NotJsonError(pointer, bad) from None
        raise


def _non_finite(value: object, pointer: str) -> Iterator[tuple[str, object]]:
    if isinstance(value, float) and not math.isfinite(value):
        yield pointer, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite(item, f"{pointer}/{_escape(str(key))}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _non_finite(item, f"{pointer}/{i}")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
