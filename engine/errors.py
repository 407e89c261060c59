"""The errors a scoring service sees, in GAME's terms.

By default they are this package's own classes (``DslValidationError``,
``DslExecutionError``, ``DslLimitExceededError``), each with ``.detail``,
``.code`` and ``.params``. A host names its own classes once with
``use_exceptions``; they are then constructed as GAME constructs its DSL
errors, ``cls(detail, code=..., params=...)``, so its handlers catch them
unchanged.

``detail`` is GAME's wording for the error and ``params`` carry what
GAME's carry (node id, operator, operand types, ...): GAME's dashboard shows
the one and translates by the other. The table of wordings lives here;
``dslc`` keeps its own messages for its own users.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import vm
from dslc.diagnostics import CompileError, Diagnostic
from engine import wording
from engine.wording import resolve_pointer

__all__ = [
    "DslError",
    "DslExecutionError",
    "DslLimitExceededError",
    "DslValidationError",
    "Failure",
    "Limits",
    "exception_class",
    "from_compile_error",
    "from_diagnostic",
    "from_execution_error",
    "resolve_pointer",
    "use_exceptions",
]

VALIDATION: Final = "validation"
EXECUTION: Final = "execution"
LIMIT: Final = "limit"


class DslError(Exception):
    """A strategy could not be compiled or scored."""

    def __init__(
        self,
        detail: Any = None,
        headers: Mapping[str, Any] | None = None,
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})
        self.code = code
        self.params = dict(params or {})

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.code else str(self.detail)


class DslValidationError(DslError):
    """The program is not valid (GAME's ``DslValidationError``)."""


class DslExecutionError(DslError):
    """Scoring failed at run time (GAME's ``DslExecutionError``)."""


class DslLimitExceededError(DslError):
    """Scoring exceeded a configured limit (GAME's ``DslLimitExceededError``)."""


_DEFAULTS: Final[dict[str, type[Exception]]] = {
    VALIDATION: DslValidationError,
    EXECUTION: DslExecutionError,
    LIMIT: DslLimitExceededError,
}
_classes: dict[str, type[Exception]] = dict(_DEFAULTS)


def use_exceptions(
    *,
    validation: type[Exception] | None = None,
    execution: type[Exception] | None = None,
    limit: type[Exception] | None = None,
) -> None:
    """Raise the host's classes from now on (process-wide); a class left out
    (None) goes back to this package's own. Each is constructed as
    ``cls(detail, code=..., params=...)``."""
    for kind, cls in ((VALIDATION, validation), (EXECUTION, execution), (LIMIT, limit)):
        if cls is not None and not (isinstance(cls, type) and issubclass(cls, BaseException)):
            raise TypeError(f"{kind} must be an exception class, not {cls!r}")
        _classes[kind] = cls or _DEFAULTS[kind]


def exception_class(kind: str) -> type[Exception]:
    return _classes[kind]


@dataclass(frozen=True, slots=True)
class Failure:
    """An error before it is raised: which class, GAME's wording, params."""

    kind: str
    code: str | None
    detail: str
    params: dict[str, Any]

    def build(self) -> Exception:
        cls = _classes[self.kind]
        return cls(self.detail, code=self.code, params=self.params)  # type: ignore[call-arg]


# -- runtime errors ------------------------------------------------------------


def _type_name(value: object) -> str:
    return type(value).__name__


def _operand_types(exc: vm.ExecutionError) -> tuple[str | None, str | None]:
    ops = exc.operands
    left = _type_name(ops[0]) if len(ops) > 0 else None
    right = _type_name(ops[1]) if len(ops) > 1 else None
    return left, right


def from_execution_error(exc: vm.ExecutionError, nodes: Mapping[str, Mapping[str, Any]]) -> Failure:
    """GAME's error for a VM runtime error. ``nodes`` maps node ids to the
    program's JSON nodes (ids filled), for the operator or function name."""
    code = exc.code
    node_id = exc.node_id
    node = nodes.get(node_id or "", {})
    params: dict[str, Any] = {"nodeId": node_id}
    if code == "DSL_LIMIT_EXCEEDED":
        return Failure(LIMIT, code, "DSL execution exceeded its step budget.", params)
    ntype = node.get("type")
    if code in _STATEMENT_WORDING:
        params["actualType"] = _type_name(exc.operands[0]) if exc.operands else None
        return Failure(EXECUTION, code, _STATEMENT_WORDING[code], params)
    if ntype == "func_call":
        # GAME gives a failing int/clamp no code; this project does.
        name = node.get("name")
        params["name"] = name
        return Failure(EXECUTION, code, f"func_call '{name}' failed: {exc.detail}", params)
    op = node.get("op")
    if code in ("DSL_COMPARE_TYPE_MISMATCH", "DSL_ARITH_TYPE_MISMATCH"):
        left, right = _operand_types(exc)
        params.update(op=op, leftType=left, rightType=right)
        word = "compare" if code == "DSL_COMPARE_TYPE_MISMATCH" else "arith"
        if op is None:  # a built-in parent's step: no node of the program
            return Failure(EXECUTION, code, f"{word} failed: {exc.detail}.", params)
        detail = f"{word} {op!r} between incompatible types {left} and {right}."
        return Failure(EXECUTION, code, detail, params)
    if code == "DSL_ARITH_DIV_BY_ZERO":
        params["op"] = op
        return Failure(EXECUTION, code, "division by zero", params)
    if code == "DSL_ARITH_OUT_OF_RANGE":
        params["op"] = op
        return Failure(EXECUTION, code, f"arith {op!r} result is out of range.", params)
    return Failure(EXECUTION, code, exc.detail or code, params)


_STATEMENT_WORDING: Final = {
    "DSL_ASSIGN_POINTS_NOT_NUMBER": "assign_points.value must evaluate to a number.",
    "DSL_SET_POINTS_NOT_NUMBER": "set_points.value must evaluate to a number.",
    "DSL_SET_CASE_NAME_NOT_STRING": "set_case_name.value must evaluate to a string.",
}


# -- validation errors ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limits:
    max_nodes: int
    max_depth: int


def from_diagnostic(ast: object, diag: Diagnostic, limits: Limits) -> Failure:
    """GAME's validation error for the first error a compilation found:
    GAME's wording where ``engine.wording`` has it, else dslc's message."""
    params: dict[str, Any] = {"nodeId": diag.node_id}
    if not isinstance(ast, dict):
        return Failure(VALIDATION, diag.code, "AST root must be an object.", params)
    entry = wording.VALIDATION.get(diag.code)
    if entry is None:
        return Failure(VALIDATION, diag.code, diag.message, params)
    keyed, word = entry
    where = wording.site(ast, diag.pointer, keyed=keyed)
    detail = word(where, params, limits.max_nodes, limits.max_depth)
    return Failure(VALIDATION, diag.code, detail, params)


def from_compile_error(ast: object, exc: CompileError, limits: Limits) -> Failure:
    first = exc.errors[0] if exc.errors else None
    if first is None:  # pragma: no cover - a CompileError always lists an error
        return Failure(VALIDATION, None, str(exc), {})
    return from_diagnostic(ast, first, limits)
