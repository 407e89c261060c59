"""A program as the Blockly workspace GAME's dashboard would store for it.

The XML is what Blockly itself writes (``Blockly.Xml.workspaceToDom``): each
block's mutation, then its fields, then its inputs in the order the block
defines them, then ``<next>``; top-level blocks carry ``x``/``y``. Top-level
blocks are stacked down one column: GAME's generator reads them sorted by
position, so rules keep their order.

Every node keeps its id as its block id, except ids that are empty or repeat
an earlier block's (the editor would replace those with random ones): they
get a fresh, deterministic id. A program that GAME's blocks cannot carry
(BLOCKLY.md, "Writing XML") is refused with ``DSLC_BLOCKLY_UNSUPPORTED``
errors, one per offending node, naming the construct; nothing is ever
approximated with other blocks.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from dslc import codes
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
    Loc,
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
from dslc.blockly.blocks import (
    DATA_PREFIX,
    FIELD_PATHS,
    PARENT_PATHS,
    PARENT_VARIABLE_BLOCK,
    SECTION_BLOCKS,
    STATEMENT_BLOCKS,
    XMLNS,
    fits,
    input_accepts,
)
from dslc.blockly.numbers import DECIMAL_RE, js_text, survives
from dslc.diagnostics import CompileError, Diagnostic, DiagnosticBag, Severity
from dslc.ids import iter_nodes

# Text fields and ids must survive an XML round trip as Blockly writes it:
# no characters XML 1.0 forbids, no carriage returns (a parser turns them into
# line feeds) and, in ids (attributes), no control characters at all.
_TEXT_OK = re.compile(r"[\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
_ID_OK = re.compile(r"[\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]+")
# gd_field_data's key field only takes what this matches (its validator).
_DATA_KEY = re.compile(r"[A-Za-z0-9_]+")

# Layout: one column; a rough row height that keeps blocks apart in the
# editor's default renderer.
_X = 40
_Y0 = 40
_ROW = 40
_GAP = 40


@dataclass(frozen=True, slots=True)
class Written:
    """The workspace XML and the warnings about it."""

    xml: str
    warnings: list[Diagnostic]


def program_to_blockly(program: Program, filename: str | None = None) -> Written:
    """Write ``program`` (ids filled, valid) as GAME's dashboard stores it.

    Raises CompileError with one ``DSLC_BLOCKLY_UNSUPPORTED`` error per node
    that GAME's blocks cannot carry."""
    writer = _Writer(program, filename)
    xml = writer.workspace()
    if writer.bag.has_errors:
        raise CompileError(writer.bag.items)
    return Written(xml, list(writer.bag.items))


def _rows(stmts: tuple[Stmt, ...]) -> int:
    return max(1, len(stmts))


def _rule_rows(rule: Rule) -> int:
    rows = 1 + _rows(rule.then)
    rows += sum(1 + _rows(b.then) for b in rule.else_ifs)
    if rule.else_ is not None:
        rows += 1 + _rows(rule.else_)
    return rows


class _Writer:
    def __init__(self, program: Program, filename: str | None) -> None:
        self.program = program
        self.bag = DiagnosticBag(filename)
        # Every id some node has: a fresh id must not take one a later block
        # keeps.
        self.taken = {node_id for _, node_id in iter_nodes(program)}
        self.used: set[str] = set()
        self.func_calls: list[FuncCall] = []

    # -- diagnostics -------------------------------------------------------------

    def refuse(self, node_id: str | None, loc: Loc, construct: str, why: str) -> None:
        self.bag.error(
            codes.BLOCKLY_UNSUPPORTED,
            f"GAME's blocks cannot carry {construct}: {why}",
            node_id=node_id,
            loc=loc,
        )

    def text(self, value: str, node: Any, what: str) -> str:
        if not _TEXT_OK.fullmatch(value):
            self.refuse(
                node.id,
                node.loc,
                f"text with characters XML cannot carry ({what})",
                "control characters and carriage returns do not survive the workspace XML",
            )
        return value

    # -- ids -----------------------------------------------------------------------

    def block_id(self, node_id: str, loc: Loc) -> str:
        if node_id and node_id not in self.used:
            if not _ID_OK.fullmatch(node_id):
                self.refuse(
                    node_id,
                    loc,
                    "an id with characters XML cannot carry",
                    "control characters do not survive the workspace XML",
                )
            self.used.add(node_id)
            return node_id
        return self.fresh(node_id or "block")

    def fresh(self, base: str, *, suffixed: bool = True) -> str:
        """An id no node has and no block took: ``base~2``, ``base~3``...
        (or ``base`` itself first when not ``suffixed``)."""
        candidates = (f"{base}~{k}" if k > 1 else base for k in itertools.count(1))
        if suffixed:
            next(candidates)
        for candidate in candidates:
            if candidate not in self.taken and candidate not in self.used:
                self.used.add(candidate)
                return candidate
        raise AssertionError("unreachable")

    # -- elements ------------------------------------------------------------------

    def new_block(self, block_type: str, node_id: str, loc: Loc) -> ET.Element:
        return ET.Element("block", {"type": block_type, "id": self.block_id(node_id, loc)})

    @staticmethod
    def add_field(block: ET.Element, name: str, text: str) -> None:
        ET.SubElement(block, "field", {"name": name}).text = text

    @staticmethod
    def add_input(block: ET.Element, kind: str, name: str, child: ET.Element | None) -> None:
        if child is not None:
            ET.SubElement(block, kind, {"name": name}).append(child)

    # -- the workspace -------------------------------------------------------------

    def workspace(self) -> str:
        root = ET.Element("xml", {"xmlns": XMLNS})
        y = _Y0

        def place(block: ET.Element | None, rows: int) -> None:
            nonlocal y
            if block is None:
                return
            block.set("x", str(_X))
            block.set("y", str(y))
            # ``x``/``y`` follow ``type``/``id``, as Blockly writes them
            root.append(block)
            y += _ROW * rows + _GAP

        program = self.program
        for key, value in (program.parent_variables or {}).items():
            place(self.parent_variable(key, value), 1)
        for section, rules in (
            ("pre_rules", program.pre_rules or ()),
            ("rules", program.rules),
            ("post_rules", program.post_rules or ()),
        ):
            for rule in rules:
                place(self.rule(rule, section), _rule_rows(rule))
            if section == "rules" and program.default is not None:
                place(self.default(program.default), 2)
        if self.func_calls and not self.bag.has_errors:
            first = self.func_calls[0]
            self.bag.add(
                Diagnostic(
                    codes.BLOCKLY_EDITOR_LOSES_FUNC_ARGS,
                    f"{len(self.func_calls)} function block(s) (int, clamp): GAME's editor "
                    "drops their arguments when it reopens and saves this workspace "
                    "(a known defect of its gd_func_call block); the XML itself is correct",
                    Severity.WARNING,
                    node_id=first.id,
                    pointer=first.loc.pointer,
                    start=first.loc.start,
                    end=first.loc.end,
                )
            )
        return ET.tostring(root, encoding="unicode")

    def parent_variable(self, key: str, value: Any) -> ET.Element | None:
        program = self.program
        where = Loc(pointer="/parent_variables/" + key.replace("~", "~0").replace("/", "~1"))
        if program.loc.has_span:
            where = program.loc
        text = self.parent_variable_text(key, value, where)
        if text is None:
            return None
        block = ET.Element(
            "block",
            {
                "type": PARENT_VARIABLE_BLOCK,
                "id": self.fresh(f"parent_variables.{key}", suffixed=False),
            },
        )
        if not _TEXT_OK.fullmatch(key) or not _TEXT_OK.fullmatch(text):
            self.refuse(
                program.id,
                where,
                "text with characters XML cannot carry (a parent variable)",
                "control characters and carriage returns do not survive the workspace XML",
            )
        self.add_field(block, "VARIABLE", key)
        self.add_field(block, "VALUE", text)
        return block

    def parent_variable_text(self, key: str, value: Any, where: Loc) -> str | None:
        program = self.program
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            if value != value.strip() or value in ("true", "false", "null"):
                reads = "trimmed" if value != value.strip() else "a JSON literal"
            elif DECIMAL_RE.fullmatch(value):
                reads = "a number"
            else:
                return value
            self.refuse(
                program.id,
                where,
                f"the parent variable string {value[:40]!r} of {key!r}",
                f"an override's value is text coerced on reading: it would read back as {reads}",
            )
            return None
        if survives(value):
            return js_text(value)
        self.refuse(
            program.id,
            where,
            f"the parent variable number {value!r} of {key!r}",
            _why_number(value),
        )
        return None

    def default(self, stmt: Stmt) -> ET.Element | None:
        if not isinstance(stmt, AssignPoints):
            self.refuse(
                stmt.id,
                stmt.loc,
                f"a default that is a {stmt.type} statement",
                "the only default GAME's blocks have is one free assign_points block",
            )
            return None
        return self.statement(stmt)

    def rule(self, rule: Rule, section: str) -> ET.Element:
        block = self.new_block(SECTION_BLOCKS[section], rule.id, rule.loc)
        if rule.else_ifs or rule.else_ is not None:
            attrs = {}
            if rule.else_ifs:
                attrs["elseif"] = str(len(rule.else_ifs))
            if rule.else_ is not None:
                attrs["else"] = "1"
            ET.SubElement(block, "mutation", attrs)
        self.add_input(
            block, "value", "WHEN", self.condition(rule.when, "WHEN", "a rule's condition")
        )
        self.add_input(block, "statement", "THEN", self.stack(rule.then))
        for i, branch in enumerate(rule.else_ifs, start=1):
            when = self.condition(branch.when, "WHEN", "an else-if condition")
            self.add_input(block, "value", f"IF{i}", when)
            self.add_input(block, "statement", f"DO{i}", self.stack(branch.then))
        if rule.else_ is not None:
            self.add_input(block, "statement", "ELSE", self.stack(rule.else_))
        return block

    # -- statements ----------------------------------------------------------------

    def stack(self, stmts: tuple[Stmt, ...]) -> ET.Element | None:
        first: ET.Element | None = None
        last: ET.Element | None = None
        previous: Stmt | None = None
        for stmt in stmts:
            if isinstance(previous, AssignPoints | Veto):
                self.refuse(
                    stmt.id,
                    stmt.loc,
                    f"a statement after {previous.type}",
                    f"the {previous.type} block has no next connection (it ends the rule)",
                )
                break
            block = self.statement(stmt)
            previous = stmt
            if block is None:
                continue
            if last is None:
                first = block
            else:
                ET.SubElement(last, "next").append(block)
            last = block
        return first

    def statement(self, stmt: Stmt) -> ET.Element | None:
        if isinstance(stmt, Return):
            self.refuse(stmt.id, stmt.loc, "a return statement", "there is no block for return")
            return None
        block_type = STATEMENT_BLOCKS[stmt.type]
        block = self.new_block(block_type, stmt.id, stmt.loc)
        value: ET.Element | None = None
        if isinstance(stmt, AssignPoints):
            self.add_field(block, "CASE_NAME", self.text(stmt.case_name, stmt, "a case name"))
            value = self.expression(stmt.value, block_type, "VALUE", "assign_points' value")
        elif isinstance(stmt, SetCallbackData | SetData):
            self.add_field(block, "KEY", self.text(stmt.key, stmt, "a key"))
            value = self.expression(stmt.value, block_type, "VALUE", f"{stmt.type}'s value")
        elif isinstance(stmt, Veto):
            self.add_field(block, "CASE_NAME", self.text(stmt.case_name, stmt, "a case name"))
        elif isinstance(stmt, SetPoints | SetCaseName):
            value = self.expression(stmt.value, block_type, "VALUE", f"{stmt.type}'s value")
        self.add_input(block, "value", "VALUE", value)
        return block

    # -- conditions ----------------------------------------------------------------

    def condition(self, cond: Cond, input_name: str, where: str) -> ET.Element | None:
        """A rule's (or an else-if's) condition: a condition block, or a
        bare expression the input accepts."""
        if isinstance(cond, Literal | Field):
            return self.expression(cond, "gd_rule", input_name, where)
        return self.condition_block(cond)

    def condition_block(self, cond: Compare | And | Or | Not) -> ET.Element | None:
        if isinstance(cond, Compare):
            block = self.new_block("gd_compare", cond.id, cond.loc)
            self.add_field(block, "OP", cond.op)
            left = self.expression(cond.left, "gd_compare", "LEFT", "a comparison operand")
            right = self.expression(cond.right, "gd_compare", "RIGHT", "a comparison operand")
            self.add_input(block, "value", "LEFT", left)
            self.add_input(block, "value", "RIGHT", right)
            return block
        if isinstance(cond, Not):
            block = self.new_block("gd_not", cond.id, cond.loc)
            self.add_input(block, "value", "ARG", self.inner_condition(cond.arg, "not"))
            return block
        block_type = "gd_and" if isinstance(cond, And) else "gd_or"
        if len(cond.args) != 2:
            self.refuse(
                cond.id,
                cond.loc,
                f"an {cond.type} of {len(cond.args)} condition(s)",
                f"the {cond.type} block takes exactly two",
            )
            return None
        block = self.new_block(block_type, cond.id, cond.loc)
        for name, arg in zip(("A", "B"), cond.args, strict=True):
            self.add_input(block, "value", name, self.inner_condition(arg, cond.type))
        return block

    def inner_condition(self, cond: Cond, owner: str) -> ET.Element | None:
        """An and/or/not argument: only condition blocks (BLOCKLY.md)."""
        if isinstance(cond, Literal | Field):
            self.refuse(
                cond.id,
                cond.loc,
                f"a bare {cond.type} as a condition of {owner}",
                "and/or/not blocks accept only conditions (compare, and, or, not)",
            )
            return None
        return self.condition_block(cond)

    # -- expressions ---------------------------------------------------------------

    def expression(
        self, expr: Expr, owner_type: str, input_name: str, where: str
    ) -> ET.Element | None:
        block_type = self.expression_block_type(expr)
        if block_type is None:
            return None
        accepts = input_accepts(owner_type, input_name)
        assert accepts is not None
        if not fits(block_type, accepts):
            kinds = " or ".join(sorted(accepts)).lower()
            self.refuse(
                expr.id,
                expr.loc,
                f"{_describe(expr)} as {where}",
                f"the input takes {kinds} blocks; GAME's editor would drop a {block_type} there",
            )
            return None
        block = self.new_block(block_type, expr.id, expr.loc)
        if isinstance(expr, Literal):
            value = expr.value
            if isinstance(value, str):
                self.add_field(block, "VALUE", self.text(value, expr, "a text literal"))
            else:
                assert isinstance(value, int | float)
                self.add_field(block, "VALUE", js_text(value))
        elif isinstance(expr, Field):
            if block_type == "gd_field_data":
                self.add_field(block, "KEY", expr.path[len(DATA_PREFIX) :])
            else:
                self.add_field(block, "PATH", expr.path)
        elif isinstance(expr, Arith):
            self.add_field(block, "OP", expr.op)
            for name, operand in (("LEFT", expr.left), ("RIGHT", expr.right)):
                child = self.expression(operand, "gd_arith", name, "an arithmetic operand")
                self.add_input(block, "value", name, child)
        else:
            self.func_calls.append(expr)
            self.add_field(block, "NAME", expr.name)
            for name, arg in zip(("VALUE", "LO", "HI"), expr.args, strict=False):
                child = self.expression(arg, "gd_func_call", name, "a function argument")
                self.add_input(block, "value", name, child)
        return block

    def expression_block_type(self, expr: Expr) -> str | None:
        if isinstance(expr, Literal):
            value = expr.value
            if value is None or isinstance(value, bool):
                construct = "a null literal" if value is None else "a boolean literal"
                self.refuse(expr.id, expr.loc, construct, "there is no block for it")
                return None
            if isinstance(value, str):
                return "gd_literal_text"
            if not survives(value):
                self.refuse(expr.id, expr.loc, f"the number {value!r}", _why_number(value))
                return None
            return "gd_literal_number"
        if isinstance(expr, Field):
            path = expr.path
            if path in FIELD_PATHS:
                return "gd_field"
            if path in PARENT_PATHS:
                return "gd_field_parent"
            key = path[len(DATA_PREFIX) :] if path.startswith(DATA_PREFIX) else None
            if key is not None and _DATA_KEY.fullmatch(key):
                return "gd_field_data"
            self.refuse(
                expr.id,
                expr.loc,
                f"the field path {path[:60]!r}",
                "no field block holds it (the data block's key is letters, digits and _ only)",
            )
            return None
        return "gd_arith" if isinstance(expr, Arith) else "gd_func_call"


def _why_number(value: Any) -> str:
    if isinstance(value, float):
        return (
            "a number block holds a JavaScript number: an integral float reads back as an integer"
        )
    return "a number block holds a JavaScript number: integers beyond 2^53 are rounded"


def _describe(expr: Expr) -> str:
    if isinstance(expr, Literal):
        return "a text literal" if isinstance(expr.value, str) else "a number literal"
    if isinstance(expr, Field):
        return f"the field {expr.path[:60]!r}"
    return f"an {expr.type}" if expr.type == "arith" else f"a {expr.type}"
