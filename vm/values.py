"""Value operations: arithmetic, comparison, ``int`` and ``clamp`` on the
language's values (LANGUAGE.md section 2), with its range checks.

One implementation shared by the VM loop's slow paths, the built-in parent
strategies and the compiler's constant folding and simulator (``dslc``
folds with exactly the operations the VM runs, so folding can never change
a result). A failure is a ``Fault`` (a code and a detail); the caller
attaches the node id.
"""

from __future__ import annotations

import math
from typing import Any

from vm import errors as E
from vm.opcodes import Op

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
_NUM_TYPES = frozenset((int, float, bool))


class Fault(Exception):
    """A runtime error inside the loop, before the node id is attached."""

    __slots__ = ("code", "detail", "operands")

    def __init__(self, code: str, detail: str = "", operands: tuple[object, ...] = ()) -> None:
        self.code = code
        self.detail = detail
        # The values the failing operation was given, for hosts that report
        # operand types (GAME's error params).
        self.operands = operands


def check_number(value: object) -> object:
    """Range checks every arithmetic result goes through."""
    t = type(value)
    if t is float:
        if not math.isfinite(value):  # type: ignore[arg-type]
            raise Fault(E.ARITH_OUT_OF_RANGE, "result is not finite")
    elif t is int and not INT64_MIN <= value <= INT64_MAX:  # type: ignore[operator]
        raise Fault(E.ARITH_OUT_OF_RANGE, "integer result outside the signed 64-bit range")
    return value


def _numbers(*values: object) -> None:
    for v in values:
        if type(v) not in _NUM_TYPES:
            raise Fault(E.ARITH_TYPE_MISMATCH, f"expected a number, got {kind(v)}", values)


def arith(op: int, a: object, b: object) -> object:
    if type(a) not in _NUM_TYPES or type(b) not in _NUM_TYPES:
        _numbers(a, b)
    x: float = a  # type: ignore[assignment]
    y: float = b  # type: ignore[assignment]
    try:
        if op == _ADD:
            r: object = x + y
        elif op == _SUB:
            r = x - y
        elif op == _MUL:
            r = x * y
        elif op == _DIV:
            if y == 0:
                raise Fault(E.ARITH_DIV_BY_ZERO, "division by zero")
            r = x / y
        elif op == _MIN:
            r = b if y < x else a
        else:  # MAX
            r = b if y > x else a
    except OverflowError as exc:
        raise Fault(E.ARITH_OUT_OF_RANGE, str(exc)) from None
    return check_number(r)


def to_int(a: object) -> object:
    _numbers(a)
    try:
        return check_number(int(a))  # type: ignore[call-overload]
    except (OverflowError, ValueError) as exc:
        raise Fault(E.ARITH_OUT_OF_RANGE, str(exc)) from None


def clamp(v: object, lo: object, hi: object) -> object:
    _numbers(v, lo, hi)
    m = hi if hi < v else v  # type: ignore[operator]
    return check_number(m if m > lo else lo)  # type: ignore[operator]


def compare(cmp: int, a: Any, b: Any) -> bool:
    if cmp == 2:
        return bool(a == b)
    if cmp == 3:
        return bool(a != b)
    ta = type(a)
    tb = type(b)
    if not ((ta in _NUM_TYPES and tb in _NUM_TYPES) or (ta is str and tb is str)):
        raise Fault(E.COMPARE_TYPE_MISMATCH, f"cannot order {kind(a)} and {kind(b)}", (a, b))
    if cmp == 0:
        return bool(a < b)
    if cmp == 1:
        return bool(a <= b)
    if cmp == 4:
        return bool(a >= b)
    return bool(a > b)


def kind(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return type(v).__name__


_ADD, _SUB, _MUL, _DIV, _MIN, _MAX = (
    int(o) for o in (Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MIN, Op.MAX)
)
