"""The one opcode table. Encoder, decoder, verifier, VM and disassembler all
read it (a test checks that each opcode has a handler, a verifier rule and a
disassembly format).

Instruction encoding (little-endian)::

    +--------+------------+------------+-----
    | opcode | operand 0  | operand 1  | ...      opcode: 1 byte
    +--------+------------+------------+-----      operand: 2 bytes (u16)

Each opcode has a fixed number of u16 operands, so an instruction's length
is ``1 + 2 * len(operands)``. Jump targets are absolute byte offsets into
the code and must point forward, onto an instruction boundary, inside the
same section: every program therefore ends in at most its length in steps.

Opcode numbers are part of the image format: never renumber or reuse one;
retire an opcode by leaving its number unused and bumping FORMAT_VERSION.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag
from typing import NamedTuple


class Operand(IntEnum):
    """What an operand indexes; the verifier checks each against its table."""

    CONST = 1  # constant pool index (any constant)
    STR = 2  # constant pool index that must hold a string
    FIELD = 3  # field table index (host-supplied fields)
    TARGET = 4  # absolute code offset of a jump target
    PARENT_ATTR = 5  # 0 = parent.points, 1 = parent.case_name
    CMP = 6  # a comparison operator, index into COMPARE_NAMES


class Flag(IntFlag):
    NONE = 0
    TERMINATOR = 1  # control never falls through to the next instruction
    BRANCH = 2  # may jump to its TARGET operand
    IN_FULL = 4
    IN_PRE = 8
    IN_POST = 16
    CAN_FAIL = 32  # may raise a runtime error, so it needs a node id
    EVERYWHERE = IN_FULL | IN_PRE | IN_POST


class Op(IntEnum):
    CONST = 0x01
    FIELD = 0x02
    DATA = 0x03
    PARENT = 0x04

    ADD = 0x10
    SUB = 0x11
    MUL = 0x12
    DIV = 0x13
    MIN = 0x14
    MAX = 0x15
    INT = 0x16
    CLAMP = 0x17

    CMP = 0x20
    NOT = 0x21

    JUMP = 0x30
    JUMP_IF_FALSE = 0x31
    JUMP_IF_TRUE = 0x32
    CMP_JUMP_IF_FALSE = 0x33
    CMP_JUMP_IF_TRUE = 0x34

    ASSIGN_POINTS = 0x40
    SET_CALLBACK = 0x41
    SET_DATA = 0x42
    VETO = 0x43
    SET_POINTS = 0x44
    SET_CASE_NAME = 0x45
    HALT = 0x46


@dataclass(frozen=True, slots=True)
class OpInfo:
    operands: tuple[Operand, ...]
    pops: int
    pushes: int
    flags: Flag
    doc: str

    @property
    def size(self) -> int:
        return 1 + 2 * len(self.operands)


_E = Flag.EVERYWHERE
_F = Flag.CAN_FAIL

OPINFO: dict[Op, OpInfo] = {
    Op.CONST: OpInfo((Operand.CONST,), 0, 1, _E, "push a constant"),
    Op.FIELD: OpInfo((Operand.FIELD,), 0, 1, _E, "push a host field (fetched once per event)"),
    Op.DATA: OpInfo((Operand.STR,), 0, 1, _E, "push data.<key> of the event as given"),
    Op.PARENT: OpInfo((Operand.PARENT_ATTR,), 0, 1, Flag.IN_POST, "push parent.points/case_name"),
    Op.ADD: OpInfo((), 2, 1, _E | _F, "a + b"),
    Op.SUB: OpInfo((), 2, 1, _E | _F, "a - b"),
    Op.MUL: OpInfo((), 2, 1, _E | _F, "a * b"),
    Op.DIV: OpInfo((), 2, 1, _E | _F, "a / b (true division)"),
    Op.MIN: OpInfo((), 2, 1, _E | _F, "min(a, b), left on a tie"),
    Op.MAX: OpInfo((), 2, 1, _E | _F, "max(a, b), left on a tie"),
    Op.INT: OpInfo((), 1, 1, _E | _F, "int(a), truncating toward zero"),
    Op.CLAMP: OpInfo((), 3, 1, _E | _F, "clamp(v, lo, hi)"),
    Op.CMP: OpInfo((Operand.CMP,), 2, 1, _E | _F, "push a <op> b"),
    # A truth test can fail: a host value's __bool__ may raise (DSL_HOST_VALUE_ERROR).
    Op.NOT: OpInfo((), 1, 1, _E | _F, "push not truthy(a)"),
    Op.JUMP: OpInfo((Operand.TARGET,), 0, 0, _E | Flag.TERMINATOR | Flag.BRANCH, "jump"),
    Op.JUMP_IF_FALSE: OpInfo((Operand.TARGET,), 1, 0, _E | _F | Flag.BRANCH, "pop; jump if falsy"),
    Op.JUMP_IF_TRUE: OpInfo((Operand.TARGET,), 1, 0, _E | _F | Flag.BRANCH, "pop; jump if truthy"),
    Op.CMP_JUMP_IF_FALSE: OpInfo(
        (Operand.CMP, Operand.TARGET), 2, 0, _E | _F | Flag.BRANCH, "pop b, a; jump unless a <op> b"
    ),
    Op.CMP_JUMP_IF_TRUE: OpInfo(
        (Operand.CMP, Operand.TARGET), 2, 0, _E | _F | Flag.BRANCH, "pop b, a; jump if a <op> b"
    ),
    Op.ASSIGN_POINTS: OpInfo(
        (Operand.STR,), 1, 0, Flag.IN_FULL | Flag.TERMINATOR | _F, "points := a; case; halt"
    ),
    Op.SET_CALLBACK: OpInfo((Operand.STR,), 1, 0, _E, "callback_data[key] := a"),
    Op.SET_DATA: OpInfo((Operand.STR,), 1, 0, Flag.IN_PRE, "working_data[key] := a"),
    Op.VETO: OpInfo((Operand.STR,), 0, 0, Flag.IN_PRE | Flag.TERMINATOR, "veto with a case; halt"),
    Op.SET_POINTS: OpInfo((), 1, 0, Flag.IN_POST | _F, "points := a"),
    Op.SET_CASE_NAME: OpInfo((), 1, 0, Flag.IN_POST | _F, "case_name := a"),
    Op.HALT: OpInfo((), 0, 0, _E | Flag.TERMINATOR, "end the phase"),
}

COMPARE_NAMES: tuple[str, ...] = ("<", "<=", "==", "!=", ">=", ">")
# A comparison operator's CMP operand (its index in COMPARE_NAMES).
COMPARE_CODES: dict[str, int] = {name: i for i, name in enumerate(COMPARE_NAMES)}
# The opcode of each arithmetic operator of the language (an arith node's
# "op"; min and max are calls in the text language): codegen emits it, and
# the optimizer and the reference evaluator apply it with vm.values.arith.
ARITH_OPCODES: dict[str, Op] = {
    "+": Op.ADD,
    "-": Op.SUB,
    "*": Op.MUL,
    "/": Op.DIV,
    "min": Op.MIN,
    "max": Op.MAX,
}
PARENT_ATTRS: tuple[str, ...] = ("points", "case_name")
PHASES: tuple[str, ...] = ("full", "pre", "post")
PHASE_FLAG: dict[str, Flag] = {"full": Flag.IN_FULL, "pre": Flag.IN_PRE, "post": Flag.IN_POST}

MAX_OPERAND = 0xFFFF


class Row(NamedTuple):
    """OPINFO flattened to plain integers, for the loader's and verifier's
    inner loops (IntFlag arithmetic allocates; plain ints do not)."""

    op: Op
    size: int
    pops: int
    pushes: int
    flags: int
    operands: tuple[Operand, ...]


ROWS: dict[int, Row] = {
    int(op): Row(op, info.size, info.pops, info.pushes, int(info.flags), info.operands)
    for op, info in OPINFO.items()
}
F_TERMINATOR = int(Flag.TERMINATOR)
F_BRANCH = int(Flag.BRANCH)
F_CAN_FAIL = int(Flag.CAN_FAIL)
