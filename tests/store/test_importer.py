"""Importing GAME template/export files, including every file of
../shared/templates."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dslc.blockly import json_to_blockly
from store import importer
from store.loader import StrategyLoader
from store.service import StrategyService
from tests.store import programs

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TEMPLATES = SHARED / "templates"
REALM = "imports"


def require_templates() -> list[Path]:
    """The shared template files; skip without them (fail when CI requires them)."""
    files = sorted(TEMPLATES.glob("*.json")) if TEMPLATES.is_dir() else []
    if not files:
        if os.environ.get("DSLC_REQUIRE_SHARED") == "1":
            pytest.fail(f"no templates under {TEMPLATES} (DSLC_REQUIRE_SHARED=1)")
        pytest.skip(f"shared templates not found at {TEMPLATES}")
    return files


@pytest.fixture(scope="module")
def templates() -> list[Path]:
    return require_templates()


def _expected(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("type") == "program":
        return {
            "name": document.get("id") or path.stem,
            "description": None,
            "type": "DSL_FULL",
            "parentStrategyId": None,
            "astJson": document,
            # written from the program, so that the dashboard can open it
            "blocklyXml": json_to_blockly(document),
        }
    return {
        key: document.get(key)
        for key in ("name", "description", "type", "parentStrategyId", "astJson", "blocklyXml")
    }


def test_every_shared_template_imports_and_round_trips(
    service: StrategyService, templates: list[Path]
) -> None:
    outcomes, failures = importer.import_paths(service, REALM, [TEMPLATES])
    assert [str(f) for f in failures] == []
    assert len(outcomes) == len(templates)
    assert {o.action for o in outcomes} == {"created"}
    for path in templates:
        expected = _expected(path)
        row = service.find(REALM, expected["name"])
        stored = row.model_dump(mode="json", include=set(expected))
        assert stored == expected, path.name
        assert (row.version, row.status.value) == (1, "DRAFT")


def test_reimporting_changes_nothing(service: StrategyService, templates: list[Path]) -> None:
    importer.import_paths(service, REALM, templates, publish=True)
    before = service.list(REALM)
    outcomes, failures = importer.import_paths(service, REALM, templates, publish=True)
    assert failures == []
    assert {(o.action, o.published) for o in outcomes} == {("unchanged", False)}
    assert service.list(REALM) == before


def test_imported_templates_score_through_the_loader(
    service: StrategyService, loader: StrategyLoader, templates: list[Path]
) -> None:
    outcomes, _ = importer.import_paths(service, REALM, templates, publish=True)
    by_name = {o.strategy.name: o.strategy for o in outcomes}
    bonus = by_name.get("Bonus de fin de semana (extiende default)")
    if bonus is None:
        pytest.skip("the DSL_EXTEND template is not among the shared templates")
    loaded = loader.load(bonus.strategy_ref)
    fields = {"task.measurements_count": 1}
    weekend = loaded.score(fields=fields, data={"is_weekend": True})
    weekday = loaded.score(fields=fields, data={"is_weekend": False})
    assert (weekend.points, weekend.case_name) == (1.5, "WeekendBonus")
    assert (weekday.points, weekday.case_name) == (1, "BasicEngagement")


def _record(name: str, points: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": "exported-id",
        "name": name,
        "description": "descripción",
        "type": "DSL_FULL",
        "parentStrategyId": None,
        "astJson": programs.full(points),
        "blocklyXml": "<xml/>",
        **extra,
    }


def _write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_changed_file_becomes_a_new_version(service: StrategyService, tmp_path: Path) -> None:
    path = _write(tmp_path / "s.json", _record("Señal", 1))
    (first,), _ = importer.import_paths(service, REALM, [path], publish=True)
    _write(path, _record("Señal", 2))
    (second,), _ = importer.import_paths(service, REALM, [path])
    assert second.action == "updated"
    assert (second.strategy.version, second.strategy.status.value) == (2, "DRAFT")
    # The draft is patched in place by the next change.
    _write(path, _record("Señal", 3))
    (third,), _ = importer.import_paths(service, REALM, [path])
    assert (third.action, third.strategy.id) == ("updated", second.strategy.id)
    assert service.get(REALM, first.strategy.id).status.value == "PUBLISHED"


def test_export_columns_are_ignored(service: StrategyService, tmp_path: Path) -> None:
    record = _record("Exported", 1, version=7, status="PUBLISHED", realmId="other")
    path = _write(tmp_path / "export.json", [record, _record("Second", 2)])
    outcomes, failures = importer.import_paths(service, REALM, [path])
    assert failures == []
    assert [(o.strategy.name, o.strategy.version, o.strategy.realmId) for o in outcomes] == [
        ("Exported", 1, REALM),
        ("Second", 1, REALM),
    ]
    assert outcomes[0].source.endswith("export.json[0]")


def test_bare_programs_are_named_after_their_id_or_file(
    service: StrategyService, tmp_path: Path
) -> None:
    named = programs.full()
    named["id"] = "my_program"
    a = _write(tmp_path / "a.json", named)
    b = _write(tmp_path / "b_file.json", programs.full())
    outcomes, _ = importer.import_paths(service, REALM, [a, b])
    assert [o.strategy.name for o in outcomes] == ["my_program", "b_file"]


def test_bad_files_fail_alone(service: StrategyService, tmp_path: Path) -> None:
    good = _write(tmp_path / "1_good.json", _record("Good", 1))
    (tmp_path / "2_text.json").write_text("{not json", encoding="utf-8")
    _write(tmp_path / "3_shape.json", ["a string"])
    _write(tmp_path / "4_broken.json", {**_record("Broken", 1), "astJson": programs.broken()})
    _write(tmp_path / "5_noname.json", {"astJson": programs.full()})
    outcomes, failures = importer.import_paths(service, REALM, [tmp_path])
    assert [o.source for o in outcomes] == [str(good)]
    messages = [str(f) for f in failures]
    assert len(messages) == 4
    assert "2_text.json:1:2: error[DSLC_JSON_SYNTAX]: invalid JSON" in messages[0]
    assert "expected a program or a GAME strategy record" in messages[1]
    assert "DSL_FIELD_PATH_NOT_ALLOWED" in messages[2]
    assert "name" in messages[3]
    assert [r.name for r in service.list(REALM)] == ["Good"]
