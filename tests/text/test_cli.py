"""``dslc fmt`` and ``dslc convert``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslc.cli import cli
from dslc.text import json_to_text, text_to_json
from tests.conftest import require_shared

MESSY = 'rule r when data.x>1 then award 1 points as "A"  # why\n'
TIDY = 'rule r\n    when data.x > 1 then\n        award 1 points as "A"  # why\n'
ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT.parent / "shared" / "templates"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_fmt_rewrites_files(runner: CliRunner, tmp_path: Path) -> None:
    messy, tidy = tmp_path / "a.strat", tmp_path / "b.strat"
    messy.write_text(MESSY)
    tidy.write_text(TIDY)
    result = runner.invoke(cli, ["fmt", str(messy), str(tidy)])
    assert result.exit_code == 0, result.output
    assert messy.read_text() == TIDY and tidy.read_text() == TIDY
    assert "reformatted" in result.stderr and str(tidy) not in result.stderr


def test_fmt_check_prints_a_diff_and_fails(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "a.strat"
    path.write_text(MESSY)
    result = runner.invoke(cli, ["fmt", "--check", str(path)])
    assert result.exit_code == 1
    assert path.read_text() == MESSY  # nothing changed
    assert f"--- {path}" in result.stdout and "+    when data.x > 1 then" in result.stdout
    assert "1 file would be reformatted" in result.stderr


def test_fmt_check_passes_on_formatted_files(runner: CliRunner) -> None:
    files = [str(p) for p in sorted((ROOT / "examples").glob("*.strat"))]
    result = runner.invoke(cli, ["fmt", "--check", *files])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_fmt_reports_syntax_errors(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.strat"
    path.write_text("rule r\n    when x = 1 then\n        stop\n")
    result = runner.invoke(cli, ["fmt", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2:12: error[DSLC_TEXT_SYNTAX]" in result.stderr
    assert "hint: to compare two values write '=='" in result.stderr


def test_fmt_reads_standard_input(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["fmt", "-"], input=MESSY)
    assert result.exit_code == 0 and result.stdout == TIDY


def test_convert_json_to_text(runner: CliRunner, tmp_path: Path) -> None:
    ast = {
        "type": "program",
        "id": "p",
        "rules": [
            {
                "type": "rule",
                "id": "r1",
                "when": {"type": "literal", "value": True},
                "then": [
                    {
                        "type": "assign_points",
                        "value": {"type": "literal", "value": 2.0},
                        "case_name": "A",
                    }
                ],
            }
        ],
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(ast))
    result = runner.invoke(cli, ["convert", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == json_to_text(ast)
    assert 'award 2.0 points as "A"' in result.stdout


def test_convert_a_template_record_keeps_its_parent(runner: CliRunner) -> None:
    record = TEMPLATES / "bonus_extiende_default.json"
    require_shared(record, "GAME's template bonus_extiende_default.json")
    result = runner.invoke(cli, ["convert", str(record)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("strategy program\nextends default\n")
    result = runner.invoke(cli, ["convert", str(record), "--extends", "constantEffort"])
    assert "extends constantEffort\n" in result.stdout


def test_convert_text_to_json(runner: CliRunner) -> None:
    path = ROOT / "examples" / "weekend_bonus.strat"
    result = runner.invoke(cli, ["convert", str(path), "--to", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == text_to_json(path.read_text())
    # The default target is the other format.
    assert runner.invoke(cli, ["convert", str(path)]).stdout == result.stdout


def test_convert_text_to_text_formats(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["convert", "-", "--to", "text"], input=MESSY)
    assert result.exit_code == 0 and result.stdout == TIDY


def test_convert_json_to_json_normalises(runner: CliRunner) -> None:
    source = '{"type": "program", "rules": [], "default": null, "pre_rules": null}'
    result = runner.invoke(cli, ["convert", "-", "--to", "json"], input=source)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"type": "program", "rules": []}


def test_convert_refuses_invalid_programs(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.strat"
    path.write_text('rule r when true then veto as "V"\n')
    result = runner.invoke(cli, ["convert", str(path)])
    assert result.exit_code == 1
    assert "error[DSLC_STATEMENT_NOT_ALLOWED]: 'veto' cannot be used" in result.stderr
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{")
    result = runner.invoke(cli, ["convert", str(bad_json)])
    assert result.exit_code == 1 and "invalid JSON" in result.stderr
    bad_json.write_text('{"type": "rule"}')
    result = runner.invoke(cli, ["convert", str(bad_json)])
    assert result.exit_code == 1 and "error[" in result.stderr


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["fmt", str(tmp_path / "nope.strat")])
    assert result.exit_code != 0 and "nope.strat" in result.output
