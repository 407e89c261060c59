"""``dslc replay`` and ``dslc diff``: summary numbers, diff groups, located
bad lines, plots, help."""

from __future__ import annotations

import io
import json
import statistics
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dslc import codes
from dslc import replay as R
from tests.cli.support import dslc

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = str(ROOT / "examples" / "default.strat")
DEFAULT_V2 = str(ROOT / "samples" / "default_v2.strat")
WEEKEND = str(ROOT / "examples" / "weekend_bonus.strat")

# Fields for examples/default.strat, by the case they reach.
NEW_TASK = {"task.measurements_count": 1}  # 1 BasicEngagement
FEW = {"task.measurements_count": 5, "user.measurements_count": 2}  # 1 default
FAST = {  # 11 PerformanceBonus (v2: 13)
    "task.measurements_count": 5,
    "user.measurements_count": 6,
    "user.avg_time": 10,
    "all.avg_time": 20,
}
SLOWER = {  # 8 IndividualAdjustment (v2: 1 default, 4 events only)
    "task.measurements_count": 5,
    "user.measurements_count": 4,
    "user.avg_time": 30,
    "all.avg_time": 20,
    "user.new_last_window_diff": 3,
    "user.last_window_diff": 5,
}
NULL_AVG = {"task.measurements_count": 5, "user.measurements_count": 6, "user.avg_time": None}


def write_log(path: Path, lines: list[object]) -> str:
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def log(tmp_path: Path) -> str:
    return write_log(
        tmp_path / "events.jsonl",
        [
            {"fields": NEW_TASK, "label": "new task"},
            {"fields": FEW},
            {"fields": FAST, "label": "fast"},
            {"fields": FAST, "data": {}},
            {"fields": SLOWER, "label": "slower"},
            "",
            {"fields": NULL_AVG},
        ],
    )


def run_json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = dslc(*args, "--format", "json")
    assert out, err
    doc: dict[str, Any] = json.loads(out)
    return code, doc


def test_replay_summary_counts_cases_points_and_errors(log: str) -> None:
    code, doc = run_json("replay", DEFAULT, log)
    assert code == 0
    assert doc["events"] == 6
    assert doc["scored"] == 5
    assert doc["cases"] == {
        "PerformanceBonus": 2,
        "BasicEngagement": 1,
        "default": 1,
        "IndividualAdjustment": 1,
    }
    assert doc["errors"] == {"DSL_COMPARE_TYPE_MISMATCH": 1}
    points = [1, 1, 11, 11, 8]
    q = statistics.quantiles(points, n=4, method="inclusive")
    assert doc["points"] == {
        "min": 1.0,
        "q1": q[0],
        "median": q[1],
        "q3": q[2],
        "max": 11.0,
        "mean": statistics.mean(points),
    }
    assert doc["bad_lines"] == {}


def test_replay_text_report(log: str) -> None:
    code, out, _err = dslc("replay", DEFAULT, log)
    assert code == 0
    assert out.splitlines()[0].endswith(": 6 events, 5 scored, 1 errors")
    assert "  PerformanceBonus" in out and "2   33.3%" in out
    assert "points: min 1  q1 1  median 8  q3 11  max 11" in out
    assert "DSL_COMPARE_TYPE_MISMATCH  1" in out


def test_bad_lines_are_located_counted_and_exit_1(tmp_path: Path) -> None:
    path = write_log(
        tmp_path / "bad.jsonl",
        [
            {"fields": NEW_TASK},
            "not json",
            "[1, 2]",
            {"feilds": NEW_TASK},
            {"fields": [1]},
            {"fields": NEW_TASK, "ids": {"externalUserId": "u", "gameId": 1}},
            "x" * 200,
            {"fields": NEW_TASK},
            '{"fields": {"user.avg_time": NaN}}',
            '{"fields": {"user.avg_time": ' + "9" * 5000 + "}}",
        ],
    )
    code, out, err = dslc("replay", DEFAULT, path, "--max-line-bytes", "100")
    assert code == 1
    lines = err.splitlines()
    assert lines == [
        f"{path}:2: error[{codes.EVENT_NOT_JSON}]: the line is not JSON: invalid JSON: "
        f"Expecting value, column 1 [{codes.JSON_SYNTAX}]",
        f"{path}:3: error[{codes.EVENT_INVALID}]: an event is a JSON object",
        f"{path}:4: error[{codes.EVENT_INVALID}]: unknown key 'feilds' "
        "(an event has data, fields, ids, label)",
        f"{path}:5: error[{codes.EVENT_INVALID}]: 'fields' must be a JSON object",
        f"{path}:6: error[{codes.EVENT_INVALID}]: unknown id 'gameId' "
        "(ids are externalGameId, externalTaskId, externalUserId)",
        f"{path}:7: error[{codes.EVENT_LINE_TOO_LONG}]: the line is longer than 100 bytes",
        f"{path}:9: error[{codes.EVENT_NOT_JSON}]: the line is not JSON: invalid JSON: NaN is "
        f"not a JSON value (numbers must be finite), column 30 [{codes.JSON_SYNTAX}]",
        f"{path}:10: error[{codes.EVENT_LINE_TOO_LONG}]: the line is longer than 100 bytes",
    ]
    assert "2 events, 2 scored, 0 errors, 8 bad lines" in out
    assert "Traceback" not in out + err


def test_a_long_line_is_skipped_whole_and_the_next_line_read(tmp_path: Path) -> None:
    raw = (
        b'{"fields": {}, "label": "'
        + b"y" * 5000
        + b'"}\n'
        + json.dumps({"fields": NEW_TASK}).encode()
        + b"\n"
    )
    items = list(R.parse_lines(io.BytesIO(raw), max_line_bytes=64))
    assert items[0] == R.BadLine(1, codes.EVENT_LINE_TOO_LONG, "the line is longer than 64 bytes")
    assert isinstance(items[1], R.Event) and items[1].line == 2
    assert len(items) == 2


def test_a_line_is_read_by_the_one_json_reader() -> None:
    huge = R.parse_event(b'{"fields": {"x": ' + b"9" * 5000 + b"}}", 1)
    assert isinstance(huge, R.BadLine) and huge.code == codes.EVENT_NOT_JSON
    assert huge.message.endswith(f"[{codes.JSON_NUMBER_TOO_LONG}]")
    not_utf8 = R.parse_event(b'{"fields": {"x": "\xff"}}', 2)
    assert isinstance(not_utf8, R.BadLine) and not_utf8.code == codes.EVENT_NOT_JSON
    lone = R.parse_event(b'{"fields": {"x": "\\ud800"}}', 3)
    assert isinstance(lone, R.BadLine)
    assert lone.message.endswith(f"[{codes.STRING_NOT_UNICODE}]")


def test_ids_join_the_fields_and_must_agree() -> None:
    ok = R.parse_event(b'{"fields": {"a": 1}, "ids": {"externalUserId": "u1"}, "label": "x"}', 3)
    assert ok == R.Event(3, {"a": 1, "externalUserId": "u1"}, {}, "x")
    clash = R.parse_event(
        b'{"fields": {"externalUserId": "u2"}, "ids": {"externalUserId": "u1"}}', 4
    )
    assert isinstance(clash, R.BadLine) and clash.code == codes.EVENT_INVALID


def test_replay_through_a_parent_built_in(tmp_path: Path) -> None:
    fields = {**FAST}
    path = write_log(
        tmp_path / "w.jsonl",
        [{"fields": fields, "data": {"is_weekend": True}}, {"fields": fields, "data": {}}],
    )
    code, doc = run_json("replay", WEEKEND, path)
    assert code == 0, doc
    assert doc["cases"] == {"WeekendBonus": 1, "PerformanceBonus": 1}
    assert doc["points"]["max"] == 16.5 and doc["points"]["min"] == 11


def test_diff_groups_by_old_and_new_case(log: str) -> None:
    code, doc = run_json("diff", DEFAULT, DEFAULT_V2, log)
    assert code == 0
    assert doc["events"] == 6
    assert doc["changed"] == 3
    assert doc["case_changed"] == 1
    assert doc["points_changed"] == 3
    groups = {(g["old"], g["new"]): g for g in doc["groups"]}
    assert set(groups) == {
        ("PerformanceBonus", "PerformanceBonus"),
        ("IndividualAdjustment", "default"),
    }
    fast = groups[("PerformanceBonus", "PerformanceBonus")]
    assert fast["count"] == 2
    assert fast["points_delta"] == {"min": 2.0, "mean": 2.0, "max": 2.0}
    assert [e["line"] for e in fast["examples"]] == [3, 4]
    assert fast["examples"][0]["label"] == "fast"
    assert fast["examples"][0]["old"] == {"points": 11, "case_name": "PerformanceBonus"}
    assert fast["examples"][0]["new"] == {"points": 13, "case_name": "PerformanceBonus"}
    slower = groups[("IndividualAdjustment", "default")]
    assert slower["count"] == 1 and slower["points_delta"]["mean"] == -7.0
    assert doc["old"] == DEFAULT and doc["new"] == DEFAULT_V2


def test_diff_text_and_the_examples_limit(log: str) -> None:
    code, out, _ = dslc("diff", DEFAULT, DEFAULT_V2, log, "--examples", "1")
    assert code == 0
    assert "6 events, 3 changed (1 changed case, 3 changed points)" in out
    assert "PerformanceBonus -> PerformanceBonus: 2 events, points +2..+2 (mean +2)" in out
    assert "line 3 'fast': 11 PerformanceBonus -> 13 PerformanceBonus" in out
    assert "line 4" not in out  # one example per group
    assert "IndividualAdjustment -> default: 1 events, points -7..-7" in out


def test_a_version_against_itself_changes_nothing(log: str) -> None:
    code, out, _ = dslc("diff", DEFAULT, str(ROOT / "examples" / "default.json"), log)
    assert code == 0
    assert "0 changed" in out and "no event changed case or points" in out


def test_errors_before_any_work(tmp_path: Path, log: str) -> None:
    code, _, err = dslc("replay", "default@2", log)
    assert code == 1 and "dslc store replay" in err
    code, _, err = dslc("replay", DEFAULT, str(tmp_path / "missing.jsonl"))
    assert code == 1 and "no such events file" in err
    code, _, err = dslc("replay", DEFAULT, log, "--plot", str(tmp_path / "x.svg"))
    assert code == 1 and ".png or .html" in err
    assert not (tmp_path / "x.svg").exists()
    bad = tmp_path / "bad.strat"
    bad.write_text("strategy x\nrule r\n  when then\n", encoding="utf-8")
    code, _, err = dslc("replay", str(bad), log)
    assert code == 1 and "error[" in err


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_html_plot_is_a_self_contained_page(tmp_path: Path, log: str) -> None:
    target = tmp_path / "diff.html"
    code, out, _ = dslc("diff", DEFAULT, DEFAULT_V2, log, "--plot", str(target))
    assert code == 0 and f"plot written to {target}" in out
    page = target.read_text(encoding="utf-8")
    parser = _Html()
    parser.feed(page)
    assert parser.tags.count("svg") == 2
    assert parser.tags.count("rect") > 4
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "IndividualAdjustment" in page and DEFAULT_V2 in page


def test_png_plot(tmp_path: Path, log: str) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "replay.png"
    code, _, err = dslc("replay", DEFAULT, log, "--plot", str(target))
    assert code == 0, err
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000


@pytest.mark.slow
def test_the_sample_log_replays_and_plots(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "generate_events", ROOT / "samples" / "generate_events.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    first = generator.write(tmp_path / "a.jsonl", 20_000)
    again = generator.write(tmp_path / "b.jsonl", 20_000)
    assert first.read_bytes() == again.read_bytes()  # reproducible
    png = tmp_path / "d.png"
    code, doc = run_json("diff", DEFAULT, DEFAULT_V2, str(first), "--plot", str(png))
    assert code == 0
    assert doc["events"] == 20_000
    assert len(doc["old_summary"]["cases"]) == 7  # every rule of default fires
    assert png.read_bytes().startswith(b"\x89PNG")


def test_help() -> None:
    for command in ("replay", "diff"):
        code, out, _ = dslc(command, "--help")
        assert code == 0
        assert "EVENTS.jsonl" in out and "--plot" in out and "--format" in out
        assert "error[CODE]" in out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=50))
def test_quantiles_agree_with_statistics(values: list[float]) -> None:
    ordered = sorted(values)
    if len(values) >= 2:
        expected = statistics.quantiles(values, n=4, method="inclusive")
        for got, want in zip(
            (R.quantile(ordered, q) for q in (0.25, 0.5, 0.75)), expected, strict=True
        ):
            assert got == pytest.approx(want, rel=1e-9, abs=1e-6)
    assert R.quantile(ordered, 0) == ordered[0]
    assert R.quantile(ordered, 1) == ordered[-1]


_EVENT_OR_JUNK = st.one_of(
    st.builds(
        lambda n, avg: json.dumps(
            {
                "fields": {
                    "task.measurements_count": n,
                    "user.measurements_count": 6,
                    "user.avg_time": avg,
                    "all.avg_time": 20,
                }
            }
        ),
        st.integers(0, 5),
        st.one_of(st.none(), st.integers(0, 40)),
    ),
    st.text(max_size=30).filter(lambda t: "\n" not in t and "\r" not in t),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_EVENT_OR_JUNK, max_size=30))
def test_every_line_is_counted_once_and_a_version_against_itself_changes_nothing(
    lines: list[str],
) -> None:
    import vm
    from dslc.sources import compile_source, read_strategy

    program = vm.load(compile_source(read_strategy(DEFAULT)).data)
    scorer = R.scorer_for(program)
    raw = "".join(line + "\n" for line in lines).encode("utf-8")
    summary = R.replay(R.parse_lines(io.BytesIO(raw)), scorer)
    non_blank = sum(1 for line in raw.split(b"\n")[:-1] if line.strip())
    assert summary.events + sum(summary.bad_lines.values()) == non_blank
    assert sum(summary.cases.values()) + sum(summary.errors.values()) == summary.events
    same = R.diff(R.parse_lines(io.BytesIO(raw)), scorer, scorer)
    assert same.changed == 0 and not same.groups
    assert same.old.cases == summary.cases
