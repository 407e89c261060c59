"""The JSON front end: a GAME JSON AST (any JSON value) to the surface AST.

The loader enforces what the surface AST cannot represent: node shapes,
required and unknown keys, the node types allowed at each position, and the
JSON types of key values. Everything the AST can express (operators, paths,
case names, sections, limits) is left to ``dslc.validate``, which both front
ends share; ``load_and_validate`` runs the two.

Ids are filled while descending, by the rules of ``dslc.ids``, so the loader's
own errors name nodes exactly as the reference engine does (its ``X-Node-Id``):
the node itself for errors about its keys and values, the enclosing node when
the value at a position is not an object or has a type not allowed there.

Every error is reported (up to the diagnostic cap), not only the first. The
loader never raises on bad input: whatever the value, the result is a program
or diagnostics. It stops descending below the maximum nesting depth, so a
100000-deep input costs nothing and cannot exhaust the Python stack.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from dslc import codes
from dslc.ast import (
    STATEMENT_TYPES,
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
from dslc.diagnostics import CompileError, Diagnostic, DiagnosticBag
from dslc.ids import else_if_id, is_given, resolve_id
from dslc.validate import (
    MAX_DEPTH,
    MAX_NODES,
    check_limits,
    child_pointer,
    depth_error,
    is_scalar,
    quote,
)

T = TypeVar("T")

# How far past the node limit the loader reads before it stops (see _Loader).
STOP_FACTOR = 4

CONDITION_TYPES: tuple[str, ...] = ("compare", "and", "or", "not", "literal", "field")
EXPRESSION_TYPES: tuple[str, ...] = ("literal", "field", "arith", "func_call")
NODE_TYPES: frozenset[str] = frozenset(
    {"program", "rule", *CONDITION_TYPES, *EXPRESSION_TYPES, *STATEMENT_TYPES}
)

# Keys each node type takes besides ``type`` and ``id``: (required, optional).
NODE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "program": (("rules",), ("pre_rules", "post_rules", "parent_variables", "default")),
    "rule": (("when", "then"), ("else_if", "else")),
    "and": (("args",), ()),
    "or": (("args",), ()),
    "not": (("arg",), ()),
    "compare": (("op", "left", "right"), ()),
    "literal": (("value",), ()),
    "field": (("path",), ()),
    "arith": (("op", "left", "right"), ()),
    "func_call": (("name", "args"), ()),
    "assign_points": (("value", "case_name"), ()),
    "set_callback_data": (("key", "value"), ()),
    "return": ((), ()),
    "set_data": (("key", "value"), ()),
    "veto": (("case_name",), ()),
    "set_points": (("value",), ()),
    "set_case_name": (("value",), ()),
}
# An else_if branch is a plain object, not a typed node: ``type`` is unknown
# there, and its ``id`` is accepted but ignored.
ELSE_IF_KEYS: frozenset[str] = frozenset({"when", "then", "id"})
# LANGUAGE.md 1: for these keys, ``null`` means absent.
NULL_MEANS_ABSENT: frozenset[str] = frozenset(
    {"default", "pre_rules", "post_rules", "parent_variables", "else_if", "else"}
)


def load_json(
    obj: object,
    filename: str | None = None,
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> tuple[Program | None, list[Diagnostic]]:
    """The surface AST of a GAME JSON AST, ids filled; or None and the errors.

    ``obj`` is any decoded JSON value. JSON ``1.0`` stays a float and ``1`` an
    int; booleans stay booleans. The program is returned only when there is no
    error; run ``dslc.validate.validate`` on it for the semantic rules.
    """
    check_limits(max_depth, max_nodes)
    bag = DiagnosticBag(filename)
    program = _Loader(bag, max_depth, max_nodes).program(obj)
    if bag.has_errors:
        return None, bag.items
    return program, bag.items


def load_and_validate(
    obj: object,
    filename: str | None = None,
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> tuple[Program | None, list[Diagnostic]]:
    """The JSON front end (``dslc.frontend.json_front``) without raising: the
    program (ids filled, valid) and the diagnostics, or None and them."""
    from dslc.frontend import json_front

    try:
        front = json_front(obj, filename, max_depth=max_depth, max_nodes=max_nodes)
    except CompileError as exc:
        return None, exc.diagnostics
    return front.program, front.diagnostics


def _present(obj: dict[Any, Any], key: str) -> bool:
    if key in NULL_MEANS_ABSENT:
        return obj.get(key) is not None
    return key in obj


def _all(items: Sequence[T | None]) -> tuple[T, ...] | None:
    """The items as a tuple, or None if any of them failed to load."""
    out: list[T] = []
    for item in items:
        if item is None:
            return None
        out.append(item)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Position:
    """A place in the tree and the node types allowed there."""

    noun: str
    types: tuple[str, ...]


_ROOT = _Position("the program", ("program",))
_RULE = _Position("a rule", ("rule",))
_CONDITION = _Position("a condition", CONDITION_TYPES)
_EXPRESSION = _Position("an expression", EXPRESSION_TYPES)
_STATEMENT = _Position("a statement", STATEMENT_TYPES)


@dataclass(frozen=True, slots=True)
class _Opened:
    """A node whose object shape, type and depth are fine."""

    obj: dict[Any, Any]
    type: str
    id: str
    pointer: str
    keys_ok: bool

    @property
    def loc(self) -> Loc:
        return Loc(pointer=self.pointer)

    def at(self, key: str | int) -> str:
        return child_pointer(self.pointer, key)


class _Loader:
    def __init__(
        self, bag: DiagnosticBag, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
    ) -> None:
        self.bag = bag
        self.max_depth = max_depth
        # Nodes opened so far. The validator counts each node at least once,
        # so past ``max_nodes`` the program is certainly over the limit; the
        # loader stops there (a hostile 10^5-rule document costs a few
        # thousand nodes, not a tree) but only well past it, so a program a
        # little over the limit gets the validator's precise error (the
        # reference's node) rather than this one.
        self.opened = 0
        self.stop_above = STOP_FACTOR * max_nodes
        self.stopped = False

    def items(self, values: list[Any]) -> Iterator[tuple[int, Any]]:
        """``enumerate(values)``, ending once the loader has stopped (a list
        of 100,000 rules is not walked to the end)."""
        for index, value in enumerate(values):
            if self.stopped:
                return
            yield index, value

    def error(
        self, code: str, message: str, node_id: str | None, pointer: str, hint: str | None = None
    ) -> None:
        self.bag.error(code, message, node_id=node_id, loc=Loc(pointer=pointer), hint=hint)

    # -- the part every node shares ------------------------------------------

    def open(
        self,
        obj: object,
        pointer: str,
        parent_id: str | None,
        index: int,
        position: _Position,
        depth: int,
    ) -> _Opened | None:
        """Check that ``obj`` is an object with a type allowed at ``position``,
        within the depth limit, with its required keys and no others."""
        # Where only one type fits (program, rule) the reference names the
        # node itself in type errors; elsewhere it names the parent.
        fixed = position.types[0] if len(position.types) == 1 else None
        if self.stopped:
            return None
        self.opened += 1
        if self.opened > self.stop_above:
            self.stopped = True
            self.error(
                codes.NODE_LIMIT,
                f"the program has more than {self.stop_above // STOP_FACTOR} nodes",
                parent_id,
                pointer,
                hint="found while reading: the rest was not read",
            )
            return None
        if not isinstance(obj, dict):
            self.error(
                codes.NODE_NOT_OBJECT,
                f"{position.noun} must be a JSON object, not {quote(obj)}",
                parent_id,
                pointer,
            )
            return None
        blame = (
            parent_id
            if fixed is None
            else resolve_id(obj.get("id"), parent_id or "p", fixed, index)
        )
        node_type = obj.get("type")
        if not self.check_type(node_type, position, blame, pointer):
            return None
        assert isinstance(node_type, str)
        node_id = resolve_id(obj.get("id"), parent_id or "p", node_type, index)
        if depth > self.max_depth:
            depth_error(self.bag, node_id, Loc(pointer=pointer), self.max_depth)
            return None
        keys_ok = self.check_keys(obj, node_type, node_id, pointer)
        return _Opened(obj, node_type, node_id, pointer, keys_ok)

    def check_type(
        self, node_type: object, position: _Position, blame: str | None, pointer: str
    ) -> bool:
        if isinstance(node_type, str) and node_type in position.types:
            return True
        expected = ", ".join(position.types)
        if node_type is None:
            self.error(
                codes.NODE_TYPE_MISSING,
                f"{position.noun} needs a 'type' (one of: {expected})",
                blame,
                pointer,
            )
            return False
        if not isinstance(node_type, str):
            self.error(
                codes.NODE_TYPE_UNKNOWN,
                f"the type of {position.noun} must be a string, not {quote(node_type)}",
                blame,
                child_pointer(pointer, "type"),
                hint=f"expected one of: {expected}",
            )
            return False
        if node_type not in NODE_TYPES:
            self.error(
                codes.NODE_TYPE_UNKNOWN,
                f"unknown node type {quote(node_type)} for {position.noun}",
                blame,
                child_pointer(pointer, "type"),
                hint=f"expected one of: {expected}",
            )
            return False
        self.error(
            codes.NODE_TYPE_MISPLACED,
            f"node type {node_type!r} cannot stand as {position.noun}",
            blame,
            child_pointer(pointer, "type"),
            hint=_misplaced_hint(node_type, position),
        )
        return False

    def check_keys(self, obj: dict[Any, Any], node_type: str, node_id: str, pointer: str) -> bool:
        required, optional = NODE_KEYS[node_type]
        ok = True
        for key in required:
            if key not in obj:
                self.error(
                    codes.MISSING_KEY,
                    f"{node_type} is missing the required key {key!r}",
                    node_id,
                    pointer,
                )
                ok = False
        allowed = {"type", "id", *required, *optional}
        for key in obj:
            if key not in allowed:
                self.error(
                    codes.UNKNOWN_KEY,
                    f"{node_type} does not take the key {quote(key)}",
                    node_id,
                    child_pointer(pointer, key),
                    hint="allowed keys: " + ", ".join(sorted(allowed)),
                )
                ok = False
        return ok

    # -- program and rules ---------------------------------------------------

    def program(self, obj: object) -> Program | None:
        node = self.open(obj, "", None, 0, _ROOT, 0)
        if node is None:
            return None
        obj = node.obj
        rules = self.rule_list(node, "rules") if "rules" in obj else None
        pre = self.rule_list(node, "pre_rules") if _present(obj, "pre_rules") else ()
        post = self.rule_list(node, "post_rules") if _present(obj, "post_rules") else ()
        parent_vars = self.parent_variables(node) if _present(obj, "parent_variables") else {}
        default = None
        if _present(obj, "default"):
            default = self.statement(obj["default"], node.at("default"), node.id, 0, 1)
        if (
            not node.keys_ok
            or rules is None
            or pre is None
            or post is None
            or parent_vars is None
            or (default is None and _present(obj, "default"))
        ):
            return None
        return Program(
            rules=rules,
            default=default,
            pre_rules=pre if _present(obj, "pre_rules") else None,
            post_rules=post if _present(obj, "post_rules") else None,
            parent_variables=parent_vars if _present(obj, "parent_variables") else None,
            id=node.id,
            loc=node.loc,
            named=is_given(obj.get("id")),
        )

    def rule_list(self, program: _Opened, key: str) -> tuple[Rule, ...] | None:
        value = program.obj[key]
        pointer = program.at(key)
        if not isinstance(value, list):
            self.error(
                codes.NOT_A_LIST,
                f"program.{key} must be an array of rules, not {quote(value)}",
                program.id,
                pointer,
            )
            return None
        rules = [
            self.rule(item, child_pointer(pointer, i), program.id, i)
            for i, item in self.items(value)
        ]
        return _all(rules)

    def parent_variables(self, program: _Opened) -> dict[str, Scalar] | None:
        value = program.obj["parent_variables"]
        pointer = program.at("parent_variables")
        if not isinstance(value, dict):
            self.error(
                codes.PARENT_VARIABLES_NOT_OBJECT,
                f"program.parent_variables must be an object, not {quote(value)}",
                program.id,
                pointer,
            )
            return None
        out: dict[str, Scalar] = {}
        ok = True
        for key, item in value.items():
            if not isinstance(key, str):
                # Only a caller handing us non-JSON data gets here; the
                # ``variable_`` prefix of string keys is checked by validate.
                self.error(
                    codes.PARENT_VARIABLE_KEY,
                    f"parent_variables key {quote(key)} must be a string",
                    program.id,
                    pointer,
                )
                ok = False
            elif not is_scalar(item):
                self.error(
                    codes.PARENT_VARIABLE_VALUE,
                    f"parent_variables[{quote(key)}] must be a string, number, boolean "
                    f"or null, not {quote(item)}",
                    program.id,
                    child_pointer(pointer, key),
                )
                ok = False
            else:
                out[key] = item
        return out if ok else None

    def rule(self, obj: object, pointer: str, program_id: str, index: int) -> Rule | None:
        node = self.open(obj, pointer, program_id, index, _RULE, 1)
        if node is None:
            return None
        obj = node.obj
        when = None
        if "when" in obj:
            when = self.condition(obj["when"], node.at("when"), node.id, 0, 2)
        then = self.statements(node, "then", node.id, "rule.then") if "then" in obj else None
        else_ifs = self.else_ifs(node) if _present(obj, "else_if") else ()
        else_ = self.statements(node, "else", node.id, "rule.else") if _present(obj, "else") else ()
        if not node.keys_ok or when is None or then is None or else_ifs is None or else_ is None:
            return None
        return Rule(
            when=when,
            then=then,
            else_ifs=else_ifs,
            else_=else_ if _present(obj, "else") else None,
            id=node.id,
            loc=node.loc,
            named=is_given(obj.get("id")),
        )

    def statements(
        self, owner: _Opened, key: str, parent_id: str, label: str
    ) -> tuple[Stmt, ...] | None:
        """A rule's ``then`` or ``else``: a non-empty list at depth 2."""
        return self.statement_list(owner.obj[key], owner.at(key), parent_id, label)

    def statement_list(
        self, value: object, pointer: str, parent_id: str, label: str
    ) -> tuple[Stmt, ...] | None:
        if not isinstance(value, list):
            self.error(
                codes.NOT_A_LIST,
                f"{label} must be a non-empty array of statements, not {quote(value)}",
                parent_id,
                pointer,
            )
            return None
        if not value:
            self.error(
                codes.EMPTY_LIST,
                f"{label} must be a non-empty array of statements",
                parent_id,
                pointer,
            )
            return None
        stmts = [
            self.statement(item, child_pointer(pointer, i), parent_id, i, 2)
            for i, item in self.items(value)
        ]
        return _all(stmts)

    def else_ifs(self, rule: _Opened) -> tuple[ElseIf, ...] | None:
        value = rule.obj["else_if"]
        pointer = rule.at("else_if")
        if not isinstance(value, list):
            self.error(
                codes.NOT_A_LIST,
                f"rule.else_if must be an array of branches, not {quote(value)}",
                rule.id,
                pointer,
            )
            return None
        branches = [
            self.else_if(item, child_pointer(pointer, j), else_if_id(rule.id, j))
            for j, item in self.items(value)
        ]
        return _all(branches)

    def else_if(self, obj: object, pointer: str, branch_id: str) -> ElseIf | None:
        if not isinstance(obj, dict):
            self.error(
                codes.NODE_NOT_OBJECT,
                f"an else_if branch must be a JSON object, not {quote(obj)}",
                branch_id,
                pointer,
            )
            return None
        ok = True
        for key in ("when", "then"):
            if key not in obj:
                self.error(
                    codes.MISSING_KEY,
                    f"else_if branch is missing the required key {key!r}",
                    branch_id,
                    pointer,
                )
                ok = False
        for key in obj:
            if key not in ELSE_IF_KEYS:
                self.error(
                    codes.UNKNOWN_KEY,
                    f"else_if branch does not take the key {quote(key)}",
                    branch_id,
                    child_pointer(pointer, key),
                    hint="allowed keys: id, then, when (a branch has no 'type')",
                )
                ok = False
        when = None
        if "when" in obj:
            when = self.condition(obj["when"], child_pointer(pointer, "when"), branch_id, 0, 2)
        then = None
        if "then" in obj:
            then = self.statement_list(
                obj["then"], child_pointer(pointer, "then"), branch_id, "else_if.then"
            )
        if not ok or when is None or then is None:
            return None
        return ElseIf(when=when, then=then, loc=Loc(pointer=pointer))

    # -- conditions and expressions ------------------------------------------

    def condition(
        self, obj: object, pointer: str, parent_id: str, index: int, depth: int
    ) -> Cond | None:
        node = self.open(obj, pointer, parent_id, index, _CONDITION, depth)
        if node is None:
            return None
        if node.type in ("and", "or"):
            return self.and_or(node, depth)
        if node.type == "not":
            arg = None
            if "arg" in node.obj:
                arg = self.condition(node.obj["arg"], node.at("arg"), node.id, 0, depth + 1)
            if arg is None or not node.keys_ok:
                return None
            return Not(arg=arg, id=node.id, loc=node.loc)
        if node.type == "compare":
            # binary() builds a Compare for a compare node
            return cast(Cond | None, self.binary(node, depth, codes.COMPARE_OP_NOT_ALLOWED))
        # A bare literal or field: one node, the id of its condition position.
        return self.leaf(node)

    def and_or(self, node: _Opened, depth: int) -> Cond | None:
        if "args" not in node.obj:
            return None
        value = node.obj["args"]
        pointer = node.at("args")
        if not isinstance(value, list) or not value:
            self.error(
                codes.EMPTY_LIST if isinstance(value, list) else codes.NOT_A_LIST,
                f"{node.type}.args must be a non-empty array of conditions, not {quote(value)}",
                node.id,
                pointer,
            )
            return None
        conditions: list[Cond | None] = [
            self.condition(item, child_pointer(pointer, i), node.id, i, depth + 1)
            for i, item in self.items(value)
        ]
        # mypy cannot solve T in T | None for a union T; _all keeps the type.
        args = cast("tuple[Cond, ...] | None", _all(conditions))
        if args is None or not node.keys_ok:
            return None
        if node.type == "and":
            return And(args=args, id=node.id, loc=node.loc)
        return Or(args=args, id=node.id, loc=node.loc)

    def expression(
        self, obj: object, pointer: str, parent_id: str, index: int, depth: int
    ) -> Expr | None:
        node = self.open(obj, pointer, parent_id, index, _EXPRESSION, depth)
        if node is None:
            return None
        if node.type == "arith":
            # binary() builds an Arith for an arith node
            return cast(Expr | None, self.binary(node, depth, codes.ARITH_OP_NOT_ALLOWED))
        if node.type == "func_call":
            return self.func_call(node, depth)
        return self.leaf(node)

    def binary(self, node: _Opened, depth: int, op_code: str) -> Compare | Arith | None:
        """``compare`` and ``arith``: an ``op`` string and two operands."""
        obj = node.obj
        op = self.string(node, "op", op_code, "a string operator")
        operands = [
            self.expression(obj[key], node.at(key), node.id, i, depth + 1) if key in obj else None
            for i, key in enumerate(("left", "right"))
        ]
        left, right = operands
        if op is None or left is None or right is None or not node.keys_ok:
            return None
        if node.type == "compare":
            return Compare(op=op, left=left, right=right, id=node.id, loc=node.loc)
        return Arith(op=op, left=left, right=right, id=node.id, loc=node.loc)

    def func_call(self, node: _Opened, depth: int) -> FuncCall | None:
        name = self.string(node, "name", codes.FUNC_NAME_NOT_ALLOWED, "a function name")
        if "args" not in node.obj:
            return None
        value = node.obj["args"]
        pointer = node.at("args")
        if not isinstance(value, list):
            # The reference reports this as an arity error; keep its code.
            self.error(
                codes.FUNC_ARITY_MISMATCH,
                f"func_call.args must be an array of expressions, not {quote(value)}",
                node.id,
                pointer,
            )
            return None
        expressions: list[Expr | None] = [
            self.expression(item, child_pointer(pointer, i), node.id, i, depth + 1)
            for i, item in self.items(value)
        ]
        args = cast("tuple[Expr, ...] | None", _all(expressions))
        if name is None or args is None or not node.keys_ok:
            return None
        return FuncCall(name=name, args=args, id=node.id, loc=node.loc)

    def leaf(self, node: _Opened) -> Literal | Field | None:
        if node.type == "literal":
            if "value" not in node.obj:
                return None
            value = node.obj["value"]
            if not is_scalar(value):
                self.error(
                    codes.LITERAL_NOT_SCALAR,
                    f"literal.value must be a string, number, boolean or null, not {quote(value)}",
                    node.id,
                    node.at("value"),
                )
                return None
            return Literal(value=value, id=node.id, loc=node.loc) if node.keys_ok else None
        path = node.obj.get("path")
        if "path" in node.obj and (not isinstance(path, str) or path == ""):
            self.error(
                codes.FIELD_PATH_NOT_STRING,
                f"field.path must be a non-empty string, not {quote(path)}",
                node.id,
                node.at("path"),
            )
            return None
        if not isinstance(path, str) or not node.keys_ok:
            return None
        return Field(path=path, id=node.id, loc=node.loc)

    def string(self, node: _Opened, key: str, code: str, what: str) -> str | None:
        """The string value of ``key``, or None (missing keys are reported by
        ``check_keys``; an array or object here is an ordinary error)."""
        if key not in node.obj:
            return None
        value = node.obj[key]
        if not isinstance(value, str):
            self.error(
                code,
                f"{node.type}.{key} must be {what}, not {quote(value)}",
                node.id,
                node.at(key),
            )
            return None
        return value

    # -- statements ----------------------------------------------------------

    def statement(
        self, obj: object, pointer: str, parent_id: str, index: int, depth: int
    ) -> Stmt | None:
        node = self.open(obj, pointer, parent_id, index, _STATEMENT, depth)
        if node is None:
            return None
        obj = node.obj
        value = None
        if "value" in obj:
            value = self.expression(obj["value"], node.at("value"), node.id, 0, depth + 1)
        case_name = key = None
        if node.type in ("assign_points", "veto"):
            case_name = self.string(node, "case_name", codes.CASE_NAME_INVALID, "a string")
        elif node.type == "set_callback_data":
            key = self.string(node, "key", codes.CALLBACK_KEY_INVALID, "a non-empty string")
        elif node.type == "set_data":
            key = self.string(node, "key", codes.DATA_KEY_INVALID, "a string")
        if not node.keys_ok:
            return None
        return _make_statement(node, value, case_name, key)


def _make_statement(
    node: _Opened, value: Expr | None, case_name: str | None, key: str | None
) -> Stmt | None:
    """Build the statement once its parts loaded; None if a part is missing."""
    loc = node.loc
    nid = node.id
    kind = node.type
    if kind == "return":
        return Return(id=nid, loc=loc)
    if kind == "veto":
        return None if case_name is None else Veto(case_name=case_name, id=nid, loc=loc)
    if value is None:
        return None
    if kind == "assign_points":
        if case_name is None:
            return None
        return AssignPoints(value=value, case_name=case_name, id=nid, loc=loc)
    if kind == "set_points":
        return SetPoints(value=value, id=nid, loc=loc)
    if kind == "set_case_name":
        return SetCaseName(value=value, id=nid, loc=loc)
    if key is None:
        return None
    if kind == "set_data":
        return SetData(key=key, value=value, id=nid, loc=loc)
    return SetCallbackData(key=key, value=value, id=nid, loc=loc)


def _misplaced_hint(node_type: str, position: _Position) -> str:
    if position is _CONDITION and node_type in EXPRESSION_TYPES:
        return f"{node_type} cannot be a bare condition: compare it with a value"
    return "expected one of: " + ", ".join(position.types)
