"""``dslc store score`` prints valid JSON (RFC 8259): a result holding a
non-finite number (a --data value of 1e400 assigned as points) is the error
DSLC_RESULT_NOT_JSON, and in a batch that event fails, the others print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from store.cli import store_group
from store.db import Database

REALM = "json-output"
PROGRAM = {
    "type": "program",
    "rules": [],
    "default": {
        "type": "assign_points",
        "value": {"type": "field", "path": "data.x"},
        "case_name": "FromData",
    },
}


def _refuse(token: str) -> Any:
    raise AssertionError(f"not JSON: {token}")


@pytest.fixture
def cli(db: Database, db_url: str, tmp_path: Path) -> Any:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        argv = [*args, "--db", db_url, "--realm", REALM]
        return runner.invoke(store_group, argv, catch_exceptions=False)

    path = tmp_path / "p.json"
    path.write_text(json.dumps(PROGRAM), encoding="utf-8")
    assert invoke("create", "FromData", "--file", str(path)).exit_code == 0
    assert invoke("publish", "FromData").exit_code == 0
    return invoke


@pytest.mark.parametrize("value", ["1e400", "-1e400"])
def test_a_non_finite_result_is_an_error_not_invalid_json(cli: Any, value: str) -> None:
    result = cli("score", "FromData", "--data", f'{{"x": {value}}}')
    assert result.exit_code == 1 and result.stdout == ""
    assert (
        result.stderr.startswith("error[DSLC_RESULT_NOT_JSON]: ") and " at /points" in result.stderr
    )


@pytest.mark.parametrize("value", ["NaN", "Infinity"])
def test_nan_and_infinity_are_not_json_when_read(cli: Any, value: str) -> None:
    result = cli("score", "FromData", "--data", f'{{"x": {value}}}')
    assert result.exit_code == 1 and result.stdout == ""
    assert "--data: " in result.stderr and "DSLC_JSON_SYNTAX" in result.stderr


def test_a_finite_result_prints(cli: Any) -> None:
    result = cli("score", "FromData", "--data", '{"x": 2.5}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout, parse_constant=_refuse)["points"] == 2.5


def test_in_a_batch_the_event_fails_and_the_others_print(cli: Any, tmp_path: Path) -> None:
    events = tmp_path / "events.json"
    # 1e999 is valid JSON that reads as an infinity (Infinity is not JSON).
    events.write_text(
        '[{"data": {"x": 1e999}, "label": "inf"}, {"data": {"x": 3}}]',
        encoding="utf-8",
    )
    result = cli("score", "FromData", "--events", str(events))
    assert result.exit_code == 1
    bad, good = (json.loads(line, parse_constant=_refuse) for line in result.stdout.splitlines())
    assert bad["label"] == "inf" and bad["error"]["code"] == "DSLC_RESULT_NOT_JSON"
    assert "points" not in bad
    assert good["points"] == 3
