"""``dslc store`` commands through click's CliRunner, on both backends."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from store.cli import store_group
from store.db import Database
from tests.store import programs
from tests.store.test_importer import TEMPLATES, require_templates

REALM = "cli"


@pytest.fixture
def cli(db: Database, db_url: str) -> Any:
    runner = CliRunner()

    def invoke(*args: str, realm: bool = True, env: dict[str, str] | None = None) -> Result:
        argv = [*args, "--db", db_url]
        if realm:
            argv += ["--realm", REALM]
        return runner.invoke(store_group, argv, env=env, catch_exceptions=False)

    return invoke


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def _fails(result: Result, fragment: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    # dslc's one error style: [WHERE: ]error[CODE]: message, then (for a
    # program's diagnostic) its source line and caret
    assert re.match(r"(\S+: )?error\[[A-Z_]+\]: ", lines[0]), result.stderr
    assert len(lines) == 1 or lines[1].lstrip()[:1].isdigit(), result.stderr
    assert fragment in lines[0]
    assert "Traceback" not in result.output + result.stderr


def _program(tmp_path: Path, points: int = 1, name: str = "p.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(programs.full(points)), encoding="utf-8")
    return str(path)


def _json(result: Result) -> Any:
    return json.loads(_ok(result))


def test_every_command_has_help() -> None:
    runner = CliRunner()
    ctx = click.Context(store_group)
    names = store_group.list_commands(ctx)  # the group loads its commands lazily
    assert set(names) == {
        "init", "create", "update", "publish", "archive", "list", "versions",
        "rollback", "show", "import", "build-cache", "score", "watch", "replay", "diff",
    }  # fmt: skip
    for name in names:
        command = store_group.get_command(ctx, name)
        assert command is not None and command.help, name
        result = runner.invoke(store_group, [name, "--help"])
        assert result.exit_code == 0 and "--db" in result.output, name


def test_init_is_idempotent(cli: Any) -> None:
    assert "up to date" in _ok(cli("init", realm=False))


def test_the_versioning_workflow(cli: Any, tmp_path: Path) -> None:
    out = _ok(cli("create", "Bonus ✓", "--file", _program(tmp_path, 1), "--description", "día"))
    assert "'Bonus ✓' version 1 (DRAFT)" in out
    assert "(PUBLISHED)" in _ok(cli("publish", "Bonus ✓"))
    assert "already published" in _ok(cli("publish", "Bonus ✓@1"))

    out = _ok(cli("update", "Bonus ✓", "--file", _program(tmp_path, 2)))
    assert "created draft 'Bonus ✓' version 2 (DRAFT)" in out and "published version 1" in out
    out = _ok(cli("update", "Bonus ✓", "--description", "otra"))
    assert "updated draft 'Bonus ✓' version 2" in out
    _ok(cli("publish", "Bonus ✓"))

    versions = _json(cli("versions", "Bonus ✓", "--json"))
    assert [(v["version"], v["status"]) for v in versions] == [(2, "PUBLISHED"), (1, "ARCHIVED")]
    assert "astJson" not in versions[0]

    assert "version 1 (PUBLISHED)" in _ok(cli("rollback", "Bonus ✓", "1"))
    shown = _json(cli("show", "Bonus ✓@1", "--json"))
    assert (shown["status"], shown["description"], shown["astJson"]) == (
        "PUBLISHED",
        "día",
        programs.full(1),
    )
    text = _ok(cli("show", f"custom:{shown['id']}"))
    assert "Bonus ✓ — version 1, PUBLISHED" in text and '"assign_points"' in text

    assert "(ARCHIVED)" in _ok(cli("archive", shown["id"]))
    listed = _json(cli("list", "--json"))
    assert {(r["version"], r["status"]) for r in listed} == {(1, "ARCHIVED"), (2, "ARCHIVED")}
    assert _json(cli("list", "--status", "published", "--json")) == []
    table = _ok(cli("list"))
    assert "ARCHIVED" in table


def test_list_of_an_empty_realm(cli: Any) -> None:
    assert "no strategies in realm 'cli'" in _ok(cli("list"))


def test_extend_strategies_from_the_cli(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "ext.json"
    path.write_text(json.dumps(programs.extend(3)), encoding="utf-8")
    args = ("create", "Ext", "--file", str(path), "--type", "DSL_EXTEND")
    _fails(cli(*args), "parentStrategyId")
    _fails(cli(*args, "--parent", "nope"), "DSLC_STORE_PARENT_UNKNOWN")
    assert "(DRAFT)" in _ok(cli(*args, "--parent", "default"))


def test_create_and_update_read_game_records(cli: Any, tmp_path: Path) -> None:
    """The store reads a file as ``dslc check`` does: a GAME record's program,
    type and parent (it once read the record itself as a program)."""
    record = tmp_path / "rec.json"
    body = {"name": "Exported", "type": "DSL_EXTEND", "parentStrategyId": "default"}
    record.write_text(json.dumps({**body, "astJson": programs.extend(2)}), encoding="utf-8")
    assert "'Ext' version 1 (DRAFT)" in _ok(cli("create", "Ext", "--file", str(record)))
    shown = _json(cli("show", "Ext", "--json"))
    assert (shown["type"], shown["parentStrategyId"]) == ("DSL_EXTEND", "default")
    assert shown["astJson"] == programs.extend(2)

    record.write_text(json.dumps({**body, "astJson": programs.extend(5)}), encoding="utf-8")
    assert "updated draft 'Ext' version 1" in _ok(cli("update", "Ext", "--file", str(record)))
    assert _json(cli("show", "Ext", "--json"))["astJson"] == programs.extend(5)

    full = tmp_path / "full.json"
    full.write_text(json.dumps({"name": "F", "astJson": programs.full(3)}), encoding="utf-8")
    _ok(cli("create", "Full", "--file", str(full)))
    _ok(cli("update", "Full", "--file", str(full)))
    assert _json(cli("show", "Full", "--json"))["astJson"] == programs.full(3)

    listed = tmp_path / "two.json"
    listed.write_text(json.dumps([{"name": "A"}, {"name": "B"}]), encoding="utf-8")
    _fails(cli("create", "Two", "--file", str(listed)), "holds 2 strategies")


def test_errors_are_one_line_with_exit_code_1(cli: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(programs.broken()), encoding="utf-8")
    # a program that does not compile: its diagnostics, rendered as by dslc check
    result = cli("create", "X", "--file", str(broken))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"{broken}:/rules/0/when: error[DSL_FIELD_PATH_NOT_ALLOWED]")
    not_json = tmp_path / "bad.json"
    not_json.write_text("{", encoding="utf-8")
    _fails(cli("create", "X", "--file", str(not_json)), "bad.json:1:2: error[DSLC_JSON_SYNTAX]")
    _fails(cli("publish", "missing"), "no strategy 'missing'")
    _fails(cli("show", "00000000-0000-4000-8000-000000000000"), "no strategy")
    _fails(cli("rollback", "missing", "2"), "no version 2")
    _fails(cli("update", "missing"), "nothing to update")

    _ok(cli("create", "X", "--file", _program(tmp_path)))
    _ok(cli("create", "Y", "--file", _program(tmp_path)))
    _fails(cli("create", "X", "--file", _program(tmp_path)), "already exists")
    _ok(cli("archive", "X"))
    _fails(cli("publish", "X"), "archived")
    _fails(cli("update", "X", "--description", "d"), "archived")
    _fails(cli("list", "--realm", "", realm=False), "realmId")


def test_database_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(store_group, ["list", "--db", empty])
    _fails(result, "dslc store init")
    result = runner.invoke(
        store_group,
        ["list", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"],
    )
    _fails(result, "database error")
    _fails(runner.invoke(store_group, ["list", "--db", "nonsense://"]), "")


def test_db_url_from_the_environment_and_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'env.db'}"
    assert "initialised" in _ok(
        runner.invoke(store_group, ["init"], env={"DSLC_DATABASE_URL": url})
    )
    assert (tmp_path / "env.db").exists()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(store_group, ["init"], env={"DSLC_DATABASE_URL": None})
    assert "initialised sqlite:///dslc.db" in _ok(result)
    assert (tmp_path / "dslc.db").exists()


def test_import_and_build_cache(cli: Any) -> None:
    count = len(require_templates())
    out = _ok(cli("import", str(TEMPLATES), "--publish"))
    assert f"{count} imported, 0 failed" in out and "created, published" in out
    assert "unchanged" in _ok(cli("import", str(TEMPLATES)))
    out = _ok(cli("build-cache", realm=False))
    assert f"{count} definitions: 0 compiled, {count} already cached, 0 failed" in out
    assert "build-cache" in out  # the progress bar was drawn


def test_import_reports_failures(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("[1]", encoding="utf-8")
    result = cli("import", str(tmp_path))
    assert result.exit_code == 1
    assert "expected a program or a GAME strategy record" in result.stderr
    assert "0 imported, 1 failed" in result.stdout


def test_score_through_the_loader(cli: Any, tmp_path: Path) -> None:
    _ok(cli("create", "Bonus", "--file", _program(tmp_path, 4)))
    _fails(cli("score", "Bonus"), "no published version")
    draft = _json(cli("score", "Bonus", "--draft"))
    assert (draft["points"], draft["status"]) == (4, "DRAFT")
    _ok(cli("publish", "Bonus"))
    _ok(cli("update", "Bonus", "--file", _program(tmp_path, 9)))
    # The engine runs the published version whatever version REF names ...
    served = _json(cli("score", "Bonus@2"))
    assert (served["points"], served["version"]) == (4, 1)
    assert served["strategy"].startswith("custom:")
    # ... and --draft runs the named one.
    assert _json(cli("score", "Bonus@2", "--draft"))["points"] == 9
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps({"task.measurements_count": 1}), encoding="utf-8")
    builtin = _json(cli("score", "default", "--fields", f"@{fields}"))
    assert (builtin["points"], builtin["case_name"]) == (1, "BasicEngagement")
    _fails(cli("score", "default", "--fields", "[1]"), "--fields: must be a JSON object")
    _fails(cli("score", "default"), "DSL_COMPARE_TYPE_MISMATCH")
