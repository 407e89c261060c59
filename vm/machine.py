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
from collections.abc import Callable

from vm import errors as E
from vm.errors import ExecutionError
from vm.host import MISSING
from vm.opcodes import Op
from vm.program import Program

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
NUMERIC = (int, float, bool)
_NUM_TYPES = frozenset(NUMERIC)


class Fault(Exception):
    """A runtime error inside the loop, before the node id is attached."""

    __slots__ = ("code", "detail")

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail


class Suspend(Exception):
    """Raised by an asynchronous fetch: the loop must yield to the driver."""

    __slots__ = ("slot",)

    def __init__(self, slot: int) -> None:
        self.slot = slot


class State:
    """The result state of one phase (LANGUAGE.md section 2)."""

    __slots__ = ("callback_data", "case_name", "matched", "points", "vetoed", "working_data")

    def __init__(self) -> None:
        self.points: object = 0
        self.case_name: object = None
        self.callback_data: dict[str, object] = {}
        self.working_data: dict[str, object] = {}
        self.matched = False
        self.vetoed = False


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


def compare(cmp: int, a: object, b: object) -> bool:
    if cmp == 2:
        return bool(a == b)
    if cmp == 3:
        return bool(a != b)
    ta = type(a)
    tb = type(b)
    if not ((ta in _NUM_TYPES and tb in _NUM_TYPES) or (ta is str and tb is str)):
        raise Fault(E.COMPARE_TYPE_MISMATCH, f"cannot order {_kind(a)} and {_kind(b)}")
    if cmp == 0:
        return a < b  # type: ignore[operator,no-any-return]
    if cmp == 1:
        return a <= b  # type: ignore[operator,no-any-return]
    if cmp == 4:
        return a >= b  # type: ignore[operator,no-any-return]
    return a > b  # type: ignore[operator,no-any-return]


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


_ADD, _SUB, _MUL, _DIV, _MIN, _MAX = (int(o) for o in (Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MIN, Op.MAX))


# -- the loop ----------------------------------------------------------------


def execute(
    program: Program,
    pc: int,
    stack: list[object],
    st: State,
    slots: list[object],
    fetch: Callable[[int], object],
    data: dict[str, object],
    parent: dict[str, object],
    steps: int,
    limit: int,
) -> tuple[int, int]:
    """Run from instruction ``pc`` until a terminator.

    Returns ``(-1, steps)`` when the phase ended, or ``(pc, steps)`` when an
    asynchronous fetch suspended it (resume with the same stack and state).
    """
    code = program.code
    push = stack.append
    pop = stack.pop
    num = _NUM_TYPES
    FIELD, CONST, CMP_JF, DATA, JF, ASSIGN = 0x02, 0x01, 0x33, 0x03, 0x31, 0x40
    HALT, JUMP, CMP, SUB, ADD, MUL, DIV = 0x46, 0x30, 0x20, 0x11, 0x10, 0x12, 0x13
    JT, CMP_JT, NOT, SETCB = 0x32, 0x34, 0x21, 0x41
    try:
        while True:
            op, a, b, c, d = code[pc]
            pc += 1
            if op == FIELD:
                v = slots[a]
                if v is MISSING:
                    v = fetch(a)
                push(v)
            elif op == CONST:
                push(a)
            elif op == CMP_JF or op == CMP_JT:
                y = pop()
                x = pop()
                if a == 2:
                    r = x == y
                elif a == 3:
                    r = x != y
                else:
                    tx = type(x)
                    ty = type(y)
                    if (tx in num and ty in num) or (tx is str and ty is str):
                        if a == 0:
                            r = x < y
                        elif a == 1:
                            r = x <= y
                        elif a == 4:
                            r = x >= y
                        else:
                            r = x > y
                    else:
                        r = compare(a, x, y)  # raises the type mismatch
                if (op == CMP_JT) == bool(r):
                    pc = b
                    steps += c
                else:
                    steps += d
                if steps > limit:
                    raise Fault(E.LIMIT_EXCEEDED, "step budget exceeded")
            elif op == DATA:
                push(data.get(a))
            elif op == JF or op == JT:
                if (op == JF) == bool(pop()):
                    steps += c
                else:
                    pc = a
                    steps += b
                if steps > limit:
                    raise Fault(E.LIMIT_EXCEEDED, "step budget exceeded")
            elif op == ASSIGN:
                v = pop()
                tv = type(v)
                if tv is not int and tv is not float:
                    raise Fault(E.ASSIGN_POINTS_NOT_NUMBER, f"points must be a number, got {_kind(v)}")
                st.points = v
                st.case_name = a
                st.matched = True
                return -1, steps
            elif op == HALT:
                return -1, steps
            elif op == JUMP:
                pc = a
                steps += b
                if steps > limit:
                    raise Fault(E.LIMIT_EXCEEDED, "step budget exceeded")
            elif op == SUB or op == ADD or op == MUL:
                y = pop()
                x = pop()
                tx = type(x)
                ty = type(y)
                if (tx is int or tx is float) and (ty is int or ty is float):
                    r = x - y if op == SUB else (x + y if op == ADD else x * y)
                    push(check_number(r))
                else:
                    push(arith(op, x, y))
            elif op == CMP:
                y = pop()
                push(compare(a, pop(), y))
            elif op == NOT:
                push(not pop())
            elif op == SETCB:
                st.callback_data[a] = pop()
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


def _slow(op: int, a: object, st: State, stack: list[object], parent: dict[str, object]) -> None:
    """The rarer opcodes, kept out of the loop to keep it short."""
    if 0x10 <= op <= 0x15:  # DIV, MIN, MAX (and the arithmetic fast path's misses)
        y = stack.pop()
        stack.append(arith(op, stack.pop(), y))
    elif op == 0x16:  # INT
        stack.append(to_int(stack.pop()))
    elif op == 0x17:  # CLAMP
        hi = stack.pop()
        lo = stack.pop()
        stack.append(clamp(stack.pop(), lo, hi))
    elif op == 0x04:  # PARENT
        stack.append(parent.get(a))  # type: ignore[arg-type]
    elif op == 0x42:  # SET_DATA
        st.working_data[a] = stack.pop()  # type: ignore[index]
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

