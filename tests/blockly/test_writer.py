"""Writing Blockly XML: what GAME's dashboard would store, and a located
``DSLC_BLOCKLY_UNSUPPORTED`` refusal for every construct its blocks cannot
carry (BLOCKLY.md, "Writing XML")."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from dslc import codes
from dslc.blockly import blockly_to_json, json_to_blockly, program_to_blockly
from dslc.diagnostics import CompileError, Diagnostic
from dslc.text import parse_text
from tests.blockly.editor import losses
from tests.blockly.support import load, same_program

X = "{https://developers.google.com/blockly/xml}"


def lit(value: Any, id_: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "literal", "value": value}
    if id_:
        node["id"] = id_
    return node


def fld(path: str, id_: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "field", "path": path}
    if id_:
        node["id"] = id_
    return node


def assign(value: Any = None, case: str = "C", id_: str = "a") -> dict[str, Any]:
    return {"type": "assign_points", "id": id_, "value": value or lit(1, "one"), "case_name": case}


def prog(*rules: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"type": "program", "id": "p", "rules": list(rules), **more}


def rule(when: Any, *then: Any, id_: str = "r", **more: Any) -> dict[str, Any]:
    return {"type": "rule", "id": id_, "when": when, "then": list(then), **more}


def cmp(left: Any, right: Any, id_: str = "c") -> dict[str, Any]:
    return {"type": "compare", "id": id_, "op": "<", "left": left, "right": right}


TRUE = cmp(lit(1, "l1"), lit(2, "l2"))


def refusals(ast: Any) -> list[tuple[str, str | None, str | None]]:
    with pytest.raises(CompileError) as info:
        json_to_blockly(ast)
    diags = info.value.errors
    assert {d.code for d in diags} == {codes.BLOCKLY_UNSUPPORTED}
    return [(d.node_id, d.pointer, d.message) for d in diags]


def refused(ast: Any) -> list[tuple[str | None, str | None]]:
    return [(node, pointer) for node, pointer, _ in refusals(ast)]


# -- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ast", "where", "construct"),
    [
        (
            prog(rule(TRUE, {"type": "return", "id": "ret"})),
            ("ret", "/rules/0/then/0"),
            "a return statement",
        ),
        (
            prog(rule(TRUE, assign(lit(True, "b")))),
            ("b", "/rules/0/then/0/value"),
            "a boolean literal",
        ),
        (
            prog(rule(cmp(lit(None, "n"), lit(1)), assign())),
            ("n", "/rules/0/when/left"),
            "a null literal",
        ),
        (
            prog(default={"type": "set_callback_data", "id": "d", "key": "k", "value": lit(1)}),
            ("d", "/default"),
            "a default that is a set_callback_data statement",
        ),
        (
            prog(rule({"type": "and", "id": "and1", "args": [TRUE, TRUE, TRUE]}, assign())),
            ("and1", "/rules/0/when"),
            "an and of 3 condition(s)",
        ),
        (
            prog(rule({"type": "or", "id": "or1", "args": [TRUE]}, assign())),
            ("or1", "/rules/0/when"),
            "an or of 1 condition(s)",
        ),
        (
            prog(
                rule(
                    TRUE,
                    assign(),
                    {"type": "set_callback_data", "id": "late", "key": "k", "value": lit(1)},
                )
            ),
            ("late", "/rules/0/then/1"),
            "a statement after assign_points",
        ),
        (
            prog(
                pre_rules=[
                    rule(
                        TRUE,
                        {"type": "veto", "id": "v", "case_name": "V"},
                        {"type": "set_data", "id": "sd", "key": "k", "value": lit(1)},
                    )
                ]
            ),
            ("sd", "/pre_rules/0/then/1"),
            "a statement after veto",
        ),
        (
            prog(rule({"type": "not", "id": "nt", "arg": fld("data.x", "fx")}, assign())),
            ("fx", "/rules/0/when/arg"),
            "a bare field as a condition of not",
        ),
        (
            prog(rule({"type": "and", "args": [lit(1, "one1"), TRUE]}, assign())),
            ("one1", "/rules/0/when/args/0"),
            "a bare literal as a condition of and",
        ),
        (
            prog(rule(lit("yes", "t"), assign())),
            ("t", "/rules/0/when"),
            "a text literal as a rule's condition",
        ),
        (
            prog(rule(TRUE, assign(lit("5", "s")))),
            ("s", "/rules/0/then/0/value"),
            "a text literal as assign_points' value",
        ),
        (
            prog(
                rule(
                    TRUE,
                    assign({"type": "arith", "op": "+", "left": lit("a", "s"), "right": lit(1)}),
                )
            ),
            ("s", "/rules/0/then/0/value/left"),
            "a text literal as an arithmetic operand",
        ),
        (
            prog(
                post_rules=[
                    rule(TRUE, {"type": "set_case_name", "id": "scn", "value": lit(3, "three")})
                ]
            ),
            ("three", "/post_rules/0/then/0/value"),
            "a number literal as set_case_name's value",
        ),
        (
            prog(
                post_rules=[
                    rule(TRUE, {"type": "set_case_name", "value": fld("externalUserId", "u")})
                ]
            ),
            ("u", "/post_rules/0/then/0/value"),
            "the field 'externalUserId' as set_case_name's value",
        ),
        (prog(rule(TRUE, assign(lit(2.0, "f")))), ("f", "/rules/0/then/0/value"), "the number 2.0"),
        (
            prog(rule(TRUE, assign(lit(-0.0, "z")))),
            ("z", "/rules/0/then/0/value"),
            "the number -0.0",
        ),
        (
            prog(rule(TRUE, assign(lit(2**53 + 1, "big")))),
            ("big", "/rules/0/then/0/value"),
            "the number 9007199254740993",
        ),
        (
            prog(rule(cmp(fld("data.x\n", "dx"), lit(1)), assign())),
            ("dx", "/rules/0/when/left"),
            "the field path 'data.x\\n'",
        ),
        (
            prog(parent_variables={"variable_x": "12"}),
            ("p", "/parent_variables/variable_x"),
            "the parent variable string '12' of 'variable_x'",
        ),
        (
            prog(parent_variables={"variable_x": " padded"}),
            ("p", "/parent_variables/variable_x"),
            "the parent variable string ' padded' of 'variable_x'",
        ),
        (
            prog(parent_variables={"variable_x": "null"}),
            ("p", "/parent_variables/variable_x"),
            "the parent variable string 'null' of 'variable_x'",
        ),
        (
            prog(parent_variables={"variable_x": 3.0}),
            ("p", "/parent_variables/variable_x"),
            "the parent variable number 3.0 of 'variable_x'",
        ),
        (
            prog(rule(cmp(lit("a\rb", "cr"), lit("x")), assign())),
            ("cr", "/rules/0/when/left"),
            "text with characters XML cannot carry (a text literal)",
        ),
    ],
)
def test_each_construct_is_refused_at_its_node(
    ast: dict[str, Any], where: tuple[str, str], construct: str
) -> None:
    [(node, pointer, message)] = refusals(ast)
    assert (node, pointer) == where
    assert message.startswith(f"GAME's blocks cannot carry {construct}: ")


def test_every_refusal_is_reported_not_only_the_first() -> None:
    ast = prog(
        rule(TRUE, {"type": "return", "id": "ret"}, id_="r1"),
        rule(TRUE, assign(lit(None, "nul")), id_="r2"),
    )
    assert refused(ast) == [("ret", "/rules/0/then/0"), ("nul", "/rules/1/then/0/value")]


def test_invalid_programs_are_refused_with_their_compile_errors() -> None:
    with pytest.raises(CompileError) as info:
        json_to_blockly(prog(rule(fld("user.secret"), assign())))
    assert [d.code for d in info.value.errors] == [codes.FIELD_PATH_NOT_ALLOWED]
    with pytest.raises(CompileError):
        json_to_blockly([])


def test_refusals_of_a_text_program_point_at_its_source() -> None:
    source = 'rule r1\n    when true then\n        award 1 points as "C"\n'
    program, diags = parse_text(source, "t.strat")
    assert program is not None, diags
    with pytest.raises(CompileError) as info:
        program_to_blockly(program, "t.strat")
    (diag,) = info.value.errors
    assert diag.code == codes.BLOCKLY_UNSUPPORTED
    assert source[diag.start : diag.end] == "true"


# -- what is written -------------------------------------------------------------------


def blocks(xml: str) -> list[ET.Element]:
    return list(ET.fromstring(xml))


def test_blocks_are_written_as_blockly_writes_them() -> None:
    ast = prog(
        rule(
            TRUE,
            assign(lit(2.5, "v"), "Case"),
            id_="r",
            else_if=[
                {"when": fld("data.flag", "df"), "then": [assign(fld("data.p", "dp"), id_="a2")]}
            ],
        )
    )
    ast["post_rules"] = []
    root = ET.fromstring(json_to_blockly(ast))
    assert root.tag == f"{X}xml"
    (r,) = root
    assert r.attrib == {"type": "gd_rule", "id": "r", "x": "40", "y": "40"}
    # mutation first, then inputs in the block's order
    assert [(c.tag.removeprefix(X), c.get("name")) for c in r] == [
        ("mutation", None),
        ("value", "WHEN"),
        ("statement", "THEN"),
        ("value", "IF1"),
        ("statement", "DO1"),
    ]
    assert r[0].attrib == {"elseif": "1"}
    then = r.find(f"{X}statement/{X}block")
    assert then is not None
    # fields before inputs (Blockly's order)
    assert [(c.tag.removeprefix(X), c.get("name"), c.text) for c in then][:1] == [
        ("field", "CASE_NAME", "Case")
    ]
    assert then.find(f"{X}value/{X}block/{X}field").text == "2.5"  # type: ignore[union-attr]


def test_numbers_are_written_as_javascript_prints_them() -> None:
    for value, text in [
        (1e-7, "1e-7"),
        (1e21, "1e+21"),
        (10**20, "100000000000000000000"),
        (-3, "-3"),
    ]:
        xml = json_to_blockly(prog(rule(TRUE, assign(lit(value, "v")))))
        assert f'<field name="VALUE">{text}</field>' in xml
        got = blockly_to_json(xml)["rules"][0]["then"][0]["value"]["value"]
        assert got == value and type(got) is type(value)


def test_top_level_blocks_go_down_one_column_in_program_order() -> None:
    ast = prog(
        rule(TRUE, assign(id_="a1"), id_="r1"),
        rule(TRUE, assign(id_="a2"), id_="r2", **{"else": [assign(id_="a3")]}),
        default=assign(id_="d"),
        pre_rules=[rule(TRUE, {"type": "veto", "case_name": "V"}, id_="pre")],
        post_rules=[rule(TRUE, {"type": "set_points", "value": lit(1)}, id_="post")],
        parent_variables={"variable_a": 1, "variable_b": "x"},
    )
    top = blocks(json_to_blockly(ast))
    assert [b.get("id") for b in top] == [
        "parent_variables.variable_a",
        "parent_variables.variable_b",
        "pre",
        "r1",
        "r2",
        "d",
        "post",
    ]
    ys = [int(b.get("y", "")) for b in top]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    assert {b.get("x") for b in top} == {"40"}


def test_ids_are_kept_and_repeated_or_missing_ones_replaced() -> None:
    ast = prog(
        rule(
            cmp(lit(1, "same"), lit(2, "same"), id_="c"), assign(lit(1, "same"), id_="a"), id_="r"
        ),
        rule(TRUE, assign(id_="a2"), id_="same~2"),
    )
    xml = json_to_blockly(ast)
    ids = [b.get("id") for b in ET.fromstring(xml).iter(f"{X}block")]
    assert len(ids) == len(set(ids))
    assert ids[:3] == ["r", "c", "same"]  # the first keeps its id
    assert "same~2" in ids and "same~3" in ids  # not taking the id a later block keeps
    # unnamed nodes get the reference's ids, so reading back changes nothing
    back = blockly_to_json(
        json_to_blockly(
            prog(rule(TRUE, {"type": "assign_points", "value": lit(1), "case_name": "C"}))
        )
    )
    assert back["rules"][0]["then"][0]["id"] == "r.assign_points.0"


def test_round_trip_keeps_the_program() -> None:
    ast = prog(
        rule(
            {
                "type": "or",
                "id": "o",
                "args": [{"type": "not", "arg": TRUE}, cmp(fld("data.k"), lit("txt"), "c2")],
            },
            {"type": "set_callback_data", "key": "ü", "value": lit("a & <b>")},
            assign(
                {
                    "type": "func_call",
                    "name": "clamp",
                    "args": [fld("user.avg_time"), lit(0), lit(0.5)],
                }
            ),
        ),
        parent_variables={
            "variable_a": None,
            "variable_b": True,
            "variable_c": "",
            "variable_d": -2.5,
        },
    )
    xml = json_to_blockly(ast)
    assert losses(xml) == []
    assert same_program(load(ast), load(blockly_to_json(xml)))


def test_function_calls_are_written_with_a_warning() -> None:
    warnings: list[Diagnostic] = []
    ast = prog(
        rule(TRUE, assign({"type": "func_call", "id": "fn", "name": "int", "args": [lit(1.5)]}))
    )
    xml = json_to_blockly(ast, warnings=warnings)
    assert [(d.code, d.node_id, d.is_error) for d in warnings] == [
        (codes.BLOCKLY_EDITOR_LOSES_FUNC_ARGS, "fn", False)
    ]
    assert blockly_to_json(xml)["rules"][0]["then"][0]["value"]["args"][0]["value"] == 1.5


def test_the_editor_model_sees_what_the_editor_would_drop() -> None:
    """``losses`` (the model the corpus and property tests check written
    workspaces with) flags each kind of loss, and none in GAME's own XML."""
    ns = 'xmlns="https://developers.google.com/blockly/xml"'
    bad = (
        f'<xml {ns}><block type="gd_rule" id="r" x="40" y="40">'
        '<value name="WHEN"><block type="gd_and" id="r">'
        '<value name="A"><block type="gd_field" id="d">'
        '<field name="PATH">user.avg_time</field></block>'
        "</value></block></value>"
        '<statement name="THEN"><block type="gd_assign_points" id="a">'
        '<value name="VALUE"><block type="gd_literal_text" id="t"><field name="VALUE">x</field>'
        '</block></value><next><block type="gd_veto" id="v"/></next></block></statement>'
        '<value name="IF1"><block type="gd_literal_number" id="n"><field name="VALUE">1</field>'
        "</block></value></block></xml>"
    )
    found = losses(bad)
    assert any("repeated" in x for x in found)
    assert any("gd_and.A: a gd_field does not fit" in x for x in found)
    assert any("gd_assign_points.VALUE: a gd_literal_text" in x for x in found)
    assert any("has no next connection" in x for x in found)
    assert any("no input IF1" in x for x in found)
    from tests.blockly.support import template_records

    for record in template_records():
        assert losses(record["blocklyXml"]) == [], record["id"]
