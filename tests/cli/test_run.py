"""``dslc run`` honours the strategy's own ``extends``, refuses a different
``--extends``, and traces the pipeline's pre and post phases."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from dslc.pipeline_trace import simulate_pipeline
from dslc.sources import compile_source, read_strategy
from tests.cli.support import dslc
from vm import load, score
from vm.builtins import DEFAULT_REGISTRY

ROOT = Path(__file__).resolve().parents[2]
WEEKEND = str(ROOT / "examples" / "weekend_bonus.strat")
EARLY = str(ROOT / "examples" / "early_bird.strat")
FIELDS = {
    "user.avg_time": 3,
    "all.avg_time": 5,
    "task.measurements_count": 4,
    "user.measurements_count": 5,
    "user.recent_measurements_count": 2,
    "user.last_window_diff": 1,
    "user.new_last_window_diff": 2,
}


def _run(*args: str) -> dict[str, Any]:
    code, out, err = dslc("run", *args)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def _vm_score(path: str, parent: str, data: dict[str, Any]) -> Any:
    program = load(compile_source(read_strategy(path)).data)
    return score(program, fields=FIELDS, data=data, parent=parent)


def test_the_files_own_extends_is_run_through_the_pipeline() -> None:
    data = {"is_weekend": True}
    out = _run(WEEKEND, "--fields", json.dumps(FIELDS), "--data", json.dumps(data))
    expected = _vm_score(WEEKEND, "default", data)
    assert out["extends"] == "default"
    assert (out["points"], out["case_name"]) == (expected.points, expected.case_name)
    assert out["points"] == 16.5 and out["case_name"] == "WeekendBonus"


def test_a_different_extends_is_an_error() -> None:
    code, out, err = dslc("run", WEEKEND, "--extends", "constantEffort")
    assert code == 1 and out == ""
    assert "extends 'default' but --extends names 'constantEffort'" in err


def test_the_same_extends_by_an_alias_is_accepted() -> None:
    assert DEFAULT_REGISTRY.aliases()["constantEffort"] == "constantEffortStrategy"
    out = _run(EARLY, "--extends", "constantEffortStrategy", "--data", '{"hour": 3}')
    assert out["extends"] == "constantEffortStrategy" and out["case_name"] == "ClosedAtNight"


def test_extends_with_phase_is_an_error() -> None:
    code, _, err = dslc("run", WEEKEND, "--extends", "default", "--phase", "post")
    assert code == 1 and "leave out --phase" in err


def test_phase_runs_one_phase_alone() -> None:
    out = _run(
        WEEKEND, "--phase", "post", "--parent", '{"points": 10}', "--data", '{"is_weekend": true}'
    )
    assert out["points"] == 15.0 and "extends" not in out


def test_a_bare_json_with_parent_rules_needs_extends(tmp_path: Path) -> None:
    code, out, _ = dslc("convert", WEEKEND, "--to", "json")
    assert code == 0
    path = tmp_path / "weekend.json"
    path.write_text(out, encoding="utf-8")
    code, _, err = dslc("run", str(path), "--data", '{"is_weekend": true}')
    assert code == 1 and "give --extends BUILTIN" in err
    result = _run(
        str(path),
        "--extends",
        "default",
        "--fields",
        json.dumps(FIELDS),
        "--data",
        '{"is_weekend": true}',
    )
    assert result["points"] == 16.5


def test_a_game_record_of_type_dsl_extend_runs_through_its_parent(tmp_path: Path) -> None:
    _, out, _ = dslc("convert", WEEKEND, "--to", "json")
    record = {"type": "DSL_EXTEND", "parentStrategyId": "default", "astJson": json.loads(out)}
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    result = _run(str(path), "--fields", json.dumps(FIELDS), "--data", '{"is_weekend": true}')
    assert result["extends"] == "default" and result["points"] == 16.5


def test_trace_shows_the_pre_phase_the_parent_and_the_post_phase() -> None:
    data = {"hour": 7}
    out = _run(EARLY, "--fields", json.dumps(FIELDS), "--data", json.dumps(data), "--trace")
    trace = out["trace"]
    assert set(trace) == {"pre", "parent", "post"}
    assert [e["nodeId"] for e in trace["pre"] if e["type"] == "rule"] == ["closed_at_night", "tag"]
    assert [e["nodeId"] for e in trace["post"] if e["type"] == "rule"] == ["early_bonus"]
    assert trace["parent"]["points"] == out["points"] - 5
    assert out["case_name"] == "EarlyBird"


def test_trace_of_a_vetoed_event_stops_after_the_pre_phase() -> None:
    out = _run(EARLY, "--data", '{"hour": 3}', "--trace")
    assert out["case_name"] == "ClosedAtNight" and out["points"] == 0
    assert out["trace"]["pre"] and out["trace"]["parent"] is None and out["trace"]["post"] is None


@pytest.mark.parametrize(
    ("path", "parent", "hour", "weekend"),
    [
        (p, parent, hour, weekend)
        for (p, parent), hour, weekend in itertools.product(
            [(EARLY, "constantEffort"), (WEEKEND, "default"), (EARLY, "default")],
            [2, 7, 12],
            [True, False],
        )
    ],
)
def test_the_traced_pipeline_scores_as_the_vm(
    path: str, parent: str, hour: int, weekend: bool
) -> None:
    data = {"hour": hour, "is_weekend": weekend, "is_holiday": not weekend}
    compiled = compile_source(read_strategy(path))
    sim = simulate_pipeline(compiled.ast, DEFAULT_REGISTRY.get(parent), FIELDS, data)
    expected = score(load(compiled.data), fields=FIELDS, data=data, parent=parent)
    assert (sim.points, sim.case_name, sim.callback_data) == (
        expected.points,
        expected.case_name,
        expected.callback_data,
    )
