"""The typed IR: what the checker produces from a valid surface AST.

Unlike the AST, the IR is organised for code generation: fields are
resolved to how they are read (host field, event data, parent result), each
expression carries its static type (``dslc.types``), a rule's else-if chain
is a nest of ``If`` statements, and each section is a flat statement list.
Every node that can fail at run time keeps the AST node id it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from dslc.types import BOOL, Type, type_of

# -- expressions ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Const:
    value: object
    node_id: str = ""

    @property
    def type(self) -> Type:
        return type_of(self.value)


@dataclass(frozen=True, slots=True)
class HostField:
    """An event id or analytics field, fetched from the host once per event."""

    path: str
    type: Type
    node_id: str = ""


@dataclass(frozen=True, slots=True)
class DataField:
    """``data.<key>``: the event payload as given (never set_data's writes)."""

    key: str
    type: Type
    node_id: str = ""


@dataclass(frozen=True, slots=True)
class ParentField:
    attr: str  # "points" | "case_name"
    type: Type
    node_id: str = ""


@dataclass(frozen=True, slots=True)
class Arith:
    op: str
    left: Expr
    right: Expr
    type: Type
    node_id: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    type: Type
    node_id: str


Expr = Const | HostField | DataField | ParentField | Arith | Call

# -- conditions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Expr
    right: Expr
    node_id: str
    type: Type = BOOL


@dataclass(frozen=True, slots=True)
class Truth:
    """A bare expression used as a condition: its truthiness decides."""

    expr: Expr


@dataclass(frozen=True, slots=True)
class Not:
    arg: Cond


@dataclass(frozen=True, slots=True)
class And:
    args: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class Or:
    args: tuple[Cond, ...]


Cond = Compare | Truth | Not | And | Or

# -- statements -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssignPoints:
    value: Expr
    case_name: str
    node_id: str


@dataclass(frozen=True, slots=True)
class SetCallbackData:
    key: str
    value: Expr
    node_id: str


@dataclass(frozen=True, slots=True)
class SetData:
    key: str
    value: Expr
    node_id: str


@dataclass(frozen=True, slots=True)
class Veto:
    case_name: str
    node_id: str


@dataclass(frozen=True, slots=True)
class SetPoints:
    value: Expr
    node_id: str


@dataclass(frozen=True, slots=True)
class SetCaseName:
    value: Expr
    node_id: str


@dataclass(frozen=True, slots=True)
class Return:
    node_id: str


@dataclass(frozen=True, slots=True)
class If:
    cond: Cond
    then: tuple[Stmt, ...]
    else_: tuple[Stmt, ...]
    node_id: str  # the rule's id


Stmt = AssignPoints | SetCallbackData | SetData | Veto | SetPoints | SetCaseName | Return | If

HALTING = (AssignPoints, Veto, Return)


def halts(stmts: tuple[Stmt, ...]) -> bool:
    """True when every path through the statements ends the phase."""
    for s in stmts:
        if isinstance(s, HALTING):
            return True
        if isinstance(s, If) and s.else_ and halts(s.then) and halts(s.else_):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Section:
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class IRProgram:
    program_id: str
    full: Section  # rules, then default
    pre: Section
    post: Section
    has_pre: bool  # pre_rules present and non-empty (the pipeline runs it)
    has_post: bool
    parent_variables: tuple[tuple[str, object], ...] | None


def dump(program: IRProgram) -> str:
    """A readable listing of the IR (``dslc compile --emit ir``)."""
    lines = [f"program {program.program_id!r}"]
    if program.parent_variables is not None:
        lines.append(f"  parent_variables {dict(program.parent_variables)!r}")
    for name, section in (("full", program.full), ("pre", program.pre), ("post", program.post)):
        lines.append(f"  section {name}:")
        lines.extend(_dump_stmts(section.body, 2))
    return "\n".join(lines)


def _dump_stmts(stmts: tuple[Stmt, ...], depth: int) -> list[str]:
    pad = "  " * depth
    out: list[str] = []
    for s in stmts:
        if isinstance(s, If):
            out.append(f"{pad}if {_cond(s.cond)}:  # {s.node_id}")
            out.extend(_dump_stmts(s.then, depth + 1))
            if s.else_:
                out.append(f"{pad}else:")
                out.extend(_dump_stmts(s.else_, depth + 1))
        elif isinstance(s, AssignPoints):
            out.append(f"{pad}assign_points {_expr(s.value)} {s.case_name!r}")
        elif isinstance(s, SetCallbackData):
            out.append(f"{pad}set_callback_data {s.key!r} {_expr(s.value)}")
        elif isinstance(s, SetData):
            out.append(f"{pad}set_data {s.key!r} {_expr(s.value)}")
        elif isinstance(s, Veto):
            out.append(f"{pad}veto {s.case_name!r}")
        elif isinstance(s, SetPoints):
            out.append(f"{pad}set_points {_expr(s.value)}")
        elif isinstance(s, SetCaseName):
            out.append(f"{pad}set_case_name {_expr(s.value)}")
        else:
            out.append(f"{pad}return")
    return out


def _expr(e: Expr) -> str:
    if isinstance(e, Const):
        return repr(e.value)
    if isinstance(e, HostField):
        return e.path
    if isinstance(e, DataField):
        return f"data.{e.key}"
    if isinstance(e, ParentField):
        return f"parent.{e.attr}"
    if isinstance(e, Arith):
        return f"({_expr(e.left)} {e.op} {_expr(e.right)})"
    return f"{e.name}({', '.join(_expr(a) for a in e.args)})"


def _cond(c: Cond) -> str:
    if isinstance(c, Compare):
        return f"({_expr(c.left)} {c.op} {_expr(c.right)})"
    if isinstance(c, Truth):
        return f"truthy({_expr(c.expr)})"
    if isinstance(c, Not):
        return f"not {_cond(c.arg)}"
    joiner = " and " if isinstance(c, And) else " or "
    return "(" + joiner.join(_cond(a) for a in c.args) + ")"
