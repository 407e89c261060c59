"""Parent ids are GAME's registry ids (issue 12, point 7), on both backends."""

from __future__ import annotations

from typing import Any

import pytest

import vm
from store.definitions import GAME_BUILTIN_IDS, PARENT_UNKNOWN
from store.errors import InvalidDefinition
from store.loader import StrategyLoader
from store.service import StrategyService
from tests.store import programs

EXTENDS_SHORT_NAME = """strategy doubled extends constantEffort

after parent
    rule double
        when true then
            set points to parent.points * 2
"""


def test_the_registry_ids_are_games() -> None:
    assert GAME_BUILTIN_IDS == (
        "constantEffortStrategy", "default", "getis_ord_gi_star",
        "greencrowdStrategy", "greengageStrategy", "socio_bee",
    )  # fmt: skip


def test_extends_constant_effort_is_stored_as_constant_effort_strategy(
    service: StrategyService, loader: StrategyLoader
) -> None:
    row = service.create("r", {"name": "Doubled", "sourceText": EXTENDS_SHORT_NAME})
    assert (row.type.value, row.parentStrategyId) == ("DSL_EXTEND", "constantEffortStrategy")
    # The text keeps its short name; an explicit parent may use either name.
    assert "extends constantEffort" in (row.sourceText or "")
    patched = service.update("r", row.id, {"parentStrategyId": "constantEffort"})
    assert patched.parentStrategyId == "constantEffortStrategy"
    by_json = service.create(
        "r",
        {
            "name": "ByJson",
            "type": "DSL_EXTEND",
            "parentStrategyId": "constantEffort",
            "astJson": programs.extend(3),
        },
    )
    assert by_json.parentStrategyId == "constantEffortStrategy"
    service.publish("r", by_json.id)
    loaded = loader.load(by_json.strategy_ref)
    assert loaded.parent is not None and loaded.parent.id == "constantEffortStrategy"
    assert loaded.score(fields={"user.recent_measurements_count": 0}).points > 0


@pytest.mark.parametrize(
    "parent", ["getis_ord_gi_star", "greencrowdStrategy", "greengageStrategy", "socio_bee"]
)
def test_a_row_extending_another_game_built_in_is_stored_listed_and_refused_by_vm_alone(
    service: StrategyService, loader: StrategyLoader, parent: str
) -> None:
    payload: dict[str, Any] = {
        "name": "OnGame",
        "type": "DSL_EXTEND",
        "parentStrategyId": parent,
        "astJson": programs.extend(2, {"variable_anything": 1}),
    }
    row = service.create("r", payload)
    service.publish("r", row.id)
    (listed,) = service.list("r")
    assert (listed.parentStrategyId, listed.status.value) == (parent, "PUBLISHED")
    loaded = loader.load(row.strategy_ref)
    assert loaded.program is not None and loaded.game_parent == parent
    with pytest.raises(InvalidDefinition, match=f"GAME's built-in '{parent}'.*engine.game"):
        loaded.score()
    with pytest.raises(
        vm.builtins.UnknownBuiltinError, match=f"unknown built-in strategy '{parent}'"
    ):
        vm.score(loaded.program, parent=parent)


def test_an_unknown_parent_is_refused_naming_games_ids(service: StrategyService) -> None:
    payload = {
        "name": "Orphan",
        "type": "DSL_EXTEND",
        "parentStrategyId": "nope",
        "astJson": programs.extend(2),
    }
    with pytest.raises(InvalidDefinition, match=PARENT_UNKNOWN) as caught:
        service.create("r", payload)
    message = caught.value.diagnostics[0]["message"]
    assert all(game_id in message for game_id in GAME_BUILTIN_IDS)
