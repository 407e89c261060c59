"""Translation: a verified image becomes one straight-line Python function
per phase, built with the ``ast`` module and compiled at first use.

The stack VM stays the reference. A translated function computes the same
result on the common path and hands everything else back to the VM:

- **No text from the image reaches source code.** The function is an
  ``ast.Module`` built node by node: constants are ``ast.Constant`` values,
  field paths are ``ast.Constant`` strings passed to the field source,
  operators come from this module's own table, and every name in it is
  generated here. It is compiled with ``compile()``, never from a string.
- **No loops, a fixed set of helpers.** Control flow becomes ``if``/``else``
  over short-circuit boolean expressions, recovered from the image's forward
  jumps (the code is a DAG: jumps only go forward). The generated code calls
  only the field source, ``data.get``/``parent.get``, the VM's own value
  operations and the result constructor.
- **Fields are locals fetched lazily**, at the same instruction points and
  in the same order as the VM fetches them: each read is a plain local, a
  fetch, or a checked fetch, chosen by tracking along every emitted path
  which fields are certainly, or possibly, fetched already.
- **Errors stay exact.** Any guard failure (a type the fast code does not
  handle, an out-of-range number, a division by zero, an exception from a
  host value) raises ``Fallback`` with the fields fetched so far; the runner
  reruns the event on the VM with those values, so the error code, the node
  id and the fetch-once rule are the VM's. Because the translated code
  evaluates instructions in the VM's order and stops at the first failure,
  its fetches are a prefix of the VM's, and the rerun continues the same
  sequence.
- **Declining is always safe.** An image whose shape the translator does not
  handle (values left on the stack across a jump or a statement, a CFG that
  would be duplicated past a size cap, ``compile()`` failing on a hostile
  nesting) is simply not translated: the VM runs it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from types import CodeType

from vm.fastpath import (
    _NUM,
    Fallback,
    HostFetchError,
    Translated,
    Unit,
    _name,
    _namespace,
    guarded_getter,
    instantiate,
)
from vm.opcodes import F_BRANCH, F_TERMINATOR, PARENT_ATTRS, PHASES, ROWS, Op
from vm.values import INT64_MAX, INT64_MIN
from vm.verify import VerifiedImage

TRANSLATOR_VERSION = 1

# Emitted instructions per image instruction, at most (tail duplication of a
# DAG can grow; compiler output stays near 1).
MAX_GROWTH = 4
MAX_EMITTED_FLOOR = 4096
# How far a compound condition is looked for (larger ones become nested ifs).
MAX_REGION_BLOCKS = 256
MAX_REGION_EXITS = 16
# Sections longer than this are left to the VM.
MAX_SECTION_INSTRUCTIONS = 50_000

_EXIT = 1 << 62  # the virtual exit block of a section


class Declined(Exception):
    """The image has a shape the translator does not handle."""


# -- AST helpers -----------------------------------------------------------


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _store(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Store())


def _const(value: object) -> ast.Constant:
    return ast.Constant(value=value)  # type: ignore[arg-type]


def _call(func: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_load(func), args=list(args), keywords=[])


def _walrus(name: str, value: ast.expr) -> ast.NamedExpr:
    return ast.NamedExpr(target=_store(name), value=value)


def _is_type(value: ast.expr, type_name: str) -> ast.Compare:
    return ast.Compare(left=_call("_type", value), ops=[ast.Is()], comparators=[_load(type_name)])


def _num_check(value: ast.expr) -> ast.Compare:
    return ast.Compare(left=_call("_type", value), ops=[ast.In()], comparators=[_load("_N")])


def _bool_op(op: ast.boolop, left: ast.expr, right: ast.expr) -> ast.BoolOp:
    values: list[ast.expr] = []
    for side in (left, right):
        if isinstance(side, ast.BoolOp) and type(side.op) is type(op):
            values.extend(side.values)
        else:
            values.append(side)
    return ast.BoolOp(op=op, values=values)


def _not(value: ast.expr) -> ast.expr:
    return ast.UnaryOp(op=ast.Not(), operand=value)


_ORDERINGS: dict[int, type[ast.cmpop]] = {0: ast.Lt, 1: ast.LtE, 4: ast.GtE, 5: ast.Gt}
_EQUALITIES: dict[int, type[ast.cmpop]] = {2: ast.Eq, 3: ast.NotEq}
_INLINE_ARITH: dict[Op, type[ast.operator]] = {Op.ADD: ast.Add, Op.SUB: ast.Sub, Op.MUL: ast.Mult}
_HELPER_ARITH = frozenset({Op.DIV, Op.MIN, Op.MAX})
_PURE = frozenset(
    {Op.CONST, Op.FIELD, Op.DATA, Op.PARENT, Op.INT, Op.CLAMP, Op.CMP, Op.NOT}
    | set(_INLINE_ARITH)
    | _HELPER_ARITH
)
_COND_BRANCHES = frozenset(
    {Op.JUMP_IF_FALSE, Op.JUMP_IF_TRUE, Op.CMP_JUMP_IF_FALSE, Op.CMP_JUMP_IF_TRUE}
)
_CB = -1  # the pseudo-field "callback data dict created" in fetch contexts
_MEMO_BASE = 1 << 20  # pseudo-fields of memoised field arithmetic locals


@dataclass(frozen=True, slots=True)
class _Ctx:
    """What is known at a point of an emitted path: field slots (and _CB)
    certainly set (``must``) and possibly set (``may``)."""

    must: frozenset[int]
    may: frozenset[int]

    def add(self, slot: int) -> _Ctx:
        if slot in self.must:
            return self
        return _Ctx(self.must | {slot}, self.may | {slot})


def _join(a: _Ctx, b: _Ctx) -> _Ctx:
    return _Ctx(a.must & b.must, a.may | b.may)


# -- the translator ----------------------------------------------------------


class _Section:
    def __init__(self, verified: VerifiedImage, phase: str, is_async: bool) -> None:
        facts = verified.sections[phase]
        instrs = verified.instructions
        index_of = {ins.offset: i for i, ins in enumerate(instrs)}
        self.lo = index_of[facts.start]
        self.hi = index_of.get(facts.end, len(instrs))
        if self.hi - self.lo > MAX_SECTION_INSTRUCTIONS:
            raise Declined("section too long")
        self.instrs = instrs
        self.index_of = index_of
        self.image = verified.image
        self.phase = phase
        self.is_async = is_async
        self.budget = max(MAX_EMITTED_FLOOR, MAX_GROWTH * (self.hi - self.lo))
        self.emitted = 0
        self.temps = 0
        self.used_fields: set[int] = set()
        self.uses_data = False
        # Expressions known to produce a number (arithmetic results), and
        # the field slot an expression reads (for memoised field arithmetic).
        self.numeric: set[int] = set()
        self.field_of: dict[int, int] = {}
        self.memos: dict[tuple[Op, int, int], int] = {}
        self._blocks()
        self._post_dominators()

    # -- control-flow graph -------------------------------------------------

    def _dests(self, i: int) -> tuple[int, int]:
        """(where control goes when the branch condition holds, otherwise)."""
        ins = self.instrs[i]
        target = self.index_of[ins.args[-1]]
        if ins.op in (Op.JUMP_IF_FALSE, Op.CMP_JUMP_IF_FALSE):
            return i + 1, target
        return target, i + 1

    def _blocks(self) -> None:
        lo, hi = self.lo, self.hi
        leaders = {lo}
        for i in range(lo, hi):
            ins = self.instrs[i]
            flags = ROWS[ins.op].flags
            if flags & F_BRANCH:
                leaders.add(self.index_of[ins.args[-1]])
            if flags & (F_BRANCH | F_TERMINATOR) and i + 1 < hi:
                leaders.add(i + 1)
        starts = sorted(leaders)
        self.block_end: dict[int, int] = {}
        self.succ: dict[int, tuple[int, ...]] = {}
        for k, start in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else hi
            self.block_end[start] = end
            last = self.instrs[end - 1]
            flags = ROWS[last.op].flags
            if last.op in _COND_BRANCHES:
                self.succ[start] = self._dests(end - 1)
            elif last.op is Op.JUMP:
                self.succ[start] = (self.index_of[last.args[0]],)
            elif flags & F_TERMINATOR:
                self.succ[start] = ()
            else:
                self.succ[start] = (end,)
        # Predecessors among reachable blocks (dead code does not count).
        self.preds: dict[int, set[int]] = {b: set() for b in starts}
        reachable = {lo}
        for b in starts:
            if b not in reachable:
                continue
            for s in self.succ[b]:
                reachable.add(s)
                self.preds[s].add(b)
        self.starts = starts

    def _post_dominators(self) -> None:
        ipdom: dict[int, int] = {_EXIT: _EXIT}
        for b in reversed(self.starts):
            succ = self.succ[b]
            if not succ:
                ipdom[b] = _EXIT
                continue
            d = succ[0]
            for s in succ[1:]:
                d = self._meet(ipdom, d, s)
            ipdom[b] = d
        self.ipdom = ipdom

    @staticmethod
    def _meet(ipdom: dict[int, int], a: int, b: int) -> int:
        while a != b:
            if a < b:
                a = ipdom[a]
            else:
                b = ipdom[b]
        return a

    def _is_pure_cond(self, b: int) -> bool:
        end = self.block_end[b]
        if self.instrs[end - 1].op not in _COND_BRANCHES:
            return False
        return all(self.instrs[i].op in _PURE for i in range(b, end - 1))

    # -- expressions --------------------------------------------------------

    def _tick(self) -> None:
        self.emitted += 1
        if self.emitted > self.budget:
            raise Declined("translation would grow past its size cap")

    def _temp(self) -> str:
        self.temps += 1
        return f"_t{self.temps}"

    def _field(self, slot: int, ctx: _Ctx) -> tuple[ast.expr, _Ctx]:
        self.used_fields.add(slot)
        name = f"f{slot}"
        if slot in ctx.must:
            return _load(name), ctx
        path = _const(self.image.fields[slot])
        fetch: ast.expr
        if self.is_async:
            fetch = ast.Await(value=_call("_afetch", _load("get"), path))
        else:
            fetch = _call("get", path)
        return self._lazy(name, fetch, slot in ctx.may), ctx.add(slot)

    @staticmethod
    def _lazy(name: str, compute: ast.expr, maybe_set: bool) -> ast.expr:
        """``compute`` stored in local ``name``; when the local may already
        be set on this path, only if it is not."""
        fetched: ast.expr = _walrus(name, compute)
        if maybe_set:
            fetched = ast.IfExp(
                test=ast.Compare(left=_load(name), ops=[ast.IsNot()], comparators=[_load("_M")]),
                body=_load(name),
                orelse=fetched,
            )
        return fetched

    def _atom(self, value: ast.expr) -> tuple[ast.expr, ast.expr]:
        """(the expression that evaluates ``value`` once, a re-readable
        reference to its value)."""
        if isinstance(value, (ast.Constant, ast.Name)):
            return value, value
        name = self._temp()
        return _walrus(name, value), _load(name)

    def _arith_memo(
        self, op: Op, left: ast.expr, right: ast.expr, ctx: _Ctx
    ) -> tuple[ast.expr, _Ctx]:
        """Arithmetic; over two fields it is pure within an event, so (as the
        VM's memo slots) it is computed once per path and kept in a local."""
        sa = self.field_of.get(id(left))
        sb = self.field_of.get(id(right))
        if sa is None or sb is None:
            return self._arith_inline(op, left, right), ctx
        k = self.memos.setdefault((op, sa, sb), len(self.memos))
        pseudo = _MEMO_BASE + k
        name = f"m{k}"
        if pseudo in ctx.must:
            return _load(name), ctx
        return self._lazy(name, self._arith_inline(op, left, right), pseudo in ctx.may), ctx.add(
            pseudo
        )

    def _arith_inline(self, op: Op, left: ast.expr, right: ast.expr) -> ast.expr:
        # Both operands are checked before the operator runs (``"ab" * n``
        # must never be computed), then the result's range.
        checks: list[ast.expr] = []
        refs: list[ast.expr] = []
        for side in (left, right):
            if isinstance(side, ast.Constant) and type(side.value) in _NUM:
                refs.append(side)
                continue
            first, ref = self._atom(side)
            checks.append(_num_check(first))
            refs.append(ref)
        r = self._temp()
        value = ast.BinOp(left=refs[0], op=_INLINE_ARITH[op](), right=refs[1])
        # In the int64 range (a NaN or an infinity is not): done; otherwise
        # the VM's own check decides (a large finite float is fine).
        checked: ast.expr = ast.IfExp(
            test=ast.Compare(
                left=_const(INT64_MIN),
                ops=[ast.LtE(), ast.LtE()],
                comparators=[_walrus(r, value), _const(INT64_MAX)],
            ),
            body=_load(r),
            orelse=_call("_ckn", _load(r)),
        )
        if not checks:
            return checked
        test = checks[0] if len(checks) == 1 else ast.BoolOp(op=ast.And(), values=checks)
        return ast.IfExp(test=test, body=checked, orelse=_call("_fail"))

    def _compare(self, cmp: int, left: ast.expr, right: ast.expr) -> ast.expr:
        if cmp in _EQUALITIES:
            return ast.Compare(left=left, ops=[_EQUALITIES[cmp]()], comparators=[right])
        op = _ORDERINGS[cmp]()
        if (
            isinstance(left, ast.Constant)
            or isinstance(right, ast.Constant)
            or id(left) in self.numeric
        ):
            # Python refuses every mixture the language refuses, as long as
            # one side is a scalar (the VM leans on the same TypeError).
            return ast.Compare(left=left, ops=[op], comparators=[right])
        # list < list is the one mixture Python accepts and the language does not.
        first, ref = self._atom(left)
        return ast.IfExp(
            test=_is_type(first, "_list_t"),
            body=_call("_fail"),
            orelse=ast.Compare(left=ref, ops=[op], comparators=[right]),
        )

    def _pure(self, i: int, stack: list[ast.expr], ctx: _Ctx) -> _Ctx:
        ins = self.instrs[i]
        op = ins.op
        self._tick()
        consts = self.image.constants
        if op is Op.CONST:
            stack.append(_const(consts[ins.args[0]]))
        elif op is Op.FIELD:
            expr, ctx = self._field(ins.args[0], ctx)
            self.field_of[id(expr)] = ins.args[0]
            stack.append(expr)
        elif op is Op.DATA:
            self.uses_data = True
            stack.append(
                ast.Call(func=_load("_dget"), args=[_const(consts[ins.args[0]])], keywords=[])
            )
        elif op is Op.PARENT:
            stack.append(
                ast.Call(
                    func=ast.Attribute(value=_load("parent"), attr="get", ctx=ast.Load()),
                    args=[_const(PARENT_ATTRS[ins.args[0]])],
                    keywords=[],
                )
            )
        elif op in _INLINE_ARITH:
            right = stack.pop()
            left = stack.pop()
            expr, ctx = self._arith_memo(op, left, right, ctx)
            self.numeric.add(id(expr))
            stack.append(expr)
        elif op in _HELPER_ARITH:
            right = stack.pop()
            stack.append(_call("_arith", _const(int(op)), stack.pop(), right))
        elif op is Op.INT:
            stack.append(_call("_int", stack.pop()))
        elif op is Op.CLAMP:
            hi = stack.pop()
            lo = stack.pop()
            stack.append(_call("_clamp", stack.pop(), lo, hi))
        elif op is Op.CMP:
            right = stack.pop()
            stack.append(_call("_cmp", _const(ins.args[0]), stack.pop(), right))
        elif op is Op.NOT:
            stack.append(_not(stack.pop()))
        else:  # pragma: no cover - _PURE lists exactly the cases above
            raise Declined(f"{op.name} is not a pure operation")
        return ctx

    def _branch_test(self, block: int, start: int, ctx: _Ctx) -> tuple[ast.expr, _Ctx]:
        """The condition of the branch ending ``block``, from instruction
        ``start`` (where the block's statements left the stack empty)."""
        b_end = self.block_end[block]
        stack: list[ast.expr] = []
        for i in range(start, b_end - 1):
            ctx = self._pure(i, stack, ctx)
        ins = self.instrs[b_end - 1]
        self._tick()
        if ins.op in (Op.CMP_JUMP_IF_FALSE, Op.CMP_JUMP_IF_TRUE):
            if len(stack) != 2:
                raise Declined("values left on the stack across a branch")
            test = self._compare(ins.args[0], stack[0], stack[1])
        else:
            if len(stack) != 1:
                raise Declined("values left on the stack across a branch")
            test = stack[0]
        return test, ctx

    def _region(self, b: int) -> tuple[set[int], tuple[int, ...]]:
        """The blocks of a compound condition starting at block ``b`` and its
        two exits. The region grows by pure condition blocks reached only
        from inside it, in code order; the largest one seen with exactly two
        exits is the condition (``a and (b or c)`` then becomes one test)."""
        region = {b}
        exits = set(self.succ[b])
        best: tuple[set[int], set[int]] = (set(region), set(exits))
        while len(region) < MAX_REGION_BLOCKS and len(exits) <= MAX_REGION_EXITS:
            eligible = [s for s in exits if self._is_pure_cond(s) and self.preds[s] <= region]
            if not eligible:
                break
            s = min(eligible)
            region.add(s)
            exits.discard(s)
            exits.update(t for t in self.succ[s] if t not in region)
            if len(exits) == 2:
                best = (set(region), set(exits))
        region, exits = best
        return region, tuple(sorted(exits))

    def _value(
        self, node: int, first: int, region: set[int], exits: tuple[int, ...], ctx: _Ctx
    ) -> tuple[ast.expr | bool, _Ctx]:
        """The condition "control reaches exits[0]" from ``node``."""
        if node == exits[0]:
            return True, ctx
        if node not in region:
            return False, ctx
        test, ctx_c = self._branch_test(node, first, ctx)
        end = self.block_end[node]
        holds, fails = self._dests(end - 1)
        v_h, c_h = self._value(holds, holds, region, exits, ctx_c)
        v_f, c_f = self._value(fails, fails, region, exits, ctx_c)
        if v_h is True and v_f is False:
            return test, ctx_c
        if v_h is False and v_f is True:
            return _not(test), ctx_c
        if v_h is True or v_h is False:
            if v_f is True or v_f is False:  # both destinations decide alike
                return _bool_op(ast.Or() if v_h else ast.And(), test, _const(v_h)), ctx_c
            assert not isinstance(v_f, bool)
            if v_h:
                return _bool_op(ast.Or(), test, v_f), _Ctx(ctx_c.must, c_f.may)
            return _bool_op(ast.And(), _not(test), v_f), _Ctx(ctx_c.must, c_f.may)
        if v_f is False:
            return _bool_op(ast.And(), test, v_h), _Ctx(ctx_c.must, c_h.may)
        if v_f is True:
            return _bool_op(ast.Or(), _not(test), v_h), _Ctx(ctx_c.must, c_h.may)
        return ast.IfExp(test=test, body=v_h, orelse=v_f), _join(c_h, c_f)

    # -- statements -----------------------------------------------------------

    def _result(self, points: ast.expr, case: ast.expr, matched: bool, vetoed: bool) -> ast.Return:
        cb: ast.expr = _load("cb")
        wd: ast.expr = _load("wd") if self.phase == "pre" else _const(None)
        return ast.Return(value=_call("R", points, case, cb, wd, _const(matched), _const(vetoed)))

    def _statement(
        self, i: int, stack: list[ast.expr], ctx: _Ctx, out: list[ast.stmt]
    ) -> tuple[_Ctx, bool]:
        """Emit the statement instruction ``i``; returns (ctx, terminated)."""
        ins = self.instrs[i]
        op = ins.op
        self._tick()
        consts = self.image.constants
        pops = ROWS[op].pops
        if len(stack) != pops:
            raise Declined("values left on the stack across a statement")
        value = stack.pop() if pops else None
        if op is Op.HALT:
            if self.phase == "post":
                out.append(self._result(_load("pts"), _load("cn"), True, False))
            else:
                out.append(self._result(_const(0), _const(None), False, False))
            return ctx, True
        if op is Op.VETO:
            out.append(self._result(_const(0), _const(consts[ins.args[0]]), True, True))
            return ctx, True
        assert value is not None
        if op is Op.ASSIGN_POINTS:
            if not (isinstance(value, ast.Constant) and type(value.value) in (int, float)):
                first, ref = self._atom(value)
                value = ast.IfExp(
                    test=ast.BoolOp(
                        op=ast.Or(),
                        values=[_is_type(first, "_int_t"), _is_type(ref, "_float_t")],
                    ),
                    body=ref,
                    orelse=_call("_fail"),
                )
            out.append(self._result(value, _const(consts[ins.args[0]]), True, False))
            return ctx, True
        if op is Op.SET_CALLBACK:
            key = _const(consts[ins.args[0]])
            if _CB not in ctx.must:
                if _CB in ctx.may:
                    out.append(
                        ast.If(
                            test=ast.Compare(
                                left=_load("cb"), ops=[ast.Is()], comparators=[_const(None)]
                            ),
                            body=[ast.Assign(targets=[_store("cb")], value=ast.Dict([], []))],
                            orelse=[],
                        )
                    )
                else:
                    out.append(ast.Assign(targets=[_store("cb")], value=ast.Dict([], [])))
                ctx = ctx.add(_CB)
            target = ast.Subscript(value=_load("cb"), slice=key, ctx=ast.Store())
            out.append(ast.Assign(targets=[target], value=value))
            return ctx, False
        if op is Op.SET_DATA:
            key = _const(consts[ins.args[0]])
            target = ast.Subscript(value=_load("wd"), slice=key, ctx=ast.Store())
            out.append(ast.Assign(targets=[target], value=value))
            return ctx, False
        if op is Op.SET_POINTS:
            first, ref = self._atom(value)
            checked = ast.IfExp(
                test=ast.BoolOp(
                    op=ast.Or(), values=[_is_type(first, "_int_t"), _is_type(ref, "_float_t")]
                ),
                body=ref,
                orelse=_call("_fail"),
            )
            out.append(ast.Assign(targets=[_store("pts")], value=checked))
            return ctx, False
        if op is Op.SET_CASE_NAME:
            first, ref = self._atom(value)
            checked = ast.IfExp(
                test=_call("_isinstance", first, _load("_str_t")), body=ref, orelse=_call("_fail")
            )
            out.append(ast.Assign(targets=[_store("cn")], value=checked))
            return ctx, False
        raise Declined(f"{op.name} is not a statement")  # pragma: no cover

    def emit(self, b: int, stop: int, ctx: _Ctx) -> tuple[list[ast.stmt], _Ctx, bool]:
        """Statements for the code from block ``b`` up to block ``stop``.
        Returns (statements, context at the end, whether every path returned)."""
        out: list[ast.stmt] = []
        while b != stop:
            if b == _EXIT:  # pragma: no cover - stop post-dominates b
                raise Declined("control left its region")
            end = self.block_end[b]
            last = self.instrs[end - 1]
            # Statements first; a trailing condition starts where the last
            # statement left the stack empty.
            cond_from = b
            for i in range(b, end):
                op = self.instrs[i].op
                if op in _PURE:
                    continue
                if op in _COND_BRANCHES or op is Op.JUMP:
                    break
                exprs: list[ast.expr] = []
                for j in range(cond_from, i):
                    ctx = self._pure(j, exprs, ctx)
                ctx, done = self._statement(i, exprs, ctx, out)
                cond_from = i + 1
                if done:
                    return out, ctx, True
            if last.op is Op.JUMP:
                if cond_from != end - 1:
                    raise Declined("values left on the stack across a jump")
                self._tick()
                b = self.index_of[last.args[0]]
                continue
            if last.op not in _COND_BRANCHES:
                if cond_from != end:
                    raise Declined("values left on the stack across a block boundary")
                b = end
                continue
            region, exits = self._region(b)
            if len(exits) == 1:
                test, ctx = self._branch_test(b, cond_from, ctx)
                out.append(ast.If(test=test, body=[ast.Pass()], orelse=[]))
                b = exits[0]
                continue
            value, ctx_c = self._value(b, cond_from, region, exits, ctx)
            assert not isinstance(value, bool)
            e_true, e_false = exits
            join = self._meet(self.ipdom, e_true, e_false)
            if join == _EXIT:
                # The first arm always returns: the second follows at this level.
                body, _ctx, _done = self.emit(e_true, _EXIT, ctx_c)
                out.append(ast.If(test=value, body=body or [ast.Pass()], orelse=[]))
                ctx = ctx_c
                b = e_false
                continue
            body, c_t, done_t = self.emit(e_true, join, ctx_c)
            other, c_f, done_f = self.emit(e_false, join, ctx_c)
            if body:
                out.append(ast.If(test=value, body=body, orelse=other))
            elif other:
                out.append(ast.If(test=_not(value), body=other, orelse=[]))
            else:
                out.append(ast.If(test=value, body=[ast.Pass()], orelse=[]))
            if done_t and done_f:  # pragma: no cover - join would be the exit
                return out, ctx, True
            ctx = c_f if done_t else c_t if done_f else _join(c_t, c_f)
            b = join
        return out, ctx, False


def _function(section: _Section, name: str) -> tuple[ast.stmt, tuple[int, ...]]:
    start = _Ctx(frozenset({_CB}) if section.phase == "post" else frozenset(), frozenset())
    if section.phase == "post":
        start = _Ctx(start.must, start.must)
    body, _ctx, done = section.emit(section.lo, _EXIT, start)
    if not done:  # pragma: no cover - the verifier ends every path in a terminator
        raise Declined("a path does not end in a terminator")
    used = tuple(sorted(section.used_fields))
    prologue: list[ast.stmt] = []
    if used:
        prologue.append(ast.Assign(targets=[_store(f"f{i}") for i in used], value=_load("_M")))
    if section.memos:
        prologue.append(
            ast.Assign(
                targets=[_store(f"m{k}") for k in range(len(section.memos))], value=_load("_M")
            )
        )
    if section.uses_data:
        prologue.append(
            ast.Assign(
                targets=[_store("_dget")],
                value=ast.Attribute(value=_load("data"), attr="get", ctx=ast.Load()),
            )
        )
    if section.phase == "pre":
        prologue.append(ast.Assign(targets=[_store("wd")], value=_call("dict", _load("data"))))
    fetched = ast.Tuple(elts=[_load(f"f{i}") for i in used], ctx=ast.Load())
    handler = ast.ExceptHandler(
        type=_load("Exception"),
        name="_e",
        body=[ast.Raise(exc=_call("_FB", _load("_e"), fetched), cause=None)],
    )
    guarded = ast.Try(body=body, handlers=[handler], orelse=[], finalbody=[])
    args = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=a) for a in ("get", "data", "parent", "pts", "cn", "cb", "R")],
        kwonlyargs=[],
        kw_defaults=[],
        defaults=[],
    )
    cls = ast.AsyncFunctionDef if section.is_async else ast.FunctionDef
    fn = cls(name=name, args=args, body=[*prologue, guarded], decorator_list=[], returns=None)
    return fn, used


def _compile(functions: list[ast.stmt], label: str) -> CodeType:
    module = ast.Module(body=functions, type_ignores=[])
    ast.fix_missing_locations(module)
    try:
        return compile(module, f"<strategy {label}>", "exec")
    except (RecursionError, MemoryError, SyntaxError, ValueError, OverflowError) as exc:
        raise Declined(f"{type(exc).__name__} while compiling") from None


def _build(verified: VerifiedImage, phase: str, is_async: bool) -> tuple[ast.stmt, tuple[int, ...]]:
    try:
        section = _Section(verified, phase, is_async)
        return _function(section, _name(phase, is_async))
    except RecursionError:
        raise Declined("RecursionError while translating") from None


def translate(verified: VerifiedImage, phase: str, *, is_async: bool = False) -> Translated:
    """Translate one phase of a verified image. Raises Declined when the VM
    should run it instead."""
    fn, used = _build(verified, phase, is_async)
    namespace = _namespace()
    exec(_compile([fn], phase), namespace)
    return Translated(namespace[_name(phase, is_async)], used, is_async)


def translate_all(verified: VerifiedImage) -> Unit:
    """Every phase, sync and async, in one module (for the code cache)."""
    functions: list[ast.stmt] = []
    plan: list[tuple[str, bool, tuple[int, ...] | None]] = []
    for phase in PHASES:
        for is_async in (False, True):
            try:
                fn, used = _build(verified, phase, is_async)
            except Declined:
                plan.append((phase, is_async, None))
                continue
            functions.append(fn)
            plan.append((phase, is_async, used))
    try:
        code = _compile(functions, "module")
    except Declined:
        # One phase too deep for Python's compiler: keep the others.
        code = _compile([], "module")
        plan = [(phase, is_async, None) for phase, is_async, _ in plan]
    return code, tuple(plan)


__all__ = [
    "TRANSLATOR_VERSION",
    "Declined",
    "Fallback",
    "HostFetchError",
    "Translated",
    "guarded_getter",
    "instantiate",
    "translate",
    "translate_all",
]
