"""The VM loop's opcode literals agree with their names.

vm/machine.py compares opcodes against integer literals (the cheapest load
in CPython), each named by a comment: image opcodes (``vm.opcodes.Op``),
bound-only ones (``vm.bind.BoundOp``) and bound comparisons
(``vm.bind.BoundCmp``). This test reads the loop's source with ``ast`` and
fails when a literal's comment does not name an entry of that value, or
when an opcode ``bind`` can emit has no branch in the loop.
"""

from __future__ import annotations

import ast
import json
import re
from enum import IntEnum
from pathlib import Path

import pytest

import dslc
import vm
from vm.bind import BoundCmp, BoundOp
from vm.opcodes import Op

MACHINE = Path(vm.__file__).with_name("machine.py")
# Which table names the values a variable is compared with.
TABLES: dict[str, list[type[IntEnum]]] = {"op": [Op, BoundOp], "aop": [Op], "c": [BoundCmp]}
# Image opcodes bind never emits: both jump senses become JUMP_IF_TRUE with
# two destinations, and both compare-and-jumps become CJ_* variants.
REWRITTEN = {Op.JUMP_IF_FALSE, Op.CMP_JUMP_IF_FALSE, Op.CMP_JUMP_IF_TRUE}
NAME = re.compile(r"\b[A-Z][A-Z0-9_]+\b")


def literal_comparisons(source: str) -> list[tuple[int, str, int]]:
    """(line, variable, literal) for every comparison of a tabled variable
    with an integer literal."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        names = [o.id for o in operands if isinstance(o, ast.Name) and o.id in TABLES]
        if not names:
            continue
        for o in operands:
            if isinstance(o, ast.Constant) and type(o.value) is int:
                out.append((node.lineno, names[0], o.value))
    return out


def check(source: str) -> list[str]:
    lines = source.splitlines()
    problems = []
    for lineno, var, value in literal_comparisons(source):
        line = lines[lineno - 1]
        comment = line.split("#", 1)[1] if "#" in line else ""
        named = {
            table[word]
            for word in NAME.findall(comment)
            for table in TABLES[var]
            if word in table.__members__
        }
        if value not in named:
            problems.append(
                f"machine.py:{lineno}: {var} compared with {value:#x}, but the comment "
                f"names {sorted(f'{m.name}={int(m):#x}' for m in named) or 'nothing'}"
            )
    return problems


def test_every_literal_in_the_loop_is_named_by_its_comment() -> None:
    source = MACHINE.read_text(encoding="utf-8")
    assert len(literal_comparisons(source)) > 30  # the parser sees the loop
    assert check(source) == []


def test_a_literal_that_disagrees_with_its_name_is_caught() -> None:
    """The check itself can fail: swap two opcodes' literals."""
    source = MACHINE.read_text(encoding="utf-8")
    bad = source.replace("op == 0x81:  # CJ_FK", "op == 0x82:  # CJ_FK", 1)
    assert bad != source
    assert any("0x82" in p and "CJ_FK" in p for p in check(bad))
    unnamed = source.replace("elif op == 0x46:  # HALT", "elif op == 0x46:", 1)
    assert unnamed != source
    assert any("0x46" in p and "nothing" in p for p in check(unnamed))


def handled(var: str) -> set[int]:
    """The values the loop compares ``var`` with for equality, and the
    ranges it tests (``lo <= var <= hi``)."""
    out: set[int] = set()
    for node in ast.walk(ast.parse(MACHINE.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        left, ops, right = node.left, node.ops, node.comparators
        if (
            isinstance(left, ast.Name)
            and left.id == var
            and isinstance(ops[0], ast.Eq)
            and isinstance(right[0], ast.Constant)
        ):
            out.add(right[0].value)
        if (
            len(ops) == 2
            and all(isinstance(o, ast.LtE) for o in ops)
            and isinstance(right[0], ast.Name)
            and right[0].id == var
            and isinstance(left, ast.Constant)
            and isinstance(right[1], ast.Constant)
        ):
            out |= set(range(left.value, right[1].value + 1))
    return out


@pytest.mark.parametrize("op", [*BoundOp, *(o for o in Op if o not in REWRITTEN)], ids=str)
def test_every_opcode_bind_can_emit_has_a_branch(op: int) -> None:
    assert int(op) in handled("op")


def test_every_bound_comparison_has_a_branch() -> None:
    assert {int(c) for c in BoundCmp} <= handled("c")


def test_bound_opcodes_do_not_collide_with_image_opcodes() -> None:
    assert not {int(o) for o in BoundOp} & {int(o) for o in Op}
    assert all(0x80 <= o <= 0xFF for o in BoundOp)


def test_bound_programs_use_only_handled_opcodes() -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    seen: set[int] = set()
    for path in sorted(examples.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("type") != "program":
            continue  # not a strategy (a strategy's tests, *.test.json)
        program = vm.load(dslc.compile_json(document))
        seen |= {ins[0] for ins in program.code}
    assert seen  # the examples were found and bound
    assert seen <= handled("op")
    assert not seen & {int(o) for o in REWRITTEN}
