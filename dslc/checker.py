"""The checker: a valid surface AST in, typed IR and type diagnostics out.

It runs after ``validate`` (so paths, ops, arities and sections are known to
be well formed) and never mutates the AST. A type error that is certain at
compile time (it fails for every kind its operands may have at run time) is
reported; with ``strict=False`` (JSON input, which the reference engine
accepts and fails only when the node runs) it is a warning, with
``strict=True`` (text input) an error. Either way the IR keeps the
operation, and the VM's runtime check raises the right code if it runs.
"""

from __future__ import annotations

from itertools import product

from dslc import ast as A
from dslc import codes
from dslc import ir as I
from dslc.diagnostics import DiagnosticBag
from dslc.fields import FieldKind, lookup
from dslc.types import (
    BOOL,
    FLOAT,
    INT,
    NUMERIC_KINDS,
    Kind,
    Type,
    describe,
)
from dslc.vocabulary import JSON, Vocabulary

_ORDERING = frozenset({"<", "<=", ">=", ">"})


def check(
    program: A.Program, bag: DiagnosticBag, *, strict: bool, vocabulary: Vocabulary = JSON
) -> I.IRProgram:
    """The typed IR of a valid program. Type errors that are certain go to
    ``bag``: errors when ``strict`` (text), else warnings (JSON, which the
    reference engine accepts); messages use the input kind's words."""
    return _Checker(bag, strict, vocabulary).program(program)


class _Checker:
    def __init__(self, bag: DiagnosticBag, strict: bool, words: Vocabulary) -> None:
        self.bag = bag
        self.strict = strict
        self.words = words

    def report(
        self, code: str, message: str, node: A.Node, node_id: str, hint: str | None = None
    ) -> None:
        loc = getattr(node, "loc", None)
        if self.strict:
            self.bag.error(code, message, node_id=node_id, loc=loc, hint=hint)
        else:
            self.bag.warning(
                code,
                message + " (this node fails whenever it runs)",
                node_id=node_id,
                loc=loc,
                hint=hint,
            )

    # -- program ---------------------------------------------------------

    def duplicate_names(self, p: A.Program) -> None:
        """A rule's name is its node id: traces and runtime errors point at
        it, so two rules of one name make them ambiguous (GAME accepts such
        programs, hence a warning)."""
        first: dict[str, A.Rule] = {}
        for _section, rules in p.sections():
            for rule in rules:
                if not rule.named:
                    continue
                earlier = first.setdefault(rule.id, rule)
                if earlier is rule:
                    continue
                first_at = f" (at {earlier.loc.pointer})" if earlier.loc.pointer else ""
                self.bag.warning(
                    codes.DUPLICATE_RULE_NAME,
                    f"an earlier rule{first_at} is already named {rule.id!r}",
                    node_id=rule.id,
                    loc=rule.loc,
                    hint="rename one of them: traces and runtime errors name a rule by it",
                )

    def program(self, p: A.Program) -> I.IRProgram:
        self.duplicate_names(p)
        full = [self.rule(r) for r in p.rules]
        if p.default is not None:
            full.append(self.stmt(p.default))
        pre = tuple(self.rule(r) for r in p.pre_rules or ())
        post = tuple(self.rule(r) for r in p.post_rules or ())
        pv = None
        if p.parent_variables is not None:
            pv = tuple(sorted(p.parent_variables.items()))
        return I.IRProgram(
            program_id=p.id,
            full=I.Section(tuple(full)),
            pre=I.Section(pre),
            post=I.Section(post),
            has_pre=bool(p.pre_rules),
            has_post=bool(p.post_rules),
            parent_variables=pv,
        )

    def rule(self, r: A.Rule) -> I.Stmt:
        # else-if chains become nested Ifs, innermost last.
        tail: tuple[I.Stmt, ...] = tuple(self.stmt(s) for s in r.else_ or ())
        for branch in reversed(r.else_ifs):
            tail = (
                I.If(self.cond(branch.when), tuple(self.stmt(s) for s in branch.then), tail, r.id),
            )
        return I.If(self.cond(r.when), tuple(self.stmt(s) for s in r.then), tail, r.id)

    # -- statements -------------------------------------------------------

    def stmt(self, s: A.Stmt) -> I.Stmt:
        if isinstance(s, A.AssignPoints):
            value = self.expr(s.value)
            self._need_number(value, s, codes.TYPE_ASSIGN_POINTS, "assign_points")
            return I.AssignPoints(value, s.case_name, s.id)
        if isinstance(s, A.SetPoints):
            value = self.expr(s.value)
            self._need_number(value, s, codes.TYPE_SET_POINTS, "set_points")
            return I.SetPoints(value, s.id)
        if isinstance(s, A.SetCaseName):
            value = self.expr(s.value)
            if "str" not in value.type:
                self.report(
                    codes.TYPE_SET_CASE_NAME,
                    f"{self.words.statement('set_case_name')} needs a string, "
                    f"but the value is {describe(value.type)}",
                    s,
                    s.id,
                )
            return I.SetCaseName(value, s.id)
        if isinstance(s, A.SetCallbackData):
            return I.SetCallbackData(s.key, self.expr(s.value), s.id)
        if isinstance(s, A.SetData):
            return I.SetData(s.key, self.expr(s.value), s.id)
        if isinstance(s, A.Veto):
            return I.Veto(s.case_name, s.id)
        return I.Return(s.id)

    def _need_number(self, value: I.Expr, s: A.Stmt, code: str, what: str) -> None:
        if not value.type & {"int", "float"}:
            self.report(
                code,
                f"{self.words.statement(what)} needs a number, "
                f"but the value is {describe(value.type)}",
                s,
                s.id,
                hint="booleans are not points; use 1 or 0" if value.type == BOOL else None,
            )

    # -- conditions -------------------------------------------------------

    def cond(self, c: A.Cond) -> I.Cond:
        if isinstance(c, A.Compare):
            left = self.expr(c.left)
            right = self.expr(c.right)
            if c.op in _ORDERING and not _can_order(left.type, right.type):
                self.report(
                    codes.TYPE_COMPARE,
                    f"'{c.op}' cannot order {describe(left.type)} and {describe(right.type)}",
                    c,
                    c.id,
                    hint="ordering compares numbers with numbers or strings with strings",
                )
            return I.Compare(c.op, left, right, c.id)
        if isinstance(c, A.Not):
            return I.Not(self.cond(c.arg))
        if isinstance(c, A.And):
            return I.And(tuple(self.cond(a) for a in c.args))
        if isinstance(c, A.Or):
            return I.Or(tuple(self.cond(a) for a in c.args))
        return I.Truth(self.expr(c))

    # -- expressions ------------------------------------------------------

    def expr(self, e: A.Expr) -> I.Expr:
        if isinstance(e, A.Literal):
            return I.Const(e.value, e.id)
        if isinstance(e, A.Field):
            info = lookup(e.path)
            assert info is not None, "validate() admits only catalogue paths"
            if info.kind is FieldKind.DATA:
                return I.DataField(e.path[len("data.") :], info.type, e.id)
            if info.kind is FieldKind.PARENT:
                return I.ParentField(e.path[len("parent.") :], info.type, e.id)
            return I.HostField(e.path, info.type, e.id)
        if isinstance(e, A.Arith):
            left = self.expr(e.left)
            right = self.expr(e.right)
            self._need_numeric_operands(e, e.op, (left, right))
            return I.Arith(e.op, left, right, _arith_type(e.op, left.type, right.type), e.id)
        args = tuple(self.expr(a) for a in e.args)
        self._need_numeric_operands(e, e.name, args)
        if e.name == "int":
            result: Type = INT
        else:
            result = frozenset().union(*(a.type & NUMERIC_KINDS for a in args)) or INT
        return I.Call(e.name, args, result, e.id)

    def _need_numeric_operands(self, node: A.Expr, what: str, args: tuple[I.Expr, ...]) -> None:
        for i, a in enumerate(args):
            if not a.type & NUMERIC_KINDS:
                self.report(
                    codes.TYPE_ARITH,
                    f"'{what}' needs numbers, but operand {i + 1} is {describe(a.type)}",
                    node,
                    node.id,
                    hint="arithmetic never converts strings or null to numbers",
                )
                return


def _can_order(a: Type, b: Type) -> bool:
    return any(_orderable(x, y) for x, y in product(a, b))


def _orderable(x: Kind, y: Kind) -> bool:
    return (x in NUMERIC_KINDS and y in NUMERIC_KINDS) or (x == "str" and y == "str")


def _arith_type(op: str, a: Type, b: Type) -> Type:
    na = a & NUMERIC_KINDS
    nb = b & NUMERIC_KINDS
    if op == "/":
        return FLOAT
    if op in ("min", "max"):
        return (na | nb) or INT
    kinds: set[Kind] = set()
    for x, y in product(na or {"int"}, nb or {"int"}):
        kinds.add("float" if "float" in (x, y) else "int")
    return frozenset(kinds)
