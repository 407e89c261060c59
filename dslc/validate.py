"""The semantic rules of LANGUAGE.md section 1, shared by both front ends.

``validate`` takes a surface AST whose ids are filled (``dslc.ids``) and
returns every error it finds: statements outside their sections, field paths,
operators, function names and arities, case names, data and callback keys,
``parent_variables`` keys, the nesting depth and the node count. Locations
come from each node's ``Loc`` (a JSON pointer or a text span), so the same
checks serve JSON and text input.

The walk uses an explicit stack: a hostile text or hand-built AST deeper than
Python's recursion limit still gets a clean depth error.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import cast

from dslc import codes
from dslc.ast import (
    ARITH_OPS,
    COMPARE_OPS,
    FUNC_ARITY,
    STATEMENT_SECTIONS,
    And,
    Arith,
    AssignPoints,
    Compare,
    ElseIf,
    Field,
    FuncCall,
    Literal,
    Loc,
    Node,
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
from dslc.diagnostics import Diagnostic, DiagnosticBag
from dslc.fields import DATA_KEY_RE, DATA_PREFIX, FieldKind, known_paths, lookup
from dslc.ids import children, effective_id, generated_id, program_id
from dslc.vocabulary import JSON, Vocabulary

MAX_DEPTH = 32
MAX_NODES = 1000
# Hard ceilings on what a host may configure: the JSON loader descends
# recursively, and a node count bounds the work of every later stage.
DEPTH_CEILING = 256
NODES_CEILING = 100_000
CASE_NAME_MAX_LEN = 200
# As in the reference the pattern ends in ``$``, so one trailing newline is
# accepted too.
CASE_NAME_RE = re.compile(r"^[\x20-\x7E]{1,200}$")
PARENT_VARIABLE_PREFIX = "variable_"

_SCALAR_TYPES = (type(None), bool, int, float, str)
_QUOTE_MAX = 60


def quote(value: object) -> str:
    """A short, safe rendering of a user-supplied value for a message.

    Never ``repr`` a container: a 100000-deep list would blow the recursion
    limit, and a megabyte string would flood the message.
    """
    if isinstance(value, str):
        if len(value) > _QUOTE_MAX:
            return repr(value[:_QUOTE_MAX]) + "..."
        return repr(value)
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, _SCALAR_TYPES):
        return "null" if value is None else repr(value)
    return f"a {type(value).__name__}"


def child_pointer(base: str, key: str | int) -> str:
    """RFC 6901: ``~`` and ``/`` in a key are escaped as ``~0`` and ``~1``."""
    token = str(key).replace("~", "~0").replace("/", "~1")
    return f"{base}/{token}"


def is_scalar(value: object) -> bool:
    return isinstance(value, _SCALAR_TYPES)


def is_valid_case_name(value: str) -> bool:
    return CASE_NAME_RE.match(value) is not None


def is_valid_data_key(key: str) -> bool:
    return DATA_KEY_RE.match(key) is not None


def check_limits(max_depth: int, max_nodes: int) -> None:
    """Refuse limits that are not positive integers within the ceilings."""
    for name, value, ceiling in (
        ("max_depth", max_depth, DEPTH_CEILING),
        ("max_nodes", max_nodes, NODES_CEILING),
    ):
        if type(value) is not int or not 1 <= value <= ceiling:
            raise ValueError(f"{name} must be an integer from 1 to {ceiling}, not {value!r}")


def depth_error(bag: DiagnosticBag, node_id: str, loc: Loc, max_depth: int = MAX_DEPTH) -> None:
    """The one message for both front ends (the JSON loader stops descending
    at the same depth, so a huge nesting never reaches this module)."""
    bag.error(
        codes.DEPTH_LIMIT,
        f"nesting depth exceeds the maximum of {max_depth}",
        node_id=node_id,
        loc=loc,
    )


def validate(
    program: Program,
    *,
    filename: str | None = None,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    vocabulary: Vocabulary = JSON,
) -> list[Diagnostic]:
    """Every error of section 1 that the AST can express, in the reference's
    visiting order. An empty list means the program is valid. The limits
    default to the reference's (a host such as GAME configures its own).
    Messages use the words of the input kind (``vocabulary``)."""
    check_limits(max_depth, max_nodes)
    walk = _Walk(
        DiagnosticBag(filename), max_depth=max_depth, max_nodes=max_nodes, words=vocabulary
    )
    walk.run(program)
    return walk.bag.items


@dataclass(slots=True)
class _Item:
    """A node waiting to be visited, with what its checks need to know."""

    node: Node
    default_id: str
    depth: int
    section: str
    is_condition: bool = False


@dataclass(slots=True)
class _Walk:
    bag: DiagnosticBag
    count: int = 0
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES
    words: Vocabulary = JSON

    def run(self, program: Program) -> None:
        prog_id = program_id(program.id)
        self._count(1, prog_id, program.loc)
        self._parent_variables(program, prog_id)
        stack: list[_Item] = []
        # Pushed in reverse so that they pop in the reference's order.
        if program.default is not None:
            default_id = generated_id(prog_id, program.default.type, 0)
            stack.append(_Item(program.default, default_id, 1, "default"))
        for section, rules in reversed(program.sections()):
            for i in reversed(range(len(rules))):
                stack.append(_Item(rules[i], generated_id(prog_id, "rule", i), 1, section))
        while stack:
            stack.extend(reversed(self._visit(stack.pop())))

    def _count(self, weight: int, node_id: str, loc: Loc) -> None:
        before = self.count
        self.count += weight
        if before <= self.max_nodes < self.count:
            self.bag.error(
                codes.NODE_LIMIT,
                f"the program has more than {self.max_nodes} nodes",
                node_id=node_id,
                loc=loc,
            )

    def _visit(self, item: _Item) -> list[_Item]:
        node = item.node
        node_id = effective_id(node, item.default_id)
        bare = item.is_condition and isinstance(node, Literal | Field)
        # A bare literal/field condition is counted twice by the reference:
        # once as a condition and once as an expression.
        self._count(2 if bare else 1, node_id, node.loc)
        if not isinstance(node, ElseIf) and item.depth > self.max_depth:
            depth_error(self.bag, node_id, node.loc, self.max_depth)
            return []
        self._check(node, node_id, item.section)
        return [
            _Item(
                kid,
                kid_default,
                item.depth if isinstance(kid, ElseIf) else item.depth + 1,
                item.section,
                _is_condition_slot(node, kid),
            )
            for kid, kid_default in children(node, node_id)
        ]

    def _parent_variables(self, program: Program, prog_id: str) -> None:
        for key, value in (program.parent_variables or {}).items():
            if isinstance(value, float) and not math.isfinite(value):
                # The image has no place for it (the verifier refuses one).
                self.bag.error(
                    codes.PARENT_VARIABLE_VALUE,
                    f"parent_variables[{quote(key)}] must be a finite number, not {value!r}",
                    node_id=prog_id,
                    loc=_sub_loc(program.loc, "parent_variables", key),
                )
            if not key.startswith(PARENT_VARIABLE_PREFIX):
                self.bag.error(
                    codes.PARENT_VARIABLE_KEY,
                    f"{self.words.parent_variable} {quote(key)} must start with "
                    f"{PARENT_VARIABLE_PREFIX!r}",
                    node_id=prog_id,
                    loc=self.words.variable_locs.get(key)
                    or _sub_loc(program.loc, "parent_variables", key),
                )

    def _check(self, node: Node, node_id: str, section: str) -> None:
        check = _CHECKS.get(type(node))
        if check is not None:
            check(self.bag, node, node_id, section, self.words)


def _is_condition_slot(parent: Node, kid: Node) -> bool:
    if isinstance(parent, And | Or | Not):
        return True
    return isinstance(parent, Rule | ElseIf) and kid is parent.when


def _sub_loc(loc: Loc, *keys: str) -> Loc:
    if loc.pointer is None:
        return loc
    pointer = loc.pointer
    for key in keys:
        pointer = child_pointer(pointer, key)
    return Loc(pointer=pointer, start=loc.start, end=loc.end)


# -- per-node checks ---------------------------------------------------------


def _check_field(
    bag: DiagnosticBag, node: Node, node_id: str, section: str, words: Vocabulary
) -> None:
    assert isinstance(node, Field)
    info = lookup(node.path)
    if info is None:
        bag.error(
            codes.FIELD_PATH_NOT_ALLOWED,
            f"field path {quote(node.path)} is not allowed",
            node_id=node_id,
            loc=node.loc,
            hint=_path_hint(node.path),
        )
    elif info.kind is FieldKind.PARENT and section != "post_rules":
        message, hint = words.parent_field_outside_post(node.path, section)
        bag.error(
            codes.PARENT_FIELD_OUTSIDE_POST, message, node_id=node_id, loc=node.loc, hint=hint
        )


def _path_hint(path: str) -> str:
    if path.startswith(DATA_PREFIX):
        return "an event data path is data.<key> with <key> made of [A-Za-z0-9_]"
    close = difflib.get_close_matches(path, known_paths(), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "use one of " + ", ".join(known_paths()) + ", or data.<key>"


def _check_literal(
    bag: DiagnosticBag, node: Node, node_id: str, section: str, words: Vocabulary
) -> None:
    assert isinstance(node, Literal)
    if not is_scalar(node.value):
        bag.error(
            codes.LITERAL_NOT_SCALAR,
            f"a literal value must be a string, number, boolean or null, not {quote(node.value)}",
            node_id=node_id,
            loc=node.loc,
        )
    elif isinstance(node.value, float) and not math.isfinite(node.value):
        # JSON has no NaN or infinity (Python's parser accepts them); the VM
        # never sees a non-finite number, which its comparisons rely on.
        bag.error(
            codes.LITERAL_NOT_FINITE,
            f"a number literal must be finite, not {quote(node.value)}",
            node_id=node_id,
            loc=node.loc,
        )


def _check_compare(
    bag: DiagnosticBag, node: Node, node_id: str, section: str, words: Vocabulary
) -> None:
    assert isinstance(node, Compare)
    if node.op not in COMPARE_OPS:
        bag.error(
            codes.COMPARE_OP_NOT_ALLOWED,
            f"comparison operator {quote(node.op)} is not allowed",
            node_id=node_id,
            loc=node.loc,
            hint="use one of " + " ".join(COMPARE_OPS),
        )


def _check_arith(
    bag: DiagnosticBag, node: Node, node_id: str, section: str, words: Vocabulary
) -> None:
    assert isinstance(node, Arith)
    if node.op not in ARITH_OPS:
        bag.error(
            codes.ARITH_OP_NOT_ALLOWED,
            f"arithmetic operator {quote(node.op)} is not allowed",
            node_id=node_id,
            loc=node.loc,
            hint="use one of " + " ".join(ARITH_OPS),
        )


MIN_MAX = ("min", "max")


def _function_hint(name: str, *, text: bool) -> str:
    """Every callable name, and the closest one. min and max are calls in
    the text language but arithmetic operators in the JSON AST."""
    callable_names = [*FUNC_ARITY, *MIN_MAX]
    close = difflib.get_close_matches(name.lower(), callable_names, n=1)
    if text:
        listed = ", ".join(callable_names[:-1]) + " and " + callable_names[-1]
        if close:
            return f"did you mean '{close[0]}'? (the functions are {listed})"
        return f"the functions are {listed}"
    functions = " and ".join(FUNC_ARITY)
    operators = 'min and max are arithmetic operators: {"type": "arith", "op": "min", ...}'
    if close and close[0] in FUNC_ARITY:
        return f"did you mean '{close[0]}'? (the functions are {functions}; {operators})"
    if close:
        return f"did you mean the operator '{close[0]}'? ({operators})"
    return f"the functions are {functions}; {operators}"


def _check_func_call(
    bag: DiagnosticBag, node: Node, node_id: str, section: str, words: Vocabulary
) -> None:
    assert isinstance(node, FuncCall)
    arity = FUNC_ARITY.get(node.name)
    if arity is None:
        bag.error(
            codes.FUNC_NAME_NOT_ALLOWED,
            f"function {quote(node.name)} is not allowed",
            node_id=node_id,
            loc=node.loc,
            hint=_function_hint(node.name, text=words.is_text),
        )
    elif len(node.args) != arity:
        bag.error(
            codes.FUNC_ARITY_MISMATCH,
            f"{node.name}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(node.args)}",
            node_id=node_id,
            loc=node.loc,
        )


def _check_statement(
    bag: DiagnosticBag, node: Node, node_id: str, section: str, words: Vocabulary
) -> None:
    stmt_type = str(cast(Stmt, node).type)
    word = words.statement(stmt_type)
    if section not in STATEMENT_SECTIONS[stmt_type]:
        message, hint = words.statement_not_allowed(stmt_type, section)
        bag.error(codes.STATEMENT_NOT_ALLOWED, message, node_id=node_id, loc=node.loc, hint=hint)
    if isinstance(node, AssignPoints | Veto) and not is_valid_case_name(node.case_name):
        bag.error(
            codes.CASE_NAME_INVALID,
            f"{word} {words.case_name} {quote(node.case_name)} must be 1 to "
            f"{CASE_NAME_MAX_LEN} printable ASCII characters",
            node_id=node_id,
            loc=node.loc,
        )
    if isinstance(node, SetCallbackData) and node.key == "":
        bag.error(
            codes.CALLBACK_KEY_INVALID,
            f"{word} key must be a non-empty string",
            node_id=node_id,
            loc=node.loc,
        )
    if isinstance(node, SetData) and not is_valid_data_key(node.key):
        bag.error(
            codes.DATA_KEY_INVALID,
            f"{word} key {quote(node.key)} must match [A-Za-z0-9_]+ "
            "(it is read back as data.<key>)",
            node_id=node_id,
            loc=node.loc,
        )


_CHECKS = {
    Field: _check_field,
    Literal: _check_literal,
    Compare: _check_compare,
    Arith: _check_arith,
    FuncCall: _check_func_call,
    AssignPoints: _check_statement,
    SetCallbackData: _check_statement,
    Return: _check_statement,
    SetData: _check_statement,
    Veto: _check_statement,
    SetPoints: _check_statement,
    SetCaseName: _check_statement,
}
