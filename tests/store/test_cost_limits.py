"""The store refuses to publish a strategy whose cost certificate exceeds
its limits (store.limits), on both backends."""

from __future__ import annotations

from typing import Any

import pytest

from store import toolchain
from store.db import Database
from store.errors import InvalidDefinition
from store.limits import COST_EXCEEDED, DEFAULT_MAX_FETCHES, DEFAULT_MAX_STEPS, CostLimits
from store.service import StrategyService
from tests.store import programs

REALM = "realm-a"


def _rule(path: str, bound: int, case: str) -> dict[str, Any]:
    return {
        "type": "rule",
        "when": {
            "type": "compare",
            "op": "<",
            "left": {"type": "field", "path": path},
            "right": {"type": "literal", "value": bound},
        },
        "then": [
            {"type": "assign_points", "value": {"type": "literal", "value": 1}, "case_name": case}
        ],
    }


def two_fields() -> dict[str, Any]:
    """Two rules on two fields: a run that fails the first reads both."""
    return {
        "type": "program",
        "rules": [_rule("user.avg_time", 1, "A"), _rule("task.measurements_count", 2, "B")],
    }


def test_the_defaults_are_documented_values() -> None:
    assert (
        CostLimits() == CostLimits(DEFAULT_MAX_STEPS, DEFAULT_MAX_FETCHES) == CostLimits(5000, 64)
    )
    with pytest.raises(ValueError, match="max_steps must be a positive int"):
        CostLimits(max_steps=0)
    with pytest.raises(ValueError, match="max_fetches must be a positive int"):
        CostLimits(max_fetches=True)


def test_the_certificate_the_store_reads() -> None:
    image = toolchain.compile_program(two_fields(), None, "x.json")
    # Failing the first rule: FIELD CONST CMPJ, FIELD CONST CMPJ, CONST
    # ASSIGN_POINTS: 8 steps, both fields.
    assert toolchain.certificate_of(image) == {"full": (8, 2), "pre": (1, 0), "post": (1, 0)}


def test_publishing_over_the_fetch_limit_is_refused(db: Database) -> None:
    service = StrategyService(db, CostLimits(max_steps=100, max_fetches=1))
    first = service.create(REALM, {"name": "Bonus", "astJson": programs.full()})
    service.publish(REALM, first.id)
    draft = service.update(REALM, first.id, {"astJson": two_fields()})
    with pytest.raises(InvalidDefinition) as caught:
        service.publish(REALM, draft.id)
    assert "'Bonus' exceeds the store's cost limits" in str(caught.value)
    assert caught.value.diagnostics == [
        {
            "code": COST_EXCEEDED,
            "severity": "error",
            "message": "phase 'full' may fetch 2 fields (limit 1)",
            "pointer": "",
        }
    ]
    # Nothing changed: the draft stays a draft, version 1 stays published.
    statuses = {row.version: row.status.value for row in service.versions(REALM, "Bonus")}
    assert statuses == {1: "PUBLISHED", 2: "DRAFT"}


def test_publishing_over_the_step_limit_is_refused_and_within_it_allowed(db: Database) -> None:
    tight = StrategyService(db, CostLimits(max_steps=7, max_fetches=64))
    row = tight.create(REALM, {"name": "Steps", "astJson": two_fields()})
    with pytest.raises(InvalidDefinition) as caught:
        tight.publish(REALM, row.id)
    assert [d["code"] for d in caught.value.diagnostics] == [COST_EXCEEDED]
    assert caught.value.diagnostics[0]["message"] == "phase 'full' may take 8 steps (limit 7)"
    published = StrategyService(db, CostLimits(max_steps=8, max_fetches=2)).publish(REALM, row.id)
    assert published.status.value == "PUBLISHED"


def test_rolling_back_to_a_version_over_the_limits_is_refused(db: Database) -> None:
    loose = StrategyService(db)
    first = loose.create(REALM, {"name": "Back", "astJson": two_fields()})
    loose.publish(REALM, first.id)
    second = loose.update(REALM, first.id, {"astJson": programs.full()})
    loose.publish(REALM, second.id)
    strict = StrategyService(db, CostLimits(max_steps=100, max_fetches=1))
    with pytest.raises(InvalidDefinition) as caught:
        strict.rollback(REALM, "Back", 1)
    assert caught.value.diagnostics[0]["code"] == COST_EXCEEDED
    statuses = {row.version: row.status.value for row in loose.versions(REALM, "Back")}
    assert statuses == {1: "ARCHIVED", 2: "PUBLISHED"}
