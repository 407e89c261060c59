"""GAME's Blockly workspace XML to the JSON AST, as the dashboard generates it.

The mapping is BLOCKLY.md's: top-level rule blocks go to their section, a
parent-variable block to ``parent_variables``, a free ``gd_assign_points`` to
``default``; every node gets its block's id; an empty input becomes the
placeholder literal GAME's generator writes. The result is the JSON AST the
dashboard would have stored beside the XML (same keys in the same order), and
it then goes through the same checks as any JSON AST.

What the generator could never have produced (a block of an unknown type in
an input, a value block in a statement stack, a block after one that has no
next connection) is an error here, located by the block's id and its element
path (``/xml/block[2]/statement[THEN]/block[1]/value[VALUE]/block``: the
``block[k]`` after a statement input is the k-th block of that stack).
Each JSON pointer of the result is mapped to its place in the XML, so the
later stages' diagnostics point at blocks too (``relocate``).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from typing import Any

from dslc import codes
from dslc.blockly.blocks import (
    BLOCKS,
    CONDITION_BLOCKS,
    FUNC_INPUTS,
    PARENT_VARIABLE_BLOCK,
    RULE_BLOCKS,
)
from dslc.blockly.numbers import DECIMAL_RE, NotANumber, parse_number
from dslc.blockly.xmlsafe import local_name, parse_xml
from dslc.diagnostics import CompileError, Diagnostic, DiagnosticBag, Severity
from dslc.validate import MAX_DEPTH, MAX_NODES, child_pointer

Json = dict[str, Any]

# Rules sit at depth 1 and their conditions at 2: a block nested deeper than
# this is past the language's limit, and reading stops there (so a hostile
# workspace cannot exhaust the Python stack).
_MAX_NESTING = MAX_DEPTH + 2


@dataclass(frozen=True, slots=True)
class Place:
    """Where a JSON node came from: its element path and block id; ``empty``
    names the input when the node stands for an empty input."""

    path: str
    block_id: str | None
    empty: str | None = None


@dataclass(slots=True)
class Workspace:
    """A read workspace: the JSON AST, warnings, and where each node came from."""

    ast: Json
    warnings: list[Diagnostic]
    places: dict[str, Place] = field(default_factory=dict)


@dataclass(slots=True)
class _Block:
    """A ``<block>`` element, its children sorted by kind."""

    elem: ET.Element
    type: str
    id: str | None
    path: str
    fields: dict[str, str]
    inputs: dict[str, ET.Element]
    mutation: ET.Element | None
    next: ET.Element | None


def read_workspace(text: str, filename: str | None = None) -> Workspace:
    """Read a workspace; raises CompileError when it is not one GAME's
    dashboard could have saved."""
    root = parse_xml(text, filename)
    bag = DiagnosticBag(filename)
    reader = _Reader(bag)
    ast = reader.workspace(root)
    if bag.has_errors:
        raise CompileError(bag.items, text)
    return Workspace(ast, list(bag.items), reader.places)


def relocate(diags: list[Diagnostic], places: dict[str, Place]) -> list[Diagnostic]:
    """Diagnostics about the JSON AST, pointed at the blocks it came from
    (the reader's own, which already name elements, are kept as they are)."""
    return [_relocated(d, places) for d in diags]


def _relocated(diag: Diagnostic, places: dict[str, Place]) -> Diagnostic:
    pointer = diag.pointer
    if pointer is None or pointer == "/" or pointer.startswith("/xml"):
        return diag  # not about the JSON, or already an element path
    probe = pointer
    while probe not in places and probe:
        probe = probe.rsplit("/", 1)[0]
    place = places.get(probe)
    if place is None:
        return replace(diag, pointer="/xml")
    hint = diag.hint
    if place.empty is not None and probe == pointer and hint is None:
        hint = f"the {place.empty} input is empty: plug a block into it"
    return replace(diag, pointer=place.path, node_id=diag.node_id or place.block_id, hint=hint)


class _Reader:
    def __init__(self, bag: DiagnosticBag) -> None:
        self.bag = bag
        self.places: dict[str, Place] = {}

    # -- diagnostics -------------------------------------------------------------

    def error(self, code: str, message: str, block_id: str | None, path: str) -> None:
        self.bag.add(Diagnostic(code, message, node_id=block_id, pointer=path))

    def warning(self, code: str, message: str, block_id: str | None, path: str) -> None:
        self.bag.add(Diagnostic(code, message, Severity.WARNING, node_id=block_id, pointer=path))

    # -- elements ----------------------------------------------------------------

    def block(self, elem: ET.Element, path: str) -> _Block | None:
        block_id = elem.get("id") or None
        block_type = elem.get("type")
        if not block_type:
            self.error(codes.BLOCKLY_MALFORMED, "a block without a type", block_id, path)
            return None
        fields: dict[str, str] = {}
        inputs: dict[str, ET.Element] = {}
        mutation = nxt = None
        for child in elem:
            kind = local_name(child.tag)
            name = child.get("name", "")
            if kind == "field":
                fields[name] = "".join(child.itertext())
            elif kind in ("value", "statement"):
                if name in inputs:
                    self.error(
                        codes.BLOCKLY_MALFORMED,
                        f"input {name!r} of a {block_type} block appears twice",
                        block_id,
                        path,
                    )
                    return None
                inputs[name] = child
            elif kind == "mutation":
                mutation = child
            elif kind == "next":
                nxt = child
            # <comment>, <data> and anything else carry nothing for the program
        return _Block(elem, block_type, block_id, path, fields, inputs, mutation, nxt)

    def target(
        self, owner: _Block, name: str, kind: str = "value"
    ) -> tuple[ET.Element | None, str]:
        """The block plugged into an input (a shadow stands in for a missing
        block), and its element path (``kind`` names an absent input)."""
        where = owner.inputs.get(name)
        if where is not None:
            kind = local_name(where.tag)
        path = f"{owner.path}/{kind}[{name}]"
        if where is None:
            return None, path
        return self.single_block(where, path, owner.id), path

    def single_block(
        self, container: ET.Element, path: str, owner_id: str | None
    ) -> ET.Element | None:
        blocks = [c for c in container if local_name(c.tag) == "block"]
        shadows = [c for c in container if local_name(c.tag) == "shadow"]
        if len(blocks) > 1 or (not blocks and len(shadows) > 1):
            self.error(
                codes.BLOCKLY_MALFORMED,
                "more than one block plugged into one connection",
                owner_id,
                path,
            )
            return None
        return blocks[0] if blocks else (shadows[0] if shadows else None)

    def place(
        self, pointer: str, path: str, block_id: str | None, empty: str | None = None
    ) -> None:
        self.places[pointer] = Place(path, block_id, empty)

    def ignore_unknown_parts(self, blk: _Block, inputs: set[str]) -> None:
        info = BLOCKS[blk.type]
        for name in blk.fields:
            if name not in info.fields:
                self.warning(
                    codes.BLOCKLY_IGNORED,
                    f"a {blk.type} block has no field {name!r}; GAME's editor ignores it",
                    blk.id,
                    f"{blk.path}/field[{name}]",
                )
        for name in blk.inputs:
            if name not in inputs:
                self.warning(
                    codes.BLOCKLY_IGNORED,
                    f"a {blk.type} block has no input {name!r} here; GAME's editor ignores it",
                    blk.id,
                    f"{blk.path}/{local_name(blk.inputs[name].tag)}[{name}]",
                )

    def no_next(self, blk: _Block) -> None:
        if blk.next is not None and not BLOCKS[blk.type].has_next:
            self.error(
                codes.BLOCKLY_MALFORMED,
                f"a {blk.type} block has no next connection, yet a block follows it "
                "(GAME's editor cannot load this workspace)",
                blk.id,
                f"{blk.path}/next",
            )

    # -- the workspace -------------------------------------------------------------

    def workspace(self, root: ET.Element) -> Json:
        if local_name(root.tag) != "xml":
            self.error(
                codes.BLOCKLY_NOT_WORKSPACE,
                f"the root element is <{local_name(root.tag)}>, not a Blockly workspace <xml>",
                None,
                "/",
            )
            return {}
        sections: dict[str, list[Json]] = {name: [] for name in RULE_BLOCKS.values()}
        parent_variables: dict[str, Any] = {}
        default: Json | None = None
        self.place("", "/xml", None)
        top = 0
        for elem in root:
            if local_name(elem.tag) != "block":
                continue
            top += 1
            blk = self.block(elem, f"/xml/block[{top}]")
            if blk is None:
                continue
            if blk.type in RULE_BLOCKS:
                section = RULE_BLOCKS[blk.type]
                rules = sections[section]
                rules.append(self.rule(blk, f"/{section}/{len(rules)}"))
            elif blk.type == PARENT_VARIABLE_BLOCK:
                self.parent_variable(blk, parent_variables)
            elif blk.type == "gd_assign_points":
                default = self.statement(blk, "/default", 1)
            else:
                what = (
                    f"a {blk.type} block"
                    if blk.type in BLOCKS
                    else f"an unknown block type {blk.type!r}"
                )
                self.warning(
                    codes.BLOCKLY_IGNORED,
                    f"{what} is not part of any rule; GAME ignores unattached blocks",
                    blk.id,
                    blk.path,
                )
        ast: Json = {"type": "program", "id": "program", "rules": sections["rules"]}
        for section in ("pre_rules", "post_rules"):
            if sections[section]:
                ast[section] = sections[section]
        if parent_variables:
            ast["parent_variables"] = parent_variables
        if default is not None:
            ast["default"] = default
        return ast

    def parent_variable(self, blk: _Block, out: dict[str, Any]) -> None:
        self.ignore_unknown_parts(blk, set())
        self.no_next(blk)
        name = blk.fields.get("VARIABLE", "")
        raw = blk.fields.get("VALUE", "").strip()
        pointer = child_pointer("/parent_variables", name)
        self.place(pointer, blk.path, blk.id)
        value: Any
        if raw in ("true", "false"):
            value = raw == "true"
        elif raw == "null":
            value = None
        elif DECIMAL_RE.fullmatch(raw):
            try:
                value = parse_number(raw)
            except NotANumber:
                self.error(
                    codes.BLOCKLY_BAD_NUMBER,
                    f"parent variable {name!r}: {raw[:40]!r} is too large for a number",
                    blk.id,
                    f"{blk.path}/field[VALUE]",
                )
                return
        else:
            value = raw
        out[name] = value

    def rule(self, blk: _Block, pointer: str) -> Json:
        self.place(pointer, blk.path, blk.id)
        self.no_next(blk)
        elseifs, has_else = self.mutation(blk)
        inputs = {"WHEN", "THEN"}
        node: Json = {"type": "rule"}
        if blk.id is not None:
            node["id"] = blk.id
        node["when"] = self.condition_input(blk, "WHEN", f"{pointer}/when", 2)
        node["then"] = self.stack(blk, "THEN", f"{pointer}/then")
        branches = []
        for i in range(1, elseifs + 1):
            inputs |= {f"IF{i}", f"DO{i}"}
            at = f"{pointer}/else_if/{i - 1}"
            self.place(at, f"{blk.path}/value[IF{i}]", blk.id)
            branches.append(
                {
                    "when": self.condition_input(blk, f"IF{i}", f"{at}/when", 2),
                    "then": self.stack(blk, f"DO{i}", f"{at}/then"),
                }
            )
        if branches:
            node["else_if"] = branches
        if has_else:
            inputs.add("ELSE")
            node["else"] = self.stack(blk, "ELSE", f"{pointer}/else")
        self.ignore_unknown_parts(blk, inputs)
        return node

    def mutation(self, blk: _Block) -> tuple[int, bool]:
        if blk.mutation is None:
            return 0, False
        counts = []
        for attr in ("elseif", "else"):
            raw = blk.mutation.get(attr, "0").strip() or "0"
            if not raw.isascii() or not raw.isdigit():
                self.error(
                    codes.BLOCKLY_MALFORMED,
                    f"the mutation's {attr}={raw[:20]!r} is not a count",
                    blk.id,
                    f"{blk.path}/mutation",
                )
                return 0, False
            counts.append(int(raw[:8]) if len(raw) <= 8 else MAX_NODES + 1)
        if counts[0] > MAX_NODES:
            self.error(
                codes.BLOCKLY_TOO_LARGE,
                f"the mutation asks for {counts[0]} else-if branches; a program has at most "
                f"{MAX_NODES} nodes",
                blk.id,
                f"{blk.path}/mutation",
            )
            return 0, False
        return counts[0], counts[1] != 0

    # -- statements ----------------------------------------------------------------

    def stack(self, owner: _Block, name: str, pointer: str) -> list[Json]:
        first, path = self.target(owner, name, "statement")
        if first is None:
            self.place(pointer, path, owner.id, empty=name)
        out: list[Json] = []
        elem = first
        while elem is not None:
            blk = self.block(elem, f"{path}/block[{len(out) + 1}]")
            if blk is None:
                break
            stmt = self.statement(blk, f"{pointer}/{len(out)}", 2)
            if stmt is None:
                break
            out.append(stmt)
            elem = (
                self.single_block(blk.next, f"{blk.path}/next", blk.id)
                if blk.next is not None
                else None
            )
        return out

    def statement(self, blk: _Block, pointer: str, depth: int) -> Json | None:
        info = BLOCKS.get(blk.type)
        if info is None or not info.statement:
            self.wrong_block(blk, "a statement")
            return None
        self.place(pointer, blk.path, blk.id)
        self.no_next(blk)
        self.ignore_unknown_parts(blk, {name for name, _ in info.inputs})
        node: Json = {"type": info.node}
        if blk.id is not None:
            node["id"] = blk.id
        value = pointer + "/value"
        if info.node == "assign_points":
            node["value"] = self.expression_input(blk, "VALUE", value, depth + 1, "v_missing", 0)
            node["case_name"] = blk.fields.get("CASE_NAME") or "default"
        elif info.node in ("set_callback_data", "set_data"):
            node["key"] = blk.fields.get("KEY") or ""
            node["value"] = self.expression_input(blk, "VALUE", value, depth + 1, "v_missing", None)
        elif info.node == "veto":
            node["case_name"] = blk.fields.get("CASE_NAME") or "Vetoed"
        elif info.node == "set_points":
            node["value"] = self.expression_input(blk, "VALUE", value, depth + 1, "v_missing", 0)
        else:  # set_case_name
            node["value"] = self.expression_input(blk, "VALUE", value, depth + 1, "v_missing", "")
        return node

    # -- conditions and expressions ------------------------------------------------

    def placeholder(self, owner: _Block, name: str, pointer: str, suffix: str, value: Any) -> Json:
        path = f"{owner.path}/value[{name}]"
        self.place(pointer, path, owner.id)
        self.warning(
            codes.BLOCKLY_EMPTY_INPUT,
            f"input {name} of the {owner.type} block is empty; "
            f"GAME reads it as {json.dumps(value)}",
            owner.id,
            path,
        )
        node: Json = {"type": "literal"}
        if owner.id is not None:
            node["id"] = f"{owner.id}_{suffix}"
        node["value"] = value
        return node

    def condition_input(self, owner: _Block, name: str, pointer: str, depth: int) -> Json | None:
        elem, path = self.target(owner, name)
        if elem is None:
            self.place(pointer, path, owner.id, empty=name)
            return None
        blk = self.block(elem, f"{path}/block")
        return self.condition(blk, pointer, depth) if blk is not None else None

    def two_conditions(self, blk: _Block, pointer: str, depth: int) -> list[Any]:
        args: list[Any] = []
        for i, name in enumerate(("A", "B")):
            at = f"{pointer}/args/{i}"
            elem, path = self.target(blk, name)
            child = self.block(elem, f"{path}/block") if elem is not None else None
            if child is None:
                args.append(self.placeholder(blk, name, at, f"{name}_missing", False))
            else:
                args.append(self.condition(child, at, depth + 1))
        return args

    def condition(self, blk: _Block, pointer: str, depth: int) -> Json | None:
        if blk.type not in CONDITION_BLOCKS:
            return self.expression(blk, pointer, depth)
        if depth > _MAX_NESTING:
            self.too_deep(blk)
            return None
        self.place(pointer, blk.path, blk.id)
        self.no_next(blk)
        info = BLOCKS[blk.type]
        self.ignore_unknown_parts(blk, {name for name, _ in info.inputs})
        node: Json = {"type": info.node}
        if blk.id is not None:
            node["id"] = blk.id
        if blk.type == "gd_compare":
            node["op"] = blk.fields.get("OP")
            node["left"] = self.operand(blk, "LEFT", f"{pointer}/left", depth)
            node["right"] = self.operand(blk, "RIGHT", f"{pointer}/right", depth)
        elif blk.type == "gd_not":
            at = f"{pointer}/arg"
            elem, path = self.target(blk, "ARG")
            child = self.block(elem, f"{path}/block") if elem is not None else None
            node["arg"] = (
                self.placeholder(blk, "ARG", at, "arg", False)
                if child is None
                else self.condition(child, at, depth + 1)
            )
        else:
            node["args"] = self.two_conditions(blk, pointer, depth)
        return node

    def operand(self, owner: _Block, name: str, pointer: str, depth: int) -> Json | None:
        return self.expression_input(
            owner, name, pointer, depth + 1, f"{name.lower()}_missing", False
        )

    def expression_input(
        self, owner: _Block, name: str, pointer: str, depth: int, suffix: str, missing: Any
    ) -> Json | None:
        elem, path = self.target(owner, name)
        blk = self.block(elem, f"{path}/block") if elem is not None else None
        if blk is None:
            return self.placeholder(owner, name, pointer, suffix, missing)
        return self.expression(blk, pointer, depth)

    def expression(self, blk: _Block, pointer: str, depth: int) -> Json | None:
        info = BLOCKS.get(blk.type)
        if info is None or info.output is None or blk.type in CONDITION_BLOCKS:
            self.wrong_block(blk, "an expression")
            return None
        if depth > _MAX_NESTING:
            self.too_deep(blk)
            return None
        self.place(pointer, blk.path, blk.id)
        self.no_next(blk)
        node: Json = {"type": info.node}
        if blk.id is not None:
            node["id"] = blk.id
        inputs: set[str] = set()
        if blk.type in ("gd_field", "gd_field_parent"):
            node["path"] = blk.fields.get("PATH")
        elif blk.type == "gd_field_data":
            node["path"] = "data." + blk.fields.get("KEY", "")
        elif blk.type == "gd_literal_number":
            node["value"] = self.number(blk)
        elif blk.type == "gd_literal_text":
            node["value"] = blk.fields.get("VALUE") or ""
        elif blk.type == "gd_arith":
            inputs = {"LEFT", "RIGHT"}
            node["op"] = blk.fields.get("OP")
            node["left"] = self.operand(blk, "LEFT", f"{pointer}/left", depth)
            node["right"] = self.operand(blk, "RIGHT", f"{pointer}/right", depth)
        else:  # gd_func_call
            name = blk.fields.get("NAME")
            node["name"] = name
            names = FUNC_INPUTS.get(name or "", ())
            inputs = set(names)
            node["args"] = [
                self.operand(blk, arg, f"{pointer}/args/{i}", depth) for i, arg in enumerate(names)
            ]
        self.ignore_unknown_parts(blk, inputs)
        return node

    def number(self, blk: _Block) -> int | float | None:
        text = blk.fields.get("VALUE", "")
        try:
            return parse_number(text)
        except NotANumber as exc:
            self.error(
                codes.BLOCKLY_BAD_NUMBER,
                f"the number block holds {text[:40]!r}: {exc}",
                blk.id,
                f"{blk.path}/field[VALUE]",
            )
            return None

    def wrong_block(self, blk: _Block, wanted: str) -> None:
        if blk.type not in BLOCKS:
            self.error(
                codes.BLOCKLY_UNKNOWN_BLOCK,
                f"unknown block type {blk.type[:60]!r} where {wanted} belongs",
                blk.id,
                blk.path,
            )
        else:
            self.error(
                codes.BLOCKLY_MISPLACED_BLOCK,
                f"a {blk.type} block cannot stand where {wanted} belongs",
                blk.id,
                blk.path,
            )

    def too_deep(self, blk: _Block) -> None:
        self.error(
            codes.DEPTH_LIMIT,
            f"blocks nest deeper than the language allows ({MAX_DEPTH} levels)",
            blk.id,
            blk.path,
        )
