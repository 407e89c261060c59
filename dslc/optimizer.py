"""IR to IR optimisations. Each pass keeps the program's observable
behaviour: results, error codes and the node that fails.

- Constant folding with the VM's own operations (``vm.values``), so a
  folded value is bit for bit what the VM would compute; an operation that
  would fail is left in place for the VM to raise at run time (the
  reference engine accepts such programs and fails only when they run).
- Conditions with a constant outcome are decided at compile time: an ``if``
  on a constant keeps only the branch taken, ``and``/``or`` drop constant
  arguments that do not decide and everything after one that does.
- Dead code after a halting statement (``assign_points``, ``veto``,
  ``return``, or an ``if`` all of whose branches halt) is removed.

Fields need no pass of their own: each is read through a per-event slot,
fetched by its first read and shared by every later one (``vm.host``).
"""

from __future__ import annotations

from dslc import ir as I
from vm.opcodes import ARITH_OPCODES, COMPARE_CODES
from vm.values import Fault, arith, clamp, compare, to_int


def optimize(program: I.IRProgram) -> I.IRProgram:
    return I.IRProgram(
        program_id=program.program_id,
        full=I.Section(_stmts(program.full.body)),
        pre=I.Section(_stmts(program.pre.body)),
        post=I.Section(_stmts(program.post.body)),
        has_pre=program.has_pre,
        has_post=program.has_post,
        parent_variables=program.parent_variables,
    )


# -- statements -------------------------------------------------------------


def _stmts(stmts: tuple[I.Stmt, ...]) -> tuple[I.Stmt, ...]:
    out: list[I.Stmt] = []
    for s in stmts:
        out.extend(_stmt(s))
        if I.halts(tuple(out)):
            break  # everything after a halting statement is dead
    return tuple(out)


def _stmt(s: I.Stmt) -> tuple[I.Stmt, ...]:
    if isinstance(s, I.If):
        cond = _cond(s.cond)
        decided = _constant_truth(cond)
        if decided is True:
            return _stmts(s.then)
        if decided is False:
            return _stmts(s.else_)
        return (I.If(cond, _stmts(s.then), _stmts(s.else_), s.node_id),)
    if isinstance(s, I.AssignPoints):
        return (I.AssignPoints(_expr(s.value), s.case_name, s.node_id),)
    if isinstance(s, I.SetPoints):
        return (I.SetPoints(_expr(s.value), s.node_id),)
    if isinstance(s, I.SetCaseName):
        return (I.SetCaseName(_expr(s.value), s.node_id),)
    if isinstance(s, I.SetCallbackData):
        return (I.SetCallbackData(s.key, _expr(s.value), s.node_id),)
    if isinstance(s, I.SetData):
        return (I.SetData(s.key, _expr(s.value), s.node_id),)
    return (s,)


# -- conditions -------------------------------------------------------------


def _constant_truth(c: I.Cond) -> bool | None:
    if isinstance(c, I.Truth) and isinstance(c.expr, I.Const):
        return bool(c.expr.value)
    return None


def _const_cond(value: bool) -> I.Cond:
    return I.Truth(I.Const(value))


def _cond(c: I.Cond) -> I.Cond:
    if isinstance(c, I.Compare):
        left = _expr(c.left)
        right = _expr(c.right)
        if isinstance(left, I.Const) and isinstance(right, I.Const):
            try:
                return _const_cond(compare(COMPARE_CODES[c.op], left.value, right.value))
            except Fault:
                pass  # a certain runtime error: the VM raises it with this node's id
        return I.Compare(c.op, left, right, c.node_id)
    if isinstance(c, I.Truth):
        return I.Truth(_expr(c.expr))
    if isinstance(c, I.Not):
        arg = _cond(c.arg)
        decided = _constant_truth(arg)
        if decided is not None:
            return _const_cond(not decided)
        if isinstance(arg, I.Not):
            return arg.arg
        return I.Not(arg)
    # and / or: a constant that does not decide is dropped; one that decides
    # ends the list (arguments before it still run: they may fail).
    deciding = isinstance(c, I.Or)
    args: list[I.Cond] = []
    for a in c.args:
        folded = _cond(a)
        decided = _constant_truth(folded)
        if decided is None:
            args.append(folded)
        elif decided is deciding:
            args.append(folded)
            break
    if not args:
        return _const_cond(not deciding)
    if len(args) == 1:
        return args[0]
    return I.Or(tuple(args)) if deciding else I.And(tuple(args))


# -- expressions ------------------------------------------------------------


def _expr(e: I.Expr) -> I.Expr:
    if isinstance(e, I.Arith):
        left = _expr(e.left)
        right = _expr(e.right)
        if isinstance(left, I.Const) and isinstance(right, I.Const):
            try:
                return I.Const(arith(ARITH_OPCODES[e.op], left.value, right.value), e.node_id)
            except Fault:
                pass
        return I.Arith(e.op, left, right, e.type, e.node_id)
    if isinstance(e, I.Call):
        args = tuple(_expr(a) for a in e.args)
        if all(isinstance(a, I.Const) for a in args):
            values = [a.value for a in args]  # type: ignore[union-attr]
            try:
                folded = to_int(values[0]) if e.name == "int" else clamp(*values)
                return I.Const(folded, e.node_id)
            except Fault:
                pass
        return I.Call(e.name, args, e.type, e.node_id)
    return e
