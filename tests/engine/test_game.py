"""``engine.game.DslStrategy``: GAME's stored-strategy contract."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

import dslc
from dslc.simulate import simulate_json
from engine import game
from engine.errors import use_exceptions
from engine.game import (
    DslExecutionError,
    DslLimitExceededError,
    DslStrategy,
    DslValidationError,
)
from engine.programs import PROGRAMS
from tests.engine.support import CountingAnalytics, Definition, RecordingObserver

TEMPLATES = Path(__file__).resolve().parents[2].parent / "shared" / "templates"
IDS = ("game-1", "task-1", "user-1")

FULL: dict[str, Any] = {
    "type": "program",
    "rules": [
        {
            "type": "rule",
            "id": "r1",
            "when": {
                "type": "compare",
                "id": "c1",
                "op": ">",
                "left": {"type": "field", "id": "f1", "path": "data.x"},
                "right": {"type": "literal", "id": "l1", "value": 1},
            },
            "then": [
                {
                    "type": "set_callback_data",
                    "key": "k",
                    "value": {"type": "literal", "value": "v"},
                },
                {
                    "type": "assign_points",
                    "id": "a1",
                    "value": {"type": "field", "path": "user.avg_time"},
                    "case_name": "Big",
                },
            ],
        }
    ],
    "default": {
        "type": "assign_points",
        "value": {"type": "literal", "value": 2},
        "case_name": "Small",
    },
}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def strategy(ast: Any, values: dict[str, object] | None = None, **kw: Any) -> DslStrategy:
    analytics = CountingAnalytics(values or {}, IDS)
    return DslStrategy(Definition(ast, **kw), object(), analytics)


def test_results_have_games_shapes() -> None:
    s = strategy(FULL, {"user.avg_time": 7.5})
    assert run(s.calculate_points(*IDS, {"x": 5})) == (7.5, "Big", {"k": "v"})
    assert run(s.calculate_points(*IDS, {"x": 0})) == (2, "Small")
    assert run(strategy(None).calculate_points(*IDS, {})) == (0, None)


def test_names_ids_and_hash_version_are_games() -> None:
    d = Definition(FULL, id="abc", version=3, name="N")
    s = DslStrategy(d, None, None)
    canonical = json.dumps(FULL, sort_keys=True, separators=(",", ":"))
    assert s.hash_version == hashlib.sha256(canonical.encode()).hexdigest()
    assert s.get_strategy_id() == "custom:abc"
    assert (s.strategy_name, s.strategy_version) == ("N", "3")
    empty = hashlib.sha256(b"{}").hexdigest()
    assert DslStrategy(Definition(None, status="DRAFT"), None, None).hash_version == empty
    assert s.get_strategy() == {
        "name": "N",
        "description": "a test",
        "name_slug": "N",
        "version": "3",
        "variables": {"variable_basic_points": 1, "variable_bonus_points": 1},
        "hash_version": s.hash_version,
    }


def test_a_draft_edited_in_place_gets_a_new_hash_and_program() -> None:
    ast = copy.deepcopy(FULL)
    d = Definition(ast, id="draft-1", status="DRAFT")
    before = DslStrategy(d, None, CountingAnalytics({}, IDS))
    assert run(before.calculate_points(*IDS, {"x": 0})) == (2, "Small")
    ast["default"]["value"]["value"] = 9
    after = DslStrategy(d, None, CountingAnalytics({}, IDS))
    assert after.hash_version != before.hash_version
    assert run(after.calculate_points(*IDS, {"x": 0})) == (9, "Small")


def test_a_strategy_built_per_event_compiles_once() -> None:
    d = Definition(copy.deepcopy(FULL), id="per-event")
    run(DslStrategy(d, None, CountingAnalytics({}, IDS)).calculate_points(*IDS, {"x": 0}))
    compiles = PROGRAMS.compiles
    for x in range(20):
        s = DslStrategy(d, None, CountingAnalytics({"user.avg_time": 1}, IDS))
        run(s.calculate_points(*IDS, {"x": x}))
    assert PROGRAMS.compiles == compiles


def test_first_rule_of_default_costs_one_query() -> None:
    """GAME's eager class fetches all six fields; here the first rule
    decides after one."""
    ast = json.loads((TEMPLATES / "default_v0_0_2.json").read_text())
    values = {
        "task.measurements_count": 1,
        "user.measurements_count": 5,
        "user.avg_time": 3,
        "all.avg_time": 4,
        "user.last_window_diff": 1,
        "user.new_last_window_diff": 2,
    }
    analytics = CountingAnalytics(values, IDS)
    s = DslStrategy(Definition(ast), None, analytics)
    assert run(s.calculate_points(*IDS, {})) == (1, "BasicEngagement")
    assert dict(analytics.calls) == {"count_measurements_by_external_task_id": 1}
    analytics2 = CountingAnalytics({**values, "task.measurements_count": 9}, IDS)
    s2 = DslStrategy(Definition(ast), None, analytics2)
    assert run(s2.calculate_points(*IDS, {})) == (11, "PerformanceBonus")
    assert analytics2.total == 4 and max(analytics2.calls.values()) == 1


def test_fields_are_fetched_once_per_event_across_pre_and_post() -> None:
    read = {"type": "field", "path": "user.avg_time"}
    rule = {
        "type": "rule",
        "when": {
            "type": "compare",
            "op": ">",
            "left": read,
            "right": {"type": "literal", "value": 0},
        },
        "then": [{"type": "set_callback_data", "key": "seen", "value": read}],
    }
    ast = {"type": "program", "rules": [], "pre_rules": [rule], "post_rules": [rule]}
    analytics = CountingAnalytics({"user.avg_time": 3, "task.measurements_count": 0}, IDS)
    s = DslStrategy(Definition(ast, type="DSL_EXTEND"), None, analytics, parent_strategy="default")
    assert run(s.calculate_points(*IDS, {})) == (1.0, "BasicEngagement", {"seen": 3})
    assert dict(analytics.calls) == {
        "get_avg_time_between_tasks_by_user_and_game_task": 1,
        "count_measurements_by_external_task_id": 1,
    }


def _mismatch_ast() -> dict[str, Any]:
    return {
        "type": "program",
        "rules": [
            {
                "type": "rule",
                "id": "r",
                "when": {
                    "type": "compare",
                    "id": "cmp",
                    "op": "<",
                    "left": {"type": "field", "path": "data.s"},
                    "right": {"type": "literal", "value": 3},
                },
                "then": [{"type": "return"}],
            }
        ],
    }


def test_runtime_errors_carry_games_wording_code_and_params() -> None:
    s = strategy(_mismatch_ast())
    with pytest.raises(DslExecutionError) as info:
        run(s.calculate_points(*IDS, {"s": "text"}))
    err = info.value
    assert err.code == "DSL_COMPARE_TYPE_MISMATCH"
    assert err.params == {"nodeId": "cmp", "op": "<", "leftType": "str", "rightType": "int"}
    assert err.detail == "compare '<' between incompatible types str and int."


def test_statement_errors_name_the_actual_type() -> None:
    ast = copy.deepcopy(FULL)
    s = strategy(ast, {"user.avg_time": None})
    with pytest.raises(DslExecutionError) as info:
        run(s.calculate_points(*IDS, {"x": 5}))
    assert info.value.code == "DSL_ASSIGN_POINTS_NOT_NUMBER"
    assert info.value.params == {"nodeId": "a1", "actualType": "NoneType"}
    assert info.value.detail == "assign_points.value must evaluate to a number."


class HostError(Exception):
    """GAME's DSL error constructor: ``cls(detail, code=..., params=...)``."""

    def __init__(self, detail: Any = None, *, code: Any = None, params: Any = None) -> None:
        super().__init__(detail)
        self.detail, self.code, self.params = detail, code, params


class HostValidation(HostError):
    pass


class HostExecution(HostError):
    pass


def test_host_exception_classes_are_constructed_as_game_does() -> None:
    use_exceptions(validation=HostValidation, execution=HostExecution)
    try:
        with pytest.raises(HostExecution) as info:
            run(strategy(_mismatch_ast()).calculate_points(*IDS, {"s": None}))
        assert info.value.code == "DSL_COMPARE_TYPE_MISMATCH"
        assert info.value.params["rightType"] == "int"
        assert info.value.params["leftType"] == "NoneType"
        bad = {
            "type": "program",
            "rules": [
                {
                    "type": "rule",
                    "when": {"type": "field", "path": "os.system"},
                    "then": [{"type": "return"}],
                }
            ],
        }
        with pytest.raises(HostValidation) as vinfo:
            run(strategy(bad).calculate_points(*IDS, {}))
        assert vinfo.value.code == "DSL_FIELD_PATH_NOT_ALLOWED"
        assert vinfo.value.params == {"nodeId": "p.program.0.rule.0.field.0", "path": "os.system"}
    finally:
        use_exceptions()
    with pytest.raises(DslExecutionError):
        run(strategy(_mismatch_ast()).calculate_points(*IDS, {"s": None}))
    with pytest.raises(TypeError):
        use_exceptions(execution=42)  # type: ignore[arg-type]


def test_observer_gets_one_record_per_call_on_success_and_failure() -> None:
    observer = RecordingObserver()
    d = Definition(FULL, id="obs", version=4, realmId="R", parentStrategyId=None)
    s = DslStrategy(d, None, CountingAnalytics({"user.avg_time": 5}, IDS), observer=observer)
    run(s.calculate_points(*IDS, {"x": 9}))
    s2 = DslStrategy(
        Definition(_mismatch_ast(), id="obs2"), None, CountingAnalytics({}, IDS), observer=observer
    )
    with pytest.raises(DslExecutionError):
        run(s2.calculate_points(*IDS, {"s": "x"}))
    ok, bad = observer.records
    assert set(ok) == {
        "strategyId", "strategyVersion", "strategyType", "realmId", "externalGameId",
        "externalTaskId", "externalUserId", "status", "errorCode", "points", "caseName",
        "durationMs", "nodesExecuted", "trace", "parentStrategyId",
    }  # fmt: skip
    assert (ok["strategyId"], ok["strategyVersion"], ok["realmId"]) == ("obs", 4, "R")
    assert (ok["status"], ok["errorCode"], ok["points"], ok["caseName"]) == ("ok", None, 5.0, "Big")
    assert ok["externalUserId"] == "user-1" and ok["trace"] is None
    assert ok["durationMs"] >= 0
    assert (bad["status"], bad["errorCode"], bad["points"]) == (
        "error",
        "DSL_COMPARE_TYPE_MISMATCH",
        None,
    )


def test_a_raising_observer_never_breaks_scoring() -> None:
    observer = RecordingObserver(fail=True)
    s = DslStrategy(Definition(FULL), None, CountingAnalytics({}, IDS), observer=observer)
    assert run(s.calculate_points(*IDS, {"x": 0})) == (2, "Small")
    assert len(observer.records) == 1


def test_a_sampled_call_carries_the_reference_trace() -> None:
    observer = RecordingObserver()
    values = {"user.avg_time": 5}
    s = DslStrategy(
        Definition(FULL), None, CountingAnalytics(values, IDS), observer=observer,
        trace_sample_rate=1.0,
    )  # fmt: skip
    run(s.calculate_points(*IDS, {"x": 9}))
    want = simulate_json(FULL, "full", {**values}, {"x": 9}).trace
    (record,) = observer.records
    assert record["trace"] == want and record["nodesExecuted"] == len(want or ())
    assert game.DslStrategy.trace_sample_rate == 0.0
    with pytest.raises(ValueError):
        DslStrategy(Definition(FULL), None, None, trace_sample_rate=2)


def test_an_invalid_stored_program_is_a_validation_error_compiled_once() -> None:
    d = Definition({"type": "program"}, id="broken")
    compiles = PROGRAMS.compiles
    for _ in range(3):
        with pytest.raises(DslValidationError) as info:
            run(DslStrategy(d, None, None).calculate_points(*IDS, {}))
        assert info.value.code == "DSLC_MISSING_KEY"
        assert info.value.detail == "Node 'program' missing required key 'rules'."
    assert PROGRAMS.compiles == compiles + 1


def test_compile_limits_are_keywords_of_compile_json() -> None:
    deep: dict[str, Any] = {"type": "literal", "value": True}
    for _ in range(6):
        deep = {"type": "not", "arg": deep}
    ast = {
        "type": "program",
        "rules": [{"type": "rule", "when": deep, "then": [{"type": "return"}]}],
    }
    dslc.compile_json(ast)
    with pytest.raises(dslc.CompileError) as info:
        dslc.compile_json(ast, max_depth=4)
    assert {d.code for d in info.value.errors} == {"DSLC_DEPTH_LIMIT"}
    with pytest.raises(dslc.CompileError) as info:
        dslc.compile_json(ast, max_nodes=5)
    assert {d.code for d in info.value.errors} == {"DSLC_NODE_LIMIT"}
    with pytest.raises(ValueError):
        dslc.compile_json(ast, max_depth=10**6)


def test_a_sampled_extend_call_traces_pre_and_post_with_either_kind_of_parent() -> None:
    from tests.conformance.pipeline_cases import AsyncWrappedBuiltin
    from tests.vm.test_async_parent import PRE_POST

    ast = {**PRE_POST, "parent_variables": {"variable_basic_points": 4}}
    values = {"task.measurements_count": 0}
    want_pre = simulate_json(ast, "pre", values, {"x": 1})
    parent_result = {"points": 4, "case_name": "BasicEngagement", "callback_data": {}}
    want_post = simulate_json(ast, "post", values, want_pre.working_data, parent_result)
    want = (want_pre.trace or []) + (want_post.trace or [])
    wrapped = AsyncWrappedBuiltin("default", values)
    for parent in ("default", wrapped):
        observer = RecordingObserver()
        s = DslStrategy(
            Definition(ast, type="DSL_EXTEND"), None, CountingAnalytics(values, IDS),
            parent_strategy=parent, observer=observer, trace_sample_rate=1.0,
        )  # fmt: skip
        assert run(s.calculate_points(*IDS, {"x": 1})) == (8.0, "BasicEngagement")
        assert observer.records[0]["trace"] == want
    assert wrapped.variable_basic_points == 1  # the override went to a copy


class HostLimit(HostError):
    pass


def test_a_step_budget_raises_the_limit_class_and_the_observer_sees_limit() -> None:
    observer = RecordingObserver()
    s = DslStrategy(Definition(FULL), None, CountingAnalytics({}, IDS), observer=observer)
    s.step_budget = 1  # type: ignore[misc]
    with pytest.raises(DslLimitExceededError) as info:
        run(s.calculate_points(*IDS, {"x": 0}))
    assert info.value.code == "DSL_LIMIT_EXCEEDED"
    assert (observer.records[0]["status"], observer.records[0]["errorCode"]) == (
        "limit",
        "DSL_LIMIT_EXCEEDED",
    )
    use_exceptions(limit=HostLimit)
    try:
        with pytest.raises(HostLimit):
            run(s.calculate_points(*IDS, {"x": 0}))
        assert observer.records[1]["status"] == "limit"
    finally:
        use_exceptions()
