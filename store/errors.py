"""Typed errors of the store.

Every failure a caller can act on is one of these, with a message that reads
as one line: the CLI prints ``str(error)`` and exits 1, an HTTP layer would
map the class to a status code. Nothing here wraps a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class StoreError(Exception):
    """Base class of every error the store raises on purpose. ``code`` is the
    stable code the CLI prints (``error[CODE]: message``)."""

    code = "DSLC_STORE_ERROR"


class NotFound(StoreError):
    """No such row in the caller's realm (rows of other realms are never revealed)."""

    code = "DSLC_STORE_NOT_FOUND"


class Conflict(StoreError):
    """The operation collides with existing rows (a used name, a concurrent publish)."""

    code = "DSLC_STORE_CONFLICT"


class ImmutableVersion(StoreError):
    """The row is in a state that forbids the change (an ARCHIVED version)."""

    code = "DSLC_STORE_IMMUTABLE"


class InvalidPayload(StoreError):
    """A request payload failed schema validation; nothing was sent to the database."""

    code = "DSLC_STORE_INVALID_PAYLOAD"

    def __init__(self, message: str, errors: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.errors: list[dict[str, Any]] = list(errors)


class NotStrategies(InvalidPayload):
    """The file is valid but holds no strategies (an events file)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.reason = reason


class InvalidDefinition(StoreError):
    """The definition is well-formed but not acceptable: it does not compile, or
    its parent / parent_variables do not match a registered built-in."""

    code = "DSLC_STORE_INVALID_DEFINITION"

    def __init__(self, message: str, diagnostics: Sequence[dict[str, Any]] = ()) -> None:
        self.diagnostics: list[dict[str, Any]] = list(diagnostics)
        super().__init__(message + _diagnostic_summary(self.diagnostics))


class CompilerUnavailable(StoreError):
    """The compiler or VM this operation needs is not installed (or not built yet)."""

    code = "DSLC_STORE_COMPILER_UNAVAILABLE"


class ImageRejected(StoreError):
    """The VM's verifier refused a bytecode image."""

    code = "DSLC_STORE_IMAGE_REJECTED"


class SchemaMissing(StoreError):
    """The database has not been initialised (run ``dslc store init``)."""

    code = "DSLC_STORE_SCHEMA_MISSING"


def _diagnostic_summary(diagnostics: list[dict[str, Any]]) -> str:
    if not diagnostics:
        return ""
    first = diagnostics[0]
    # Text: file:line:col, what an editor jumps to; JSON: pointer, else node id.
    where: Any
    if "line" in first:
        where = f"{first.get('filename') or 'line'}:{first['line']}:{first.get('column', 1)}"
    else:
        where = first.get("pointer") or first.get("node_id")
    loc = f" at {where}" if where else ""
    more = f" (+{len(diagnostics) - 1} more)" if len(diagnostics) > 1 else ""
    return f": {first.get('code', '?')}{loc}: {first.get('message', '')}{more}"
