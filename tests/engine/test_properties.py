"""Properties of ``engine.game.DslStrategy`` over the pipeline programs with
random analytics values and payloads: it gives what ``vm.score`` gives for
the same values, and calls each analytics method at most once per event."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import dslc
import vm
from engine.fields import ANALYTICS
from engine.game import DslError, DslStrategy
from tests.engine.support import CountingAnalytics, Definition

values = st.one_of(
    st.none(),
    st.integers(-5, 12),
    st.floats(-20, 20, allow_nan=False, allow_infinity=False),
)
payloads = st.dictionaries(st.sampled_from(["x", "y", "score", "n", "flag"]), values, max_size=4)
IDS = ("g", "t", "u")


@settings(max_examples=150)
@given(data=st.data())
def test_dsl_strategy_agrees_with_vm_score_and_fetches_once(
    pipeline_records: list[dict[str, Any]], data: st.DataObject
) -> None:
    record = data.draw(st.sampled_from(pipeline_records))
    fields = {path: data.draw(values) for path in ANALYTICS}
    payload = data.draw(payloads)
    program = vm.load(dslc.compile_json(record["ast"]))
    try:
        want: Any = vm.score(
            program,
            fields={
                **fields,
                **dict(
                    zip(("externalGameId", "externalTaskId", "externalUserId"), IDS, strict=True)
                ),
            },
            data=payload,
            parent=record["parent"],
        ).as_public()
    except vm.ExecutionError as exc:
        want = exc.code
    analytics = CountingAnalytics(fields, IDS)
    strategy = DslStrategy(
        Definition(record["ast"], id=record["id"], type="DSL_EXTEND"),
        None,
        analytics,
        parent_strategy=record["parent"],
    )
    try:
        got: Any = asyncio.run(strategy.calculate_points(*IDS, dict(payload)))
    except DslError as exc:
        got = exc.code
    assert repr(got) == repr(want)  # keeps 2 and 2.0 apart
    assert all(n == 1 for n in analytics.calls.values())
