"""GAME's wording for validation errors (``app/engine/dsl_validator.py``).

``dslc`` reports each error with its own code, message and JSON pointer;
GAME's dashboard shows GAME's message and its tests match on it. This
module rebuilds GAME's ``detail`` and ``params`` from the code, the pointer
and the offending node of the AST the caller gave. A code with no entry
keeps ``dslc``'s message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from dslc.ast import FUNC_ARITY, STATEMENT_SECTIONS
from dslc.json_loader import ELSE_IF_KEYS, NODE_KEYS, NODE_TYPES
from dslc.validate import CASE_NAME_MAX_LEN

# GAME's names for the sections, in its messages and params.
CONTEXT: Final = {"rules": "rule", "pre_rules": "pre", "post_rules": "post", "default": "default"}
_STATEMENTS: Final = ", ".join(sorted(STATEMENT_SECTIONS))
_SCALAR: Final = "a JSON scalar (string, number, boolean, or null)"


def segments(pointer: str | None) -> list[str]:
    if not pointer:
        return []
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]


def value_at(doc: object, segs: list[str]) -> object:
    node = doc
    for key in segs:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def resolve_pointer(doc: object, pointer: str | None) -> object:
    """The value at an RFC 6901 pointer, or None when it does not resolve."""
    return value_at(doc, segments(pointer))


def position(doc: object, segs: list[str]) -> str:
    """What the value at ``segs`` stands as: program, rule, else_if,
    statement, condition or expression."""
    if not segs:
        return "program"
    last = segs[-1]
    if last.isdigit() and len(segs) >= 2:
        key = segs[-2]
        if len(segs) == 2 and key in ("rules", "pre_rules", "post_rules"):
            return "rule"
        if key in ("then", "else"):
            return "statement"
        if key == "else_if":
            return "else_if"
        if key == "args":
            owner = value_at(doc, segs[:-2])
            kind = owner.get("type") if isinstance(owner, dict) else None
            return "condition" if kind in ("and", "or") else "expression"
    if last == "default" and len(segs) == 1:
        return "statement"
    if last in ("when", "arg"):
        return "condition"
    return "expression"


# Keys of a node whose value is never a node, whatever it holds.
_PLAIN_KEYS: Final = frozenset({"type", "id", "op", "name", "path", "key", "case_name", "args"})


@dataclass(frozen=True, slots=True)
class Site:
    """Where an error is: the node (dict, or the bad value), its path, its
    position, and the key of it that the pointer named (if any)."""

    doc: object
    segs: list[str]
    node: Any
    key: str | None

    @property
    def kind(self) -> str:
        return position(self.doc, self.segs)

    @property
    def ntype(self) -> Any:
        return self.node.get("type") if isinstance(self.node, dict) else None

    @property
    def context(self) -> str:
        return CONTEXT.get(self.segs[0], self.segs[0]) if self.segs else "rule"


def site(doc: object, pointer: str | None, *, keyed: bool) -> Site:
    """The node an error is about. With ``keyed``, a pointer that names a
    key of a node (``/.../type``, ``/.../path``: a value that is not itself
    a node object) is taken as that node."""
    segs = segments(pointer)
    here = value_at(doc, segs)
    if keyed and segs and (segs[-1] in _PLAIN_KEYS or not isinstance(here, dict)):
        parent = value_at(doc, segs[:-1])
        if isinstance(parent, dict):
            return Site(doc, segs[:-1], parent, segs[-1])
    return Site(doc, segs, here, None)


Wording = Callable[[Site, dict[str, Any], int, int], str]


def _not_object(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    return {
        "rule": "program.rules[*] must be objects.",
        "else_if": "rule.else_if[*] must be objects.",
        "statement": "Statement must be an object.",
        "condition": "Condition must be an object.",
        "expression": "Expression must be an object.",
        "program": "AST root must be an object.",
    }[s.kind]


def _bad_type(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    ntype = s.ntype
    p["nodeType"] = ntype
    kind = s.kind
    if kind in ("program", "rule"):
        return f"Expected node type '{kind}', got '{ntype}'."
    if kind == "statement" and ntype in NODE_TYPES:
        return f"Node type '{ntype}' is not a valid statement (expected one of: {_STATEMENTS})."
    return f"Unknown {kind} node type: '{ntype}'."


def _allowed_keys(s: Site) -> set[str]:
    if s.kind == "else_if":
        return set(ELSE_IF_KEYS)
    required, optional = NODE_KEYS.get(s.ntype, ((), ()))
    return {*required, *optional, "type", "id"}


def _unknown_key(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    extras = sorted(set(s.node) - _allowed_keys(s)) if isinstance(s.node, dict) else []
    p["keys"] = extras
    if s.kind == "else_if":
        return f"rule.else_if[{s.segs[-1]}] has unexpected keys: {extras}."
    return f"Node '{s.ntype}' has unexpected keys: {extras}."


def _missing_key(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    node = s.node if isinstance(s.node, dict) else {}
    if s.kind == "else_if":
        if "when" not in node:
            p["key"] = "when"
            return "rule.else_if[*] missing required key 'when'."
        return "rule.else_if[*].then must be a non-empty array of statements."
    required = NODE_KEYS.get(s.ntype, ((), ()))[0]
    key = next((k for k in required if k not in node), None)
    p["key"] = key
    return f"Node '{s.ntype}' missing required key '{key}'."


def _bad_list(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    key = s.segs[-1] if s.segs else ""
    owner_segs = s.segs[:-1]
    owner = value_at(s.doc, owner_segs)
    if key in ("rules", "pre_rules", "post_rules") and not owner_segs:
        return f"program.{key} must be an array."
    if key == "then":
        if position(s.doc, owner_segs) == "else_if":
            return "rule.else_if[*].then must be a non-empty array of statements."
        return "rule.then must be a non-empty array of statements."
    if key == "else":
        return "rule.else must be a non-empty array of statements."
    if key == "else_if":
        return "rule.else_if must be an array."
    if key == "args" and isinstance(owner, dict):
        return f"{owner.get('type')}.args must be a non-empty array."
    return f"{key} must be an array."


def _statement_place(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    allowed = sorted(CONTEXT[x] for x in STATEMENT_SECTIONS.get(s.ntype, ()))
    p.update(nodeType=s.ntype, context=s.context, allowed=allowed)
    return (
        f"Statement '{s.ntype}' is not allowed inside '{s.context}' section (allowed: {allowed})."
    )


def _case_name(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    return f"{s.ntype}.case_name must be 1-{CASE_NAME_MAX_LEN} printable ASCII characters."


def _data_key(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    key = s.node.get("key") if isinstance(s.node, dict) else None
    if not isinstance(key, str) or not key:
        return "set_data.key must be a non-empty string."
    return (
        "set_data.key must match [A-Za-z0-9_]+ so it is addressable via 'data.<key>' from the AST."
    )


def _parent_key(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    key = p["key"] = s.segs[-1] if s.segs else None
    return f"program.parent_variables key '{key}' must be a string starting with 'variable_'."


def _parent_value(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    key = p["key"] = s.segs[-1] if s.segs else None
    return f"program.parent_variables['{key}'] must be {_SCALAR}."


def _fixed(text: str) -> Wording:
    return lambda s, p, max_nodes, max_depth: text


def _field_path(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    path = p["path"] = s.node.get("path")
    return (
        f"field.path '{path}' is not in the allowed set. Either reference a "
        "whitelisted analytic path or use 'data.<key>' where <key> is [A-Za-z0-9_]+."
    )


def _parent_outside(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    path = p["path"] = s.node.get("path")
    p["context"] = s.context
    return f"field.path '{path}' is only available inside post_rules (DSL_EXTEND mode)."


def _func_name(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    name = p["name"] = s.node.get("name")
    return f"func_call.name '{name}' is not allowed."


def _func_arity(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    name = s.node.get("name")
    args = s.node.get("args")
    expected = FUNC_ARITY.get(name) if isinstance(name, str) else None
    actual = len(args) if isinstance(args, list) else "non-list"
    p.update(name=name, expected=expected, actual=actual)
    return f"func_call '{name}' expects {expected} args, got {actual}."


def _op(word: str) -> Wording:
    def wording(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
        op = p["op"] = s.node.get("op")
        return f"{word}.op '{op}' is not allowed."

    return wording


def _depth(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    p["maxDepth"] = max_depth
    return f"AST nesting depth exceeds the maximum allowed ({max_depth})."


def _nodes(s: Site, p: dict[str, Any], max_nodes: int, max_depth: int) -> str:
    p["maxNodes"] = max_nodes
    return f"AST exceeds the maximum allowed node count ({max_nodes})."


# code -> (is the pointer possibly at a key of the node?, wording)
VALIDATION: Final[dict[str, tuple[bool, Wording]]] = {
    "DSL_FIELD_PATH_NOT_ALLOWED": (True, _field_path),
    "DSL_PARENT_FIELD_OUTSIDE_POST": (True, _parent_outside),
    "DSL_FUNC_NAME_NOT_ALLOWED": (True, _func_name),
    "DSL_FUNC_ARITY_MISMATCH": (True, _func_arity),
    "DSL_ARITH_OP_NOT_ALLOWED": (True, _op("arith")),
    "DSLC_COMPARE_OP_NOT_ALLOWED": (True, _op("compare")),
    "DSLC_DEPTH_LIMIT": (False, _depth),
    "DSLC_NODE_LIMIT": (False, _nodes),
    "DSLC_NODE_NOT_OBJECT": (False, _not_object),
    "DSLC_NODE_TYPE_UNKNOWN": (True, _bad_type),
    "DSLC_NODE_TYPE_MISPLACED": (True, _bad_type),
    "DSLC_NODE_TYPE_MISSING": (True, _bad_type),
    "DSLC_UNKNOWN_KEY": (True, _unknown_key),
    "DSLC_MISSING_KEY": (True, _missing_key),
    "DSLC_NOT_A_LIST": (False, _bad_list),
    "DSLC_EMPTY_LIST": (False, _bad_list),
    "DSLC_STATEMENT_NOT_ALLOWED": (True, _statement_place),
    "DSLC_CASE_NAME_INVALID": (True, _case_name),
    "DSLC_DATA_KEY_INVALID": (True, _data_key),
    "DSLC_CALLBACK_KEY_INVALID": (
        True,
        _fixed("set_callback_data.key must be a non-empty string."),
    ),
    "DSLC_PARENT_VARIABLE_KEY": (False, _parent_key),
    "DSLC_PARENT_VARIABLE_VALUE": (False, _parent_value),
    "DSLC_PARENT_VARIABLES_NOT_OBJECT": (
        False,
        _fixed("program.parent_variables must be an object."),
    ),
    "DSLC_LITERAL_NOT_SCALAR": (True, _fixed(f"literal.value must be {_SCALAR}.")),
    "DSLC_FIELD_PATH_NOT_STRING": (True, _fixed("field.path must be a non-empty string.")),
}
