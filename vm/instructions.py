"""Decoding instructions: the one function the verifier, the disassembler
and the loader share (as CPython's ``dis._unpack_opargs``)."""

from __future__ import annotations

import struct
from typing import NamedTuple

from vm.errors import VerifyError
from vm.opcodes import OPINFO, ROWS, Op, OpInfo

_U16 = struct.Struct("<H")
_U16X2 = struct.Struct("<HH")


class Instr(NamedTuple):
    offset: int
    op: Op
    args: tuple[int, ...]
    size: int

    @property
    def info(self) -> OpInfo:
        return OPINFO[self.op]

    @property
    def next_offset(self) -> int:
        return self.offset + self.size


def decode_instructions(code: bytes) -> list[Instr]:
    """Split code into instructions; unknown opcodes and truncated operands
    are a VerifyError."""
    out: list[Instr] = []
    append = out.append
    rows = ROWS
    # tuple.__new__ directly: a NamedTuple's own __new__ is a Python-level
    # call, the largest cost of loading a hostile image of one-byte opcodes.
    new = tuple.__new__
    u16 = _U16.unpack_from
    u16x2 = _U16X2.unpack_from
    pos = 0
    n = len(code)
    while pos < n:
        row = rows.get(code[pos])
        if row is None:
            raise VerifyError(f"unknown opcode {code[pos]:#04x}", pos)
        size = row.size
        if pos + size > n:
            raise VerifyError(f"truncated {row.op.name} instruction", pos)
        if size == 1:
            args: tuple[int, ...] = ()
        elif size == 3:
            args = u16(code, pos + 1)
        elif size == 5:
            args = u16x2(code, pos + 1)
        else:
            args = struct.unpack_from(f"<{(size - 1) // 2}H", code, pos + 1)
        append(new(Instr, (pos, row.op, args, size)))
        pos += size
    return out


def encode_instruction(op: Op, *args: int) -> bytes:
    info = OPINFO[op]
    if len(args) != len(info.operands):
        raise ValueError(f"{op.name} takes {len(info.operands)} operands, got {len(args)}")
    return bytes([int(op)]) + b"".join(_U16.pack(a) for a in args)
