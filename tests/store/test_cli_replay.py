"""``dslc store replay`` / ``dslc store diff``: stored versions (drafts too)
replayed through the loader, with dslc's report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from store.cli import store_group

ROOT = Path(__file__).resolve().parents[2]
FAST = {
    "task.measurements_count": 5,
    "user.measurements_count": 4,
    "user.avg_time": 10,
    "all.avg_time": 20,
}


def _run(*args: str) -> Result:
    return CliRunner().invoke(store_group, list(args), catch_exceptions=False)


def _db(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'replay.db'}"
    assert _run("init", "--db", db).exit_code == 0
    created = _run(
        "create", "bonus", "--file", str(ROOT / "examples" / "default.strat"), "--db", db
    )
    assert created.exit_code == 0, created.output
    assert _run("publish", "bonus@1", "--db", db).exit_code == 0
    updated = _run(
        "update", "bonus@1", "--file", str(ROOT / "samples" / "default_v2.strat"), "--db", db
    )
    assert updated.exit_code == 0, updated.output
    return db


def _log(tmp_path: Path) -> str:
    path = tmp_path / "events.jsonl"
    lines = [{"fields": {"task.measurements_count": 1}}, {"fields": FAST, "label": "fast"}]
    path.write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")
    return str(path)


def test_store_diff_compares_the_published_version_with_a_draft(tmp_path: Path) -> None:
    db, log = _db(tmp_path), _log(tmp_path)
    result = _run("diff", "bonus@1", "bonus@2", log, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    assert (doc["old"], doc["new"], doc["events"], doc["changed"]) == ("bonus@1", "bonus@2", 2, 1)
    [group] = doc["groups"]
    assert (group["old"], group["new"], group["count"]) == ("PerformanceBonus", "default", 1)
    assert group["examples"][0]["label"] == "fast"
    assert group["points_delta"]["mean"] == -10.0


def test_store_replay_of_a_draft_and_a_built_in(tmp_path: Path) -> None:
    db, log = _db(tmp_path), _log(tmp_path)
    draft = _run("replay", "bonus@2", log, "--db", db, "--format", "json")
    assert draft.exit_code == 0, draft.output
    assert json.loads(draft.stdout)["cases"] == {"BasicEngagement": 1, "default": 1}
    builtin = _run("replay", "default", log, "--db", db, "--format", "json")
    assert builtin.exit_code == 0, builtin.output
    assert json.loads(builtin.stdout)["cases"] == {"BasicEngagement": 1, "PerformanceBonus": 1}


def test_store_replay_errors_are_lines(tmp_path: Path) -> None:
    db, log = _db(tmp_path), _log(tmp_path)
    missing = _run("replay", "bonus@9", log, "--db", db)
    assert missing.exit_code == 1
    assert "no strategy 'bonus' version 9" in missing.stderr
    no_log = _run("replay", "bonus@1", str(tmp_path / "none.jsonl"), "--db", db)
    assert no_log.exit_code == 1 and "no such events file" in no_log.stderr
    plot = tmp_path / "p.html"
    drawn = _run("diff", "bonus@1", "bonus@2", log, "--db", db, "--plot", str(plot))
    assert drawn.exit_code == 0 and plot.read_text(encoding="utf-8").count("<svg") == 2
    assert "Traceback" not in missing.output + no_log.output


def test_help_names_the_log_format() -> None:
    for command in ("replay", "diff"):
        result = _run(command, "--help")
        assert result.exit_code == 0
        assert "EVENTS.jsonl" in result.stdout and "--db" in result.stdout
