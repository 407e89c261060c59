"""Realm isolation: another realm's rows are "not found", never leaked."""

from __future__ import annotations

import pytest

from store.errors import NotFound
from store.loader import StrategyLoader
from store.service import StrategyService
from tests.store import programs


@pytest.fixture
def foreign(service: StrategyService) -> str:
    """A published strategy of realm A, with a draft; returns its v1 id."""
    row = service.publish("A", service.create("A", programs.create("Shared name")).id)
    service.update("A", row.id, {"description": "draft of A"})
    return str(row.id)


def test_other_realms_rows_are_not_found(service: StrategyService, foreign: str) -> None:
    calls = [
        lambda: service.get("B", foreign),
        lambda: service.update("B", foreign, {"description": "hijack"}),
        lambda: service.publish("B", foreign),
        lambda: service.archive("B", foreign),
        lambda: service.versions("B", "Shared name"),
        lambda: service.find("B", "Shared name"),
        lambda: service.rollback("B", "Shared name", 1),
    ]
    for call in calls:
        with pytest.raises(NotFound) as info:
            call()
        # The message names the caller's realm, never the owner's.
        assert "'A'" not in str(info.value)
    assert service.list("B") == []
    assert service.get("A", foreign).status.value == "PUBLISHED"
    assert service.find("A", "Shared name").description == "draft of A"


def test_not_found_reads_the_same_for_foreign_and_missing_ids(
    service: StrategyService, foreign: str
) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(NotFound) as a:
        service.get("B", foreign)
    with pytest.raises(NotFound) as b:
        service.get("B", missing)
    assert str(a.value).replace(foreign, "ID") == str(b.value).replace(missing, "ID")


def test_same_name_in_two_realms_are_independent_families(
    service: StrategyService, foreign: str
) -> None:
    mine = service.create("B", programs.create("Shared name", points=7))
    assert mine.version == 1
    service.publish("B", mine.id)
    # Publishing in B archived nothing in A.
    assert service.get("A", foreign).status.value == "PUBLISHED"
    assert [r.realmId for r in service.list("B")] == ["B"]
    assert {r.realmId for r in service.list("A")} == {"A"}


def test_the_loader_scopes_by_realm_when_asked(
    service: StrategyService, loader: StrategyLoader, foreign: str
) -> None:
    assert loader.load(f"custom:{foreign}", realm_id="A").definition is not None
    with pytest.raises(NotFound):
        loader.load(f"custom:{foreign}", realm_id="B")
    with pytest.raises(NotFound):
        loader.simulate("B", foreign)
