"""``dslc check --explain``: the certificate per phase with its worst path."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dslc.cli import cli

SOURCE = """strategy cost
rule first
    when user.avg_time < 10 then
        award 1 points as "A"
rule second
    when user.measurements_count > 2 and task.measurements_count > 3 then
        award 2 points as "B"
otherwise award 0 points as "none"
"""


def test_explain_prints_the_certificate_and_the_worst_path(tmp_path: Path) -> None:
    path = tmp_path / "cost.strat"
    path.write_text(SOURCE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--explain", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == f"{path}: cost certificate (per phase: most steps, most distinct field fetches):"
    )
    # FIELD CONST CMPJ | FIELD CONST CMPJ FIELD CONST CMPJ | CONST ASSIGN = 11
    assert "  full: 11 steps, 3 field fetches" in lines
    assert (
        "    most fields on one path: user.avg_time, user.measurements_count, "
        "task.measurements_count" in lines
    )
    path_lines = lines[lines.index("    worst path:") + 1 :]
    assert path_lines == [
        "      first.compare.0 (line 3:10): fails",
        "      second.and.0.compare.0 (line 6:10): holds",
        "      second.and.0.compare.1 (line 6:42): holds",
        "      second.assign_points.0 (line 7:9): ends the phase",
    ]
    assert "pre:" not in result.stdout  # phases that never run are left out


def test_explain_in_json(tmp_path: Path) -> None:
    path = tmp_path / "cost.strat"
    path.write_text(SOURCE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--explain", "--format", "json", str(path)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert "  full: 11 steps, 3 field fetches" in doc["files"][0]["explain"]


def test_without_explain_no_certificate_is_printed(tmp_path: Path) -> None:
    path = tmp_path / "cost.strat"
    path.write_text(SOURCE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 0
    assert "cost certificate" not in result.output


def test_explain_names_json_nodes_by_pointer() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "default.json"
    result = CliRunner().invoke(cli, ["check", "--explain", str(example)])
    assert result.exit_code == 0, result.output
    assert "      r_basic_engagement.compare.0 (at /rules/0/when): fails" in result.stdout
    assert "  full: 46 steps, 6 field fetches" in result.stdout
