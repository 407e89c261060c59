"""Static analysis: warnings about rules, branches and conditions that
cannot do what they look like they do (``dslc check``, ``compile`` and the
store all see them: the compiler runs this after the checker).

Over the surface AST, which keeps every node's id and location:

- ``DSLC_CONDITION_ALWAYS_TRUE`` / ``_FALSE``: a condition (or part of an
  ``and``/``or``) whose value never depends on the event: literals compared
  with literals, or comparisons of one numeric field against constants that
  contradict each other (``x < 5 and x > 10``). A whole rule condition that
  is the bare literal ``true`` is taken as meant ("always") and not reported.
- ``DSLC_BRANCH_SHADOWED``: an else-if branch whose condition can only hold
  when an earlier branch of the same rule already held (``x < 5`` after
  ``x < 10``), by interval reasoning on one numeric field against constants,
  or that follows a branch whose condition is always true.
- ``DSLC_RULE_UNREACHABLE``: a rule (or the default) after a rule that always
  decides: one of its branches is always taken and every branch that can be
  taken ends the phase.
- ``DSLC_DATA_KEY_UNWRITTEN`` (a hint): in a program whose pre rules write
  data, a post rule reads ``data.<key>`` that no pre rule writes or reads; it
  reads the event's own data, which may lack the key (or the key is misspelt).

Warnings never make a valid program fail (``--warnings-as-errors`` aside).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from dslc import ast as A
from dslc.diagnostics import DiagnosticBag
from vm.opcodes import COMPARE_NAMES
from vm.values import compare

ALWAYS_TRUE = "DSLC_CONDITION_ALWAYS_TRUE"
ALWAYS_FALSE = "DSLC_CONDITION_ALWAYS_FALSE"
BRANCH_SHADOWED = "DSLC_BRANCH_SHADOWED"
RULE_UNREACHABLE = "DSLC_RULE_UNREACHABLE"
DATA_KEY_UNWRITTEN = "DSLC_DATA_KEY_UNWRITTEN"

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_HALTING = (A.AssignPoints, A.Return, A.Veto)


# -- intervals on one numeric field -----------------------------------------


@dataclass(frozen=True, slots=True)
class _Interval:
    lo: float
    lo_closed: bool
    hi: float
    hi_closed: bool

    def empty(self) -> bool:
        return self.lo > self.hi or (self.lo == self.hi and not (self.lo_closed and self.hi_closed))

    def meet(self, other: _Interval) -> _Interval:
        if (other.lo, not other.lo_closed) > (self.lo, not self.lo_closed):
            lo, lo_closed = other.lo, other.lo_closed
        else:
            lo, lo_closed = self.lo, self.lo_closed
        if (other.hi, other.hi_closed) < (self.hi, self.hi_closed):
            hi, hi_closed = other.hi, other.hi_closed
        else:
            hi, hi_closed = self.hi, self.hi_closed
        return _Interval(lo, lo_closed, hi, hi_closed)

    def within(self, other: _Interval) -> bool:
        lo_ok = other.lo < self.lo or (
            other.lo == self.lo and (other.lo_closed or not self.lo_closed)
        )
        hi_ok = self.hi < other.hi or (
            other.hi == self.hi and (other.hi_closed or not self.hi_closed)
        )
        return lo_ok and hi_ok


_INF = math.inf


def _interval(op: str, value: float) -> _Interval | None:
    if op == "<":
        return _Interval(-_INF, False, value, False)
    if op == "<=":
        return _Interval(-_INF, False, value, True)
    if op == ">":
        return _Interval(value, False, _INF, False)
    if op == ">=":
        return _Interval(value, True, _INF, False)
    if op == "==":
        return _Interval(value, True, value, True)
    return None  # != is not one interval


def _number(node: object) -> float | None:
    value = node.value if isinstance(node, A.Literal) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _host_field(node: object) -> str | None:
    if isinstance(node, A.Field) and not node.path.startswith("parent."):
        return node.path
    return None


def _region(cond: A.Cond) -> tuple[str, _Interval] | None:
    """The field and the interval a condition confines it to, when the
    condition is comparisons of one field against numbers joined by ``and``
    (a comparison holds only for a number in the interval)."""
    if isinstance(cond, A.Compare):
        path, value, op = _host_field(cond.left), _number(cond.right), cond.op
        if path is None or value is None:
            path, value, op = _host_field(cond.right), _number(cond.left), _FLIP[cond.op]
        if path is None or value is None:
            return None
        interval = _interval(op, value)
        return None if interval is None else (path, interval)
    if isinstance(cond, A.And) and cond.args:
        parts = [_region(a) for a in cond.args]
        if any(p is None for p in parts):
            return None
        paths = {p[0] for p in parts if p is not None}
        if len(paths) != 1:
            return None
        result = _Interval(-_INF, False, _INF, False)
        for p in parts:
            assert p is not None
            result = result.meet(p[1])
        return paths.pop(), result
    return None


def _covered(interval: _Interval, earlier: list[_Interval]) -> bool:
    """Whether the union of ``earlier`` contains ``interval``."""
    if interval.empty():
        return False  # reported as always false instead
    pieces = sorted((i for i in earlier if not i.empty()), key=lambda i: (i.lo, not i.lo_closed))
    merged: list[_Interval] = []
    for piece in pieces:
        if merged:
            last = merged[-1]
            touches = last.hi > piece.lo or (
                last.hi == piece.lo and (last.hi_closed or piece.lo_closed)
            )
            if touches:
                if (piece.hi, piece.hi_closed) > (last.hi, last.hi_closed):
                    merged[-1] = _Interval(last.lo, last.lo_closed, piece.hi, piece.hi_closed)
                continue
        merged.append(piece)
    return any(interval.within(m) for m in merged)


# -- constant conditions -----------------------------------------------------


def _constant(cond: A.Cond) -> bool | None:
    """The condition's value when it is the same for every event that does
    not fail, else None."""
    if isinstance(cond, A.Literal):
        return bool(cond.value)
    if isinstance(cond, A.Field):
        return None
    if isinstance(cond, A.Not):
        inner = _constant(cond.arg)
        return None if inner is None else not inner
    if isinstance(cond, A.Compare):
        if isinstance(cond.left, A.Literal) and isinstance(cond.right, A.Literal):
            try:
                return bool(
                    compare(COMPARE_NAMES.index(cond.op), cond.left.value, cond.right.value)
                )
            except Exception:  # a comparison that fails is not a constant
                return None
        region = _region(cond)
        return False if region is not None and region[1].empty() else None
    values = [_constant(a) for a in cond.args]
    if isinstance(cond, A.And):
        if False in values:
            return False
        region = _region(cond)
        if region is not None and region[1].empty():
            return False
        return True if all(v is True for v in values) else None
    if True in values:
        return True
    return False if all(v is False for v in values) else None


def _describe(cond: A.Cond, depth: int = 0) -> str:
    """The condition in a few words (text-like; deep parts elided)."""
    if depth > 2:
        return "..."
    if isinstance(cond, A.Compare):
        return f"{_operand(cond.left)} {cond.op} {_operand(cond.right)}"
    if isinstance(cond, A.Literal):
        return repr(cond.value).lower() if isinstance(cond.value, bool) else repr(cond.value)
    if isinstance(cond, A.Field):
        return cond.path
    if isinstance(cond, A.Not):
        return f"not {_describe(cond.arg, depth + 1)}"
    joined = f" {cond.type} ".join(_describe(a, depth + 1) for a in cond.args)
    return f"({joined})"


def _operand(node: object) -> str:
    if isinstance(node, A.Field):
        return node.path
    if isinstance(node, A.Literal):
        return repr(node.value)
    return "(...)"


# -- the analysis ------------------------------------------------------------


class _Analysis:
    def __init__(self, bag: DiagnosticBag) -> None:
        self.bag = bag

    def warn(self, code: str, message: str, node: A.Node, hint: str | None = None) -> None:
        self.bag.warning(
            code, message, node_id=getattr(node, "id", None) or None, loc=node.loc, hint=hint
        )

    def program(self, p: A.Program) -> None:
        for section, rules in p.sections():
            for rule in rules:
                self.rule(rule)
            self.unreachable(rules, p.default if section == "rules" else None)
        self.data_keys(p)

    # conditions, branch by branch
    def rule(self, rule: A.Rule) -> None:
        branches = [(rule.when, rule.loc), *((b.when, b.loc) for b in rule.else_ifs)]
        seen: dict[str, list[_Interval]] = {}
        always: A.Cond | None = None
        for index, (when, _loc) in enumerate(branches):
            if always is not None:
                self.warn(
                    BRANCH_SHADOWED,
                    f"this branch of rule {rule.id!r} never runs: an earlier branch's "
                    f"condition ({_describe(always)}) is always true",
                    when,
                )
                continue
            value = self.conditions(when, top=index == 0)
            if value is True:
                always = when
            region = _region(when)
            if region is None:
                continue
            path, interval = region
            if index > 0 and _covered(interval, seen.get(path, [])):
                self.warn(
                    BRANCH_SHADOWED,
                    f"this branch of rule {rule.id!r} never runs: whenever "
                    f"{_describe(when)} holds, an earlier branch on {path} holds first",
                    when,
                    hint="reorder the branches, narrowest condition first",
                )
            seen.setdefault(path, []).append(interval)

    def conditions(self, cond: A.Cond, *, top: bool) -> bool | None:
        """Report constant conditions, outermost first (a constant part of a
        constant whole is not reported twice). Returns the whole's value."""
        value = _constant(cond)
        if value is not None and not (top and isinstance(cond, A.Literal) and value):
            self.warn(
                ALWAYS_TRUE if value else ALWAYS_FALSE,
                f"the condition {_describe(cond)} is always {'true' if value else 'false'}",
                cond,
            )
            return value
        for part in _parts(cond):
            self.conditions(part, top=False)
        return value

    def unreachable(self, rules: tuple[A.Rule, ...], default: A.Stmt | None) -> None:
        for index, rule in enumerate(rules):
            if not _decides(rule):
                continue
            for later in rules[index + 1 :]:
                self.warn(
                    RULE_UNREACHABLE,
                    f"rule {later.id!r} never runs: rule {rule.id!r} before it always decides",
                    later,
                )
            if default is not None:
                self.warn(
                    RULE_UNREACHABLE,
                    f"the default never runs: rule {rule.id!r} always decides",
                    default,
                )
            return

    def data_keys(self, p: A.Program) -> None:
        written = {
            s.key for r in p.pre_rules or () for s in _statements(r) if isinstance(s, A.SetData)
        }
        if not written:
            # Without pre rules writing data, post rules plainly read the
            # event's data; with them, an unwritten key is likely a slip.
            return
        # A key the pre rules read is one the event carries.
        reported = {f.path.removeprefix("data.") for r in p.pre_rules or () for f in _fields(r)}
        for rule in p.post_rules or ():
            for field in _fields(rule):
                key = field.path.removeprefix("data.")
                if field.path.startswith("data.") and key not in written and key not in reported:
                    reported.add(key)
                    self.bag.hint(
                        DATA_KEY_UNWRITTEN,
                        f"no pre rule writes data.{key}: this post rule reads the event's own "
                        "data, which may not carry it",
                        node_id=field.id or None,
                        loc=field.loc,
                    )


def _parts(cond: A.Cond) -> tuple[A.Cond, ...]:
    if isinstance(cond, (A.And, A.Or)):
        return cond.args
    if isinstance(cond, A.Not):
        return (cond.arg,)
    return ()


def _halts(stmts: tuple[A.Stmt, ...] | None) -> bool:
    return stmts is not None and any(isinstance(s, _HALTING) for s in stmts)


def _decides(rule: A.Rule) -> bool:
    """Every run of the rule ends the phase: a branch is always taken (an
    always-true condition, or the else) and each one that can be taken halts."""
    for when, then in [(rule.when, rule.then), *((b.when, b.then) for b in rule.else_ifs)]:
        value = _constant(when)
        if value is False:
            continue
        if not _halts(then):
            return False
        if value is True:
            return True
    return _halts(rule.else_)


def _statements(rule: A.Rule) -> Iterator[A.Stmt]:
    yield from rule.then
    for branch in rule.else_ifs:
        yield from branch.then
    yield from rule.else_ or ()


def _fields(node: object) -> Iterator[A.Field]:
    if isinstance(node, A.Field):
        yield node
    elif isinstance(node, A.Rule):
        yield from _fields(node.when)
        for b in node.else_ifs:
            yield from _fields(b.when)
        for s in _statements(node):
            yield from _fields(s)
    elif isinstance(node, (A.Compare, A.Arith)):
        yield from _fields(node.left)
        yield from _fields(node.right)
    elif isinstance(node, (A.And, A.Or)):
        for a in node.args:
            yield from _fields(a)
    elif isinstance(node, A.Not):
        yield from _fields(node.arg)
    elif isinstance(node, A.FuncCall):
        for arg in node.args:
            yield from _fields(arg)
    elif hasattr(node, "value"):
        yield from _fields(node.value)


def analyse(program: A.Program, bag: DiagnosticBag) -> None:
    """Add the analysis's warnings (and hints) about ``program`` to ``bag``."""
    _Analysis(bag).program(program)
