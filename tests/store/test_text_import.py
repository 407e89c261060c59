"""Importing text-language ``.strat`` files, alone and next to their JSON twins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import dslc
from store import importer
from store.cli import store_group
from store.db import Database
from store.service import StrategyService
from tests.store import programs

REALM = "text-imports"

WEEKEND = """\
strategy weekend
extends default

after parent
    rule post_weekend
        when data.is_weekend then
            set points to parent.points * 2
"""

TIERS = """\
rule gold
    when data.speed > 10 then
        award 20 points as "Gold"

otherwise award 1 points as "Participation"
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _twin(path: Path, source: str) -> Path:
    """The JSON conversion of ``source``, as examples/ keeps it next to the text."""
    path.write_text(json.dumps(dslc.text_to_json(source)), encoding="utf-8")
    return path


def test_header_gives_name_type_and_parent(service: StrategyService, tmp_path: Path) -> None:
    path = _write(tmp_path / "file_name.strat", WEEKEND)
    (outcome,), failures = importer.import_paths(service, REALM, [path])
    assert failures == []
    row = outcome.strategy
    assert (outcome.action, outcome.source) == ("created", str(path))
    assert (row.name, row.type.value, row.parentStrategyId) == ("weekend", "DSL_EXTEND", "default")
    assert row.sourceText == WEEKEND
    assert row.astJson == dslc.text_to_json(WEEKEND)


def test_without_a_strategy_line_the_file_names_it(
    service: StrategyService, tmp_path: Path
) -> None:
    path = _write(tmp_path / "tiers.strat", TIERS)
    (outcome,), _ = importer.import_paths(service, REALM, [path])
    assert (outcome.strategy.name, outcome.strategy.type.value) == ("tiers", "DSL_FULL")
    assert outcome.strategy.parentStrategyId is None


def test_a_byte_order_mark_does_not_hide_the_header(
    service: StrategyService, tmp_path: Path
) -> None:
    path = tmp_path / "bom.strat"
    path.write_bytes(b"\xef\xbb\xbf" + WEEKEND.encode("utf-8"))
    (outcome,), failures = importer.import_paths(service, REALM, [path])
    assert failures == []
    assert (outcome.strategy.name, outcome.strategy.type.value) == ("weekend", "DSL_EXTEND")
    assert outcome.strategy.sourceText == WEEKEND


def test_reimport_is_idempotent_and_a_change_is_a_new_draft(
    service: StrategyService, tmp_path: Path
) -> None:
    path = _write(tmp_path / "weekend.strat", WEEKEND)
    (first,), _ = importer.import_paths(service, REALM, [path], publish=True)
    assert (first.action, first.published) == ("created", True)
    before = service.list(REALM)
    (again,), _ = importer.import_paths(service, REALM, [path], publish=True)
    assert (again.action, again.published) == ("unchanged", False)
    assert service.list(REALM) == before

    changed = WEEKEND.replace("parent.points * 2", "parent.points * 3")
    _write(path, changed)
    (second,), _ = importer.import_paths(service, REALM, [path])
    assert second.action == "updated"
    assert (second.strategy.version, second.strategy.status.value) == (2, "DRAFT")
    assert second.strategy.sourceText == changed
    assert second.strategy.astJson == dslc.text_to_json(changed)
    assert service.get(REALM, first.strategy.id).status.value == "PUBLISHED"
    # The next change patches that draft in place.
    _write(path, WEEKEND.replace("parent.points * 2", "parent.points * 4"))
    (third,), _ = importer.import_paths(service, REALM, [path])
    assert (third.action, third.strategy.id) == ("updated", second.strategy.id)


def test_text_keeps_what_the_dashboard_set(service: StrategyService, tmp_path: Path) -> None:
    path = _write(tmp_path / "tiers.strat", TIERS)
    (first,), _ = importer.import_paths(service, REALM, [path])
    service.update(REALM, first.strategy.id, {"description": "set on the dashboard"})
    (again,), _ = importer.import_paths(service, REALM, [path])
    assert again.action == "unchanged"
    _write(path, TIERS.replace("20 points", "25 points"))
    (changed,), _ = importer.import_paths(service, REALM, [path])
    assert changed.action == "updated"
    assert changed.strategy.description == "set on the dashboard"


def test_a_json_program_replaced_by_text_is_a_change(
    service: StrategyService, tmp_path: Path
) -> None:
    # Same program, but the family gains its text: that is a new version.
    json_file = _twin(tmp_path / "tiers.json", TIERS)
    (first,), _ = importer.import_paths(service, REALM, [json_file], publish=True)
    text_file = _write(tmp_path / "tiers.strat", TIERS)
    (second,), _ = importer.import_paths(service, REALM, [text_file])
    assert (second.action, second.strategy.version) == ("updated", 2)
    assert second.strategy.sourceText == TIERS
    assert first.strategy.sourceText is None


def test_a_directory_imports_text_and_skips_json_twins(
    service: StrategyService, tmp_path: Path
) -> None:
    # The twin is found by strategy name, whatever the file names and their order.
    _twin(tmp_path / "a_weekend.json", WEEKEND)  # id "weekend", sorted first
    text = _write(tmp_path / "b_weekend.strat", WEEKEND)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**programs.full(2), "id": "other"}), encoding="utf-8")
    report = importer.import_files(service, REALM, [tmp_path])
    assert report.failures == []
    assert [(o.source, o.strategy.name) for o in report.outcomes] == [
        (str(text), "weekend"),
        (str(other), "other"),
    ]
    assert [str(s) for s in report.skipped] == [
        f"{tmp_path / 'a_weekend.json'}: 'weekend' is imported from {text} "
        "(the JSON is the same program converted)"
    ]
    assert service.find(REALM, "weekend").type.value == "DSL_EXTEND"
    # Nothing changes the second time, twins included.
    again = importer.import_files(service, REALM, [tmp_path])
    assert {o.action for o in again.outcomes} == {"unchanged"}
    assert len(again.skipped) == 1


def test_only_the_twin_record_of_a_list_is_skipped(
    service: StrategyService, tmp_path: Path
) -> None:
    _write(tmp_path / "weekend.strat", WEEKEND)
    records = [
        {"name": "weekend", "astJson": programs.full(1)},
        {"name": "kept", "astJson": programs.full(2)},
    ]
    (tmp_path / "export.json").write_text(json.dumps(records), encoding="utf-8")
    report = importer.import_files(service, REALM, [tmp_path])
    assert sorted(o.strategy.name for o in report.outcomes) == ["kept", "weekend"]
    assert [s.source for s in report.skipped] == [f"{tmp_path / 'export.json'}[0]"]


def test_twins_are_per_directory(service: StrategyService, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _write(tmp_path / "a" / "tiers.strat", TIERS)
    _twin(tmp_path / "b" / "tiers.json", TIERS)
    report = importer.import_files(service, REALM, [tmp_path / "a", tmp_path / "b"])
    # Not skipped: imported, and found equal to the text's program.
    assert report.skipped == []
    assert [o.action for o in report.outcomes] == ["created", "unchanged"]


def test_a_broken_text_fails_and_its_twin_stays_out(
    service: StrategyService, tmp_path: Path
) -> None:
    _twin(tmp_path / "tiers.json", TIERS)
    _write(tmp_path / "tiers.strat", TIERS.replace("data.speed", "os.system"))
    report = importer.import_files(service, REALM, [tmp_path])
    assert report.outcomes == []
    assert len(report.skipped) == 1
    (failure,) = report.failures
    assert failure.source == str(tmp_path / "tiers.strat")
    assert "tiers.strat:2:10" in str(failure)
    assert service.list(REALM) == []


def test_an_events_file_is_not_a_strategy(service: StrategyService, tmp_path: Path) -> None:
    _write(tmp_path / "tiers.strat", TIERS)
    events = [{"strategy": "tiers", "data": {"speed": 11}}, {"fields": {}, "label": "x"}]
    (tmp_path / "events.json").write_text(json.dumps(events), encoding="utf-8")
    report = importer.import_files(service, REALM, [tmp_path])
    assert report.failures == []
    assert [o.strategy.name for o in report.outcomes] == ["tiers"]
    assert [str(s) for s in report.skipped] == [
        f"{tmp_path / 'events.json'}: events for `dslc store score --events`, not strategies"
    ]


def test_the_cli_reports_skipped_twins(db: Database, db_url: str, tmp_path: Path) -> None:
    _twin(tmp_path / "weekend.json", WEEKEND)
    _write(tmp_path / "weekend.strat", WEEKEND)
    _write(tmp_path / "tiers.strat", TIERS)
    runner = CliRunner()
    argv = ["import", str(tmp_path), "--publish", "--db", db_url, "--realm", REALM]
    result = runner.invoke(store_group, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == "2 imported, 0 failed, 1 skipped"
    assert any(
        line.startswith("created, published: 'weekend' version 1 (PUBLISHED)")
        and line.endswith(f"<- {tmp_path / 'weekend.strat'}")
        for line in lines
    )
    assert (
        f"skipped: {tmp_path / 'weekend.json'}: 'weekend' is imported from "
        f"{tmp_path / 'weekend.strat'} (the JSON is the same program converted)"
    ) in lines
    help_text = runner.invoke(store_group, ["import", "--help"]).output
    assert ".strat" in help_text


@pytest.mark.parametrize("suffix", [".strat", ".STRAT"])
def test_text_files_are_recognised_by_suffix(suffix: str, tmp_path: Path) -> None:
    path = _write(tmp_path / f"x{suffix}", TIERS)
    (record,) = importer.read_records(path)
    assert isinstance(record, importer.TextRecord)
    assert importer.expand([tmp_path]) == [path]
