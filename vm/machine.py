"""The VM loop: executes one phase of a bound program.

The loop follows Lua's ``lvm.c`` and expr-lang's ``vm.go``: everything it
touches is a local, dispatch is a chain of integer tests with the hottest
opcodes first, and no check the verifier already guarantees is repeated
(operands are in range, jumps land on instructions, the stack never
underflows, every path ends in a terminator).

Fields are fetched lazily through ``fetch(slot)``. In synchronous runs that
calls the host directly. In asynchronous runs it raises ``Suspend``; the
loop returns the instruction index to resume at, the driver awaits the
host, stores the value and calls the loop again with the same stack.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from vm import errors as E
from vm.bind import IMAGE_COMPARE
from vm.errors import ExecutionError
from vm.host import MISSING
from vm.opcodes import Op
from vm.program import Program

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
_NUM_TYPES = frozenset((int, float, bool))


class Fault(Exception):
    """A runtime error inside the loop, before the node id is attached."""

    __slots__ = ("code", "detail")

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail


class Suspend(Exception):
    """Raised by an asynchronous fetch: the loop must yield to the driver."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


class RunResult:
    """The result state of one phase (LANGUAGE.md section 2), and what
    ``vm.run`` returns: points, case_name, callback_data, working_data,
    vetoed (and matched: whether a statement set the result)."""

    __slots__ = ("callback_data", "case_name", "matched", "points", "vetoed", "working_data")

    def __init__(self) -> None:
        self.points: object = 0
        self.case_name: str | None = None
        self.callback_data: dict[str, object] = {}
        self.working_data: dict[str, object] = {}
        self.matched = False
        self.vetoed = False

    def as_dict(self) -> dict[str, object]:
        return {
            "points": self.points,
            "case_name": self.case_name,
            "callback_data": self.callback_data,
            "working_data": self.working_data,
            "vetoed": self.vetoed,
        }

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"RunResult({fields})"


# -- operations (shared with the reference evaluator in tests via vm.ops) -----


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
            raise Fault(E.ARITH_TYPE_MISMATCH, f"expected a number, got {_kind(v)}")


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
        raise Fault(E.COMPARE_TYPE_MISMATCH, f"cannot order {_kind(a)} and {_kind(b)}")
    if cmp == 0:
        return bool(a < b)
    if cmp == 1:
        return bool(a <= b)
    if cmp == 4:
        return bool(a >= b)
    return bool(a > b)


def _kind(v: object) -> str:
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


# -- the loop ----------------------------------------------------------------


def execute(
    program: Program,
    pc: int,
    stack: list[object],
    st: RunResult,
    slots: list[Any],
    get: Callable[[str], Any],
    data: Mapping[str, Any],
    parent: Mapping[str, Any],
    steps: int,
    limit: int,
) -> tuple[int, int]:
    """Run from bound instruction ``pc`` until a terminator.

    ``limit`` is the step budget, or -1 when no budget can be exceeded (no
    budget, or one at least the phase's longest path): the loop then counts
    nothing. With a budget, ``steps`` is the count so far.

    Returns ``(-1, steps)`` when the phase ended, or ``(pc, steps)`` when an
    asynchronous fetch suspended it (resume with the same stack and state).
    """
    # Opcode numbers are literals below (LOAD_CONST is the cheapest load);
    # each is named in a comment. Bound-only opcodes (>= 0x80) are vm.bind's.
    code = program.code
    runs = program.runs
    paths = program.fields
    missing = MISSING
    try:
        while True:
            op, a, b, c, d, e, f = code[pc]
            pc += 1
            if op >= 0x80:
                if op < 0x90:
                    # compare, jump if false; the variant says where x and y come from
                    if op == 0x81:  # CJ_FK: field vs constant
                        x = slots[a]
                        if x is missing:
                            x = slots[a] = get(paths[a])
                        y = b
                    elif op == 0x86:  # CJ_AK: (field op field) vs constant, memoised in slot f
                        x = slots[f]
                        if x is missing:
                            sa, sb, aop, anode = a
                            x = slots[sa]
                            if x is missing:
                                x = slots[sa] = get(paths[sa])
                            y = slots[sb]
                            if y is missing:
                                y = slots[sb] = get(paths[sb])
                            tx = type(x)
                            ty = type(y)
                            if (tx is int or tx is float) and (ty is int or ty is float):
                                r = x - y if aop == 0x11 else (x + y if aop == 0x10 else x * y)
                                if (
                                    (r - r != 0.0)
                                    if type(r) is float
                                    else not -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF  # int64
                                ):
                                    r = _arith_at(aop, x, y, anode)  # raises out of range
                            else:
                                r = _arith_at(aop, x, y, anode)
                            x = slots[f] = r
                        y = b
                    elif op == 0x83:  # CJ_SK: stack vs constant
                        y = b
                        x = stack.pop()
                    elif op == 0x82:  # CJ_FF: field vs field
                        x = slots[a]
                        if x is missing:
                            x = slots[a] = get(paths[a])
                        y = slots[b]
                        if y is missing:
                            y = slots[b] = get(paths[b])
                        if c < 4 and type(x) is list:
                            compare(IMAGE_COMPARE[c], x, y)  # raises the type mismatch
                    elif op == 0x85:  # CJ_DK: event data vs constant
                        x = data.get(a)
                        y = b
                    elif op == 0x80:  # CJ_SS: stack vs stack
                        y = stack.pop()
                        x = stack.pop()
                        if c < 4 and type(x) is list:
                            compare(IMAGE_COMPARE[c], x, y)  # raises the type mismatch
                    else:  # CJ_SF: stack vs field (fetched before the pop, for resumption)
                        y = slots[b]
                        if y is missing:
                            y = slots[b] = get(paths[b])
                        x = stack.pop()
                        if c < 4 and type(x) is list:
                            compare(IMAGE_COMPARE[c], x, y)  # raises the type mismatch
                    if c < 4:  # an ordering (bound numbering: < > <= >=)
                        # Python raises TypeError for every mixture of JSON
                        # values the language rejects but one, list with list,
                        # which the variants without a constant rule out above.
                        try:
                            if c == 0:
                                r = x < y
                            elif c == 1:
                                r = x > y
                            elif c == 2:
                                r = x <= y
                            else:
                                r = x >= y
                        except TypeError:
                            r = compare(IMAGE_COMPARE[c], x, y)  # raises the type mismatch
                    elif c == 4:
                        r = x == y
                    else:
                        r = x != y
                    pc = d if r else e
                    if limit >= 0:
                        steps += runs[pc]
                        if steps > limit:
                            raise Fault(E.LIMIT_EXCEEDED, "step budget exceeded")
                elif op == 0x90:  # AR_FF: field (+|-|*) field, memoised in slot d
                    r = slots[d]
                    if r is missing:
                        x = slots[a]
                        if x is missing:
                            x = slots[a] = get(paths[a])
                        y = slots[b]
                        if y is missing:
                            y = slots[b] = get(paths[b])
                        tx = type(x)
                        ty = type(y)
                        if (tx is int or tx is float) and (ty is int or ty is float):
                            r = x - y if c == 0x11 else (x + y if c == 0x10 else x * y)
                            if (
                                (r - r != 0.0)
                                if type(r) is float
                                else not -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF  # int64
                            ):
                                r = arith(c, x, y)  # raises out of range
                        else:
                            r = arith(c, x, y)
                        slots[d] = r
                    stack.append(r)
                else:  # ASSIGN_K: a constant number of points (checked at bind time)
                    st.points = a
                    st.case_name = b
                    st.matched = True
                    return -1, steps
            elif op == 0x02:  # FIELD
                x = slots[a]
                if x is missing:
                    x = slots[a] = get(paths[a])
                stack.append(x)
            elif op == 0x01:  # CONST
                stack.append(a)
            elif op == 0x03:  # DATA
                stack.append(data.get(a))
            elif op == 0x32:  # JUMP_IF_TRUE (both senses bind to it, with both destinations)
                pc = a if stack.pop() else b
                if limit >= 0:
                    steps += runs[pc]
                    if steps > limit:
                        raise Fault(E.LIMIT_EXCEEDED, "step budget exceeded")
            elif op == 0x46:  # HALT
                return -1, steps
            elif op == 0x40:  # ASSIGN_POINTS
                x = stack.pop()
                tx = type(x)
                if tx is not int and tx is not float:
                    raise Fault(
                        E.ASSIGN_POINTS_NOT_NUMBER, f"points must be a number, got {_kind(x)}"
                    )
                st.points = x
                st.case_name = a
                st.matched = True
                return -1, steps
            elif op == 0x30:  # JUMP
                pc = a
                if limit >= 0:
                    steps += runs[pc]
                    if steps > limit:
                        raise Fault(E.LIMIT_EXCEEDED, "step budget exceeded")
            elif op == 0x41:  # SET_CALLBACK
                st.callback_data[a] = stack.pop()
            else:
                _slow(op, a, st, stack, parent)
                if op == 0x43:  # VETO
                    return -1, steps
    except Fault as fault:
        raise ExecutionError(fault.code, program.node_ids[pc - 1], fault.detail) from None
    except Suspend:
        return pc - 1, steps
    except OverflowError as exc:  # e.g. int * float with a huge integer
        raise ExecutionError(E.ARITH_OUT_OF_RANGE, program.node_ids[pc - 1], str(exc)) from None


def _arith_at(op: int, x: object, y: object, node_id: str | None) -> object:
    """Arithmetic of a fused instruction; ``node_id`` names the arithmetic
    node when it is not the instruction's own."""
    try:
        return arith(op, x, y)
    except Fault as fault:
        if node_id is None:
            raise
        raise ExecutionError(fault.code, node_id, fault.detail) from None


def _slow(op: int, a: Any, st: RunResult, stack: list[Any], parent: Mapping[str, Any]) -> None:
    """The rarer opcodes, kept out of the loop to keep it short."""
    if 0x10 <= op <= 0x15:  # ADD .. MAX
        y = stack.pop()
        stack.append(arith(op, stack.pop(), y))
    elif op == 0x16:  # INT
        stack.append(to_int(stack.pop()))
    elif op == 0x17:  # CLAMP
        hi = stack.pop()
        lo = stack.pop()
        stack.append(clamp(stack.pop(), lo, hi))
    elif op == 0x20:  # CMP (a boolean value)
        y = stack.pop()
        stack.append(compare(a, stack.pop(), y))
    elif op == 0x21:  # NOT
        stack.append(not stack.pop())
    elif op == 0x04:  # PARENT
        stack.append(parent.get(a))
    elif op == 0x42:  # SET_DATA
        st.working_data[a] = stack.pop()
    elif op == 0x43:  # VETO
        st.points = 0
        st.case_name = a
        st.matched = True
        st.vetoed = True
    elif op == 0x44:  # SET_POINTS
        v = stack.pop()
        if type(v) is not int and type(v) is not float:
            raise Fault(E.SET_POINTS_NOT_NUMBER, f"points must be a number, got {_kind(v)}")
        st.points = v
        st.matched = True
    elif op == 0x45:  # SET_CASE_NAME
        v = stack.pop()
        if not isinstance(v, str):
            raise Fault(E.SET_CASE_NAME_NOT_STRING, f"case name must be a string, got {_kind(v)}")
        st.case_name = v
        st.matched = True
    else:  # pragma: no cover - the verifier admits only known opcodes
        raise Fault("DSL_INTERNAL", f"opcode {op:#x} has no handler")
