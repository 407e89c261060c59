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

from collections.abc import Callable, Mapping
from typing import Any

from vm import errors as E
from vm.bind import IMAGE_COMPARE, Bound
from vm.errors import ExecutionError
from vm.host import MISSING
from vm.program import Program
from vm.values import INT64_MAX, INT64_MIN, Fault, arith, clamp, compare, kind, to_int


class Suspend(Exception):
    """Raised by an asynchronous fetch: the loop must yield to the driver."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


class RunResult:
    """The result state of one phase (LANGUAGE.md section 2), and what
    ``vm.run`` returns: points, case_name, callback_data, working_data,
    vetoed (and matched: whether a statement set the result).

    It costs about what a tuple would: slots, and the two dictionaries are
    created only when something reads or writes them."""

    __slots__ = ("_callback_data", "_working_data", "case_name", "matched", "points", "vetoed")

    def __init__(
        self,
        points: object = 0,
        case_name: str | None = None,
        callback_data: dict[str, object] | None = None,
        working_data: dict[str, object] | None = None,
        matched: bool = False,
        vetoed: bool = False,
    ) -> None:
        self.points = points
        self.case_name = case_name
        self._callback_data = callback_data
        self._working_data = working_data
        self.matched = matched
        self.vetoed = vetoed

    @property
    def callback_data(self) -> dict[str, object]:
        cb = self._callback_data
        if cb is None:
            cb = self._callback_data = {}
        return cb

    @callback_data.setter
    def callback_data(self, value: dict[str, object]) -> None:
        self._callback_data = value

    @property
    def working_data(self) -> dict[str, object]:
        wd = self._working_data
        if wd is None:
            wd = self._working_data = {}
        return wd

    @working_data.setter
    def working_data(self, value: dict[str, object]) -> None:
        self._working_data = value

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
    # Opcode numbers are literals below (a literal is the cheapest load),
    # each named by a comment: image opcodes are vm.opcodes.Op, bound-only
    # ones (0x80 and up) vm.bind.BoundOp, comparisons vm.bind.BoundCmp.
    # tests/vm/test_bound_opcodes.py checks every literal against its name.
    code = program.code
    runs = program.runs
    paths = program.fields
    missing = MISSING
    try:
        while True:
            op, a, b, c, d, e, f = code[pc]
            pc += 1
            if op >= 0x80:  # CJ_SS: the first bound-only opcode
                if op < 0x90:  # AR_FF ends the compare-and-jump family
                    # compare, then jump; the variant says where x and y come from
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
                            x = slots[f] = _fused_arith(aop, x, y, anode)
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
                        if c <= 3 and type(x) is list:  # up to GE: an ordering
                            compare(IMAGE_COMPARE[c], x, y)  # raises the type mismatch
                    elif op == 0x85:  # CJ_DK: event data vs constant
                        x = data.get(a)
                        y = b
                    elif op == 0x80:  # CJ_SS: stack vs stack
                        y = stack.pop()
                        x = stack.pop()
                        if c <= 3 and type(x) is list:  # up to GE: an ordering
                            compare(IMAGE_COMPARE[c], x, y)  # raises the type mismatch
                    elif op == 0x84:  # CJ_SF: stack vs field (fetched before the pop: resumable)
                        y = slots[b]
                        if y is missing:
                            y = slots[b] = get(paths[b])
                        x = stack.pop()
                        if c <= 3 and type(x) is list:  # up to GE: an ordering
                            compare(IMAGE_COMPARE[c], x, y)  # raises the type mismatch
                    else:
                        raise Fault(E.INTERNAL, f"bound opcode {op:#x} has no handler")
                    if c <= 3:  # up to GE: an ordering
                        # Python raises TypeError for every mixture of JSON
                        # values the language rejects but one, list with list,
                        # which the variants without a constant rule out above.
                        try:
                            if c == 0:  # LT
                                r = x < y
                            elif c == 1:  # GT
                                r = x > y
                            elif c == 2:  # LE
                                r = x <= y
                            elif c == 3:  # GE
                                r = x >= y
                            else:
                                raise Fault(E.INTERNAL, f"bound comparison {c} has no handler")
                        except TypeError:
                            r = compare(IMAGE_COMPARE[c], x, y)  # raises the type mismatch
                    elif c == 4:  # EQ
                        r = x == y
                    elif c == 5:  # NE
                        r = x != y
                    else:
                        raise Fault(E.INTERNAL, f"bound comparison {c} has no handler")
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
                        r = slots[d] = _fused_arith(c, x, y, None)
                    stack.append(r)
                elif op == 0x91:  # ASSIGN_K: a constant number of points (checked at bind time)
                    st.points = a
                    st.case_name = b
                    st.matched = True
                    return -1, steps
                else:
                    raise Fault(E.INTERNAL, f"bound opcode {op:#x} has no handler")
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
                        E.ASSIGN_POINTS_NOT_NUMBER, f"points must be a number, got {kind(x)}", (x,)
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
        raise ExecutionError(
            fault.code, program.node_ids[pc - 1], fault.detail, fault.operands
        ) from None
    except Suspend:
        return pc - 1, steps
    except ExecutionError:
        raise  # already located (a fused instruction's arithmetic)
    except OverflowError as exc:  # e.g. int * float with a huge integer
        raise ExecutionError(E.ARITH_OUT_OF_RANGE, program.node_ids[pc - 1], str(exc)) from None
    except Exception as exc:
        # Only host code can raise anything else: the field source's get(),
        # which propagates unchanged (it is the host's own failure, e.g. a
        # lost database connection), or a host value's method (__lt__,
        # __eq__, __bool__ ...) called by an operation, which is the
        # strategy's runtime error at this node.
        if _fetch_failed(code[pc - 1], slots):
            raise
        raise ExecutionError(
            E.HOST_VALUE_ERROR,
            program.node_ids[pc - 1],
            f"a host value raised {type(exc).__name__}: {_describe(exc)}",
        ) from exc


def _fused_arith(aop: int, x: Any, y: Any, node_id: str | None) -> object:
    """The arithmetic of a fused instruction (field op field), computed once
    per event and memoised. ``node_id`` names the arithmetic node when it
    is not the instruction's own."""
    tx = type(x)
    ty = type(y)
    if (tx is int or tx is float) and (ty is int or ty is float):
        if aop == 0x11:  # SUB
            r = x - y
        elif aop == 0x10:  # ADD
            r = x + y
        elif aop == 0x12:  # MUL
            r = x * y
        else:
            raise Fault(E.INTERNAL, f"opcode {aop:#x} is not fusable arithmetic")
        if (r - r == 0.0) if type(r) is float else INT64_MIN <= r <= INT64_MAX:
            return r
    try:
        return arith(aop, x, y)  # raises the type mismatch or out of range
    except Fault as fault:
        if node_id is None:
            raise
        raise ExecutionError(fault.code, node_id, fault.detail, fault.operands) from None


def _fetch_failed(ins: Bound, slots: list[Any]) -> bool:
    """Whether the instruction that raised was still fetching a field: one
    of the field slots it reads is still empty (a failed get() assigns
    nothing), so the exception came from the host's field source."""
    op, a, b = ins[0], ins[1], ins[2]
    if op == 0x02 or op == 0x81:  # FIELD, CJ_FK
        read: tuple[int, ...] = (a,)
    elif op == 0x82 or op == 0x90:  # CJ_FF, AR_FF
        read = (a, b)
    elif op == 0x84:  # CJ_SF
        read = (b,)
    elif op == 0x86:  # CJ_AK
        read = (a[0], a[1])
    else:
        return False
    return any(slots[i] is MISSING for i in read)


def _describe(exc: BaseException) -> str:
    """str(exc), which is itself host code that may raise or be huge."""
    try:
        text = str(exc)
    except Exception:
        return "(unprintable)"
    return text if len(text) <= 200 else text[:200] + "..."


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
            raise Fault(E.SET_POINTS_NOT_NUMBER, f"points must be a number, got {kind(v)}", (v,))
        st.points = v
        st.matched = True
    elif op == 0x45:  # SET_CASE_NAME
        v = stack.pop()
        if type(v) is not str:
            raise Fault(
                E.SET_CASE_NAME_NOT_STRING, f"case name must be a string, got {kind(v)}", (v,)
            )
        st.case_name = v
        st.matched = True
    else:
        raise Fault(E.INTERNAL, f"opcode {op:#x} has no handler")
