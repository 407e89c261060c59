"""Binding: verified instructions become the tuples the VM loop runs.

Done once, at load time:

- byte offsets become instruction indices; constant and string operands
  become the values themselves;
- every branch names both of its destinations, where control goes when
  its condition is true and when it is false, so the loop needs no branch
  sense (negating the comparison instead would be wrong for a NaN a host
  might hand in: ``not (x < y)`` is not ``x >= y`` then);
- common sequences are fused into superinstructions that read their
  operands straight from field slots or constants instead of the stack
  (expr-lang's specialised opcodes, justified by benchmarks/bench_vm.py).
  A sequence is fused only when no jump lands inside it, and a fused
  instruction takes the node id of the instruction in it that can fail;
- arithmetic over two fields is pure within an event (fields are fetched
  once and never change), so each distinct ``field op field`` gets a memo
  slot after the field slots: its first evaluation computes and stores the
  value (or fails, ending the run, with that node's id), later ones read it.
  This is what lets ``new - last`` appear in four rules at the cost of one;
- every bound instruction that starts a straight-line run knows its length
  in original instructions (``runs``), so steps are counted exactly, at
  branches only.

A bound instruction is a 7-tuple ``(op, a, b, c, d, e, f)``: ``op`` is an
image opcode (``vm.opcodes.Op``) or a bound-only one (``BoundOp``).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from vm.image import Image
from vm.instructions import Instr
from vm.opcodes import F_BRANCH, F_TERMINATOR, PARENT_ATTRS, ROWS, Op

# The operands differ by opcode (values, indices, targets): Any by design.
Bound = tuple[int, Any, Any, Any, Any, Any, Any]


class BoundOp(IntEnum):
    """Bound-only opcodes: never in an image, made by ``bind`` at load time.

    The one table of their numbers. vm/machine.py's loop compares opcodes
    against literals (a literal is the cheapest load), each named by a
    comment; tests/vm/test_bound_opcodes.py fails if a literal and its name
    disagree, or if an opcode bind can emit has no branch in the loop.

    Compare-and-jump variants (0x80-0x8F), by where the left and right
    operands come from: S = the stack, F = a field slot, K = a constant,
    D = an event data key, A = a memoised (field op field).
    """

    CJ_SS = 0x80  # stack vs stack
    CJ_FK = 0x81  # field vs constant
    CJ_FF = 0x82  # field vs field
    CJ_SK = 0x83  # stack vs constant
    CJ_SF = 0x84  # stack vs field
    CJ_DK = 0x85  # event data vs constant
    CJ_AK = 0x86  # (field op field) vs constant
    AR_FF = 0x90  # field (+|-|*) field, pushed
    ASSIGN_K = 0x91  # assign a constant number of points


class BoundCmp(IntEnum):
    """Comparisons in bound code: orderings first, the commonest first, so
    the loop reaches ``<`` and ``>`` in the fewest tests."""

    LT = 0
    GT = 1
    LE = 2
    GE = 3
    EQ = 4
    NE = 5


CJ_SS, CJ_FK, CJ_FF, CJ_SK, CJ_SF, CJ_DK, CJ_AK, AR_FF, ASSIGN_K = (int(o) for o in BoundOp)
# The compare-and-jump family is every bound opcode below this one.
CJ_END = 0x90

# Image comparison index (< <= == != >= >) to the bound numbering, and back
# for the slow path's vm.values.compare. Plain ints: the loop compares them
# (an IntEnum comparison costs a method call).
_BY_IMAGE_ORDER = (BoundCmp.LT, BoundCmp.LE, BoundCmp.EQ, BoundCmp.NE, BoundCmp.GE, BoundCmp.GT)
BOUND_COMPARE = tuple(int(c) for c in _BY_IMAGE_ORDER)
IMAGE_COMPARE = tuple(BOUND_COMPARE.index(c) for c in BoundCmp)


_ARITH_FUSABLE = frozenset({int(Op.ADD), int(Op.SUB), int(Op.MUL)})
# Every fused sequence starts by loading a field, a constant or data.
_FUSION_STARTS = frozenset({int(Op.FIELD), int(Op.CONST), int(Op.DATA)})
_CJ = frozenset({int(Op.CMP_JUMP_IF_FALSE), int(Op.CMP_JUMP_IF_TRUE)})


def run_lengths(instrs: tuple[Instr, ...]) -> list[int]:
    """For each instruction, how many instructions run from it up to and
    including the next branch or terminator (the straight-line run)."""
    runs = [0] * (len(instrs) + 1)
    for i in range(len(instrs) - 1, -1, -1):
        flags = ROWS[instrs[i].op].flags
        runs[i] = 1 if flags & (F_BRANCH | F_TERMINATOR) else 1 + runs[i + 1]
    return runs


def bind(
    instrs: tuple[Instr, ...],
    image: Image,
    node_ids: list[str | None],
    index_of: dict[int, int] | None = None,
) -> tuple[list[Bound], list[str | None], list[int], list[int], int]:
    """Returns the bound code, the node id of each bound instruction, the
    map from original to bound instruction index (-1 inside a fused
    sequence), the run length at each bound instruction, and the number of
    memo slots (which follow the field slots). ``index_of`` (offset to
    instruction index) is the verifier's, when the caller has it."""
    if index_of is None:
        index_of = {ins.offset: i for i, ins in enumerate(instrs)}
    else:
        index_of = index_of.copy()
    index_of[len(image.code)] = len(instrs)
    runs = run_lengths(instrs)
    targets = {index_of[ins.args[-1]] for ins in instrs if ROWS[ins.op].flags & F_BRANCH}
    consts = image.constants

    # Pass 1: choose fusions over original indices. Opcodes as plain ints,
    # padded so a look-ahead needs no bounds check: loading stays linear
    # with a small constant even for a hostile image of one-byte opcodes.
    ops = [int(ins.op) for ins in instrs] + [-1] * 5
    plan: list[tuple[int, int, tuple[object, ...]]] = []  # (first, count, recipe)
    i = 0
    n = len(instrs)
    while i < n:
        fused = (
            _match(ops, instrs, i, targets, consts, node_ids) if ops[i] in _FUSION_STARTS else None
        )
        if fused is None:
            plan.append((i, 1, ()))
            i += 1
        else:
            count, recipe = fused
            plan.append((i, count, recipe))
            i += count
    new_index = [-1] * (n + 1)
    for k, (first, _count, _recipe) in enumerate(plan):
        new_index[first] = k
    new_index[n] = len(plan)

    # Pass 2: emit, with jump targets remapped to bound indices.
    bound_runs = [runs[first] for first, _count, _recipe in plan]
    code: list[Bound] = []
    bound_nodes: list[str | None] = []
    memos: dict[tuple[object, ...], int] = {}
    n_fields = len(image.fields)
    for first, count, recipe in plan:
        if count == 1 and not recipe:
            ins = instrs[first]
            op = ops[first]
            # No operand: nothing to resolve (the cheap case that a hostile
            # image of one-byte opcodes is made of).
            code.append(
                (op, None, None, None, None, None, None)
                if not ins.args
                else _emit_plain(ins, image, index_of, new_index)
            )
            bound_nodes.append(node_ids[first])
            continue
        last = first + count - 1
        ins = instrs[last]
        if recipe:
            memo = -1
            if recipe[0] in (CJ_AK, AR_FF):
                key = recipe[1][:3] if recipe[0] == CJ_AK else recipe[1:4]  # type: ignore[index]
                memo = memos.setdefault(key, n_fields + len(memos))
            code.append(_emit_fused(recipe, ins, index_of, new_index, memo))
        else:
            code.append(_emit_plain(ins, image, index_of, new_index))
        failing = [node_ids[j] for j in range(first, last + 1) if node_ids[j] is not None]
        bound_nodes.append(failing[-1] if failing else None)
    return code, bound_nodes, new_index, bound_runs, len(memos)


def _match(
    ops: list[int],
    instrs: tuple[Instr, ...],
    i: int,
    targets: set[int],
    consts: tuple[object, ...],
    node_ids: list[str | None],
) -> tuple[int, tuple[object, ...]] | None:
    def op_at(k: int) -> int:
        return ops[k]  # -1 past the end

    def free(k: int) -> bool:  # no jump lands on instruction k
        return k not in targets

    a, b, c = op_at(i), op_at(i + 1), op_at(i + 2)
    field, const, data = int(Op.FIELD), int(Op.CONST), int(Op.DATA)
    if (
        a == field
        and b == field
        and c in _ARITH_FUSABLE
        and op_at(i + 3) == const
        and op_at(i + 4) in _CJ
        and all(free(k) for k in range(i + 1, i + 5))
    ):
        # ``(f1 - f2) > 0``: analytics differences against a threshold.
        # The arithmetic keeps its own node id: its failures name it, while
        # the compare's failures name the compare (the instruction's node).
        arith = (instrs[i].args[0], instrs[i + 1].args[0], c, node_ids[i + 2])
        return 5, (CJ_AK, arith, consts[instrs[i + 3].args[0]])
    if c in _CJ and free(i + 1) and free(i + 2):
        if a == field and b == const:
            return 3, (CJ_FK, instrs[i].args[0], consts[instrs[i + 1].args[0]])
        if a == field and b == field:
            return 3, (CJ_FF, instrs[i].args[0], instrs[i + 1].args[0])
        if a == data and b == const:
            return 3, (CJ_DK, consts[instrs[i].args[0]], consts[instrs[i + 1].args[0]])
    if c in _ARITH_FUSABLE and a == field and b == field and free(i + 1) and free(i + 2):
        return 3, (AR_FF, instrs[i].args[0], instrs[i + 1].args[0], c)
    if b in _CJ and free(i + 1):
        if a == const:
            return 2, (CJ_SK, None, consts[instrs[i].args[0]])
        if a == field:
            return 2, (CJ_SF, None, instrs[i].args[0])
    if a == const and b == int(Op.ASSIGN_POINTS) and free(i + 1):
        value = consts[instrs[i].args[0]]
        if type(value) is int or type(value) is float:  # else: let it fail at run time
            return 2, (ASSIGN_K, value, consts[instrs[i + 1].args[0]])
    return None


def _destinations(ins: Instr, index_of: dict[int, int], new_index: list[int]) -> tuple[int, int]:
    """(bound index where control goes when the branch condition holds,
    bound index where it goes otherwise)."""
    target = new_index[index_of[ins.args[-1]]]
    fall = new_index[index_of[ins.next_offset]]
    if ins.op in (Op.CMP_JUMP_IF_FALSE, Op.JUMP_IF_FALSE):
        return fall, target
    return target, fall


def _emit_fused(
    recipe: tuple[object, ...],
    ins: Instr,
    index_of: dict[int, int],
    new_index: list[int],
    memo: int,
) -> Bound:
    kind = recipe[0]
    if kind == AR_FF:
        return (AR_FF, recipe[1], recipe[2], recipe[3], memo, None, None)
    if kind == ASSIGN_K:
        return (ASSIGN_K, recipe[1], recipe[2], None, None, None, None)
    if_true, if_false = _destinations(ins, index_of, new_index)
    extra = memo if kind == CJ_AK else None
    cmp = BOUND_COMPARE[ins.args[0]]
    return (int(kind), recipe[1], recipe[2], cmp, if_true, if_false, extra)  # type: ignore[call-overload]


_CONST_OPERAND = frozenset(
    int(o) for o in (Op.CONST, Op.DATA, Op.ASSIGN_POINTS, Op.SET_CALLBACK, Op.SET_DATA, Op.VETO)
)
_INDEX_OPERAND = frozenset({int(Op.FIELD), int(Op.CMP)})
_PARENT, _JUMP = int(Op.PARENT), int(Op.JUMP)
_JUMP_IF = frozenset({int(Op.JUMP_IF_FALSE), int(Op.JUMP_IF_TRUE)})
_JUMP_IF_TRUE = int(Op.JUMP_IF_TRUE)


def _emit_plain(ins: Instr, image: Image, index_of: dict[int, int], new_index: list[int]) -> Bound:
    op = int(ins.op)
    if not ins.args:
        return (op, None, None, None, None, None, None)
    if op in _CONST_OPERAND:
        return (op, image.constants[ins.args[0]], None, None, None, None, None)
    if op in _INDEX_OPERAND:
        return (op, ins.args[0], None, None, None, None, None)
    if op == _PARENT:
        return (op, PARENT_ATTRS[ins.args[0]], None, None, None, None, None)
    if op == _JUMP:
        return (op, new_index[index_of[ins.args[0]]], None, None, None, None, None)
    if_true, if_false = _destinations(ins, index_of, new_index)
    if op in _JUMP_IF:
        return (_JUMP_IF_TRUE, if_true, if_false, None, None, None, None)
    # CMP_JUMP_IF_FALSE, CMP_JUMP_IF_TRUE
    return (CJ_SS, None, None, BOUND_COMPARE[ins.args[0]], if_true, if_false, None)
