"""Decoding instructions: the one function the verifier, the disassembler
and the loader share (as CPython's ``dis._unpack_opargs``)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from vm.errors import VerifyError
from vm.opcodes import OPINFO, Op, OpInfo

_U16 = struct.Struct("<H")


@dataclass(frozen=True, slots=True)
class Instr:
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


_BY_BYTE: dict[int, tuple[Op, OpInfo]] = {int(op): (op, info) for op, info in OPINFO.items()}


def decode_instructions(code: bytes) -> list[Instr]:
    """Split code into instructions; unknown opcodes and truncated operands
    are a VerifyError."""
    out: list[Instr] = []
    pos = 0
    n = len(code)
    while pos < n:
        entry = _BY_BYTE.get(code[pos])
        if entry is None:
            raise VerifyError(f"unknown opcode {code[pos]:#04x}", pos)
        op, info = entry
        size = info.size
        if pos + size > n:
            raise VerifyError(f"truncated {op.name} instruction", pos)
        args = tuple(_U16.unpack_from(code, pos + 1 + 2 * i)[0] for i in range(len(info.operands)))
        out.append(Instr(pos, op, args, size))
        pos += size
    return out


def encode_instruction(op: Op, *args: int) -> bytes:
    info = OPINFO[op]
    if len(args) != len(info.operands):
        raise ValueError(f"{op.name} takes {len(info.operands)} operands, got {len(args)}")
    return bytes([int(op)]) + b"".join(_U16.pack(a) for a in args)
