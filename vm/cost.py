"""The cost certificate: for each phase, the most VM steps and the most
distinct host fields fetched over all paths through its code.

Jumps only go forward, so a phase is a DAG and both maxima are computed by
one backward pass over its instructions (successors always lie later).

Steps are a longest path. Fetches are harder: a field is fetched once per
event however often it is read, so the cost of a path is the size of the
*set* of fields it reads. Each instruction keeps the antichain of maximal
fetch sets over the paths leaving it (as int bitsets); a branch merges its
successors' antichains and a ``FIELD`` adds its bit. This is exact. To keep
loading a hostile image linear, an antichain larger than ``MAX_FAMILY`` or a
section past ``WORK_BUDGET`` subset tests collapses to the union of its sets:
still a sound upper bound, and deterministic, so the compiler and the
verifier compute the same number. No compiled program of the corpus gets
near either limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vm.instructions import Instr
from vm.opcodes import F_BRANCH, F_TERMINATOR, ROWS, Op

MAX_FAMILY = 64
WORK_BUDGET = 1 << 18

_EMPTY: tuple[int, ...] = (0,)


@dataclass(frozen=True, slots=True)
class SectionCost:
    max_steps: int  # the longest path, in executed instructions
    max_fetches: int  # the most distinct host fields fetched on one path
    worst_path: tuple[int, ...]  # offsets of one longest path, in order
    worst_fields: tuple[int, ...]  # field indices of one largest fetch set


class _Work:
    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = WORK_BUDGET


def _prune(sets: list[int], work: _Work) -> tuple[int, ...]:
    """The maximal sets of ``sets`` (an antichain), or their union when the
    family or the work grows too large."""
    if len(sets) == 1:
        return (sets[0],)
    sets.sort(key=lambda s: (-s.bit_count(), s))
    kept: list[int] = []
    for s in sets:
        work.left -= len(kept) + 1
        if work.left < 0:
            break
        if not any(s & k == s for k in kept):
            kept.append(s)
            if len(kept) > MAX_FAMILY:
                break
    else:
        return tuple(kept)
    union = 0
    for s in sets:
        union |= s
    return (union,)


def section_cost(instrs: Sequence[Instr], start: int) -> SectionCost:
    """The cost of the section whose instructions are ``instrs`` (in code
    order, the first at ``start``). Control is assumed verified: targets lie
    forward inside the section."""
    steps: dict[int, int] = {}
    nxt: dict[int, int] = {}  # offset -> successor on one longest path (-1: end)
    fam: dict[int, tuple[int, ...]] = {}
    work = _Work()
    for ins in reversed(instrs):
        flags = ROWS[ins.op].flags
        best, follow = 0, -1
        sets: tuple[int, ...] = _EMPTY
        if flags & F_BRANCH:
            target = ins.args[-1]
            best, follow = steps.get(target, 0), target
            sets = fam.get(target, _EMPTY)
        if not flags & F_TERMINATOR:
            after = ins.next_offset
            if steps.get(after, 0) >= best:
                best, follow = steps.get(after, 0), after
            other = fam.get(after, _EMPTY)
            if flags & F_BRANCH:
                if other is not sets:
                    sets = _prune([*sets, *other], work)
            else:
                sets = other
        if ins.op is Op.FIELD:
            bit = 1 << ins.args[0]
            if not all(s & bit for s in sets):
                sets = _prune([s | bit for s in sets], work)
        steps[ins.offset] = 1 + best
        nxt[ins.offset] = follow
        fam[ins.offset] = sets
    path: list[int] = []
    at = start
    while at != -1 and at in nxt:
        path.append(at)
        at = nxt[at]
    top = max(fam[start], key=lambda s: (s.bit_count(), -s))
    fields = tuple(i for i in range(top.bit_length()) if top >> i & 1)
    return SectionCost(steps[start], len(fields), tuple(path), fields)
