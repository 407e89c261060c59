"""Host parents (LANGUAGE.md section 4, issue 7 section 2): a parent whose
``calculate_points`` is a coroutine function, as GAME's built-ins are, is
awaited by ``vm.score_async`` on the caller's loop; ``parent_variables``
go to a copy of it; the sync ``vm.score`` refuses it by name."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

import pytest

import dslc
import vm

PRE_POST: dict[str, Any] = {
    "type": "program",
    "rules": [],
    "pre_rules": [
        {
            "type": "rule",
            "when": {"type": "literal", "value": True},
            "then": [
                {"type": "set_data", "key": "bonus", "value": {"type": "literal", "value": 2}}
            ],
        }
    ],
    "post_rules": [
        {
            "type": "rule",
            "when": {"type": "literal", "value": True},
            "then": [
                {
                    "type": "set_points",
                    "value": {
                        "type": "arith",
                        "op": "*",
                        "left": {"type": "field", "path": "parent.points"},
                        "right": {"type": "field", "path": "data.bonus"},
                    },
                }
            ],
        }
    ],
    "parent_variables": {"variable_points": 7, "variable_unknown": 1},
}


class GameLikeParent:
    """What GAME's built-ins look like from outside."""

    def __init__(self) -> None:
        self.variable_points = 3
        self.seen: list[dict[str, Any]] = []

    async def calculate_points(
        self,
        externalGameId: object = None,
        externalTaskId: object = None,
        externalUserId: object = None,
        data: Mapping[str, object] | None = None,
    ) -> tuple[object, str]:
        await asyncio.sleep(0)
        self.seen.append(
            {
                "ids": (externalGameId, externalTaskId, externalUserId),
                "data": dict(data or {}),
                "loop": asyncio.get_running_loop(),
                "thread": threading.get_ident(),
                "points": self.variable_points,
                "instance": self,
            }
        )
        return self.variable_points, "Parent"


def test_an_async_parent_is_awaited_on_the_callers_loop_with_overrides_on_a_copy() -> None:
    program = vm.load(dslc.compile_json(PRE_POST))
    parent = GameLikeParent()
    fields = {"externalGameId": "g", "externalTaskId": "t", "externalUserId": "u"}

    async def main() -> tuple[vm.Score, asyncio.AbstractEventLoop]:
        score = await vm.score_async(program, fields=fields, data={"x": 1}, parent=parent)
        return score, asyncio.get_running_loop()

    score, loop = asyncio.run(main())
    (seen,) = parent.seen
    assert seen["loop"] is loop and seen["thread"] == threading.get_ident()
    assert seen["ids"] == ("g", "t", "u")
    assert seen["data"] == {"x": 1, "bonus": 2}  # the pre phase's working data
    assert seen["points"] == 7 and seen["instance"] is not parent
    assert parent.variable_points == 3  # the shared instance is untouched
    assert not hasattr(parent, "variable_unknown")
    assert score.as_public() == (14.0, "Parent")


def test_without_overrides_the_instance_itself_runs_and_ids_may_be_given() -> None:
    program = vm.load(dslc.compile_json({**PRE_POST, "parent_variables": None}))
    parent = GameLikeParent()
    ids = {"externalGameId": "G", "externalTaskId": "T", "externalUserId": "U"}
    score = asyncio.run(vm.score_async(program, parent=parent, ids=ids))
    (seen,) = parent.seen
    assert seen["instance"] is parent and seen["ids"] == ("G", "T", "U")
    assert score.as_public() == (6.0, "Parent")


def test_set_variables_is_used_when_the_parent_has_it() -> None:
    class WithSetter(GameLikeParent):
        def set_variables(self, new: Mapping[str, object]) -> None:
            self.variable_points = 100 + int(new["variable_points"])  # type: ignore[call-overload]

    parent = WithSetter()
    program = vm.load(dslc.compile_json({**PRE_POST, "post_rules": []}))
    score = asyncio.run(vm.score_async(program, parent=parent))
    assert score.as_public() == (107, "Parent")
    assert parent.variable_points == 3


@pytest.mark.parametrize(
    ("returned", "public"),
    [((5,), (5, None)), (None, (0, None)), ([5, "x"], (0, None)), ((None, "c", {}), (0, "c"))],
)
def test_a_host_parents_result_is_normalised_as_section_4_says(
    returned: object, public: tuple[object, ...]
) -> None:
    class Odd:
        async def calculate_points(self, *args: object, **kwargs: object) -> object:
            return returned

    program = vm.load(dslc.compile_json({**PRE_POST, "post_rules": [], "parent_variables": None}))
    assert asyncio.run(vm.score_async(program, parent=Odd())).as_public() == public


def test_an_async_parent_given_to_sync_score_names_score_async() -> None:
    program = vm.load(dslc.compile_json(PRE_POST))
    with pytest.raises(TypeError, match=r"vm\.score_async"):
        vm.score(program, parent=GameLikeParent())
