"""The store and Blockly XML: strategies created or updated without a
workspace get one written from their program (when GAME's blocks can carry
it), ``dslc store show`` says when they cannot and why, and ``.xml`` files
are read by ``store create`` and ``store import``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dslc.blockly import blockly_to_json
from store import importer
from store.cli import store_group
from store.db import Database
from store.service import StrategyService
from tests.blockly.support import load, same_program, template_records

REALM = "blocks"
TEXT = (
    "strategy tiers\n\nrule fast\n"
    '    when user.avg_time < 3 then\n        award 5 points as "Fast"\n'
)
# ``true`` has no block: this program cannot be shown as blocks.
UNWRITABLE: dict[str, Any] = {
    "type": "program",
    "rules": [
        {
            "type": "rule",
            "id": "r1",
            "when": {"type": "literal", "id": "yes", "value": True},
            "then": [
                {
                    "type": "assign_points",
                    "value": {"type": "literal", "value": 1},
                    "case_name": "C",
                }
            ],
        }
    ],
}


def test_a_strategy_created_from_text_gets_its_workspace(service: StrategyService) -> None:
    row = service.create(REALM, {"name": "tiers", "sourceText": TEXT})
    assert row.blocklyXml is not None and row.astJson is not None
    assert same_program(load(row.astJson), load(blockly_to_json(row.blocklyXml)))


def test_a_given_workspace_is_kept_as_it_is(service: StrategyService) -> None:
    (record,) = [r for r in template_records() if r["id"] == "engagement_basico"]
    payload = {"name": "e", "astJson": record["astJson"], "blocklyXml": record["blocklyXml"]}
    assert service.create(REALM, payload).blocklyXml == record["blocklyXml"]


def test_a_program_the_blocks_cannot_carry_has_no_workspace(service: StrategyService) -> None:
    row = service.create(REALM, {"name": "u", "astJson": UNWRITABLE})
    assert row.blocklyXml is None


def test_an_update_rewrites_a_stale_workspace(service: StrategyService) -> None:
    row = service.create(REALM, {"name": "tiers", "sourceText": TEXT})
    first = row.blocklyXml
    row = service.update(REALM, row.id, {"description": "same program"})
    assert row.blocklyXml == first
    row = service.update(REALM, row.id, {"sourceText": TEXT.replace("5 points", "7 points")})
    assert row.blocklyXml is not None and row.blocklyXml != first
    assert '<field name="VALUE">7</field>' in row.blocklyXml
    row = service.update(REALM, row.id, {"astJson": UNWRITABLE})
    assert row.blocklyXml is None  # no stale blocks of the old program
    published = service.publish(REALM, service.update(REALM, row.id, {"sourceText": TEXT}).id)
    draft = service.update(REALM, published.id, {"sourceText": TEXT.replace("5 p", "9 p")})
    assert draft.version == published.version + 1
    assert draft.blocklyXml is not None and '<field name="VALUE">9</field>' in draft.blocklyXml


def test_reimporting_a_record_without_workspace_changes_nothing(
    service: StrategyService, tmp_path: Path
) -> None:
    path = tmp_path / "bare.json"
    path.write_text(json.dumps({"type": "program", "id": "bare", "rules": []}), encoding="utf-8")
    (first,), _ = importer.import_paths(service, REALM, [path])
    assert first.action == "created" and first.strategy.blocklyXml is not None
    (again,), _ = importer.import_paths(service, REALM, [path])
    assert again.action == "unchanged"


@pytest.fixture
def cli(db: Database, db_url: str) -> Any:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        argv = [*args, "--db", db_url, "--realm", REALM]
        return runner.invoke(store_group, argv, catch_exceptions=False)

    return invoke


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def test_store_commands_read_xml(cli: Any, tmp_path: Path) -> None:
    records = {r["id"]: r for r in template_records()}
    speed = tmp_path / "speed.xml"
    speed.write_text(records["bonus_por_velocidad"]["blocklyXml"], encoding="utf-8")
    _ok(cli("create", "speed", "--file", str(speed)))
    shown = json.loads(_ok(cli("show", "speed", "--json")))
    assert shown["astJson"] == records["bonus_por_velocidad"]["astJson"]
    assert shown["blocklyXml"] == speed.read_text(encoding="utf-8")
    assert shown["type"] == "DSL_FULL"
    # a workspace with post rules is a DSL_EXTEND whose parent is given
    weekend = tmp_path / "weekend.xml"
    weekend.write_text(records["bonus_extiende_default"]["blocklyXml"], encoding="utf-8")
    _ok(cli("create", "weekend", "--file", str(weekend), "--parent", "default"))
    shown = json.loads(_ok(cli("show", "weekend", "--json")))
    assert (shown["type"], shown["parentStrategyId"]) == ("DSL_EXTEND", "default")
    # update from a workspace
    first = tmp_path / "first.xml"
    first.write_text(records["recompensa_completar_tarea"]["blocklyXml"], encoding="utf-8")
    _ok(cli("update", "speed", "--file", str(first)))
    shown = json.loads(_ok(cli("show", "speed", "--json")))
    assert shown["astJson"] == records["recompensa_completar_tarea"]["astJson"]
    assert shown["blocklyXml"] == first.read_text(encoding="utf-8")
    # import reads .xml files of a directory
    (tmp_path / "weekend.xml").unlink()
    out = _ok(cli("import", str(tmp_path)))
    assert "first.xml" in out and "speed.xml" in out


def test_show_says_whether_the_program_can_be_shown_as_blocks(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "u.json"
    path.write_text(json.dumps(UNWRITABLE), encoding="utf-8")
    _ok(cli("create", "u", "--file", str(path)))
    out = _ok(cli("show", "u"))
    line = next(x for x in out.splitlines() if x.strip().startswith("blocks"))
    assert "none: GAME's blocks cannot show this program" in line
    assert "a boolean literal" in line and "(node yes)" in line
    text = tmp_path / "t.strat"
    text.write_text(TEXT, encoding="utf-8")
    _ok(cli("create", "tiers", "--file", str(text)))
    out = _ok(cli("show", "tiers"))
    line = next(x for x in out.splitlines() if x.strip().startswith("blocks"))
    assert "a Blockly workspace (" in line
