"""Hostile input through every command that reads JSON: a clear error line
and exit status 1, never a traceback or an internal error."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dslc.cli import cli

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def deep_file(tmp_path: Path) -> Path:
    path = tmp_path / "deep.json"
    path.write_text(DEEP, encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert CliRunner().invoke(cli, ["store", "init", "--db", url]).exit_code == 0
    return url


def _invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.output


def test_check_reports_deep_json(deep_file: Path) -> None:
    code, out = _invoke(["check", str(deep_file)])
    assert code == 1
    assert "error[DSLC_JSON_TOO_DEEP]" in out


def test_run_option_with_deep_json(deep_file: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "default.json"
    code, out = _invoke(["run", str(example), "--fields", f"@{deep_file}"])
    assert code == 1  # bad content in an option is bad input, like a bad file
    assert "nests too deeply" in out


def test_convert_deep_json(deep_file: Path) -> None:
    code, out = _invoke(["convert", str(deep_file)])
    assert code == 1
    assert "nests too deeply" in out


@pytest.mark.parametrize(
    "args",
    [
        ["store", "import"],
        ["store", "create", "x", "--file"],
        ["store", "score", "--events"],
    ],
    ids=["import", "create", "score-events"],
)
def test_store_commands_with_deep_json(deep_file: Path, db: str, args: list[str]) -> None:
    code, out = _invoke([*args, str(deep_file), "--db", db])
    assert code == 1
    assert "recursion" in out or "deep" in out
    assert "Traceback" not in out and "internal error" not in out


def test_fmt_rewrites_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "x.strat"
    path.write_text('strategy x\n\notherwise   award 1 points as "y"\n', encoding="utf-8")
    path.chmod(0o640)
    code, out = _invoke(["fmt", str(path)])
    assert code == 0, out
    assert path.read_text(encoding="utf-8") == 'strategy x\n\notherwise award 1 points as "y"\n'
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["x.strat"]  # no temporary left behind


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # a lazy group loads on get_command
        command = group.get_command(ctx, name)
        assert command is not None, name
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out.extend(_commands(command, (*prefix, name)))
    return out


def test_every_command_is_there_and_has_help() -> None:
    names = _commands(cli)
    top = {n[0] for n in names}
    assert {"compile", "check", "fmt", "convert", "disasm", "verify", "run", "store"} <= top
    assert len([n for n in names if n[0] == "store"]) >= 13
    for name in names:
        code, out = _invoke([*name, "--help"])
        assert code == 0, name
        usage, _, body = out.partition("\n\n")
        assert usage.startswith("Usage:") and body.strip(), name
