"""The strategies of examples/: they compile, are formatted, match their JSON
golden files, reproduce the GAME templates they are written after, and
together use every construct of the language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import vm
from dslc.ast import (
    And,
    Arith,
    Compare,
    FuncCall,
    Literal,
    Not,
    Or,
    Program,
    Rule,
)
from dslc.ids import iter_nodes
from dslc.json_loader import load_json
from dslc.text import compile_text, format_text, parse_header, parse_text, text_to_json
from tests.conftest import require_shared
from tests.support import same
from tests.text.support import shape

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.strat"))
TEMPLATES = ROOT.parent / "shared" / "templates"

# Example -> the GAME template it is written after, and its corpus record.
MIRRORS = {
    "default.strat": ("default_v0_0_2.json", "s1-tpl-default_v0_0_2"),
    "constant_effort.strat": ("constant_effort_v0_0_1.json", "s1-tpl-constant_effort_v0_0_1"),
    "weekend_bonus.strat": ("bonus_extiende_default.json", "s1-tpl-user-bonus_extiende_default"),
    "speed_bonus.strat": ("bonus_por_velocidad.json", "s1-tpl-user-bonus_por_velocidad"),
    "first_completion.strat": (
        "recompensa_completar_tarea.json",
        "s1-tpl-user-recompensa_completar_tarea",
    ),
}


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _parse(path: Path) -> Program:
    program, diags = parse_text(_read(path), path.name)
    assert program is not None, [d.message for d in diags]
    return program


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_compiles_and_is_formatted(path: Path) -> None:
    source = _read(path)
    assert compile_text(source, path.name)
    assert format_text(source, path.name) == source


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_matches_its_json_golden_file(path: Path) -> None:
    golden = json.loads(_read(path.with_suffix(".json")))
    assert same(text_to_json(_read(path)), golden)


def _logic(program: Program) -> dict[str, Any]:
    """What a strategy does, without the program's own name."""
    view = shape(program)
    view.pop("id")
    view.pop("named")
    return view


@pytest.mark.parametrize("name", sorted(MIRRORS))
def test_example_is_the_template_it_mirrors(name: str) -> None:
    template_file, _ = MIRRORS[name]
    require_shared(TEMPLATES / template_file, "GAME's template the example mirrors")
    record = json.loads(_read(TEMPLATES / template_file))
    ast = record.get("astJson", record)
    template, diags = load_json(ast)
    assert template is not None, diags
    assert _logic(_parse(ROOT / "examples" / name)) == _logic(template)
    if "parentStrategyId" in record and record["type"] == "DSL_EXTEND":
        header = parse_header(_read(ROOT / "examples" / name))
        assert header == {
            "type": "DSL_EXTEND",
            "parent": record["parentStrategyId"],
            "name": header["name"],
        }


@pytest.mark.parametrize("name", sorted(MIRRORS))
def test_example_runs_the_templates_corpus_cases(
    name: str, corpus_records: list[dict[str, Any]]
) -> None:
    _, record_id = MIRRORS[name]
    (record,) = [r for r in corpus_records if r["id"] == record_id]
    program = vm.load(compile_text(_read(ROOT / "examples" / name), name))
    for case in record["cases"]:
        expect = case["expect"]
        try:
            res = vm.run(
                program,
                phase=case["mode"],
                fields=case["fields"],
                data=case["data"],
                parent=case["parent"],
            ).as_dict()
        except vm.ExecutionError as exc:
            assert exc.code == expect.get("code"), (case, exc)
            continue
        assert "error" not in expect, (case, res)
        assert same(res, {k: expect[k] for k in res}), (case, res)


def test_the_examples_use_every_construct() -> None:
    seen: set[str] = set()
    for path in EXAMPLES:
        source = _read(path)
        program = _parse(path)
        header = parse_header(source)
        if header["name"]:
            seen.add("strategy")
        if header["parent"]:
            seen.add("extends")
        if "#" in source:
            seen.add("comment")
        if "\\" in source:
            seen.add("string escape")
        if program.default is not None:
            seen.add("otherwise")
        if program.parent_variables:
            seen.add("parent variables")
        for section, rules in program.sections():
            if rules:
                seen.add(section)
        for node, _ in iter_nodes(program):
            seen.add(node.type if hasattr(node, "type") else "else_if")
            if isinstance(node, Rule) and node.else_ is not None:
                seen.add("else")
            if isinstance(node, Compare | Arith):
                seen.add(f"op {node.op}")
            if isinstance(node, FuncCall):
                seen.add(f"call {node.name}")
            if isinstance(node, Literal):
                seen.add(f"literal {type(node.value).__name__}")
            if isinstance(node, And | Or | Not):
                seen.add(node.type)
    expected = {
        "strategy", "extends", "comment", "string escape", "otherwise",
        "parent variables", "rules", "pre_rules", "post_rules", "else_if", "else",
        "assign_points", "set_callback_data", "return", "set_data", "veto",
        "set_points", "set_case_name", "and", "or", "not", "field",
        "op <", "op <=", "op ==", "op !=", "op >=", "op >",
        "op +", "op -", "op *", "op /", "op min", "op max",
        "call int", "call clamp",
        "literal int", "literal float", "literal str", "literal bool", "literal NoneType",
    }  # fmt: skip
    assert expected <= seen, sorted(expected - seen)


def test_the_json_of_each_example_compiles_to_the_same_bytes_as_its_text() -> None:
    """What README promises of `dslc convert`: text and its JSON are one program."""
    import dslc

    examples = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.strat"))
    assert examples
    for path in examples:
        source = path.read_text(encoding="utf-8")
        assert dslc.compile_text(source, str(path)) == dslc.compile_json(
            dslc.text_to_json(source)
        ), path.name
