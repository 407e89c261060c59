"""Properties of the Blockly round trip on random programs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dslc import codes
from dslc.ast import Program
from dslc.blockly import blockly_to_json, json_to_blockly, program_to_blockly
from dslc.diagnostics import CompileError
from dslc.ids import fill_ids
from dslc.to_json import program_to_json
from dslc.validate import validate
from tests import asts as any_ast
from tests.blockly import strategies
from tests.blockly.editor import losses
from tests.blockly.support import load, same_program


@settings(max_examples=60)
@given(strategies.programs())
def test_programs_the_blocks_can_carry_round_trip(program: Program) -> None:
    program = fill_ids(program)
    assert not [d for d in validate(program) if d.is_error]
    xml = program_to_blockly(program).xml  # never refused
    assert losses(xml) == []  # GAME's editor keeps every block
    back = blockly_to_json(xml)
    assert same_program(load(program_to_json(program)), load(back))
    # XML -> AST -> XML -> AST is a fixed point
    again = json_to_blockly(back)
    assert again == xml
    assert blockly_to_json(again) == back


@settings(max_examples=100)
@given(any_ast.any_programs(), st.booleans())
def test_any_program_is_written_faithfully_or_refused(program: Program, via_json: bool) -> None:
    """On the text front end's random ASTs (most of which GAME's blocks
    cannot carry): invalid programs are refused with their compile errors,
    valid ones are refused only for unsupported constructs, and whatever is
    written reads back as the same program."""
    program = fill_ids(program)
    ast = program_to_json(program)
    if any(d.is_error for d in validate(program)):
        try:
            json_to_blockly(ast)
        except CompileError as exc:
            assert codes.BLOCKLY_UNSUPPORTED not in {d.code for d in exc.errors}
            return
        raise AssertionError("an invalid program was written")
    try:
        xml = json_to_blockly(ast) if via_json else program_to_blockly(program).xml
    except CompileError as exc:
        assert {d.code for d in exc.errors} == {codes.BLOCKLY_UNSUPPORTED}
        assert all(d.node_id for d in exc.errors)
        return
    assert same_program(load(ast), load(blockly_to_json(xml)))
