"""CI integrations: GitHub annotations from ``dslc check --format github``
and the pre-commit hooks file."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from dslc.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_github_annotations_carry_file_line_column_and_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.strat"
    bad.write_text(
        "strategy bad\n\nrule a\n    when user.avg_time < 3 then\n"
        '        award 1 points as "A, b"\n'
        "    when\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["check", "--format", "github", str(bad)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("::")]
    assert len(lines) == 1
    assert lines[0].startswith(f"::error file={bad},line=6,col=5,")
    assert ",title=DSLC_TEXT_SYNTAX::" in lines[0]


def test_github_annotations_for_json_name_the_pointer(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"type": "program", "rules": [{"type": "rule", "when": {"type": "field", '
        '"path": "user.nope"}, "then": []}]}',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["check", "--format", "github", str(bad)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("::error")]
    assert errors and all(f"file={bad}" in line for line in errors)
    assert any("/rules/0" in line for line in errors)


def test_clean_strategies_print_no_annotation() -> None:
    result = CliRunner().invoke(cli, ["check", "--format", "github", str(ROOT / "examples")])
    assert result.exit_code == 0
    assert not [line for line in result.output.splitlines() if line.startswith("::error")]


def test_pre_commit_hooks_name_real_commands() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = {h["id"]: h for h in hooks}
    assert set(ids) == {"dslc-check", "dslc-fmt", "dslc-test"}
    commands = {name for name in cli.commands}
    for hook in hooks:
        assert hook["entry"].split()[0] == "dslc"
        assert hook["entry"].split()[1] in commands
        assert hook["language"] == "python"
