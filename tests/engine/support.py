"""Test doubles for ``engine.game``: GAME's definition record, an async
analytics service that counts its calls, and a recording observer."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.fields import ANALYTICS


@dataclass
class Definition:
    """The attributes of GAME's ``StrategyDefinitionRead`` the class reads."""

    astJson: Any
    id: Any = field(default_factory=uuid.uuid4)
    name: str = "test strategy"
    description: str | None = "a test"
    version: int = 1
    status: str = "PUBLISHED"
    type: str = "DSL_FULL"
    realmId: str = "realm-1"
    parentStrategyId: str | None = None


class CountingAnalytics:
    """An async analytics service answering from a path -> value mapping,
    checking that every method gets GAME's arguments."""

    def __init__(self, values: Mapping[str, object], ids: tuple[object, object, object]) -> None:
        self.calls: Counter[str] = Counter()
        by_method = {call.method: (path, call) for path, call in ANALYTICS.items()}
        for method, (path, call) in by_method.items():
            setattr(self, method, self._answer(method, path, call.args(*ids), values))

    def _answer(
        self, method: str, path: str, want: tuple[object, ...], values: Mapping[str, object]
    ) -> Any:
        async def answer(*args: object) -> object:
            assert args == want, (method, args, want)
            self.calls[method] += 1
            await asyncio.sleep(0)
            return values.get(path)

        return answer

    @property
    def total(self) -> int:
        return sum(self.calls.values())


class RecordingObserver:
    def __init__(self, fail: bool = False) -> None:
        self.records: list[dict[str, Any]] = []
        self.fail = fail

    async def record(self, **kwargs: Any) -> None:
        self.records.append(kwargs)
        if self.fail:
            raise RuntimeError("the metrics sink is down")
