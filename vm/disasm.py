"""The disassembler: a readable listing of an image (``dslc disasm``).

Each opcode's operand kinds (vm.opcodes) decide how its operands print, so a
new opcode needs no change here unless it has a new operand kind.
"""

from __future__ import annotations

from vm.image import Image
from vm.instructions import Instr, decode_instructions
from vm.opcodes import COMPARE_NAMES, PARENT_ATTRS, PHASES, Operand


def format_operand(image: Image, kind: Operand, value: int) -> str:
    if kind in (Operand.CONST, Operand.STR):
        shown = repr(image.constants[value]) if value < len(image.constants) else "?"
        return f"#{value} {shown}"
    if kind is Operand.FIELD:
        shown = image.fields[value] if value < len(image.fields) else "?"
        return f"@{value} {shown}"
    if kind is Operand.TARGET:
        return f"-> {value}"
    if kind is Operand.PARENT_ATTR:
        return f"parent.{PARENT_ATTRS[value]}" if value < len(PARENT_ATTRS) else "?"
    return f"'{COMPARE_NAMES[value]}'" if value < len(COMPARE_NAMES) else "?"


def format_instruction(image: Image, ins: Instr, node_id: str | None = None) -> str:
    operands = ", ".join(
        format_operand(image, kind, value)
        for kind, value in zip(ins.info.operands, ins.args, strict=True)
    )
    text = f"{ins.offset:6d}  {ins.op.name:<18} {operands}".rstrip()
    return f"{text:<56} ; {node_id}" if node_id else text


def disassemble(image: Image) -> str:
    lines = [
        f"program {image.program_id!r}",
        f"  constants: {len(image.constants)}  fields: {len(image.fields)}"
        f"  code: {len(image.code)} bytes",
    ]
    if image.fields:
        lines.append("  field table: " + ", ".join(image.fields))
    if image.parent_variables is not None:
        lines.append(f"  parent_variables: {dict(image.parent_variables)!r}")
    lines.append(f"  runs pre: {image.has_pre}  runs post: {image.has_post}")
    if image.certificate is None:
        lines.append("  certificate: none")
    else:
        lines.append(
            "  certificate: "
            + "  ".join(
                f"{phase} {steps} steps, {fetches} fetches"
                for phase, (steps, fetches) in zip(PHASES, image.certificate, strict=True)
            )
        )
    nodes = dict(image.node_table)
    instrs = decode_instructions(image.code)
    for phase in PHASES:
        start, end = image.entry(phase)
        lines.append("")
        lines.append(f"{phase}:  [{start}, {end})")
        lines.extend(
            format_instruction(image, ins, nodes.get(ins.offset))
            for ins in instrs
            if start <= ins.offset < end
        )
    return "\n".join(lines)
