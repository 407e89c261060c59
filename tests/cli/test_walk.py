"""``dslc check DIR`` and ``dslc fmt DIR`` walk a project as a user keeps
it: hidden folders and virtual environments are left out, and a JSON file
that is not a strategy is skipped, not failed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.support import dslc

ROOT = Path(__file__).resolve().parents[2]
UNFORMATTED = 'strategy  x\n\notherwise   award 1 points as "y"\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder: strategies, an events file, and folders to leave alone."""
    shutil.copy(ROOT / "examples" / "default.json", tmp_path / "default.json")
    (tmp_path / "strategies").mkdir()
    shutil.copy(ROOT / "examples" / "default.strat", tmp_path / "strategies" / "default.strat")
    shutil.copy(ROOT / "samples" / "events.json", tmp_path / "events.json")
    for folder in (".venv/lib", "venv", "node_modules/pkg", "__pycache__", ".git", "myenv"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "broken.json").write_text('{"type": "program"', encoding="utf-8")
        (tmp_path / folder / "broken.strat").write_text("not a strategy", encoding="utf-8")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    return tmp_path


def test_check_walks_past_hidden_folders_and_virtual_envs(project: Path) -> None:
    code, _, err = dslc("check", str(project))
    assert code == 0, err
    assert "broken" not in err
    assert f"{project / 'events.json'}: skipped: not a strategy" in err
    assert err.strip().endswith("checked 2 files: 0 errors, 0 warnings, 1 skipped")


def test_check_json_lists_the_skipped_files(project: Path) -> None:
    code, out, _ = dslc("check", "--format", "json", str(project))
    doc = json.loads(out)
    assert code == 0
    assert sorted(Path(f["path"]).name for f in doc["files"]) == ["default.json", "default.strat"]
    [skipped] = doc["skipped"]
    assert skipped["path"] == str(project / "events.json")
    assert skipped["reason"].startswith("not a strategy (events for")


def test_a_file_named_on_the_command_line_is_checked_whatever_it_holds(project: Path) -> None:
    code, _, err = dslc("check", str(project / "events.json"))
    assert code == 1 and "skipped" not in err
    code, _, err = dslc("check", str(project / ".venv" / "lib" / "broken.json"))
    assert code == 1 and "DSLC_JSON_SYNTAX" in err


def test_a_broken_strategy_in_the_walk_still_fails(project: Path) -> None:
    (project / "strategies" / "bad.json").write_text('{"type": "program", "rules": 3}', "utf-8")
    code, _, err = dslc("check", str(project))
    assert code == 1 and "bad.json" in err


def test_fmt_walks_a_directory(project: Path) -> None:
    target = project / "strategies" / "u.strat"
    target.write_text(UNFORMATTED, encoding="utf-8")
    code, out, _ = dslc("fmt", "--check", str(project))
    assert code == 1 and str(target) in out and "broken" not in out
    code, _, err = dslc("fmt", str(project))
    assert code == 0, err
    assert target.read_text(encoding="utf-8") == 'strategy x\n\notherwise award 1 points as "y"\n'
    assert (project / "venv" / "broken.strat").read_text(encoding="utf-8") == "not a strategy"
    code, _, _ = dslc("fmt", "--check", str(project))
    assert code == 0


def test_fmt_reads_standard_input() -> None:
    code, out, _ = dslc("fmt", "-", input=UNFORMATTED)
    assert code == 0 and out == 'strategy x\n\notherwise award 1 points as "y"\n'
