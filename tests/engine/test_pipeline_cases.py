"""Issue 7's done-when: ``engine.game.DslStrategy`` scores every case of
``pipeline.jsonl`` fed by an async analytics mock answering from the case's
fields, with the project's built-ins as parents and with an async wrapper
of them (GAME's kind of parent); both agree with the record and with each
other."""

from __future__ import annotations

import asyncio
from typing import Any

from engine.game import DslError, DslStrategy
from tests.conformance.pipeline_cases import AsyncWrappedBuiltin, case_fields, judge
from tests.engine.support import CountingAnalytics, Definition
from vm.builtins import DEFAULT_REGISTRY


async def _score(record: dict[str, Any], case: dict[str, Any], wrapped: bool) -> tuple[Any, Any]:
    ids = case["ids"]
    id_tuple = (ids["externalGameId"], ids["externalTaskId"], ids["externalUserId"])
    analytics = CountingAnalytics(case["fields"], id_tuple)
    parent: Any = (
        AsyncWrappedBuiltin(record["parent"], case_fields(case))
        if wrapped
        else DEFAULT_REGISTRY.get(record["parent"])
    )
    definition = Definition(
        record["ast"], id=record["id"], type="DSL_EXTEND", parentStrategyId=record["parent"]
    )
    strategy = DslStrategy(definition, None, analytics, parent_strategy=parent)
    try:
        result = await strategy.calculate_points(*id_tuple, dict(case["data"]))
    except DslError as exc:
        return None, exc.code
    # Lazy fields: never more calls than GAME's eager class made.
    assert all(analytics.calls[m] <= n for m, n in case["calls"].items()), record["id"]
    return result, None


def test_dsl_strategy_scores_every_pipeline_case(pipeline_records: list[dict[str, Any]]) -> None:
    async def main() -> list[str]:
        problems: list[str] = []
        for record in pipeline_records:
            for i, case in enumerate(record["cases"]):
                builtin = await _score(record, case, wrapped=False)
                wrapper = await _score(record, case, wrapped=True)
                problem = judge(case, *builtin)
                if problem:
                    problems.append(f"{record['id']} case {i}: {problem}")
                if builtin != wrapper:
                    problems.append(f"{record['id']} case {i}: {builtin} != {wrapper} (wrapper)")
        return problems

    problems = asyncio.run(main())
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:25])
