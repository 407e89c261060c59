"""Facts about GAME's Blockly blocks (``gd_*``), shared by reader and writer.

One table says, for every block type, what it becomes in the JSON AST, the
fields and inputs it has, what its output connection carries and what each
input accepts. These are the dashboard's block definitions as facts
(BLOCKLY.md): Blockly drops a block plugged into an input whose check does
not intersect the block's output types, so the writer consults the same
table to refuse what the editor would silently lose.
"""

from __future__ import annotations

from dataclasses import dataclass

XMLNS = "https://developers.google.com/blockly/xml"

# Blockly connection check types.
BOOLEAN = "Boolean"
NUMBER = "Number"
STRING = "String"


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """One block type. ``output`` is None for statement and top-level blocks;
    ``inputs`` maps an input name to the types it accepts (None: a statement
    input); ``has_next`` says whether a statement can follow it."""

    node: str  # the JSON AST node type it becomes
    fields: tuple[str, ...] = ()
    inputs: tuple[tuple[str, frozenset[str] | None], ...] = ()
    output: frozenset[str] | None = None
    statement: bool = False
    has_next: bool = False


def _accepts(*types: str) -> frozenset[str]:
    return frozenset(types)


_CONDITION_INPUT = _accepts(BOOLEAN, NUMBER)  # a rule's WHEN and IF<i>
_OPERAND = _accepts(NUMBER, STRING)  # compare operands
_NUMERIC = _accepts(NUMBER)
_ANY_VALUE = _accepts(NUMBER, STRING, BOOLEAN)

RULE_BLOCKS: dict[str, str] = {
    "gd_rule": "rules",
    "gd_pre_rule": "pre_rules",
    "gd_post_rule": "post_rules",
}
SECTION_BLOCKS: dict[str, str] = {section: block for block, section in RULE_BLOCKS.items()}
PARENT_VARIABLE_BLOCK = "gd_parent_variable_override"

_RULE = BlockInfo(
    "rule",
    inputs=(("WHEN", _CONDITION_INPUT), ("THEN", None)),
)

BLOCKS: dict[str, BlockInfo] = {
    **{name: _RULE for name in RULE_BLOCKS},
    "gd_compare": BlockInfo(
        "compare",
        fields=("OP",),
        inputs=(("LEFT", _OPERAND), ("RIGHT", _OPERAND)),
        output=_accepts(BOOLEAN),
    ),
    "gd_and": BlockInfo(
        "and",
        inputs=(("A", _accepts(BOOLEAN)), ("B", _accepts(BOOLEAN))),
        output=_accepts(BOOLEAN),
    ),
    "gd_or": BlockInfo(
        "or",
        inputs=(("A", _accepts(BOOLEAN)), ("B", _accepts(BOOLEAN))),
        output=_accepts(BOOLEAN),
    ),
    "gd_not": BlockInfo("not", inputs=(("ARG", _accepts(BOOLEAN)),), output=_accepts(BOOLEAN)),
    "gd_field": BlockInfo("field", fields=("PATH",), output=_accepts(NUMBER)),
    "gd_field_data": BlockInfo("field", fields=("KEY",), output=_ANY_VALUE),
    "gd_field_parent": BlockInfo("field", fields=("PATH",), output=_accepts(NUMBER, STRING)),
    "gd_literal_number": BlockInfo("literal", fields=("VALUE",), output=_accepts(NUMBER)),
    "gd_literal_text": BlockInfo("literal", fields=("VALUE",), output=_accepts(STRING)),
    "gd_arith": BlockInfo(
        "arith",
        fields=("OP",),
        inputs=(("LEFT", _NUMERIC), ("RIGHT", _NUMERIC)),
        output=_accepts(NUMBER),
    ),
    # The inputs depend on NAME (see FUNC_INPUTS).
    "gd_func_call": BlockInfo(
        "func_call",
        fields=("NAME",),
        inputs=(("VALUE", _NUMERIC), ("LO", _NUMERIC), ("HI", _NUMERIC)),
        output=_accepts(NUMBER),
    ),
    "gd_assign_points": BlockInfo(
        "assign_points",
        fields=("CASE_NAME",),
        inputs=(("VALUE", _NUMERIC),),
        statement=True,
    ),
    "gd_set_callback_data": BlockInfo(
        "set_callback_data",
        fields=("KEY",),
        inputs=(("VALUE", _ANY_VALUE),),
        statement=True,
        has_next=True,
    ),
    "gd_set_data": BlockInfo(
        "set_data",
        fields=("KEY",),
        inputs=(("VALUE", _ANY_VALUE),),
        statement=True,
        has_next=True,
    ),
    "gd_veto": BlockInfo("veto", fields=("CASE_NAME",), statement=True),
    "gd_set_points": BlockInfo(
        "set_points", inputs=(("VALUE", _NUMERIC),), statement=True, has_next=True
    ),
    "gd_set_case_name": BlockInfo(
        "set_case_name", inputs=(("VALUE", _accepts(STRING)),), statement=True, has_next=True
    ),
    PARENT_VARIABLE_BLOCK: BlockInfo("parent_variables", fields=("VARIABLE", "VALUE")),
}

# gd_func_call builds its value inputs from the function's name.
FUNC_INPUTS: dict[str, tuple[str, ...]] = {"int": ("VALUE",), "clamp": ("VALUE", "LO", "HI")}

# The statement block for each statement node type (``return`` has none).
STATEMENT_BLOCKS: dict[str, str] = {
    info.node: name for name, info in BLOCKS.items() if info.statement
}
CONDITION_BLOCKS: frozenset[str] = frozenset({"gd_compare", "gd_and", "gd_or", "gd_not"})

# The dropdown of gd_field (the analytics and event paths) and gd_field_parent.
FIELD_PATHS: tuple[str, ...] = (
    "externalGameId",
    "externalTaskId",
    "externalUserId",
    "user.measurements_count",
    "task.measurements_count",
    "user.avg_time",
    "all.avg_time",
    "user.last_window_diff",
    "user.new_last_window_diff",
    "user.recent_measurements_count",
)
PARENT_PATHS: tuple[str, ...] = ("parent.points", "parent.case_name")
DATA_PREFIX = "data."


def input_accepts(block_type: str, input_name: str) -> frozenset[str] | None:
    for name, accepts in BLOCKS[block_type].inputs:
        if name == input_name:
            return accepts
    raise KeyError(input_name)


def fits(block_type: str, accepts: frozenset[str]) -> bool:
    """Whether the editor keeps ``block_type`` plugged into an input that
    accepts ``accepts`` (Blockly compares the check lists)."""
    output = BLOCKS[block_type].output
    return output is not None and bool(output & accepts)
