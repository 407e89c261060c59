"""GAME's four template records: their Blockly XML reads as exactly their
``astJson`` (same AST, same bytes), compiles to the same image, and writing
the AST back gives a workspace that reads as the same AST again."""

from __future__ import annotations

import json
from typing import Any

import pytest

import dslc
from dslc.blockly import blockly_to_json, json_to_blockly, read_workspace
from tests.blockly.support import template_records


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    found = template_records()
    assert len(found) == 4
    return found


def test_the_xml_reads_as_exactly_the_ast_json(records: list[dict[str, Any]]) -> None:
    for record in records:
        ast = blockly_to_json(record["blocklyXml"])
        assert ast == record["astJson"], record["id"]
        # same bytes: the keys come in the order GAME's generator writes them
        assert json.dumps(ast) == json.dumps(record["astJson"]), record["id"]


def test_the_xml_reads_without_warnings(records: list[dict[str, Any]]) -> None:
    for record in records:
        assert read_workspace(record["blocklyXml"]).warnings == [], record["id"]


def test_the_xml_compiles_to_the_image_of_the_ast_json(records: list[dict[str, Any]]) -> None:
    for record in records:
        from_xml = dslc.compile_json(dslc.blockly_to_json(record["blocklyXml"]))
        assert from_xml == dslc.compile_json(record["astJson"]), record["id"]


def test_writing_the_ast_gives_a_workspace_of_the_same_ast(
    records: list[dict[str, Any]],
) -> None:
    for record in records:
        xml = json_to_blockly(record["astJson"])
        assert json.dumps(blockly_to_json(xml)) == json.dumps(record["astJson"]), record["id"]
        # and a fixed point: the same blocks again
        assert json_to_blockly(blockly_to_json(xml)) == xml
