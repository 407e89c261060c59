"""The verifier: the sandbox's last wall. The VM runs only what passed here.

It is an abstract interpretation in the WebAssembly style: one forward pass
per section over the decoded instructions, tracking the operand stack depth
instead of values. Because jumps only go forward, a state reaching an
instruction is complete once every earlier instruction has been visited, so
one pass suffices; the same ordering gives each section's longest path (the
most steps a run can take) by a backward pass.

What it guarantees to the VM: every operand indexes an existing entry of the
right kind, every jump lands forward on an instruction boundary inside its
own section, the stack never underflows and has one depth at every
instruction whatever path reaches it, every path ends in a terminator with
an empty stack, and section-only operations appear only in their section.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

from vm.cost import section_cost
from vm.errors import VerifyError
from vm.image import MAX_CODE_SIZE, Image
from vm.instructions import Instr, decode_instructions
from vm.opcodes import (
    COMPARE_NAMES,
    F_BRANCH,
    F_TERMINATOR,
    PARENT_ATTRS,
    PHASE_FLAG,
    PHASES,
    ROWS,
    Operand,
)

# Read by DATA and PARENT, never fetched from the host's field source.
RESERVED_FIELD_PREFIXES = ("data.", "parent.")


@dataclass(frozen=True, slots=True)
class SectionFacts:
    start: int
    end: int
    max_steps: int  # the longest path, in executed instructions
    max_stack: int
    max_fetches: int = 0  # the most distinct host fields fetched on one path


@dataclass(frozen=True, slots=True)
class VerifiedImage:
    image: Image
    instructions: tuple[Instr, ...]
    sections: dict[str, SectionFacts]
    index_of: dict[int, int]  # instruction offset -> index (built once, shared by bind)


def verify(image: Image) -> VerifiedImage:
    code = image.code
    if len(code) > MAX_CODE_SIZE:
        raise VerifyError(f"code is {len(code)} bytes, more than {MAX_CODE_SIZE}")
    instrs = decode_instructions(code)
    index_of = {ins.offset: i for i, ins in enumerate(instrs)}
    boundaries = set(index_of) | {len(code)}

    ranges = list(zip(PHASES, image.entries, strict=True))
    for phase, (start, end) in ranges:
        if not (0 <= start < end <= len(code)) or start not in boundaries or end not in boundaries:
            raise VerifyError(f"entry point of phase {phase!r} is not a valid code range")
    ordered = sorted(r for _, r in ranges)
    for (_, end_a), (start_b, _) in pairwise(ordered):
        if start_b < end_a:
            raise VerifyError("phase code ranges overlap")

    _check_tables(image)

    _check_node_table(image, boundaries)
    rules = _OperandRules(image)
    sections = {
        phase: _verify_section(rules, instrs, index_of, phase, start, end)
        for phase, (start, end) in ranges
    }
    if image.certificate is not None:
        _check_certificate(image.certificate, sections)
    return VerifiedImage(
        image=image, instructions=tuple(instrs), sections=sections, index_of=index_of
    )


def _check_certificate(
    certificate: tuple[tuple[int, int], ...], sections: dict[str, SectionFacts]
) -> None:
    """A certificate states each phase's exact maxima; one that differs
    from what the code allows lies (too low would let a host trust a bound
    the code breaks; too high would hide a change in cost)."""
    for phase, (steps, fetches) in zip(PHASES, certificate, strict=True):
        facts = sections[phase]
        if steps != facts.max_steps:
            raise VerifyError(
                f"certificate: phase {phase!r} claims at most {steps} steps, "
                f"the code takes at most {facts.max_steps}"
            )
        if fetches != facts.max_fetches:
            raise VerifyError(
                f"certificate: phase {phase!r} claims at most {fetches} field fetches, "
                f"the code makes at most {facts.max_fetches}"
            )


def certify(image: Image) -> Image:
    """``image`` with its cost certificate (verifying it first)."""
    sections = verify(replace(image, certificate=None)).sections
    return replace(
        image,
        certificate=tuple((sections[p].max_steps, sections[p].max_fetches) for p in PHASES),
    )


def _check_tables(image: Image) -> None:
    """The tables' shapes the loader and the loop rely on.

    A field slot is found by path (the field cache stores a fetched value
    under its path), so a path named twice would be fetched into one slot
    and read from another: an asynchronous run would fetch forever. Paths
    under ``data.`` and ``parent.`` are read by their own opcodes, never
    from the host's field source. Parent variables become a dictionary, so
    a key named twice would silently drop one value.
    """
    seen: dict[str, int] = {}
    for i, path in enumerate(image.fields):
        if path in seen:
            raise VerifyError(f"fields: {path!r} is named twice (entries {seen[path]} and {i})")
        seen[path] = i
        if not path or path.startswith(RESERVED_FIELD_PREFIXES):
            raise VerifyError(f"fields: {path!r} is not a host field path")
    keys: set[str] = set()
    for key, _value in image.parent_variables or ():
        if not key.startswith("variable_"):
            raise VerifyError(f"parent variable {key!r} does not start with 'variable_'")
        if key in keys:
            raise VerifyError(f"parent variable {key!r} is named twice")
        keys.add(key)


def _check_node_table(image: Image, boundaries: set[int]) -> None:
    previous = -1
    for offset, _node in image.node_table:
        if offset <= previous or offset not in boundaries or offset == len(image.code):
            raise VerifyError("node table offsets must be increasing instruction offsets")
        previous = offset


class _OperandRules:
    """What each operand kind may index in this image: a valid index is one
    in the kind's set (the string constants, for STR). Built once per image."""

    def __init__(self, image: Image) -> None:
        consts = range(len(image.constants))
        self.valid: dict[Operand, range | frozenset[int]] = {
            Operand.CONST: consts,
            Operand.STR: frozenset(i for i in consts if isinstance(image.constants[i], str)),
            Operand.FIELD: range(len(image.fields)),
            Operand.PARENT_ATTR: range(len(PARENT_ATTRS)),
            Operand.CMP: range(len(COMPARE_NAMES)),
        }

    def check(self, ins: Instr, end: int) -> None:
        for kind, value in zip(ROWS[ins.op].operands, ins.args, strict=True):
            if kind is Operand.TARGET:
                if not ins.offset < value < end:
                    raise VerifyError(
                        f"{ins.op.name} target {value} is not forward within its section",
                        ins.offset,
                    )
            elif value not in self.valid[kind]:
                raise VerifyError(
                    f"{ins.op.name} operand {value} ({kind.name}) out of range", ins.offset
                )


def _verify_section(
    rules: _OperandRules,
    instrs: list[Instr],
    index_of: dict[int, int],
    phase: str,
    start: int,
    end: int,
) -> SectionFacts:
    allowed = int(PHASE_FLAG[phase])
    first = index_of[start]
    last = index_of[end] if end in index_of else len(instrs)
    depth_at: dict[int, int] = {start: 0}
    max_stack = 0

    def arrive(offset: int, depth: int, source: Instr) -> None:
        if offset not in index_of or offset >= end:
            raise VerifyError("control reaches a point that is not an instruction", source.offset)
        seen = depth_at.get(offset)
        if seen is None:
            depth_at[offset] = depth
        elif seen != depth:
            raise VerifyError(
                f"inconsistent stack depth at offset {offset} ({seen} vs {depth})", source.offset
            )

    for ins in instrs[first:last]:
        info = ROWS[ins.op]
        if not info.flags & allowed:
            raise VerifyError(f"{ins.op.name} is not allowed in phase {phase!r}", ins.offset)
        if info.operands:
            rules.check(ins, end)
        depth = depth_at.get(ins.offset)
        if depth is None:
            continue  # unreachable: checked for operands, never executed
        if depth < info.pops:
            raise VerifyError(f"stack underflow in {ins.op.name}", ins.offset)
        after = depth - info.pops + info.pushes
        max_stack = max(max_stack, after)
        if info.flags & F_BRANCH:
            arrive(ins.args[-1], after, ins)
        if info.flags & F_TERMINATOR:
            if not info.flags & F_BRANCH and after != 0:
                raise VerifyError(f"{ins.op.name} leaves {after} values on the stack", ins.offset)
        else:
            if ins.next_offset >= end:
                raise VerifyError("control falls off the end of its section", ins.offset)
            arrive(ins.next_offset, after, ins)

    # The longest path and the largest fetch set, backwards (vm.cost).
    cost = section_cost(instrs[first:last], start)
    return SectionFacts(
        start=start,
        end=end,
        max_steps=cost.max_steps,
        max_stack=max_stack,
        max_fetches=cost.max_fetches,
    )
