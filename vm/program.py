"""A loaded program: a verified image bound for execution.

Binding happens once, at load time: byte offsets become instruction indices,
constant and string operands become the values themselves, comparison
operands become small integers the loop tests directly, and every branch
carries the length of the straight-line run it leads to, so the VM counts
steps exactly while touching the counter only at branches.
"""

from __future__ import annotations

from dataclasses import dataclass

from vm.errors import VerifyError
from vm.image import Image, Scalar, decode
from vm.instructions import Instr
from vm.opcodes import OPINFO, PARENT_ATTRS, PHASES, Flag, Op
from vm.verify import VerifiedImage, verify

Bound = tuple[int, object, object, object, object]


@dataclass(frozen=True, slots=True)
class PhaseCode:
    entry: int  # instruction index of the first instruction
    first_run: int  # length of the straight-line run at the entry
    max_steps: int
    max_stack: int


class Program:
    """A verified, bound program. Create it with ``vm.load(image_bytes)``."""

    __slots__ = (
        "code",
        "field_index",
        "fields",
        "has_post",
        "has_pre",
        "image",
        "node_ids",
        "parent_variables",
        "phases",
        "program_id",
        "verified",
    )

    def __init__(self, verified: VerifiedImage) -> None:
        image = verified.image
        self.verified = verified
        self.image = image
        self.program_id = image.program_id
        self.fields: tuple[str, ...] = image.fields
        self.field_index = {path: i for i, path in enumerate(image.fields)}
        self.has_pre = image.has_pre
        self.has_post = image.has_post
        self.parent_variables: dict[str, Scalar] | None = (
            dict(image.parent_variables) if image.parent_variables is not None else None
        )
        instrs = verified.instructions
        index_of = {ins.offset: i for i, ins in enumerate(instrs)}
        index_of[len(image.code)] = len(instrs)
        runs = _run_lengths(instrs, index_of)
        self.code: list[Bound] = [_bind(ins, image, index_of, runs) for ins in instrs]
        self.node_ids: list[str | None] = _node_ids(instrs, image)
        self.phases: dict[str, PhaseCode] = {}
        for phase in PHASES:
            facts = verified.sections[phase]
            entry = index_of[facts.start]
            self.phases[phase] = PhaseCode(entry, runs[entry], facts.max_steps, facts.max_stack)

    def fields_read(self, phase: str) -> frozenset[str]:
        """Every field path the phase may read (host fields, ``data.*`` and
        ``parent.*``), for hosts that want to plan or prefetch."""
        facts = self.verified.sections[phase]
        out: set[str] = set()
        for ins in self.verified.instructions:
            if not facts.start <= ins.offset < facts.end:
                continue
            if ins.op is Op.FIELD:
                out.add(self.fields[ins.args[0]])
            elif ins.op is Op.DATA:
                out.add("data." + str(self.image.constants[ins.args[0]]))
            elif ins.op is Op.PARENT:
                out.add("parent." + PARENT_ATTRS[ins.args[0]])
        return frozenset(out)

    def __repr__(self) -> str:
        return f"<vm.Program {self.program_id!r}: {len(self.code)} instructions>"


def load(image: bytes) -> Program:
    """Decode, verify and bind an image. Raises VerifyError, never crashes."""
    try:
        return Program(verify(decode(image)))
    except VerifyError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, OverflowError) as exc:
        # Defence in depth: the decoder and verifier are meant to catch
        # everything; an escape here is a bug, but still a clean refusal.
        raise VerifyError(f"malformed image ({type(exc).__name__})") from exc


def _run_lengths(instrs: tuple[Instr, ...], index_of: dict[int, int]) -> list[int]:
    """For each instruction, how many instructions run from it up to and
    including the next branch or terminator (the straight-line run)."""
    runs = [0] * (len(instrs) + 1)
    for i in range(len(instrs) - 1, -1, -1):
        flags = OPINFO[instrs[i].op].flags
        runs[i] = 1 if flags & (Flag.BRANCH | Flag.TERMINATOR) else 1 + runs[i + 1]
    return runs


def _bind(ins: Instr, image: Image, index_of: dict[int, int], runs: list[int]) -> Bound:
    op = ins.op
    if op is Op.CONST or op in _STR_OPERAND:
        return (int(op), image.constants[ins.args[0]], None, None, None)
    if op is Op.FIELD or op is Op.CMP:
        return (int(op), ins.args[0], None, None, None)
    if op is Op.PARENT:
        return (int(op), PARENT_ATTRS[ins.args[0]], None, None, None)
    if op is Op.JUMP:
        target = index_of[ins.args[0]]
        return (int(op), target, runs[target], None, None)
    if op is Op.JUMP_IF_FALSE or op is Op.JUMP_IF_TRUE:
        target = index_of[ins.args[0]]
        fall = index_of[ins.next_offset]
        return (int(op), target, runs[target], runs[fall], None)
    if op is Op.CMP_JUMP_IF_FALSE or op is Op.CMP_JUMP_IF_TRUE:
        target = index_of[ins.args[1]]
        fall = index_of[ins.next_offset]
        return (int(op), ins.args[0], target, runs[target], runs[fall])
    if not OPINFO[op].operands:
        return (int(op), None, None, None, None)
    raise VerifyError(f"no binding for {op.name}")  # pragma: no cover


_STR_OPERAND = frozenset(
    {Op.DATA, Op.ASSIGN_POINTS, Op.SET_CALLBACK, Op.SET_DATA, Op.VETO}
)


def _node_ids(instrs: tuple[Instr, ...], image: Image) -> list[str | None]:
    by_offset = dict(image.node_table)
    return [by_offset.get(ins.offset) for ins in instrs]
