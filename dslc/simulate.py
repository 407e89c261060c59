"""A tree-walking reference evaluator over the surface AST, with traces.

The dashboard's simulator runs a strategy on sample inputs and highlights
the blocks that fired, so it needs the reference engine's trace
(LANGUAGE.md section 6), which the bytecode VM deliberately never builds.
This module walks the AST the way the reference interpreter does and
records one entry per evaluated node, in the reference's order.

It is also the oracle the VM is tested against, so every value operation
comes from ``vm.values`` (``arith``, ``compare``, ``to_int``, ``clamp``):
results, error codes and the failing node must be the VM's exactly, and
sharing the operations means the two cannot drift apart on numeric corners
(int versus float, ties, range checks).

    sim = simulate(program, "full", fields={...}, data={...})
    sim.points, sim.case_name, sim.trace

Plain recursion is used: validated programs nest at most 32 deep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dslc.ast import (
    And,
    Arith,
    AssignPoints,
    Compare,
    Cond,
    Expr,
    Field,
    FuncCall,
    Literal,
    Not,
    Or,
    Program,
    Return,
    Rule,
    SetCallbackData,
    SetCaseName,
    SetData,
    SetPoints,
    Stmt,
    Veto,
)
from dslc.fields import DATA_PREFIX
from dslc.frontend import json_front
from vm import errors as E
from vm.errors import ExecutionError
from vm.host import getter_of
from vm.opcodes import ARITH_OPCODES, COMPARE_CODES, PHASES
from vm.values import Fault, arith, clamp, compare, to_int

TraceEntry = dict[str, Any]

_PARENT_PREFIX = "parent."


@dataclass(slots=True)
class Simulation:
    """The result of one phase, as ``vm.run`` reports it, plus the trace.

    ``trace`` is None when the run was made with ``trace=False`` (so "no
    entries" and "not recorded" stay distinguishable).
    """

    points: object
    case_name: str | None
    callback_data: dict[str, object]
    working_data: dict[str, object]
    vetoed: bool
    trace: list[TraceEntry] | None

    def as_result(self) -> dict[str, object]:
        """The result without the trace, in the corpus's ``expect`` layout."""
        return {
            "points": self.points,
            "case_name": self.case_name,
            "callback_data": self.callback_data,
            "working_data": self.working_data,
            "vetoed": self.vetoed,
        }


class _Evaluator:
    __slots__ = (
        "callback_data",
        "case_name",
        "data",
        "fetched",
        "get_field",
        "matched",
        "parent",
        "points",
        "trace",
        "vetoed",
        "working_data",
    )

    def __init__(
        self,
        fields: object,
        data: Mapping[str, object],
        parent: Mapping[str, object],
        trace: bool,
        sink: list[TraceEntry] | None = None,
    ) -> None:
        self.get_field = getter_of(fields)
        # Each host field is read at most once per run, as the VM does: a
        # host whose get() has side effects (or is slow) sees the same calls.
        self.fetched: dict[str, object] = {}
        self.data = data
        self.parent = parent
        self.trace: list[TraceEntry] | None = (sink if sink is not None else []) if trace else None
        self.points: object = 0
        self.case_name: object = None
        self.callback_data: dict[str, object] = {}
        self.working_data: dict[str, object] = {}
        self.matched = False
        self.vetoed = False

    def record(
        self, node_id: str, node_type: str, value: object, branch: str | None = None
    ) -> None:
        if self.trace is None:
            return
        entry: TraceEntry = {"nodeId": node_id, "type": node_type, "value": value}
        if branch is not None:
            entry["branch"] = branch
        self.trace.append(entry)

    # -- expressions ----------------------------------------------------------

    def read(self, path: str) -> object:
        if path.startswith(DATA_PREFIX):
            # The event data as given: set_data writes go to working_data and
            # are never visible to reads (LANGUAGE.md section 2).
            return self.data.get(path[len(DATA_PREFIX) :])
        if path.startswith(_PARENT_PREFIX):
            return self.parent.get(path[len(_PARENT_PREFIX) :])
        if path in self.fetched:
            return self.fetched[path]
        value = self.get_field(path)
        self.fetched[path] = value
        return value

    def expr(self, node: Expr) -> object:
        if isinstance(node, Literal):
            value: object = node.value
        elif isinstance(node, Field):
            value = self.read(node.path)
        elif isinstance(node, Arith):
            left = self.expr(node.left)
            right = self.expr(node.right)
            value = _apply(node.id, lambda: arith(ARITH_OPCODES[node.op], left, right))
        elif isinstance(node, FuncCall):
            args = [self.expr(a) for a in node.args]
            if node.name == "int":
                value = _apply(node.id, lambda: to_int(args[0]))
            else:
                value = _apply(node.id, lambda: clamp(args[0], args[1], args[2]))
        else:  # pragma: no cover - the loader admits no other expression
            raise TypeError(f"not an expression: {type(node).__name__}")
        self.record(node.id, node.type, value)
        return value

    # -- conditions -----------------------------------------------------------

    def cond(self, node: Cond) -> bool:
        if isinstance(node, Literal | Field):
            # A bare condition is traced once, as its expression.
            return bool(self.expr(node))
        if isinstance(node, Compare):
            left = self.expr(node.left)
            right = self.expr(node.right)
            result = _apply(node.id, lambda: compare(COMPARE_CODES[node.op], left, right))
            self.record(node.id, "compare", result)
            return bool(result)
        if isinstance(node, Not):
            result = not self.cond(node.arg)
            self.record(node.id, "not", result)
            return result
        if isinstance(node, And | Or):
            # `and` stops at the first false argument, `or` at the first true
            # one; the trace names the deciding argument even if it is last.
            deciding = isinstance(node, Or)
            for i, arg in enumerate(node.args):
                if self.cond(arg) is deciding:
                    self.record(node.id, node.type, deciding, f"short_circuit:{i}")
                    return deciding
            self.record(node.id, node.type, not deciding)
            return not deciding
        raise TypeError(f"not a condition: {type(node).__name__}")  # pragma: no cover

    # -- statements -----------------------------------------------------------

    def stmt(self, node: Stmt) -> bool:
        """Run one statement; True when it halts the phase."""
        if isinstance(node, SetCallbackData):
            value = self.expr(node.value)
            self.callback_data[node.key] = value
            self.record(node.id, node.type, value)
            return False
        if isinstance(node, AssignPoints):
            value = self.expr(node.value)
            _require_number(value, E.ASSIGN_POINTS_NOT_NUMBER, node.id)
            self.points = value
            self.case_name = node.case_name
            self.matched = True
            self.record(node.id, node.type, value, "match")
            return True
        if isinstance(node, Return):
            self.record(node.id, node.type, None, "halt")
            return True
        if isinstance(node, SetData):
            value = self.expr(node.value)
            self.working_data[node.key] = value
            self.record(node.id, node.type, value)
            return False
        if isinstance(node, Veto):
            self.points = 0
            self.case_name = node.case_name
            self.matched = True
            self.vetoed = True
            self.record(node.id, node.type, node.case_name, "veto")
            return True
        if isinstance(node, SetPoints):
            value = self.expr(node.value)
            _require_number(value, E.SET_POINTS_NOT_NUMBER, node.id)
            self.points = value
            self.matched = True
            self.record(node.id, node.type, value)
            return False
        if isinstance(node, SetCaseName):
            value = self.expr(node.value)
            if not isinstance(value, str):
                raise ExecutionError(
                    E.SET_CASE_NAME_NOT_STRING,
                    node.id,
                    f"case name must be a string, got {value!r}",
                    (value,),
                )
            self.case_name = value
            self.matched = True
            self.record(node.id, node.type, value)
            return False
        raise TypeError(f"not a statement: {type(node).__name__}")  # pragma: no cover

    def block(self, stmts: tuple[Stmt, ...]) -> bool:
        return any(self.stmt(s) for s in stmts)

    def rule(self, rule: Rule) -> bool:
        """Run one rule; True when a statement of the branch taken halts."""
        body: tuple[Stmt, ...] = ()
        if self.cond(rule.when):
            body, fired, branch = rule.then, True, "match"
        else:
            for j, else_if in enumerate(rule.else_ifs):
                if self.cond(else_if.when):
                    body, fired, branch = else_if.then, True, f"elseif:{j}"
                    break
            else:
                fired = False
                if rule.else_ is not None:
                    body, branch = rule.else_, "else"
                else:
                    branch = "skip"
        # The rule's entry goes after every condition tried and before the
        # branch's statements (the reference records it on choosing a branch).
        self.record(rule.id, "rule", fired, branch)
        return self.block(body)

    def rules(self, rules: tuple[Rule, ...] | None) -> bool:
        return any(self.rule(r) for r in rules or ())


def _apply(node_id: str, op: Any) -> Any:
    """Run a ``vm.values`` operation, attaching ``node_id`` to its fault."""
    try:
        return op()
    except Fault as fault:
        raise ExecutionError(fault.code, node_id, fault.detail, fault.operands) from None
    except OverflowError as exc:  # the VM's loop maps a stray overflow the same way
        raise ExecutionError(E.ARITH_OUT_OF_RANGE, node_id, str(exc)) from None


def _require_number(value: object, code: str, node_id: str) -> None:
    # Booleans are numbers in arithmetic but not as points (exact type test).
    if type(value) is not int and type(value) is not float:
        raise ExecutionError(code, node_id, f"points must be a number, got {value!r}", (value,))


def simulate(
    program: Program,
    phase: str,
    fields: object = None,
    data: Mapping[str, object] | None = None,
    parent: Mapping[str, object] | None = None,
    *,
    trace: bool = True,
    sink: list[TraceEntry] | None = None,
) -> Simulation:
    """Run one phase (``full``, ``pre`` or ``post``) of ``program`` (ids
    filled, validated) and return its result and, with ``trace``, the
    reference engine's trace.

    ``fields`` is a mapping (a missing path reads null) or an object with
    ``get(path)``; ``data`` is the event payload; ``parent`` the parent's
    result ``{"points", "case_name", "callback_data"}``, read in ``post``.
    Raises ``vm.ExecutionError`` (code and node id as the VM's) on a
    runtime failure, ValueError on an unknown phase. With ``sink``, trace
    entries are appended to that list as they happen, so a caller keeps
    the trace up to a failure (the values a failing node was given).
    """
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {', '.join(PHASES)}, not {phase!r}")
    data = {} if data is None else data
    parent = {} if parent is None else parent
    ev = _Evaluator(fields, data, parent, trace, sink)
    if phase == "full":
        if not ev.rules(program.rules) and not ev.matched and program.default is not None:
            ev.stmt(program.default)
    elif phase == "pre":
        ev.working_data = dict(data)
        ev.rules(program.pre_rules)
    else:
        ev.points = float(parent.get("points") or 0)  # type: ignore[arg-type]
        ev.case_name = parent.get("case_name")
        ev.callback_data = dict(parent.get("callback_data") or {})  # type: ignore[call-overload]
        ev.matched = True
        ev.rules(program.post_rules)
    return Simulation(
        points=ev.points if ev.matched else 0,
        case_name=ev.case_name,  # type: ignore[arg-type]
        callback_data=ev.callback_data,
        working_data=ev.working_data,
        vetoed=ev.vetoed,
        trace=ev.trace,
    )


def simulate_json(
    ast: object,
    phase: str,
    fields: object = None,
    data: Mapping[str, object] | None = None,
    parent: Mapping[str, object] | None = None,
    *,
    trace: bool = True,
) -> Simulation:
    """``simulate`` on a GAME JSON AST. Raises ``dslc.CompileError`` when the
    input is not a valid program (the same checks as ``compile_json``)."""
    return simulate(load_program(ast), phase, fields, data, parent, trace=trace)


def load_program(ast: object) -> Program:
    """A GAME JSON AST as a validated surface AST with filled ids."""
    return json_front(ast).program


__all__ = ["Simulation", "TraceEntry", "load_program", "simulate", "simulate_json"]
