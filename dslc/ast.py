"""The surface AST: what both front ends (JSON AST and text) produce.

Nodes are immutable. Every node carries its *filled* id (the reference
engine's id-filling rules, see ``dslc.ids``) and a ``Loc`` saying where it
came from: a JSON pointer for JSON input, a character span for text input.
Later stages (checker, IR) never mutate these nodes; they build new data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

Scalar = None | bool | int | float | str

COMPARE_OPS: tuple[str, ...] = ("<", "<=", "==", "!=", ">=", ">")
ARITH_OPS: tuple[str, ...] = ("+", "-", "*", "/", "min", "max")
FUNC_ARITY: dict[str, int] = {"int": 1, "clamp": 3}

CompareOp = TypingLiteral["<", "<=", "==", "!=", ">=", ">"]
ArithOp = TypingLiteral["+", "-", "*", "/", "min", "max"]
Section = TypingLiteral["rules", "default", "pre_rules", "post_rules"]


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a node came from.

    ``pointer`` is an RFC 6901 JSON pointer (``/rules/3/when/left``) for JSON
    input; ``start``/``end`` are character offsets into the source text for
    text input (-1 when unknown). Line and column are computed only when a
    message is rendered (``dslc.diagnostics``).
    """

    pointer: str | None = None
    start: int = -1
    end: int = -1

    @property
    def has_span(self) -> bool:
        return self.start >= 0


NO_LOC = Loc()


# -- expressions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: Scalar
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["literal"] = field(default="literal", init=False)


@dataclass(frozen=True, slots=True)
class Field:
    path: str
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["field"] = field(default="field", init=False)


@dataclass(frozen=True, slots=True)
class Arith:
    op: str
    left: Expr
    right: Expr
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["arith"] = field(default="arith", init=False)


@dataclass(frozen=True, slots=True)
class FuncCall:
    name: str
    args: tuple[Expr, ...]
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["func_call"] = field(default="func_call", init=False)


Expr = Literal | Field | Arith | FuncCall


# -- conditions --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Expr
    right: Expr
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["compare"] = field(default="compare", init=False)


@dataclass(frozen=True, slots=True)
class And:
    args: tuple[Cond, ...]
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["and"] = field(default="and", init=False)


@dataclass(frozen=True, slots=True)
class Or:
    args: tuple[Cond, ...]
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["or"] = field(default="or", init=False)


@dataclass(frozen=True, slots=True)
class Not:
    arg: Cond
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["not"] = field(default="not", init=False)


# A bare ``literal`` or ``field`` may stand as a condition (truthiness).
Cond = Compare | And | Or | Not | Literal | Field


# -- statements --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssignPoints:
    value: Expr
    case_name: str
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["assign_points"] = field(default="assign_points", init=False)


@dataclass(frozen=True, slots=True)
class SetCallbackData:
    key: str
    value: Expr
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["set_callback_data"] = field(default="set_callback_data", init=False)


@dataclass(frozen=True, slots=True)
class Return:
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["return"] = field(default="return", init=False)


@dataclass(frozen=True, slots=True)
class SetData:
    key: str
    value: Expr
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["set_data"] = field(default="set_data", init=False)


@dataclass(frozen=True, slots=True)
class Veto:
    case_name: str
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["veto"] = field(default="veto", init=False)


@dataclass(frozen=True, slots=True)
class SetPoints:
    value: Expr
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["set_points"] = field(default="set_points", init=False)


@dataclass(frozen=True, slots=True)
class SetCaseName:
    value: Expr
    id: str = ""
    loc: Loc = NO_LOC
    type: TypingLiteral["set_case_name"] = field(default="set_case_name", init=False)


Stmt = AssignPoints | SetCallbackData | Return | SetData | Veto | SetPoints | SetCaseName

STATEMENT_TYPES: tuple[str, ...] = (
    "assign_points",
    "set_callback_data",
    "return",
    "set_data",
    "veto",
    "set_points",
    "set_case_name",
)

# One source of truth for where each statement may appear (LANGUAGE.md 1).
STATEMENT_SECTIONS: dict[str, frozenset[str]] = {
    "assign_points": frozenset({"rules", "default"}),
    "set_callback_data": frozenset({"rules", "default", "pre_rules", "post_rules"}),
    "return": frozenset({"rules", "default", "pre_rules", "post_rules"}),
    "set_data": frozenset({"pre_rules"}),
    "veto": frozenset({"pre_rules"}),
    "set_points": frozenset({"post_rules"}),
    "set_case_name": frozenset({"post_rules"}),
}


# -- rules and programs ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ElseIf:
    """An ``else_if`` branch. It has no id of its own (as in the reference)."""

    when: Cond
    then: tuple[Stmt, ...]
    loc: Loc = NO_LOC


@dataclass(frozen=True, slots=True)
class Rule:
    when: Cond
    then: tuple[Stmt, ...]
    else_ifs: tuple[ElseIf, ...] = ()
    else_: tuple[Stmt, ...] | None = None
    id: str = ""
    loc: Loc = NO_LOC
    # True when the author named the rule (JSON: a non-empty string id;
    # text: ``rule NAME``). Converters keep named ids and drop generated ones.
    named: bool = False
    type: TypingLiteral["rule"] = field(default="rule", init=False)


@dataclass(frozen=True, slots=True)
class Program:
    rules: tuple[Rule, ...]
    default: Stmt | None = None
    pre_rules: tuple[Rule, ...] | None = None
    post_rules: tuple[Rule, ...] | None = None
    parent_variables: dict[str, Scalar] | None = None
    id: str = "p.program.0"
    loc: Loc = NO_LOC
    named: bool = False
    type: TypingLiteral["program"] = field(default="program", init=False)

    def sections(self) -> list[tuple[Section, tuple[Rule, ...]]]:
        """The rule lists that are present, in program order."""
        out: list[tuple[Section, tuple[Rule, ...]]] = [("rules", self.rules)]
        if self.pre_rules is not None:
            out.append(("pre_rules", self.pre_rules))
        if self.post_rules is not None:
            out.append(("post_rules", self.post_rules))
        return out


# Every node but an else-if branch has a ``type`` (the JSON AST's name).
TypedNode = Expr | Compare | And | Or | Not | Stmt | Rule | Program
Node = TypedNode | ElseIf
