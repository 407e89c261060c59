"""``shared/conformance/pipeline.jsonl`` through ``vm.score`` and
``vm.score_async`` (with the project's built-ins, and with an async wrapper
of them as a host parent): every DSL_EXTEND case scores as GAME's
stored-strategy class did with its real built-in parents, deviations
applied."""

from __future__ import annotations

import asyncio
from typing import Any

import dslc
import vm
from tests.conformance.pipeline_cases import AsyncWrappedBuiltin, case_fields, judge


class _AsyncFields:
    def __init__(self, values: dict[str, object]) -> None:
        self.values = values

    async def get(self, path: str) -> object:
        return self.values.get(path)


def _score(program: vm.Program, record: dict[str, Any], case: dict[str, Any]) -> tuple[Any, Any]:
    try:
        res = vm.score(
            program, fields=case_fields(case), data=case["data"], parent=record["parent"]
        )
    except vm.ExecutionError as exc:
        return None, exc.code
    return res.as_public(), None


async def _score_async(
    program: vm.Program, record: dict[str, Any], case: dict[str, Any], wrapped: bool = False
) -> tuple[Any, Any]:
    values = case_fields(case)
    parent = AsyncWrappedBuiltin(record["parent"], values) if wrapped else record["parent"]
    try:
        res = await vm.score_async(
            program, fields=_AsyncFields(values), data=case["data"], parent=parent
        )
    except vm.ExecutionError as exc:
        return None, exc.code
    return res.as_public(), None


def test_every_pipeline_case_scores_as_the_reference(
    pipeline_records: list[dict[str, Any]],
) -> None:
    problems: list[str] = []
    cases = 0
    for record in pipeline_records:
        program = vm.load(dslc.compile_json(record["ast"]))
        for i, case in enumerate(record["cases"]):
            cases += 1
            for how, (got, code) in (
                ("score", _score(program, record, case)),
                ("score_async", asyncio.run(_score_async(program, record, case))),
                ("async parent", asyncio.run(_score_async(program, record, case, True))),
            ):
                problem = judge(case, got, code)
                if problem:
                    problems.append(f"{record['id']} case {i} ({how}): {problem}")
    assert cases > 1400, "the pipeline file should hold about 1,500 cases"
    assert not problems, f"{len(problems)} disagreements, first ones:\n" + "\n".join(problems[:25])
