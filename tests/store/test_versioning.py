"""The versioning rules of the service, one test per rule, on both backends."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from store import cache
from store.db import Database
from store.errors import (
    Conflict,
    ImmutableVersion,
    InvalidDefinition,
    InvalidPayload,
    NotFound,
)
from store.models import StrategyBytecode, StrategyDefinition
from store.schemas import StrategyCreate
from store.service import StrategyService
from tests.store import programs
from tests.store.conftest import StatementLog

REALM = "realm-a"


def _statuses(service: StrategyService, name: str = "Bonus") -> dict[int, str]:
    return {row.version: row.status.value for row in service.versions(REALM, name)}


def _snapshot(db: Database) -> list[tuple[Any, ...]]:
    with db.reading() as session:
        rows = session.execute(
            select(
                StrategyDefinition.id,
                StrategyDefinition.version,
                StrategyDefinition.status,
                StrategyDefinition.astJson,
                StrategyDefinition.description,
                StrategyDefinition.publishedAt,
                StrategyDefinition.updated_at,
            ).order_by(StrategyDefinition.name, StrategyDefinition.version)
        )
        defs = [tuple(row) for row in rows]
        images = session.scalar(select(func.count()).select_from(StrategyBytecode))
    return [*defs, ("cache", images)]


# -- create ------------------------------------------------------------------


def test_create_makes_version_1_draft(service: StrategyService) -> None:
    row = service.create(REALM, programs.create(description="first"))
    assert (row.version, row.status.value, row.type.value) == (1, "DRAFT", "DSL_FULL")
    assert row.realmId == REALM and row.description == "first"
    assert row.publishedAt is None
    assert row.created_at.tzinfo is not None and row.updated_at.tzinfo is not None
    assert row.strategy_ref == f"custom:{row.id}"
    assert service.get(REALM, row.id) == row


def test_create_accepts_a_validated_model(service: StrategyService) -> None:
    row = service.create(REALM, StrategyCreate.model_validate(programs.create()))
    assert row.version == 1


def test_create_with_a_used_name_is_a_conflict(service: StrategyService, db: Database) -> None:
    service.create(REALM, programs.create())
    before = _snapshot(db)
    with pytest.raises(Conflict, match="already exists"):
        service.create(REALM, programs.create(points=2))
    assert _snapshot(db) == before


def test_create_refuses_a_program_that_does_not_compile(
    service: StrategyService, db: Database
) -> None:
    with pytest.raises(InvalidDefinition) as info:
        service.create(REALM, {"name": "Bonus", "astJson": programs.broken()})
    codes = [d["code"] for d in info.value.diagnostics]
    assert "DSL_FIELD_PATH_NOT_ALLOWED" in codes
    assert "DSL_FIELD_PATH_NOT_ALLOWED" in str(info.value)
    assert _snapshot(db) == [("cache", 0)]


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"astJson": programs.full()}, "name"),
        ({"name": "", "astJson": programs.full()}, "name"),
        ({"name": " padded ", "astJson": programs.full()}, "whitespace"),
        ({"name": "x"}, "astJson or sourceText"),
        ({"name": "x", "astJson": programs.full(), "type": "BUILT_IN"}, "type"),
        ({"name": "x", "astJson": programs.full(), "version": 3}, "version"),
        ({"name": "x", "astJson": programs.full(), "parentStrategyId": "default"}, "DSL_FULL"),
        ({"name": "x", "astJson": programs.extend(), "type": "DSL_EXTEND"}, "parentStrategyId"),
        ({"name": "x", "astJson": {"type": "program", "rules": [], "v": float("nan")}}, "JSON"),
        ({"name": "x", "astJson": "not an object"}, "astJson"),
    ],
)
def test_bad_payloads_fail_before_any_sql(
    service: StrategyService, sql_log: StatementLog, payload: dict[str, Any], message: str
) -> None:
    with sql_log, pytest.raises(InvalidPayload, match=message):
        service.create(REALM, payload)
    assert sql_log.statements == []


def test_bad_realm_fails_before_any_sql(service: StrategyService, sql_log: StatementLog) -> None:
    with sql_log, pytest.raises(InvalidPayload, match="realmId"):
        service.create("", programs.create())
    assert sql_log.statements == []


def test_a_program_that_does_not_compile_costs_no_sql(
    service: StrategyService, sql_log: StatementLog
) -> None:
    with sql_log, pytest.raises(InvalidDefinition):
        service.create(REALM, {"name": "x", "astJson": programs.broken()})
    assert sql_log.statements == []


# -- DSL_EXTEND and DSL_FULL parents -------------------------------------------


def test_extend_needs_a_registered_builtin(service: StrategyService) -> None:
    row = service.create(
        REALM,
        {
            "name": "Ext",
            "type": "DSL_EXTEND",
            "parentStrategyId": "default",
            "astJson": programs.extend(overrides={"variable_basic_points": 3}),
        },
    )
    assert (row.type.value, row.parentStrategyId) == ("DSL_EXTEND", "default")
    with pytest.raises(InvalidDefinition, match="DSLC_STORE_PARENT_UNKNOWN") as info:
        service.create(
            REALM,
            {
                "name": "Ext2",
                "type": "DSL_EXTEND",
                "parentStrategyId": "no_such_builtin",
                "astJson": programs.extend(),
            },
        )
    assert info.value.diagnostics[0]["pointer"] == "/parentStrategyId"


def test_extend_overrides_only_variables_the_builtin_has(service: StrategyService) -> None:
    with pytest.raises(InvalidDefinition) as info:
        service.create(
            REALM,
            {
                "name": "Ext",
                "type": "DSL_EXTEND",
                "parentStrategyId": "constantEffortStrategy",
                "astJson": programs.extend(
                    overrides={"variable_max_points": 5, "variable_nope": 1}
                ),
            },
        )
    (diagnostic,) = info.value.diagnostics
    assert diagnostic["code"] == "DSLC_STORE_PARENT_VARIABLE_UNKNOWN"
    assert diagnostic["pointer"] == "/astJson/parent_variables/variable_nope"


def test_full_forbids_parent_variables(service: StrategyService) -> None:
    program = programs.full()
    program["parent_variables"] = {"variable_basic_points": 2}
    with pytest.raises(InvalidDefinition, match="PARENT_VARIABLES_WITHOUT_PARENT"):
        service.create(REALM, {"name": "x", "astJson": program})


def test_update_to_full_with_a_parent_is_refused(service: StrategyService, db: Database) -> None:
    row = service.create(
        REALM,
        {
            "name": "Ext",
            "type": "DSL_EXTEND",
            "parentStrategyId": "default",
            "astJson": programs.extend(),
        },
    )
    before = _snapshot(db)
    with pytest.raises(InvalidDefinition, match="DSLC_STORE_PARENT_FORBIDDEN"):
        service.update(REALM, row.id, {"type": "DSL_FULL", "astJson": programs.full()})
    assert _snapshot(db) == before
    changed = service.update(
        REALM, row.id, {"type": "DSL_FULL", "parentStrategyId": None, "astJson": programs.full()}
    )
    assert (changed.type.value, changed.parentStrategyId) == ("DSL_FULL", None)


# -- update ------------------------------------------------------------------


def test_update_patches_a_draft_in_place(service: StrategyService) -> None:
    row = service.create(REALM, programs.create(description="old", createdBy="ana"))
    changed = service.update(REALM, row.id, {"astJson": programs.full(5), "description": "new"})
    assert changed.id == row.id and changed.version == 1 and changed.status.value == "DRAFT"
    assert changed.description == "new" and changed.createdBy == "ana"
    assert changed.astJson == programs.full(5)
    assert changed.updated_at >= row.updated_at
    assert [r.id for r in service.versions(REALM, "Bonus")] == [row.id]


def test_update_of_published_creates_a_new_draft(service: StrategyService) -> None:
    v1 = service.create(REALM, programs.create(description="v1"))
    service.publish(REALM, v1.id)
    v2 = service.update(REALM, v1.id, {"astJson": programs.full(2)})
    assert v2.id != v1.id and (v2.version, v2.status.value) == (2, "DRAFT")
    assert v2.description == "v1"  # carried over from the published row
    published = service.get(REALM, v1.id)
    assert published.status.value == "PUBLISHED" and published.astJson == programs.full(1)
    # Again from the published row: max version + 1, not published + 1.
    v3 = service.update(REALM, v1.id, {"description": "other idea"})
    assert v3.version == 3
    assert _statuses(service) == {3: "DRAFT", 2: "DRAFT", 1: "PUBLISHED"}


def test_archived_versions_are_immutable(service: StrategyService, db: Database) -> None:
    row = service.create(REALM, programs.create())
    service.archive(REALM, row.id)
    before = _snapshot(db)
    with pytest.raises(ImmutableVersion, match="archived"):
        service.update(REALM, row.id, {"description": "x"})
    assert _snapshot(db) == before


def test_update_refuses_a_program_that_does_not_compile(
    service: StrategyService, db: Database
) -> None:
    row = service.create(REALM, programs.create())
    before = _snapshot(db)
    with pytest.raises(InvalidDefinition, match="DSL_FIELD_PATH_NOT_ALLOWED"):
        service.update(REALM, row.id, {"astJson": programs.broken()})
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    "patch, message",
    [
        ({}, "at least one field"),
        ({"name": "renamed"}, "name"),
        ({"status": "PUBLISHED"}, "status"),
        ({"type": None}, "type"),
        ({"astJson": None}, "astJson"),
    ],
)
def test_bad_patches_are_refused(
    service: StrategyService, patch: dict[str, Any], message: str
) -> None:
    row = service.create(REALM, programs.create())
    with pytest.raises(InvalidPayload, match=message):
        service.update(REALM, row.id, patch)


def test_malformed_ids_are_invalid_payloads(service: StrategyService) -> None:
    with pytest.raises(InvalidPayload, match="UUID"):
        service.get(REALM, "not-a-uuid")


# -- publish -----------------------------------------------------------------


def test_publish_archives_the_previous_published_sibling(service: StrategyService) -> None:
    v1 = service.create(REALM, programs.create())
    published = service.publish(REALM, v1.id)
    assert published.status.value == "PUBLISHED" and published.publishedAt is not None
    v2 = service.update(REALM, v1.id, {"astJson": programs.full(2)})
    service.publish(REALM, v2.id)
    assert _statuses(service) == {2: "PUBLISHED", 1: "ARCHIVED"}


def test_republishing_is_a_no_op(service: StrategyService, db: Database) -> None:
    row = service.publish(REALM, service.create(REALM, programs.create()).id)
    before = _snapshot(db)
    again = service.publish(REALM, row.id)
    assert again == row
    assert _snapshot(db) == before


def test_archived_rows_cannot_be_published(service: StrategyService, db: Database) -> None:
    row = service.create(REALM, programs.create())
    service.archive(REALM, row.id)
    before = _snapshot(db)
    with pytest.raises(ImmutableVersion, match="rollback"):
        service.publish(REALM, row.id)
    assert _snapshot(db) == before


def test_publish_fills_the_bytecode_cache(service: StrategyService, db: Database) -> None:
    row = service.publish(REALM, service.create(REALM, programs.create()).id)
    with db.reading() as session:
        stored = session.get(StrategyDefinition, row.id)
        assert stored is not None
        assert cache.get(session, cache.key_for(stored)) is not None


def test_a_failing_publish_leaves_nothing_half_written(
    service: StrategyService, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = service.publish(REALM, service.create(REALM, programs.create()).id)
    v2 = service.update(REALM, v1.id, {"astJson": programs.full(2)})
    before = _snapshot(db)

    def fail(*_args: object) -> None:
        # After the sibling was archived and the draft published, in SQL.
        raise RuntimeError("disk full")

    monkeypatch.setattr(cache, "put", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        service.publish(REALM, v2.id)
    assert _snapshot(db) == before
    assert _statuses(service) == {2: "DRAFT", 1: "PUBLISHED"}


def test_the_database_allows_one_published_row_per_family(
    service: StrategyService, db: Database
) -> None:
    """The partial unique index holds even when the service is bypassed."""
    v1 = service.publish(REALM, service.create(REALM, programs.create()).id)
    v2 = service.update(REALM, v1.id, {"astJson": programs.full(2)})
    other = service.create("realm-b", programs.create())
    with pytest.raises(Conflict), db.transaction() as session:
        row = session.get(StrategyDefinition, v2.id)
        assert row is not None
        row.status = "PUBLISHED"
    assert _statuses(service) == {2: "DRAFT", 1: "PUBLISHED"}
    # Other families, and other realms with the same name, are not affected.
    service.publish("realm-b", other.id)


def test_the_database_refuses_duplicate_versions(service: StrategyService, db: Database) -> None:
    row = service.create(REALM, programs.create())
    with pytest.raises(Conflict), db.transaction() as session:
        session.add(
            StrategyDefinition(
                realmId=REALM,
                name="Bonus",
                type="DSL_FULL",
                astJson=programs.full(),
                version=row.version,
                status="DRAFT",
            )
        )


# -- archive, list, versions, rollback ----------------------------------------


def test_archive_is_idempotent(service: StrategyService) -> None:
    row = service.create(REALM, programs.create())
    first = service.archive(REALM, row.id)
    assert first.status.value == "ARCHIVED"
    assert service.archive(REALM, row.id).status.value == "ARCHIVED"


def test_list_filters_and_orders(service: StrategyService) -> None:
    a = service.publish(REALM, service.create(REALM, programs.create("A")).id)
    service.update(REALM, a.id, {"description": "next"})
    service.create(REALM, programs.create("B"))
    rows = service.list(REALM)
    assert [(r.name, r.version) for r in rows] == [("A", 2), ("A", 1), ("B", 1)]
    assert [r.name for r in service.list(REALM, status="published")] == ["A"]
    assert [r.version for r in service.list(REALM, name="A")] == [2, 1]
    with pytest.raises(InvalidPayload, match="status"):
        service.list(REALM, status="LIVE")


def test_versions_are_newest_first(service: StrategyService) -> None:
    row = service.publish(REALM, service.create(REALM, programs.create()).id)
    for points in (2, 3):
        draft = service.update(REALM, row.id, {"astJson": programs.full(points)})
        row = service.publish(REALM, draft.id)
    assert [r.version for r in service.versions(REALM, "Bonus")] == [3, 2, 1]
    with pytest.raises(NotFound):
        service.versions(REALM, "Nope")


def test_find_by_name_and_version(service: StrategyService) -> None:
    row = service.publish(REALM, service.create(REALM, programs.create()).id)
    service.update(REALM, row.id, {"description": "v2"})
    assert service.find(REALM, "Bonus").version == 2
    assert service.find(REALM, "Bonus", 1).id == row.id
    with pytest.raises(NotFound):
        service.find(REALM, "Bonus", 7)


def test_rollback_republishes_an_archived_version(service: StrategyService) -> None:
    v1 = service.publish(REALM, service.create(REALM, programs.create()).id)
    v2 = service.publish(REALM, service.update(REALM, v1.id, {"astJson": programs.full(2)}).id)
    back = service.rollback(REALM, "Bonus", 1)
    assert (back.id, back.status.value) == (v1.id, "PUBLISHED")
    assert back.publishedAt is not None
    assert service.get(REALM, v2.id).status.value == "ARCHIVED"
    assert _statuses(service) == {2: "ARCHIVED", 1: "PUBLISHED"}
    # Rolling back to the published version changes nothing; forward again works.
    assert service.rollback(REALM, "Bonus", 1) == back
    assert service.rollback(REALM, "Bonus", 2).id == v2.id
    assert _statuses(service) == {2: "PUBLISHED", 1: "ARCHIVED"}


def test_rollback_to_a_missing_version_changes_nothing(
    service: StrategyService, db: Database
) -> None:
    service.publish(REALM, service.create(REALM, programs.create()).id)
    before = _snapshot(db)
    with pytest.raises(NotFound):
        service.rollback(REALM, "Bonus", 9)
    with pytest.raises(InvalidPayload):
        service.rollback(REALM, "Bonus", 0)
    assert _snapshot(db) == before


def test_utf8_names_and_descriptions_round_trip(service: StrategyService) -> None:
    name = "Bonificación ✓ 日本語 — «fin de semana» 🎮"
    description = "Extiende 'default': ≤ 2 mediciones, ñandú, Ελληνικά, emoji 🚀\nsegunda línea"
    row = service.create(
        REALM, programs.create(name, description=description, createdBy="José Ñúñez")
    )
    stored = service.get(REALM, row.id)
    assert (stored.name, stored.description, stored.createdBy) == (
        name,
        description,
        "José Ñúñez",
    )
    assert [r.name for r in service.list(REALM, name=name)] == [name]
    assert service.find(REALM, name).id == row.id
