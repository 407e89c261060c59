"""From the lark parse tree to the surface AST, with a span on every node.

The grammar has one expression syntax for conditions and values (so that
``(a)`` needs no lookahead to tell them apart); this module sorts them out
and reports, with the span, a value used where a condition is needed and the
other way round. It also checks what the grammar cannot: the order and
uniqueness of top-level items, literal ranges, reserved words, and the
nesting height (so that no later stage recurses over a huge tree).

Besides the program it records an outline: the span of every line-level
piece (a rule, its ``when`` line, each statement, ...) under a key that says
where the piece sits in the program. The formatter uses it to put comments
back where they were.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Transformer_NonRecursive, Tree, v_args
from lark.tree import Meta

from dslc import codes
from dslc.ast import (
    And,
    Arith,
    AssignPoints,
    Compare,
    Cond,
    ElseIf,
    Expr,
    Field,
    FuncCall,
    Literal,
    Loc,
    Not,
    Or,
    Program,
    Return,
    Rule,
    Scalar,
    SetCallbackData,
    SetCaseName,
    SetData,
    SetPoints,
    Stmt,
    Veto,
)
from dslc.diagnostics import Diagnostic, DiagnosticBag, line_col
from dslc.text.words import unquote_string

# Far above the language's own limit (32, checked by dslc.validate with a
# precise message); this one only keeps absurd input away from every stage
# that walks the tree recursively.
MAX_HEIGHT = 100

# An outline key: ("rule", section, index, *part) or a top-level item name.
Key = tuple[Any, ...]

_CONDITION_NODES = (Compare, And, Or, Not)
_VALUE_NODES = (Arith, FuncCall)
_ORDER = ("strategy", "extends", "variables", "rules", "otherwise", "before", "after")
_ITEM_WORDS = {
    "strategy": "'strategy'",
    "extends": "'extends'",
    "variables": "'parent variables'",
    "rules": "a rule",
    "otherwise": "'otherwise'",
    "before": "'before parent'",
    "after": "'after parent'",
}


@dataclass(frozen=True, slots=True)
class Piece:
    """A condition or value with its span (parentheses included, where the
    node's own ``loc`` excludes them) and the height of its subtree."""

    node: Expr | Cond
    start: int
    end: int
    height: int


@dataclass(frozen=True, slots=True)
class Name:
    value: str
    start: int
    end: int


@dataclass(slots=True)
class _RuleItem:
    rule: Rule
    parts: list[tuple[Key, int, int]]


@dataclass(slots=True)
class Outline:
    """Where each line-level piece of the program is in the source."""

    anchors: list[tuple[Key, int, int]] = field(default_factory=list)
    header: str | None = None  # the parent named by ``extends``


@dataclass(slots=True)
class Built:
    program: Program
    outline: Outline


def _loc(meta: Meta) -> Loc:
    return Loc(start=meta.start_pos, end=meta.end_pos)


def _span_loc(start: int, end: int) -> Loc:
    return Loc(start=start, end=end)


@v_args(meta=True)
class _Builder(Transformer_NonRecursive):
    """Callbacks, one per grammar rule; each returns an AST node, a Piece,
    or a small record that ``start`` assembles into the program."""

    def __init__(self, bag: DiagnosticBag, source: str) -> None:
        super().__init__()
        self.bag = bag
        self.source = source
        self.too_deep = False

    # -- helpers -----------------------------------------------------------

    def _error(
        self, code: str, message: str, start: int, end: int, hint: str | None = None
    ) -> None:
        self.bag.error(code, message, loc=_span_loc(start, end), hint=hint)

    def _piece(self, node: Expr | Cond, start: int, end: int, height: int) -> Piece:
        if height > MAX_HEIGHT and not self.too_deep:
            self.too_deep = True
            self._error(
                codes.TEXT_TOO_DEEP,
                f"this expression nests more than {MAX_HEIGHT} levels deep",
                start,
                end,
                hint="the language allows a nesting depth of 32; split the computation",
            )
        return Piece(node, start, end, height)

    def _cond(self, piece: Piece) -> Cond:
        node = piece.node
        if isinstance(node, _VALUE_NODES):
            what = "a calculation" if isinstance(node, Arith) else f"a call to {node.name}()"
            self._error(
                codes.TEXT_NOT_A_CONDITION,
                f"{what} is a value, not a condition",
                piece.start,
                piece.end,
                hint="compare it with something, for example: ... > 0",
            )
        return node  # type: ignore[return-value]

    def _value(self, piece: Piece) -> Expr:
        node = piece.node
        if isinstance(node, _CONDITION_NODES):
            self._error(
                codes.TEXT_NOT_A_VALUE,
                "a condition cannot be used as a value",
                piece.start,
                piece.end,
                hint="conditions go after 'when'; values are numbers, strings, fields "
                "and calculations",
            )
        return node  # type: ignore[return-value]

    def _literal(self, meta: Meta, value: Scalar) -> Piece:
        return Piece(Literal(value, loc=_loc(meta)), meta.start_pos, meta.end_pos, 1)

    # -- literals and fields -------------------------------------------------

    def number(self, meta: Meta, children: list[Token]) -> Piece:
        return self._literal(meta, self._number(children[0], negative=False))

    def negative_number(self, meta: Meta, children: list[Token]) -> Piece:
        return self._literal(meta, self._number(children[1], negative=True))

    def _number(self, token: Token, *, negative: bool) -> int | float:
        text = str(token)
        if any(c in text for c in ".eE"):
            value = float(text)
            if not math.isfinite(value):
                self._error(
                    codes.TEXT_BAD_NUMBER,
                    f"the number {text} is too large",
                    *_token_span(token),
                    hint="numbers must fit a 64-bit float (about 1.8e308)",
                )
                return 0.0
            return -value if negative else value
        try:
            number = int(text)
        except ValueError:  # more digits than Python converts
            self._error(
                codes.TEXT_BAD_NUMBER,
                f"the number has too many digits ({len(text)})",
                *_token_span(token),
            )
            return 0
        return -number if negative else number

    def string(self, meta: Meta, children: list[Token]) -> Piece:
        return self._literal(meta, unquote_string(children[0]))

    def true(self, meta: Meta, children: list[Token]) -> Piece:
        return self._literal(meta, True)

    def false(self, meta: Meta, children: list[Token]) -> Piece:
        return self._literal(meta, False)

    def null(self, meta: Meta, children: list[Token]) -> Piece:
        return self._literal(meta, None)

    def field(self, meta: Meta, children: list[Token]) -> Piece:
        path = str(children[0])
        return Piece(Field(path, loc=_loc(meta)), meta.start_pos, meta.end_pos, 1)

    def paren(self, meta: Meta, children: list[Piece]) -> Piece:
        inner = children[0]
        return Piece(inner.node, meta.start_pos, meta.end_pos, inner.height)

    # -- calls ---------------------------------------------------------------

    def call(self, meta: Meta, children: list[Any]) -> Piece:
        name = str(children[0])
        args: list[Piece] = [c for c in children[1:] if c is not None]
        height = 1 + max((a.height for a in args), default=0)
        loc = _loc(meta)
        if name in ("min", "max"):
            if len(args) != 2:
                self._arity(meta, f"{name}() takes 2 values, got {len(args)}")
                return Piece(Literal(None, loc=loc), meta.start_pos, meta.end_pos, height)
            left, right = (self._value(a) for a in args)
            return self._piece(Arith(name, left, right, loc=loc), *_span(meta), height)
        if name in ("all", "any"):
            if not args:
                self._arity(meta, f"{name}() needs at least one condition")
                return Piece(Literal(None, loc=loc), meta.start_pos, meta.end_pos, height)
            conds = tuple(self._cond(a) for a in args)
            node: Cond = And(conds, loc=loc) if name == "all" else Or(conds, loc=loc)
            return self._piece(node, *_span(meta), height)
        if name == "field":
            return self._quoted_field(meta, args)
        values = tuple(self._value(a) for a in args)
        return self._piece(FuncCall(name, values, loc=loc), *_span(meta), height)

    def _arity(self, meta: Meta, message: str) -> None:
        self._error(codes.FUNC_ARITY_MISMATCH, message, meta.start_pos, meta.end_pos)

    def _quoted_field(self, meta: Meta, args: list[Piece]) -> Piece:
        """``field("data.x\\n")``: a path that cannot be written bare."""
        arg = args[0].node if len(args) == 1 else None
        if not (isinstance(arg, Literal) and isinstance(arg.value, str)):
            self._error(
                codes.TEXT_FIELD_ARGUMENT,
                "field() takes one path in double quotes",
                meta.start_pos,
                meta.end_pos,
                hint='for example: field("data.my_key")',
            )
            return Piece(Field("", loc=_loc(meta)), meta.start_pos, meta.end_pos, 1)
        return Piece(Field(arg.value, loc=_loc(meta)), meta.start_pos, meta.end_pos, 1)

    # -- operators -----------------------------------------------------------

    def product(self, meta: Meta, children: list[Any]) -> Piece:
        return self._fold_arith(children)

    def sum(self, meta: Meta, children: list[Any]) -> Piece:
        return self._fold_arith(children)

    def _fold_arith(self, children: list[Any]) -> Piece:
        # Left-associative: a - b - c is (a - b) - c.
        acc: Piece = children[0]
        for i in range(1, len(children), 2):
            op, right = str(children[i]), children[i + 1]
            node = Arith(
                op,
                self._value(acc),
                self._value(right),
                loc=_span_loc(acc.start, right.end),
            )
            acc = self._piece(node, acc.start, right.end, 1 + max(acc.height, right.height))
            if self.too_deep:
                break
        return acc

    def comparison(self, meta: Meta, children: list[Any]) -> Piece:
        left, op, right = children[0], children[1], children[2]
        if len(children) > 3:
            self._error(
                codes.TEXT_CHAINED_COMPARISON,
                "comparisons cannot be chained",
                *_token_span(children[3]),
                hint="compare two values at a time and join them with 'and', "
                "for example: 1 < x and x < 5",
            )
        node = Compare(
            str(op),
            self._value(left),
            self._value(right),
            loc=_span_loc(left.start, right.end),
        )
        return self._piece(node, left.start, right.end, 1 + max(left.height, right.height))

    def not_expr(self, meta: Meta, children: list[Any]) -> Piece:
        acc: Piece = children[-1]
        # ``not not x`` is Not(Not(x)): the innermost ``not`` is the last one.
        for token in reversed(children[:-1]):
            node = Not(self._cond(acc), loc=_span_loc(token.start_pos, acc.end))
            acc = self._piece(node, token.start_pos, acc.end, acc.height + 1)
            if self.too_deep:
                break
        return acc

    def and_expr(self, meta: Meta, children: list[Piece]) -> Piece:
        args = tuple(self._cond(c) for c in children)
        height = 1 + max(c.height for c in children)
        return self._piece(And(args, loc=_loc(meta)), *_span(meta), height)

    def or_expr(self, meta: Meta, children: list[Piece]) -> Piece:
        args = tuple(self._cond(c) for c in children)
        height = 1 + max(c.height for c in children)
        return self._piece(Or(args, loc=_loc(meta)), *_span(meta), height)

    # -- statements ----------------------------------------------------------

    def award(self, meta: Meta, children: list[Any]) -> Stmt:
        return AssignPoints(self._value(children[0]), unquote_string(children[1]), loc=_loc(meta))

    def set_points(self, meta: Meta, children: list[Any]) -> Stmt:
        return SetPoints(self._value(children[0]), loc=_loc(meta))

    def set_case_name(self, meta: Meta, children: list[Any]) -> Stmt:
        return SetCaseName(self._value(children[0]), loc=_loc(meta))

    def set_data(self, meta: Meta, children: list[Any]) -> Stmt:
        return SetData(children[0].value, self._value(children[1]), loc=_loc(meta))

    def set_callback(self, meta: Meta, children: list[Any]) -> Stmt:
        return SetCallbackData(children[0].value, self._value(children[1]), loc=_loc(meta))

    def veto(self, meta: Meta, children: list[Any]) -> Stmt:
        return Veto(unquote_string(children[0]), loc=_loc(meta))

    def stop(self, meta: Meta, children: list[Any]) -> Stmt:
        return Return(loc=_loc(meta))

    def name(self, meta: Meta, children: list[Token]) -> Name:
        token = children[0]
        value = unquote_string(token) if token.type == "STRING" else str(token)
        return Name(value, meta.start_pos, meta.end_pos)

    # -- rules ---------------------------------------------------------------

    def when_then(self, meta: Meta, children: list[Piece]) -> tuple[Cond, int, int]:
        return self._cond(children[0]), meta.start_pos, meta.end_pos

    def else_when(self, meta: Meta, children: list[Any]) -> tuple[ElseIf, int, int]:
        when, _, header_end = children[0]
        then = tuple(children[1:])
        return ElseIf(when, then, loc=_loc(meta)), meta.start_pos, header_end

    def else_clause(self, meta: Meta, children: list[Any]) -> tuple[tuple[Stmt, ...], int]:
        return tuple(children), meta.start_pos

    def rule(self, meta: Meta, children: list[Any]) -> _RuleItem:
        name: Name | None = children[0]
        when, when_start, when_end = children[1]
        else_part = children[-1]
        rest = children[2:-1]
        then = tuple(c for c in rest if not isinstance(c, tuple))
        branches = [c for c in rest if isinstance(c, tuple)]
        parts: list[tuple[Key, int, int]] = [((), meta.start_pos, meta.end_pos)]
        parts.append((("when",), when_start, when_end))
        parts.extend((("then", j), s.loc.start, s.loc.end) for j, s in enumerate(then))
        for k, (branch, start, end) in enumerate(branches):
            parts.append((("elif", k), start, end))
            parts.extend(
                (("elif_then", k, j), s.loc.start, s.loc.end) for j, s in enumerate(branch.then)
            )
        else_: tuple[Stmt, ...] | None = None
        if else_part is not None:
            else_, else_start = else_part
            parts.append((("else",), else_start, else_start + len("else")))
            parts.extend((("else_then", j), s.loc.start, s.loc.end) for j, s in enumerate(else_))
        rule = Rule(
            when=when,
            then=then,
            else_ifs=tuple(b for b, _, _ in branches),
            else_=else_,
            id=name.value if name else "",
            named=name is not None,
            loc=_loc(meta),
        )
        return _RuleItem(rule, parts)

    # -- top-level items -------------------------------------------------------

    def strategy_decl(self, meta: Meta, children: list[Name]) -> tuple[str, Any, Meta]:
        return ("strategy", children[0], meta)

    def extends_decl(self, meta: Meta, children: list[Name]) -> tuple[str, Any, Meta]:
        return ("extends", children[0], meta)

    def variable(self, meta: Meta, children: list[Any]) -> tuple[Name, Scalar, Meta]:
        piece: Piece = children[1]
        assert isinstance(piece.node, Literal)
        return children[0], piece.node.value, meta

    def variables_decl(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Meta]:
        return ("variables", children, meta)

    def default_decl(self, meta: Meta, children: list[Stmt]) -> tuple[str, Any, Meta]:
        return ("otherwise", children[0], meta)

    def pre_header(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Meta]:
        return ("before", None, meta)

    def post_header(self, meta: Meta, children: list[Any]) -> tuple[str, Any, Meta]:
        return ("after", None, meta)

    def start(self, meta: Meta, children: list[Any]) -> Built:
        return _Assembler(self.bag, self.source).run(children)


def _span(meta: Meta) -> tuple[int, int]:
    return meta.start_pos, meta.end_pos


def _token_span(token: Token) -> tuple[int, int]:
    # Tokens from the lexer always have positions; lark types them optional.
    start = token.start_pos or 0
    return start, token.end_pos if token.end_pos is not None else start


class _Assembler:
    """Puts the top-level items together: sections, order, duplicates."""

    def __init__(self, bag: DiagnosticBag, source: str) -> None:
        self.bag = bag
        self.source = source
        self.outline = Outline()
        self.seen: dict[str, tuple[int, int]] = {}
        self.rank = 0
        self.section = "rules"
        self.sections: dict[str, list[Rule]] = {"rules": []}
        self.name: Name | None = None
        self.default: Stmt | None = None
        self.variables: dict[str, Scalar] | None = None
        self.first_main: tuple[int, int] | None = None

    def run(self, items: list[Any]) -> Built:
        for item in items:
            if isinstance(item, _RuleItem):
                self._rule(item)
            else:
                self._item(*item)
        self._unused_section_warnings()
        program = Program(
            rules=tuple(self.sections["rules"]),
            default=self.default,
            pre_rules=_maybe(self.sections.get("pre_rules")),
            post_rules=_maybe(self.sections.get("post_rules")),
            parent_variables=self.variables,
            id=self.name.value if self.name else "",
            named=self.name is not None,
            loc=Loc(start=0, end=len(self.source)),
        )
        return Built(program, self.outline)

    def _place(self, kind: str, start: int, end: int) -> bool:
        """Top-level items come in one order (the formatter's), each once.
        False when the item is a duplicate or out of place (reported)."""
        if kind in self.seen and kind != "rules":
            line, _ = line_col(self.source, self.seen[kind][0])
            self.bag.error(
                codes.TEXT_DUPLICATE,
                f"{_ITEM_WORDS[kind]} appears twice",
                loc=_span_loc(start, end),
                hint=f"the first one is on line {line}; keep one",
            )
            return False
        self.seen.setdefault(kind, (start, end))
        rank = _ORDER.index(kind)
        if rank < self.rank:
            later = _ITEM_WORDS[_ORDER[self.rank]]
            self.bag.error(
                codes.TEXT_MISPLACED,
                f"{_ITEM_WORDS[kind]} must come before {later}",
                loc=_span_loc(start, end),
                hint="a strategy reads, in order: strategy, extends, parent variables, "
                "rules, otherwise, before parent, after parent",
            )
            return False
        self.rank = rank
        return True

    def _rule(self, item: _RuleItem) -> None:
        start, end = item.rule.loc.start, item.rule.loc.end
        if self.section == "rules":
            self._place("rules", start, end)
            if self.first_main is None:
                self.first_main = (start, start + len("rule"))
        rules = self.sections[self.section]
        base: Key = ("rule", self.section, len(rules))
        self.outline.anchors.extend((base + k, s, e) for k, s, e in item.parts)
        rules.append(item.rule)

    def _item(self, kind: str, value: Any, meta: Meta) -> None:
        if not self._place(kind, meta.start_pos, meta.end_pos):
            return
        self.outline.anchors.append(((kind,), meta.start_pos, meta.end_pos))
        if kind == "strategy":
            self.name = value
        elif kind == "extends":
            self.outline.header = value.value
        elif kind == "variables":
            self._variables(value)
        elif kind == "otherwise":
            self.default = value
            if self.first_main is None:
                self.first_main = (meta.start_pos, meta.start_pos + len("otherwise"))
        elif kind in ("before", "after"):
            self.section = "pre_rules" if kind == "before" else "post_rules"
            self.sections[self.section] = []

    def _variables(self, entries: list[tuple[Name, Scalar, Meta]]) -> None:
        self.variables = {}
        for j, (name, value, meta) in enumerate(entries):
            if name.value in self.variables:
                self.bag.error(
                    codes.TEXT_DUPLICATE,
                    f"parent variable '{name.value}' is set twice",
                    loc=_span_loc(name.start, name.end),
                )
                continue
            self.variables[name.value] = value
            self.outline.anchors.append((("variable", j), meta.start_pos, meta.end_pos))

    def _unused_section_warnings(self) -> None:
        extends = self.outline.header is not None
        if extends and self.first_main is not None:
            self.bag.warning(
                codes.TEXT_SECTION_UNUSED,
                "a strategy that extends a built-in never runs its main rules or 'otherwise'",
                loc=_span_loc(*self.first_main),
                hint="put them under 'before parent' or 'after parent', or remove 'extends'",
            )
        if not extends:
            for kind, what in (
                ("variables", "parent variables apply"),
                ("before", "rules under 'before parent' run"),
                ("after", "rules under 'after parent' run"),
            ):
                span = self.seen.get(kind)
                if span is not None:
                    self.bag.warning(
                        codes.TEXT_SECTION_UNUSED,
                        f"{what} only in a strategy that extends a built-in",
                        loc=_span_loc(*span),
                        hint="add 'extends default' (or another built-in) at the top",
                    )


def _maybe(rules: list[Rule] | None) -> tuple[Rule, ...] | None:
    return None if rules is None else tuple(rules)


def build(tree: Tree, bag: DiagnosticBag, source: str) -> Built | None:
    """The program and outline of a parse tree, or None when the tree was too
    deep to build (the error is in ``bag``)."""
    builder = _Builder(bag, source)
    built = builder.transform(tree)
    assert isinstance(built, Built)
    return None if builder.too_deep else built


__all__ = ["MAX_HEIGHT", "Built", "Diagnostic", "Key", "Outline", "build"]
