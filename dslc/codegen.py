"""Code generation: typed IR in, an image (``vm.image.Image``) out.

Conditions compile to jumps (they never materialise a boolean): a compare
followed by its jump is one fused instruction, ``and``/``or`` become
short-circuit jump chains and ``not`` swaps the sense of the jump. Labels
are resolved in a second pass. The output is deterministic: constants and
fields are numbered in order of first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dslc import ir as I
from vm.image import Image, const_key
from vm.instructions import encode_instruction
from vm.opcodes import ARITH_OPCODES, COMPARE_CODES, MAX_OPERAND, OPINFO, PARENT_ATTRS, Flag, Op


class CodegenLimitError(Exception):
    """The program does not fit the image format's operand widths."""


@dataclass
class _Label:
    offset: int = -1


@dataclass
class _Asm:
    """Instructions with symbolic jump targets, assembled in two passes."""

    items: list[tuple[Op, tuple[int | _Label, ...], str | None]] = field(default_factory=list)
    marks: list[tuple[int, _Label]] = field(default_factory=list)  # (item index, label)

    def emit(self, op: Op, *args: int | _Label, node_id: str | None = None) -> None:
        self.items.append((op, args, node_id))

    def place(self, label: _Label) -> None:
        self.marks.append((len(self.items), label))

    def last_terminates(self) -> bool:
        if not self.items:
            return False
        # A label placed after the last instruction makes the end reachable.
        if self.marks and self.marks[-1][0] == len(self.items):
            return False
        return bool(OPINFO[self.items[-1][0]].flags & Flag.TERMINATOR)


class _Generator:
    def __init__(self) -> None:
        self.constants: list[object] = []
        self.const_index: dict[tuple[str, str], int] = {}
        self.fields: list[str] = []
        self.field_index: dict[str, int] = {}

    def const(self, value: object) -> int:
        key = const_key(value)  # type: ignore[arg-type]
        i = self.const_index.get(key)
        if i is None:
            i = self.const_index[key] = len(self.constants)
            self.constants.append(value)
        return i

    def field(self, path: str) -> int:
        i = self.field_index.get(path)
        if i is None:
            i = self.field_index[path] = len(self.fields)
            self.fields.append(path)
        return i

    # -- statements -------------------------------------------------------

    def section(self, body: tuple[I.Stmt, ...]) -> _Asm:
        asm = _Asm()
        self.stmts(asm, body)
        if not asm.last_terminates():
            asm.emit(Op.HALT)
        return asm

    def stmts(self, asm: _Asm, body: tuple[I.Stmt, ...]) -> None:
        for s in body:
            self.stmt(asm, s)

    def stmt(self, asm: _Asm, s: I.Stmt) -> None:
        if isinstance(s, I.If):
            otherwise = _Label()
            self.jump_if_false(asm, s.cond, otherwise)
            self.stmts(asm, s.then)
            if s.else_:
                end = _Label()
                if not I.halts(s.then):
                    asm.emit(Op.JUMP, end)
                asm.place(otherwise)
                self.stmts(asm, s.else_)
                asm.place(end)
            else:
                asm.place(otherwise)
        elif isinstance(s, I.AssignPoints):
            self.expr(asm, s.value)
            asm.emit(Op.ASSIGN_POINTS, self.const(s.case_name), node_id=s.node_id)
        elif isinstance(s, I.SetCallbackData):
            self.expr(asm, s.value)
            asm.emit(Op.SET_CALLBACK, self.const(s.key), node_id=s.node_id)
        elif isinstance(s, I.SetData):
            self.expr(asm, s.value)
            asm.emit(Op.SET_DATA, self.const(s.key), node_id=s.node_id)
        elif isinstance(s, I.Veto):
            asm.emit(Op.VETO, self.const(s.case_name), node_id=s.node_id)
        elif isinstance(s, I.SetPoints):
            self.expr(asm, s.value)
            asm.emit(Op.SET_POINTS, node_id=s.node_id)
        elif isinstance(s, I.SetCaseName):
            self.expr(asm, s.value)
            asm.emit(Op.SET_CASE_NAME, node_id=s.node_id)
        else:
            asm.emit(Op.HALT, node_id=s.node_id)

    # -- conditions: jump to ``label`` when the condition is false/true ----

    def jump_if_false(self, asm: _Asm, c: I.Cond, label: _Label) -> None:
        self._jump(asm, c, label, when=False)

    def _jump(self, asm: _Asm, c: I.Cond, label: _Label, *, when: bool) -> None:
        if isinstance(c, I.Compare):
            self.expr(asm, c.left)
            self.expr(asm, c.right)
            op = Op.CMP_JUMP_IF_TRUE if when else Op.CMP_JUMP_IF_FALSE
            asm.emit(op, COMPARE_CODES[c.op], label, node_id=c.node_id)
        elif isinstance(c, I.Truth):
            if isinstance(c.expr, I.Const):
                if bool(c.expr.value) is when:
                    asm.emit(Op.JUMP, label)
                return
            self.expr(asm, c.expr)
            # A truth test runs the host value's __bool__, which may raise:
            # the failure names the expression tested.
            op = Op.JUMP_IF_TRUE if when else Op.JUMP_IF_FALSE
            asm.emit(op, label, node_id=c.expr.node_id or None)
        elif isinstance(c, I.Not):
            self._jump(asm, c.arg, label, when=not when)
        else:
            # ``and`` jumps to the false label on the first false argument;
            # ``or`` to the true label on the first true one. When the
            # requested sense is the other one, the last argument decides.
            deciding = isinstance(c, I.Or)
            if deciding is when:
                for a in c.args:
                    self._jump(asm, a, label, when=when)
            else:
                skip = _Label()
                for a in c.args[:-1]:
                    self._jump(asm, a, skip, when=deciding)
                self._jump(asm, c.args[-1], label, when=when)
                asm.place(skip)

    # -- expressions ------------------------------------------------------

    def expr(self, asm: _Asm, e: I.Expr) -> None:
        if isinstance(e, I.Const):
            asm.emit(Op.CONST, self.const(e.value))
        elif isinstance(e, I.HostField):
            asm.emit(Op.FIELD, self.field(e.path))
        elif isinstance(e, I.DataField):
            asm.emit(Op.DATA, self.const(e.key))
        elif isinstance(e, I.ParentField):
            asm.emit(Op.PARENT, PARENT_ATTRS.index(e.attr))
        elif isinstance(e, I.Arith):
            self.expr(asm, e.left)
            self.expr(asm, e.right)
            asm.emit(ARITH_OPCODES[e.op], node_id=e.node_id)
        else:
            for a in e.args:
                self.expr(asm, a)
            asm.emit(Op.INT if e.name == "int" else Op.CLAMP, node_id=e.node_id)


def _assemble(asms: list[_Asm]) -> tuple[bytes, list[tuple[int, int]], list[tuple[int, str]]]:
    # Pass 1: offsets (every instruction has a fixed size).
    offsets: list[list[int]] = []
    pos = 0
    for asm in asms:
        section_offsets = []
        for op, _args, _node in asm.items:
            section_offsets.append(pos)
            pos += OPINFO[op].size
        section_offsets.append(pos)
        offsets.append(section_offsets)
        for index, label in asm.marks:
            label.offset = section_offsets[index]
    # Pass 2: bytes, with labels resolved.
    code = bytearray()
    entries: list[tuple[int, int]] = []
    node_table: list[tuple[int, str]] = []
    for asm, section_offsets in zip(asms, offsets, strict=True):
        entries.append((section_offsets[0], section_offsets[-1]))
        for (op, args, node_id), offset in zip(asm.items, section_offsets, strict=False):
            resolved = [a.offset if isinstance(a, _Label) else a for a in args]
            if any(not 0 <= a <= MAX_OPERAND for a in resolved):
                raise CodegenLimitError("the program is too large for the image format")
            if node_id is not None and OPINFO[op].flags & Flag.CAN_FAIL:
                node_table.append((offset, node_id))
            code += encode_instruction(op, *resolved)
    return bytes(code), entries, node_table


def generate(program: I.IRProgram) -> Image:
    gen = _Generator()
    asms = [gen.section(s.body) for s in (program.full, program.pre, program.post)]
    pv = program.parent_variables
    if pv is not None:
        for _key, value in pv:
            gen.const(value)
    if len(gen.constants) > MAX_OPERAND or len(gen.fields) > MAX_OPERAND:
        raise CodegenLimitError("too many constants or fields for the image format")
    code, entries, node_table = _assemble(asms)
    return Image(
        program_id=program.program_id,
        constants=tuple(gen.constants),  # type: ignore[arg-type]
        fields=tuple(gen.fields),
        entries=tuple(entries),
        code=code,
        has_pre=program.has_pre,
        has_post=program.has_post,
        parent_variables=pv,  # type: ignore[arg-type]
        node_table=tuple(node_table),
    )
