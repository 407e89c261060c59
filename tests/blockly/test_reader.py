"""Reading Blockly XML: BLOCKLY.md's mapping block by block, the placeholders
of empty inputs, and every bad workspace a located error (block id and
element path), hostile XML included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dslc import codes
from dslc.blockly import blockly_to_json, compile_blockly, compile_blockly_stages, read_workspace
from dslc.blockly.xmlsafe import MAX_CHARS, MAX_DEPTH, MAX_ELEMENTS
from dslc.diagnostics import CompileError
from tests.blockly.support import workspace


def field(name: str, text: str) -> str:
    return f'<field name="{name}">{text}</field>'


def value(name: str, block: str) -> str:
    return f'<value name="{name}">{block}</value>'


def block(type_: str, id_: str, *parts: str, nxt: str = "", xy: str = "") -> str:
    tail = f"<next>{nxt}</next>" if nxt else ""
    return f'<block type="{type_}" id="{id_}"{xy}>{"".join(parts)}{tail}</block>'


def num(id_: str, text: str) -> str:
    return block("gd_literal_number", id_, field("VALUE", text))


def rule(id_: str, when: str, then: str, type_: str = "gd_rule", extra: str = "") -> str:
    return block(
        type_, id_, extra, value("WHEN", when), f'<statement name="THEN">{then}</statement>'
    )


def assign(id_: str, points: str = "", case: str = "C") -> str:
    return block(
        "gd_assign_points", id_, field("CASE_NAME", case), value("VALUE", points) if points else ""
    )


def errors(xml: str) -> list[tuple[str, str | None, str | None]]:
    with pytest.raises(CompileError) as info:
        read_workspace(xml, "w.xml")
    return [(d.code, d.node_id, d.pointer) for d in info.value.errors]


# -- the mapping ---------------------------------------------------------------------


def test_an_empty_workspace_is_a_program_without_rules() -> None:
    assert blockly_to_json(workspace()) == {"type": "program", "id": "program", "rules": []}


def test_every_expression_block() -> None:
    cmp = block(
        "gd_compare",
        "c",
        field("OP", "&gt;="),
        value(
            "LEFT",
            block(
                "gd_arith",
                "a",
                field("OP", "max"),
                value("LEFT", block("gd_field_data", "d", field("KEY", "speed"))),
                value("RIGHT", block("gd_field", "f", field("PATH", "user.avg_time"))),
            ),
        ),
        value(
            "RIGHT",
            block(
                "gd_func_call",
                "fn",
                field("NAME", "clamp"),
                value("VALUE", num("n1", "2.0")),
                value("LO", num("n2", "-1.5e1")),
                value("HI", num("n3", "0.25")),
            ),
        ),
    )
    ast = blockly_to_json(workspace(rule("r", cmp, assign("s", num("n4", "1")))))
    assert ast["rules"][0]["when"] == {
        "type": "compare",
        "id": "c",
        "op": ">=",
        "left": {
            "type": "arith",
            "id": "a",
            "op": "max",
            "left": {"type": "field", "id": "d", "path": "data.speed"},
            "right": {"type": "field", "id": "f", "path": "user.avg_time"},
        },
        "right": {
            "type": "func_call",
            "id": "fn",
            "name": "clamp",
            "args": [
                {"type": "literal", "id": "n1", "value": 2},
                {"type": "literal", "id": "n2", "value": -15},
                {"type": "literal", "id": "n3", "value": 0.25},
            ],
        },
    }
    # "2.0" is the integer 2, as JavaScript numbers go
    assert type(ast["rules"][0]["when"]["right"]["args"][0]["value"]) is int


def test_sections_parent_variables_and_default_in_generator_order() -> None:
    xml = workspace(
        block(
            "gd_parent_variable_override",
            "p1",
            field("VARIABLE", "variable_a"),
            field("VALUE", " 2 "),
        ),
        rule(
            "post",
            block("gd_field_parent", "fp", field("PATH", "parent.points")),
            block("gd_set_points", "sp", value("VALUE", num("n", "3"))),
            "gd_post_rule",
        ),
        assign("dflt", num("n0", "1"), "D1"),
        rule("pre", num("t", "1"), block("gd_veto", "v"), "gd_pre_rule"),
        rule("main", num("t2", "1"), assign("a", num("n2", "5"))),
        assign("dflt2", num("n3", "7"), "D2"),
    )
    ast = blockly_to_json(xml)
    assert list(ast) == [
        "type",
        "id",
        "rules",
        "pre_rules",
        "post_rules",
        "parent_variables",
        "default",
    ]
    assert [r["id"] for r in ast["rules"]] == ["main"]
    assert ast["pre_rules"][0]["then"] == [{"type": "veto", "id": "v", "case_name": "Vetoed"}]
    assert ast["parent_variables"] == {"variable_a": 2}
    assert ast["default"]["id"] == "dflt2"  # the last free assign_points wins


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("false", False),
        (" null ", None),
        ("", ""),
        ("12", 12),
        ("-1.5", -1.5),
        ("+.5e1", 5),
        ("1e21", 1e21),
        ("1.2.3", "1.2.3"),
        (" abc ", "abc"),
        ("True", "True"),
    ],
)
def test_parent_variable_values_are_coerced(text: str, expected: Any) -> None:
    xml = workspace(
        block(
            "gd_parent_variable_override",
            "p",
            field("VARIABLE", "variable_x"),
            field("VALUE", text),
        )
    )
    got = blockly_to_json(xml)["parent_variables"]["variable_x"]
    assert got == expected and type(got) is type(expected)


def test_else_if_and_else_branches_follow_the_mutation() -> None:
    rule_xml = block(
        "gd_rule",
        "r",
        '<mutation elseif="2" else="1"></mutation>',
        value("WHEN", num("w", "1")),
        '<statement name="THEN">' + assign("a1", num("n1", "1")) + "</statement>",
        value("IF1", num("w1", "0")),
        '<statement name="DO1">' + assign("a2", num("n2", "2")) + "</statement>",
        '<statement name="DO2">' + assign("a3", num("n3", "3")) + "</statement>",
        '<statement name="ELSE">'
        + block("gd_set_callback_data", "cb", field("KEY", "k"), nxt=assign("a4", num("n4", "4")))
        + "</statement>",
    )
    r = blockly_to_json(workspace(rule_xml))["rules"][0]
    assert list(r) == ["type", "id", "when", "then", "else_if", "else"]
    assert r["else_if"][0]["when"]["id"] == "w1"
    assert r["else_if"][1]["when"] is None  # IF2 is empty
    assert [s["id"] for s in r["else_if"][1]["then"]] == ["a3"]
    assert [s["id"] for s in r["else"]] == ["cb", "a4"]
    assert r["else"][0]["value"] == {"type": "literal", "id": "cb_v_missing", "value": None}


def test_empty_inputs_become_gamess_placeholders_with_warnings() -> None:
    xml = workspace(
        rule(
            "r",
            block(
                "gd_and",
                "and1",
                value("A", block("gd_not", "not1")),
                value("B", block("gd_compare", "c", field("OP", "=="))),
            ),
            block(
                "gd_set_data",
                "sd",
                nxt=block("gd_set_case_name", "scn", nxt=block("gd_set_points", "spt")),
            ),
        ),
        block("gd_func_call", "orphan", field("NAME", "int")),
    )
    ws = read_workspace(xml)
    r = ws.ast["rules"][0]
    assert r["when"]["args"][0]["arg"] == {"type": "literal", "id": "not1_arg", "value": False}
    assert r["when"]["args"][1]["left"]["id"] == "c_left_missing"
    assert r["when"]["args"][1]["right"] == {
        "type": "literal",
        "id": "c_right_missing",
        "value": False,
    }
    assert [s["value"]["value"] for s in r["then"]] == [None, "", 0]
    assert [s.get("key") for s in r["then"]] == ["", None, None]
    warned = [(d.code, d.node_id, d.pointer) for d in ws.warnings]
    assert (
        codes.BLOCKLY_EMPTY_INPUT,
        "not1",
        "/xml/block[1]/value[WHEN]/block/value[A]/block/value[ARG]",
    ) in warned
    assert (
        codes.BLOCKLY_EMPTY_INPUT,
        "spt",
        "/xml/block[1]/statement[THEN]/block[3]/value[VALUE]",
    ) in warned
    assert (codes.BLOCKLY_IGNORED, "orphan", "/xml/block[2]") in warned


def test_a_missing_and_argument_is_named_after_its_input() -> None:
    ast = blockly_to_json(workspace(rule("r", block("gd_or", "o"), assign("a", num("n", "1")))))
    assert [a["id"] for a in ast["rules"][0]["when"]["args"]] == ["o_A_missing", "o_B_missing"]


def test_shadows_stand_in_for_missing_blocks_and_comments_are_ignored() -> None:
    xml = workspace(
        '<comment pinned="false">note</comment>',
        rule(
            "r",
            '<shadow type="gd_literal_number" id="sh"><field name="VALUE">4</field></shadow>',
            assign(
                "a",
                '<shadow type="gd_literal_number" id="sh2"><field name="VALUE">1</field></shadow>'
                + num("real", "9"),
            ),
        ),
    )
    r = blockly_to_json(xml)["rules"][0]
    assert r["when"] == {"type": "literal", "id": "sh", "value": 4}
    assert r["then"][0]["value"]["id"] == "real"


def test_a_block_without_id_gets_the_reference_id_when_loaded() -> None:
    xml = workspace(
        '<block type="gd_rule"><value name="WHEN">' + num("n", "1") + "</value></block>"
    )
    assert "id" not in blockly_to_json(xml)["rules"][0]


# -- errors ---------------------------------------------------------------------------


def test_blocks_in_the_wrong_place_are_located_errors() -> None:
    xml = workspace(
        rule(
            "r",
            block("math_number", "m"),
            block("gd_compare", "c", nxt=block("gd_veto", "v")),
        ),
        rule("r2", block("gd_assign_points", "ap"), assign("a", block("gd_rule", "inner"))),
    )
    assert errors(xml) == [
        (codes.BLOCKLY_UNKNOWN_BLOCK, "m", "/xml/block[1]/value[WHEN]/block"),
        (codes.BLOCKLY_MISPLACED_BLOCK, "c", "/xml/block[1]/statement[THEN]/block[1]"),
        (codes.BLOCKLY_MISPLACED_BLOCK, "ap", "/xml/block[2]/value[WHEN]/block"),
        (
            codes.BLOCKLY_MISPLACED_BLOCK,
            "inner",
            "/xml/block[2]/statement[THEN]/block[1]/value[VALUE]/block",
        ),
    ]


def test_a_block_after_one_without_next_connection_is_an_error() -> None:
    xml = workspace(
        rule(
            "r",
            num("n", "1"),
            assign("a", num("n2", "1")).replace(
                "</block>", "<next>" + block("gd_veto", "v") + "</next></block>", 1
            ),
        )
    )
    # the replace put <next> inside the number block: a value block has no next either
    assert errors(xml) == [
        (
            codes.BLOCKLY_MALFORMED,
            "n2",
            "/xml/block[1]/statement[THEN]/block[1]/value[VALUE]/block/next",
        )
    ]
    xml = workspace(rule("r", num("n", "1"), block("gd_veto", "v", nxt=block("gd_set_data", "s"))))
    assert errors(xml) == [
        (codes.BLOCKLY_MALFORMED, "v", "/xml/block[1]/statement[THEN]/block[1]/next")
    ]


@pytest.mark.parametrize(
    "bad",
    [
        '<block id="x"/>',  # no type
        rule("x", num("n", "1"), "").replace(
            "</block>", value("WHEN", num("n2", "2")) + "</block>", 1
        )[:0]
        + block("gd_rule", "x", value("WHEN", num("n", "1")), value("WHEN", num("n2", "2"))),
        block("gd_rule", "x", '<mutation elseif="two"/>'),
        block("gd_rule", "x", value("WHEN", num("n", "1") + num("n2", "2"))),
    ],
)
def test_malformed_blocks(bad: str) -> None:
    assert [e[0] for e in errors(workspace(bad))] == [codes.BLOCKLY_MALFORMED]


@pytest.mark.parametrize("text", ["0x10", "Infinity", "1e999", "1,5", "NaN", "--1"])
def test_a_number_block_must_hold_a_finite_decimal(text: str) -> None:
    xml = workspace(assign("a", num("n", text)))
    assert errors(xml) == [
        (codes.BLOCKLY_BAD_NUMBER, "n", "/xml/block[1]/value[VALUE]/block/field[VALUE]")
    ]


def test_unknown_fields_and_inputs_are_warned_about() -> None:
    xml = workspace(
        rule(
            "r",
            num("n", "1"),
            block(
                "gd_set_points",
                "s",
                field("OOPS", "1"),
                value("VALUE", num("m", "2")),
                value("EXTRA", num("e", "3")),
            ),
        ),
        block(
            "gd_func_call",
            "f",
            field("NAME", "int"),
            value("VALUE", num("v", "1")),
            value("HI", num("h", "1")),
        ),
    )
    warned = {(d.code, d.node_id, d.pointer) for d in read_workspace(xml).warnings}
    assert warned >= {
        (codes.BLOCKLY_IGNORED, "s", "/xml/block[1]/statement[THEN]/block[1]/field[OOPS]"),
        (codes.BLOCKLY_IGNORED, "s", "/xml/block[1]/statement[THEN]/block[1]/value[EXTRA]"),
    }


def test_the_root_must_be_a_workspace() -> None:
    assert errors("<workspace/>") == [(codes.BLOCKLY_NOT_WORKSPACE, None, "/")]


# -- hostile XML ----------------------------------------------------------------------


def _one_error(xml: str) -> str:
    with pytest.raises(CompileError) as info:
        read_workspace(xml, "w.xml")
    (diag,) = info.value.errors
    return diag.code


@pytest.mark.parametrize(
    "xml",
    [
        '<!DOCTYPE xml [<!ENTITY a "b">]><xml>&a;</xml>',
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY l "l"><!ENTITY l2 "&l;&l;&l;&l;">'
        '<!ENTITY l3 "&l2;&l2;&l2;&l2;">]><xml>&l3;</xml>',
        '<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml/>',
        '<!DOCTYPE xml PUBLIC "-//x//y" "http://example.invalid/x.dtd"><xml/>',
    ],
)
def test_document_type_declarations_are_refused(xml: str) -> None:
    assert _one_error(xml) == codes.BLOCKLY_XML_FORBIDDEN


def test_an_undefined_entity_is_a_syntax_error_with_a_place() -> None:
    with pytest.raises(CompileError) as info:
        read_workspace("<xml>\n  <block>&nope;</block></xml>", "w.xml")
    (diag,) = info.value.errors
    assert diag.code == codes.BLOCKLY_XML_SYNTAX
    assert info.value.render().startswith("w.xml:2:10: error[DSLC_BLOCKLY_XML_SYNTAX]")


def test_size_elements_and_depth_are_bounded() -> None:
    assert _one_error("<xml>" + " " * MAX_CHARS + "</xml>") == codes.BLOCKLY_TOO_LARGE
    assert _one_error("<xml>" + "<a/>" * (MAX_ELEMENTS + 1) + "</xml>") == codes.BLOCKLY_TOO_LARGE
    deep = "<xml>" + "<a>" * MAX_DEPTH + "</a>" * MAX_DEPTH + "</xml>"
    assert _one_error(deep) == codes.BLOCKLY_TOO_LARGE


def test_deeply_nested_blocks_stop_at_the_depth_limit_without_recursing() -> None:
    inner = num("leaf", "1")
    for i in range(1500):
        inner = block(
            "gd_arith",
            f"a{i}",
            field("OP", "+"),
            value("LEFT", inner),
            value("RIGHT", num(f"n{i}", "1")),
        )
    xml = workspace(assign("top", inner))
    codes_found = {e[0] for e in errors(xml)}
    assert codes_found == {codes.DEPTH_LIMIT}


def test_an_absurd_else_if_count_is_refused_before_any_work() -> None:
    xml = workspace(block("gd_rule", "r", '<mutation elseif="99999999999999999999"/>'))
    assert errors(xml) == [(codes.BLOCKLY_TOO_LARGE, "r", "/xml/block[1]/mutation")]


def test_non_xml_is_a_syntax_error() -> None:
    assert _one_error("{}") == codes.BLOCKLY_XML_SYNTAX
    assert _one_error("") == codes.BLOCKLY_XML_SYNTAX


# -- compiling: later stages' diagnostics point at blocks -------------------------------


def test_compile_errors_name_the_block_and_its_element_path() -> None:
    xml = workspace(
        rule("r", block("gd_field", "f", field("PATH", "user.secret")), assign("a", num("n", "1"))),
        rule("r2", num("t", "1"), block("gd_set_points", "sp", value("VALUE", num("m", "1")))),
    )
    with pytest.raises(CompileError) as info:
        compile_blockly_stages(xml, "w.xml")
    found = {(d.code, d.node_id, d.pointer) for d in info.value.errors}
    assert found == {
        (codes.FIELD_PATH_NOT_ALLOWED, "f", "/xml/block[1]/value[WHEN]/block"),
        (codes.STATEMENT_NOT_ALLOWED, "sp", "/xml/block[2]/statement[THEN]/block[1]"),
    }
    assert (
        "w.xml:/xml/block[1]/value[WHEN]/block: error[DSL_FIELD_PATH_NOT_ALLOWED]"
        in info.value.render()
    )


def test_an_empty_rule_is_located_at_its_empty_inputs() -> None:
    with pytest.raises(CompileError) as info:
        compile_blockly(workspace(rule("r", num("n", "1"), "")), "w.xml")
    assert [(d.code, d.node_id, d.pointer, d.hint) for d in info.value.errors] == [
        (
            codes.EMPTY_LIST,
            "r",
            "/xml/block[1]/statement[THEN]",
            "the THEN input is empty: plug a block into it",
        )
    ]
    with pytest.raises(CompileError) as info:
        compile_blockly(workspace(block("gd_rule", "r")), "w.xml")
    assert {(d.node_id, d.pointer) for d in info.value.errors} == {
        ("r", "/xml/block[1]/value[WHEN]"),
        ("r", "/xml/block[1]/statement[THEN]"),
    }


def test_warnings_of_a_compiled_workspace_are_located() -> None:
    xml = workspace(rule("r", num("n", "1"), assign("a")))
    compiled = compile_blockly_stages(xml, "w.xml")
    assert [(d.code, d.node_id, d.pointer) for d in compiled.diagnostics] == [
        (codes.BLOCKLY_EMPTY_INPUT, "a", "/xml/block[1]/statement[THEN]/block[1]/value[VALUE]")
    ]
    assert json.loads(json.dumps(compiled.diagnostics[0].to_dict()))["pointer"].startswith("/xml")
