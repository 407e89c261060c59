"""Every ``dslc`` command that reads a strategy reads Blockly XML, and
``dslc convert`` writes it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dslc.blockly import blockly_to_json
from dslc.cli import cli
from tests.blockly.support import template_records, workspace

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def speed(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    (record,) = [r for r in template_records() if r["id"] == "bonus_por_velocidad"]
    path = tmp_path / "speed.xml"
    path.write_text(record["blocklyXml"], encoding="utf-8")
    return path, record


BAD = workspace(
    '<block type="gd_rule" id="r1"><value name="WHEN"><block type="gd_field" id="f1">'
    '<field name="PATH">user.secret</field></block></value><statement name="THEN">'
    '<block type="gd_set_points" id="s1"/></statement></block>'
)


def test_check_compile_and_run_read_xml(
    runner: CliRunner, speed: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path, _ = speed
    result = runner.invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "checked 1 file: 0 errors" in result.stderr
    result = runner.invoke(cli, ["compile", str(path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "speed.sbc").stat().st_size > 0
    fields = json.dumps({"user.avg_time": 1, "all.avg_time": 5})
    result = runner.invoke(cli, ["run", str(path), "--fields", fields])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["case_name"] == "SpeedBonus"


def test_errors_in_xml_name_the_block(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(BAD, encoding="utf-8")
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert (
        f"{path}:/xml/block[1]/value[WHEN]/block: error[DSL_FIELD_PATH_NOT_ALLOWED]"
        in result.stderr
    )
    assert "(node f1)" in result.stderr
    result = runner.invoke(cli, ["check", "--format", "json", str(path)])
    (doc,) = json.loads(result.stdout)["files"]
    assert {(d["code"], d.get("node_id"), d.get("pointer")) for d in doc["diagnostics"]} == {
        ("DSL_FIELD_PATH_NOT_ALLOWED", "f1", "/xml/block[1]/value[WHEN]/block"),
        ("DSLC_STATEMENT_NOT_ALLOWED", "s1", "/xml/block[1]/statement[THEN]/block[1]"),
        ("DSLC_BLOCKLY_EMPTY_INPUT", "s1", "/xml/block[1]/statement[THEN]/block[1]/value[VALUE]"),
    }


def test_hostile_xml_is_one_located_error(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xml"
    path.write_text('<!DOCTYPE x [<!ENTITY a "aaaa">]><xml>&a;</xml>', encoding="utf-8")
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert "error[DSLC_BLOCKLY_XML_FORBIDDEN]" in result.stderr
    assert "Traceback" not in result.output


def test_convert_xml_to_json_is_gamess_ast(
    runner: CliRunner, speed: tuple[Path, dict[str, Any]]
) -> None:
    path, record = speed
    result = runner.invoke(cli, ["convert", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == record["astJson"]
    result = runner.invoke(cli, ["convert", "-", "--to", "json"], input=record["blocklyXml"])
    assert json.loads(result.stdout) == record["astJson"]
    result = runner.invoke(cli, ["convert", str(path), "--to", "text"])
    assert 'award 10 points as "SpeedBonus"' in result.stdout


def test_convert_xml_refuses_an_invalid_program(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(BAD, encoding="utf-8")
    result = runner.invoke(cli, ["convert", str(path)])
    assert result.exit_code == 1 and result.stdout == ""
    assert "error[DSL_FIELD_PATH_NOT_ALLOWED]" in result.stderr


@pytest.mark.parametrize("source", ["weekend_bonus.strat", "speed_bonus.json", "default.json"])
def test_convert_to_blockly_writes_a_workspace_of_the_program(
    runner: CliRunner, source: str
) -> None:
    result = runner.invoke(cli, ["convert", str(EXAMPLES / source), "--to", "blockly"])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.stdout)
    assert root.tag == "{https://developers.google.com/blockly/xml}xml" and len(root) > 0
    back = runner.invoke(cli, ["convert", "-", "--to", "json"], input=result.stdout)
    assert back.exit_code == 0, back.output
    want = runner.invoke(cli, ["convert", str(EXAMPLES / source), "--to", "json"])
    expected = blockly_to_json(result.stdout)
    assert json.loads(back.stdout) == expected
    # the same program as the source's JSON (ids aside)
    assert _no_ids(expected) == _no_ids(json.loads(want.stdout))


def _no_ids(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _no_ids(v) for k, v in node.items() if k != "id"}
    if isinstance(node, list):
        return [_no_ids(x) for x in node]
    return node


def test_convert_to_blockly_refuses_with_the_source_line(runner: CliRunner) -> None:
    # tiered_reward compares with null, which no block can hold
    result = runner.invoke(
        cli, ["convert", str(EXAMPLES / "tiered_reward.strat"), "--to", "blockly"]
    )
    assert result.exit_code == 1 and result.stdout == ""
    assert (
        "tiered_reward.strat:20:64: error[DSLC_BLOCKLY_UNSUPPORTED]: "
        "GAME's blocks cannot carry a null literal" in result.stderr
    )
    assert "^^^^" in result.stderr


def test_convert_to_blockly_warns_about_function_blocks(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["convert", str(EXAMPLES / "constant_effort.strat"), "--to", "blockly"]
    )
    assert result.exit_code == 0, result.output
    assert "warning[DSLC_BLOCKLY_EDITOR_LOSES_FUNC_ARGS]" in result.stderr
    assert result.stdout.startswith("<xml ")


def test_a_record_with_only_blockly_xml_compiles_from_it(
    runner: CliRunner, speed: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    _, record = speed
    draft = {k: v for k, v in record.items() if k != "astJson"}
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(draft), encoding="utf-8")
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["convert", str(path), "--to", "text"])
    assert 'award 10 points as "SpeedBonus"' in result.stdout
