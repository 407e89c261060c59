"""Strategies written in the text language: ``sourceText`` is kept and
``astJson`` is always filled from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import dslc
from store import toolchain
from store.cli import store_group
from store.errors import InvalidDefinition
from store.loader import StrategyLoader
from store.service import StrategyService
from tests.store import programs

REALM = "text"

FULL = """\
strategy tiers

rule gold
    when data.speed > 10 then
        award 20 points as "Gold"

otherwise award 1 points as "Participation"
"""

EXTEND = """\
strategy weekend
extends default

after parent
    rule post_weekend
        when data.is_weekend then
            set points to parent.points * 2
"""


def test_text_is_kept_and_ast_derived(service: StrategyService, loader: StrategyLoader) -> None:
    row = service.create(REALM, {"name": "Tiers", "sourceText": FULL})
    assert row.sourceText == FULL
    assert row.astJson == dslc.text_to_json(FULL)
    assert (row.type.value, row.parentStrategyId) == ("DSL_FULL", None)
    service.publish(REALM, row.id)
    loaded = loader.load(row.strategy_ref)
    assert loaded.score(data={"speed": 11}).points == 20
    assert loaded.score(data={"speed": 1}).case_name == "Participation"


def test_extends_line_gives_type_and_parent(
    service: StrategyService, loader: StrategyLoader
) -> None:
    row = service.create(REALM, {"name": "Weekend", "sourceText": EXTEND})
    assert (row.type.value, row.parentStrategyId) == ("DSL_EXTEND", "default")
    service.publish(REALM, row.id)
    result = loader.load(row.strategy_ref).score(
        fields={"task.measurements_count": 0}, data={"is_weekend": True}
    )
    assert (result.points, result.case_name) == (2, "BasicEngagement")


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"type": "DSL_FULL"}, "the text makes it DSL_EXTEND"),
        ({"parentStrategyId": "constantEffortStrategy"}, "extends 'default'"),
        ({"astJson": programs.full()}, "astJson is not the program"),
    ],
)
def test_text_and_explicit_fields_must_agree(
    service: StrategyService, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidDefinition, match=message):
        service.create(REALM, {"name": "W", "sourceText": EXTEND, **extra})
    assert service.list(REALM) == []


def test_text_that_does_not_compile_reports_lines(service: StrategyService) -> None:
    source = FULL.replace("data.speed", "os.speed")
    with pytest.raises(InvalidDefinition) as info:
        service.create(REALM, {"name": "Bad", "sourceText": source})
    (first, *_) = info.value.diagnostics
    assert (first["line"], first["column"]) == (4, 10)
    assert "Bad.strat:4:10" in str(info.value)


def test_new_json_drops_the_stale_text_and_new_text_rederives(
    service: StrategyService, stats: toolchain.CompileStats
) -> None:
    row = service.create(REALM, {"name": "Tiers", "sourceText": FULL})
    edited = service.update(REALM, row.id, {"description": "kept text"})
    assert edited.sourceText == FULL
    from_blocks = service.update(REALM, row.id, {"astJson": programs.full(3)})
    assert (from_blocks.sourceText, from_blocks.astJson) == (None, programs.full(3))
    again = service.update(REALM, row.id, {"sourceText": EXTEND})
    assert again.astJson == dslc.text_to_json(EXTEND)
    assert (again.type.value, again.parentStrategyId) == ("DSL_EXTEND", "default")


def test_cli_creates_from_a_strat_file(db_url: str, db: Any, tmp_path: Path) -> None:
    path = tmp_path / "weekend.strat"
    path.write_text(EXTEND, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        store_group, ["create", "Weekend", "--file", str(path), "--db", db_url, "--realm", REALM]
    )
    assert result.exit_code == 0, result.output
    shown = runner.invoke(store_group, ["show", "Weekend", "--db", db_url, "--realm", REALM])
    assert "DSL_EXTEND (parent default)" in shown.stdout and "after parent" in shown.stdout
    as_json = runner.invoke(
        store_group, ["show", "Weekend", "--json", "--db", db_url, "--realm", REALM]
    )
    assert json.loads(as_json.stdout)["sourceText"] == EXTEND
