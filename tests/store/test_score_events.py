"""``dslc store score --events``: a batch of events, one JSON line each."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from store import toolchain
from store.cli import store_group
from store.db import Database
from tests.store import programs

REALM = "events"

EARLY = """\
strategy early
extends constantEffort

before parent
    rule closed_at_night
        when data.hour < 6 then
            veto as "Closed"
"""


@pytest.fixture
def cli(db: Database, db_url: str) -> Any:
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Result:
        argv = [*args, "--db", db_url, "--realm", REALM]
        return runner.invoke(store_group, argv, input=stdin, catch_exceptions=False)

    return invoke


@pytest.fixture
def stored(cli: Any, tmp_path: Path) -> None:
    """'Four' (published: 4 points; a draft: 9) and 'early' (extends constantEffort)."""
    four = tmp_path / "four.json"
    four.write_text(json.dumps(programs.full(4, "Four")), encoding="utf-8")
    assert cli("create", "Four", "--file", str(four)).exit_code == 0
    assert cli("publish", "Four").exit_code == 0
    four.write_text(json.dumps(programs.full(9, "Nine")), encoding="utf-8")
    assert cli("update", "Four", "--file", str(four)).exit_code == 0
    early = tmp_path / "early.strat"
    early.write_text(EARLY, encoding="utf-8")
    assert cli("create", "Early", "--file", str(early)).exit_code == 0
    assert cli("publish", "Early").exit_code == 0


def _events(tmp_path: Path, events: object) -> str:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events), encoding="utf-8")
    return str(path)


def _lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def _fails(result: Result, fragment: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    # dslc's one error style: [WHERE: ]error[CODE]: message, then (for a
    # program's diagnostic) its source line and caret
    assert re.match(r"(\S+: )?error\[[A-Z_]+\]: ", lines[0]), result.stderr
    assert len(lines) == 1 or lines[1].lstrip()[:1].isdigit(), result.stderr
    assert fragment in lines[0], lines[0]
    assert result.stdout == ""


@pytest.mark.usefixtures("stored")
def test_a_batch_prints_one_line_per_event(cli: Any, tmp_path: Path) -> None:
    events = [
        {"label": "served version", "fields": {}, "data": {}},
        {"strategy": "Early", "fields": {"user.recent_measurements_count": 1}, "data": {"hour": 9}},
        {"strategy": "Early", "data": {"hour": 3}, "label": "vetoed"},
        {"strategy": "default", "fields": {"task.measurements_count": 1}},
    ]
    result = cli("score", "Four", "--events", _events(tmp_path, events))
    assert result.exit_code == 0, result.output
    four, early, vetoed, builtin = _lines(result)
    assert four["strategy"].startswith("custom:")
    # The engine runs the published version, not the newer draft.
    assert four == {
        "label": "served version",
        "strategy": four["strategy"],
        "name": "Four",
        "version": 1,
        "points": 4,
        "case_name": "Four",
        "callback_data": {},
    }
    assert (early["label"], early["name"], early["points"], early["case_name"]) == (
        None,
        "Early",
        2,  # int((1 + 1) / 100 * 100)
        "ConstantEffortReward",
    )
    assert (vetoed["label"], vetoed["points"], vetoed["case_name"]) == ("vetoed", 0, "Closed")
    assert builtin == {
        "label": None,
        "strategy": "default",
        "name": None,
        "version": None,
        "points": 1,
        "case_name": "BasicEngagement",
        "callback_data": {},
    }


@pytest.mark.usefixtures("stored")
def test_failing_events_do_not_stop_the_batch(cli: Any, tmp_path: Path) -> None:
    events = [
        {"strategy": "Early", "data": {}, "label": "no hour"},
        {"strategy": "missing", "label": "unknown strategy"},
        {"strategy": "Four", "label": "fine"},
        {"strategy": "missing", "label": "unknown again"},
    ]
    result = cli("score", "--events", _events(tmp_path, events))
    assert result.exit_code == 1
    no_hour, missing, fine, again = _lines(result)
    assert no_hour["name"] == "Early" and "points" not in no_hour
    assert no_hour["error"] == {
        "code": "DSL_COMPARE_TYPE_MISMATCH",
        "node_id": "closed_at_night.compare.0",
        "message": "cannot order null and number",
    }
    assert missing == {
        "label": "unknown strategy",
        "strategy": "missing",
        "name": None,
        "version": None,
        "error": {
            "code": None,
            "node_id": None,
            "message": f"no strategy 'missing' in realm '{REALM}'",
        },
    }
    assert (fine["points"], fine["case_name"]) == (4, "Four")
    assert again["error"] == missing["error"]
    assert result.stderr == "error[DSLC_STORE_EVENTS_FAILED]: 3 of 4 events failed\n"


@pytest.mark.usefixtures("stored")
def test_each_strategy_is_loaded_once(
    cli: Any, tmp_path: Path, stats: toolchain.CompileStats
) -> None:
    # "Four" names the newest row, version 2, as "Four@2" does (both serve
    # the published version 1); then a second strategy.
    events: list[dict[str, Any]] = [{"strategy": ref} for ref in ("Four", "Four", "Four@2", "Four")]
    events.append({"strategy": "Early", "data": {"hour": 1}})
    result = cli("score", "--events", _events(tmp_path, events))
    assert result.exit_code == 0, result.output
    assert [line["points"] for line in _lines(result)] == [4, 4, 4, 4, 0]
    assert stats.loads == 2


@pytest.mark.usefixtures("stored")
def test_draft_and_stdin(cli: Any) -> None:
    events = json.dumps([{"label": "draft", "strategy": "Four@2"}])
    result = cli("score", "--events", "-", "--draft", stdin=events)
    assert result.exit_code == 0, result.output
    (line,) = _lines(result)
    assert (line["version"], line["points"], line["case_name"]) == (2, 9, "Nine")


def test_an_empty_batch_prints_nothing(cli: Any, tmp_path: Path) -> None:
    result = cli("score", "--events", _events(tmp_path, []))
    assert (result.exit_code, result.stdout) == (0, "")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "is not valid JSON"),
        ('{"strategy": "Four"}', "must hold a JSON list of events"),
        ('["Four"]', "events.json[0]: an event is a JSON object"),
        ('[{"strategy": "Four"}, {"feilds": {}}]', "events.json[1]: unknown key 'feilds'"),
        ('[{"strategy": "Four", "fields": [1]}]', "'fields' must be a JSON object"),
        ('[{"strategy": "Four", "data": null}]', "'data' must be a JSON object"),
        ('[{"strategy": 7}]', '"strategy" must be a non-empty string'),
        ('[{"strategy": "Four", "label": 1}]', '"label" must be a string'),
        ('[{"strategy": "Four"}, {"data": {}}]', 'events.json[1]: no "strategy" and no REF'),
    ],
)
def test_a_malformed_events_file_is_one_error(
    cli: Any, tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "events.json"
    path.write_text(content, encoding="utf-8")
    _fails(cli("score", "--events", str(path)), fragment)


def test_events_usage_errors(cli: Any, tmp_path: Path) -> None:
    _fails(cli("score", "--events", str(tmp_path / "none.json")), "cannot read")
    events = _events(tmp_path, [{"data": {}}])
    _fails(cli("score", "default", "--events", events, "--data", "{}"), "cannot be combined")
    _fails(cli("score"), "missing REF")
    help_text = CliRunner().invoke(store_group, ["score", "--help"]).output
    assert "--events" in help_text
