"""Helpers for the Blockly tests: templates, workspaces and AST views."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dslc.ast import Program
from dslc.ids import iter_nodes
from dslc.json_loader import load_json

TEMPLATES = Path(__file__).resolve().parents[2].parent / "shared" / "templates"
NS = 'xmlns="https://developers.google.com/blockly/xml"'


def template_records() -> list[dict[str, Any]]:
    """GAME's template records that carry both ``astJson`` and ``blocklyXml``."""
    if not TEMPLATES.is_dir():
        reason = f"templates not found at {TEMPLATES}"
        if os.environ.get("DSLC_REQUIRE_SHARED") == "1":
            pytest.fail(reason + " (DSLC_REQUIRE_SHARED=1)")
        pytest.skip(reason)
    records = []
    for path in sorted(TEMPLATES.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(record, dict) and "blocklyXml" in record:
            records.append(record)
    return records


def workspace(*blocks: str) -> str:
    return f"<xml {NS}>{''.join(blocks)}</xml>"


def load(ast: object) -> Program:
    program, diags = load_json(ast)
    assert program is not None, [d.message for d in diags]
    return program


def view(program: Program, *, ids: bool = True) -> Any:
    """What a Blockly round trip keeps: everything but locations, the program
    id (a workspace has none: GAME's generator writes "program"), whether a
    rule was named (every block has an id), and empty sections and parent
    variables (absent or empty alike); ``ids=False`` drops the node ids too.
    Scalars are tagged with their type (2, 2.0 and True differ)."""

    def walk(node: Any) -> Any:
        if dataclasses.is_dataclass(node) and not isinstance(node, type):
            name = type(node).__name__
            out: dict[str, Any] = {"_": name}
            for f in dataclasses.fields(node):
                value = getattr(node, f.name)
                if f.name in ("loc", "named") or (
                    f.name == "id" and (name == "Program" or not ids)
                ):
                    continue
                if f.name in ("pre_rules", "post_rules", "parent_variables") and not value:
                    value = None
                out[f.name] = walk(value)
            return out
        if isinstance(node, tuple | list):
            return [walk(x) for x in node]
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, float):
            return ("float", node, math.copysign(1.0, node))
        return (type(node).__name__, node)

    return walk(program)


def same_program(original: Program, back: Program) -> bool:
    """``back`` is ``original`` as a Blockly round trip keeps it (``view``),
    with every node id the original had once (ids that repeat are renumbered
    by the editor, so they are not compared)."""
    if view(original, ids=False) != view(back, ids=False):
        return False
    # else-if branches have no id of their own (theirs derives from the rule's)
    skip = ("Program", "ElseIf")
    before = [i for node, i in iter_nodes(original) if type(node).__name__ not in skip]
    after = [i for node, i in iter_nodes(back) if type(node).__name__ not in skip]
    repeated = {i for i, n in Counter(before).items() if n > 1}
    return len(before) == len(after) and all(
        a == b for a, b in zip(before, after, strict=True) if a not in repeated
    )
