"""``dslc check --explain``: a compiled program's cost certificate, per
phase, with the worst path through its code (the rules and branches a run
that takes the most steps goes through).

The numbers are the image's certificate (vm.cost); the path is one longest
path, named by the node ids the image's node table gives its instructions
(conditions, statements), with the line and column of text sources and
the JSON pointer of JSON ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from dslc.compiler import Compiled
from dslc.diagnostics import line_col
from vm.cost import section_cost
from vm.instructions import decode_instructions
from vm.opcodes import F_BRANCH, F_TERMINATOR, PHASES, ROWS, Op

_JUMP_WHEN_TRUE = (Op.JUMP_IF_TRUE, Op.CMP_JUMP_IF_TRUE)


def _locations(node: object, source: str | None) -> Iterator[tuple[str, str]]:
    """(node id, where) of every node of a surface AST: the line and column
    in a text source, else the JSON pointer."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        node_id = getattr(node, "id", "")
        loc = getattr(node, "loc", None)
        if node_id and loc is not None:
            if source is not None and loc.start >= 0:
                line, col = line_col(source, loc.start)
                yield node_id, f"line {line}:{col}"
            elif loc.pointer is not None:
                yield node_id, f"at {loc.pointer or '/'}"
        for f in dataclasses.fields(node):
            if f.name != "loc":
                yield from _locations(getattr(node, f.name), source)
    elif isinstance(node, (tuple, list)):
        for item in node:
            yield from _locations(item, source)


def explain(compiled: Compiled, source: str | None = None) -> list[str]:
    """The lines ``dslc check --explain`` prints for one program."""
    image = compiled.image
    assert image.certificate is not None  # the compiler certifies every image
    nodes = dict(image.node_table)
    where = dict(_locations(compiled.ast, source))
    instrs = decode_instructions(image.code)
    lines = ["cost certificate (per phase: most steps, most distinct field fetches):"]
    runs = {"full": True, "pre": image.has_pre, "post": image.has_post}
    for phase, (steps, fetches) in zip(PHASES, image.certificate, strict=True):
        if not runs[phase]:
            continue
        start, end = image.entry(phase)
        section = [ins for ins in instrs if start <= ins.offset < end]
        cost = section_cost(section, start)
        lines.append(f"  {phase}: {steps} steps, {fetches} field fetches")
        if cost.worst_fields:
            names = ", ".join(image.fields[i] for i in cost.worst_fields)
            lines.append(f"    most fields on one path: {names}")
        lines.append("    worst path:")
        by_offset = {ins.offset: ins for ins in section}
        path = cost.worst_path
        for i, offset in enumerate(path):
            ins = by_offset[offset]
            node = nodes.get(offset)
            flags = ROWS[ins.op].flags
            if node is None:
                continue
            if flags & F_BRANCH and not flags & F_TERMINATOR:
                jumped = i + 1 < len(path) and path[i + 1] == ins.args[-1]
                holds = jumped == (ins.op in _JUMP_WHEN_TRUE)
                what = "holds" if holds else "fails"
            elif flags & F_TERMINATOR:
                what = "ends the phase"
            elif ins.op in (Op.SET_CALLBACK, Op.SET_DATA, Op.SET_POINTS, Op.SET_CASE_NAME):
                what = "runs"
            else:
                continue  # arithmetic inside a condition or statement
            at = f" ({where[node]})" if node in where else ""
            lines.append(f"      {node}{at}: {what}")
        if not path or ROWS[by_offset[path[-1]].op].op is Op.HALT:
            lines.append("      end of the phase")
    return lines
