"""Static types of the checker: a set of the runtime kinds a value may have.

A value's kind is one of null, bool, int, float, str, opaque (a list or an
object from event data). A static type is the set of kinds the value may
have at run time; an operation is a certain type error when it fails for
every combination of kinds of its operands.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["null", "bool", "int", "float", "str", "opaque"]
Type = frozenset[Kind]

NULL: Type = frozenset({"null"})
BOOL: Type = frozenset({"bool"})
INT: Type = frozenset({"int"})
FLOAT: Type = frozenset({"float"})
STRING: Type = frozenset({"str"})
NUMBER: Type = frozenset({"int", "float"})
NUMBER_OR_NULL: Type = frozenset({"int", "float", "null"})
STRING_OR_NULL: Type = frozenset({"str", "null"})
ANY: Type = frozenset({"null", "bool", "int", "float", "str", "opaque"})

NUMERIC_KINDS: frozenset[Kind] = frozenset({"bool", "int", "float"})


def kind_of(value: object) -> Kind:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "opaque"


def type_of(value: object) -> Type:
    return frozenset({kind_of(value)})


def describe(t: Type) -> str:
    order: list[Kind] = ["int", "float", "bool", "str", "null", "opaque"]
    names = {
        "int": "integer",
        "float": "float",
        "bool": "boolean",
        "str": "string",
        "null": "null",
        "opaque": "list/object",
    }
    if t == ANY:
        return "any value"
    words = [names[k] for k in order if k in t]
    if "int" in t and "float" in t:
        words = ["number"] + [w for w in words if w not in ("integer", "float")]
    return " or ".join(words)
