"""docs/bytecode.md's opcode table says what vm/opcodes.py says."""

from __future__ import annotations

from pathlib import Path

from vm.opcodes import OPINFO, Flag, Op

DOC = Path(__file__).resolve().parents[2] / "docs" / "bytecode.md"


def doc_row(op: Op) -> str:
    info = OPINFO[op]
    phases = [
        n
        for n, f in (("full", Flag.IN_FULL), ("pre", Flag.IN_PRE), ("post", Flag.IN_POST))
        if info.flags & f
    ]
    flags = [
        n
        for n, f in (
            ("terminator", Flag.TERMINATOR),
            ("branch", Flag.BRANCH),
            ("can fail", Flag.CAN_FAIL),
        )
        if info.flags & f
    ]
    operands = ", ".join(o.name for o in info.operands) or "-"
    shown_phases = "all" if len(phases) == 3 else ", ".join(phases)
    return (
        f"| `{op.name}` | `{int(op):#04x}` | {operands} | {info.pops} | {info.pushes} "
        f"| {shown_phases} | {', '.join(flags) or '-'} | {info.doc} |"
    )


def test_every_opcode_is_documented_as_the_table_defines_it() -> None:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    missing = [doc_row(op) for op in Op if doc_row(op) not in lines]
    assert not missing, "docs/bytecode.md is out of date:\n" + "\n".join(missing)


def test_the_doc_lists_no_opcode_the_table_lacks() -> None:
    rows = [
        line
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `") and "`0x" in line
    ]
    assert len(rows) == len(Op)
