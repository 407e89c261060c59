"""A model of what GAME's editor does when it loads a workspace: what it
would drop or change. Written from the facts of its block definitions
(BLOCKLY.md; ``dslc.blockly.blocks`` holds them), independently of the
writer, so that a written workspace can be checked block by block."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from dslc.ast import ARITH_OPS, COMPARE_OPS
from dslc.blockly.blocks import BLOCKS, FIELD_PATHS, FUNC_INPUTS, PARENT_PATHS
from dslc.blockly.numbers import DECIMAL_RE

X = "{https://developers.google.com/blockly/xml}"
_DATA_KEY = re.compile(r"[A-Za-z0-9_]+")
_DROPDOWNS = {
    ("gd_compare", "OP"): COMPARE_OPS,
    ("gd_arith", "OP"): ARITH_OPS,
    ("gd_func_call", "NAME"): tuple(FUNC_INPUTS),
    ("gd_field", "PATH"): FIELD_PATHS,
    ("gd_field_parent", "PATH"): PARENT_PATHS,
}


def losses(xml: str) -> list[str]:
    """Everything the editor would drop, reject or change on loading."""
    root = ET.fromstring(xml)
    out: list[str] = []
    ids: set[str] = set()
    for top in root:
        if top.tag != f"{X}block":
            out.append(f"unexpected top-level <{top.tag}>")
            continue
        if top.get("x") is None or top.get("y") is None:
            out.append(f"top-level block {top.get('id')} has no position")
        _block(top, out, ids)
    ys = [int(b.get("y", "0")) for b in root]
    if ys != sorted(ys):
        out.append("top-level blocks are not in position order")
    return out


def _block(elem: ET.Element, out: list[str], ids: set[str]) -> None:
    block_type = elem.get("type", "")
    block_id = elem.get("id", "")
    info = BLOCKS.get(block_type)
    if info is None:
        out.append(f"unknown block type {block_type}")
        return
    if not block_id or block_id in ids:
        out.append(f"block id {block_id!r} empty or repeated (the editor replaces it)")
    ids.add(block_id)
    fields = {f.get("name"): f.text or "" for f in elem.findall(f"{X}field")}
    for name, text in fields.items():
        if name not in info.fields:
            out.append(f"{block_id}: no field {name}")
        options = _DROPDOWNS.get((block_type, name or ""))
        if options is not None and text not in options:
            out.append(f"{block_id}: {name}={text!r} is not an option")
    if block_type == "gd_field_data" and not _DATA_KEY.fullmatch(fields.get("KEY", "")):
        out.append(f"{block_id}: the data key validator rejects {fields.get('KEY')!r}")
    if block_type == "gd_literal_number" and not DECIMAL_RE.fullmatch(fields.get("VALUE", "")):
        out.append(f"{block_id}: not a number {fields.get('VALUE')!r}")
    inputs = _inputs(elem, block_type, fields)
    for child in elem:
        tag = child.tag.removeprefix(X)
        if tag in ("value", "statement"):
            name = child.get("name", "")
            if name not in inputs:
                out.append(f"{block_id}: no input {name} (dropped)")
                continue
            (plugged,) = list(child)
            _check_plug(block_type, name, inputs[name], plugged, out)
            _walk_stack(plugged, out, ids)
        elif tag == "next":
            if not info.has_next:
                out.append(f"{block_id}: {block_type} has no next connection")
            (following,) = list(child)
            if not BLOCKS.get(following.get("type", ""), info).statement:
                out.append(f"{block_id}: a non-statement follows")


def _walk_stack(elem: ET.Element, out: list[str], ids: set[str]) -> None:
    _block(elem, out, ids)


def _inputs(
    elem: ET.Element, block_type: str, fields: dict[str | None, str]
) -> dict[str, frozenset[str] | None]:
    declared = dict(BLOCKS[block_type].inputs)
    if block_type == "gd_func_call":
        names = FUNC_INPUTS.get(fields.get("NAME", ""), ())
        return {name: declared[name] for name in names}
    if BLOCKS[block_type].node == "rule":
        mutation = elem.find(f"{X}mutation")
        elseifs = int(mutation.get("elseif", "0")) if mutation is not None else 0
        has_else = mutation is not None and mutation.get("else") == "1"
        for i in range(1, elseifs + 1):
            declared[f"IF{i}"] = declared["WHEN"]
            declared[f"DO{i}"] = None
        if has_else:
            declared["ELSE"] = None
    return declared


def _check_plug(
    owner: str, name: str, accepts: frozenset[str] | None, plugged: ET.Element, out: list[str]
) -> None:
    info = BLOCKS.get(plugged.get("type", ""))
    if info is None:
        return  # reported when the block itself is checked
    if accepts is None:
        if not info.statement:
            out.append(f"{owner}.{name}: a {plugged.get('type')} in a statement input")
        return
    if info.output is None or not (info.output & accepts):
        out.append(f"{owner}.{name}: a {plugged.get('type')} does not fit (dropped)")
