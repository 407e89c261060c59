"""``dslc test``: strategy tests with diffs, JSON and JUnit output, and rule
coverage; every example has tests and they pass."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dslc.cli import cli
from dslc.sources import NotAStrategy, read_strategy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

STRATEGY = """strategy tiers

rule speed
    when user.avg_time < 10 then
        award 5 points as "Fast"
    else when user.avg_time < 20 then
        award 2 points as "Ok"

otherwise award 1 points as "Slow"
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def write(tmp_path: Path, cases: list[dict[str, object]]) -> Path:
    (tmp_path / "tiers.strat").write_text(STRATEGY, encoding="utf-8")
    test = tmp_path / "tiers.test.json"
    test.write_text(json.dumps({"cases": cases}), encoding="utf-8")
    return test


def test_every_example_has_passing_tests() -> None:
    strategies = {p.stem for p in EXAMPLES.glob("*.strat")}
    tests = {p.name.removesuffix(".test.json") for p in EXAMPLES.glob("*.test.json")}
    assert strategies <= tests, f"examples without tests: {sorted(strategies - tests)}"
    code, out = run("test", str(EXAMPLES))
    assert code == 0, out
    assert out.rstrip().splitlines()[-1].endswith("passed, 0 failed")


def test_a_failing_case_prints_a_diff_and_exits_1(tmp_path: Path) -> None:
    test = write(
        tmp_path,
        [
            {"name": "fast", "fields": {"user.avg_time": 3}, "expect": {"points": 5}},
            {
                "name": "wrong",
                "fields": {"user.avg_time": 15},
                "expect": {"points": 3, "case_name": "Ok"},
            },
        ],
    )
    code, out = run("test", str(test))
    assert code == 1
    assert "case 'wrong'" in out and "/cases/1" in out
    assert "- points: 3" in out and "+ points: 2" in out
    assert "case_name" not in out.split("case 'wrong'")[1].split("coverage")[0]
    assert out.rstrip().splitlines()[-1] == "1 passed, 1 failed"


def test_coverage_names_the_branches_no_case_took(tmp_path: Path) -> None:
    test = write(tmp_path, [{"fields": {"user.avg_time": 3}, "expect": {"points": 5}}])
    code, out = run("test", str(test))
    assert code == 0
    assert "coverage: 1/3 rule outcomes taken" in out
    assert "not taken: rule speed" in out and "tiers.strat:3" in out
    assert "elseif:0, skip" in out


def test_expected_errors_and_points_by_value(tmp_path: Path) -> None:
    test = write(
        tmp_path,
        [
            {"fields": {"user.avg_time": None}, "expect": {"error": "DSL_COMPARE_TYPE_MISMATCH"}},
            {"fields": {"user.avg_time": 3}, "expect": {"points": 5.0}},
            {"fields": {"user.avg_time": 3}, "expect": {"points": True}},
        ],
    )
    code, out = run("test", str(test), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert (doc["passed"], doc["failed"]) == (2, 1)
    cases = doc["files"][0]["cases"]
    assert [c["passed"] for c in cases] == [True, True, False]
    assert cases[2]["failures"] == ["points"]


def test_junit_output_for_ci(tmp_path: Path) -> None:
    test = write(tmp_path, [{"name": "bad", "fields": {}, "expect": {"case_name": "Fast"}}])
    report = tmp_path / "out" / "junit.xml"
    report.parent.mkdir()
    code, _out = run("test", str(test), "--junit", str(report))
    assert code == 1
    root = ET.fromstring(report.read_text(encoding="utf-8"))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and "case_name" in (failure.get("message") or "")


@pytest.mark.parametrize(
    ("document", "pointer", "words"),
    [
        ({"cases": []}, "/cases", "non-empty list"),
        ({"cases": [{"expect": {}}]}, "/cases/0/expect", "non-empty object"),
        ({"cases": [{"expect": {"score": 1}}]}, "/cases/0/expect/score", "unknown expectation"),
        ({"cases": [{"expect": {"points": 1}, "when": 1}]}, "/cases/0/when", "unknown key"),
        ({"cases": [{"fields": [1], "expect": {"points": 1}}]}, "/cases/0/fields", "object"),
        (
            {"cases": [{"parent": {}, "expect": {"points": 1}}]},
            "/cases/0/parent",
            "phase",
        ),
        ({"strategy": "missing.strat", "cases": []}, "/strategy", "does not exist"),
    ],
)
def test_an_invalid_test_file_is_a_located_error(
    tmp_path: Path, document: dict[str, object], pointer: str, words: str
) -> None:
    (tmp_path / "tiers.strat").write_text(STRATEGY, encoding="utf-8")
    test = tmp_path / "tiers.test.json"
    test.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(cli, ["test", str(test)])
    assert result.exit_code == 1
    message = result.output
    assert f"{test}:{pointer}: error[DSLC_TEST_FILE_INVALID]" in message
    assert words in message
    assert "Traceback" not in message


def test_a_strategy_without_tests_is_an_error(tmp_path: Path) -> None:
    strategy = tmp_path / "alone.strat"
    shutil.copy(EXAMPLES / "speed_bonus.strat", strategy)
    code, out = run("test", str(strategy))
    assert code == 1 and "no test file alone.test.json" in out


def test_test_files_are_not_strategies() -> None:
    with pytest.raises(NotAStrategy):
        read_strategy(EXAMPLES / "default.test.json")


def test_folders_are_walked_as_check_walks_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, [{"fields": {"user.avg_time": 3}, "expect": {"points": 5}}])
    hidden = tmp_path / ".venv"
    hidden.mkdir()
    (hidden / "x.test.json").write_text("not json", encoding="utf-8")
    code, out = run("test", str(tmp_path))
    assert code == 0 and out.rstrip().splitlines()[-1] == "1 passed, 0 failed"

    import dslc.walk

    def unreadable(top: str, onerror: Any = None, **_kw: Any) -> Any:
        onerror(PermissionError(13, "Permission denied", str(top)))
        return iter(())

    monkeypatch.setattr(dslc.walk.os, "walk", unreadable)
    code, out = run("test", str(tmp_path))
    assert code == 1
    assert f"{tmp_path}:/: error[DSLC_TEST_FILE_INVALID]: cannot read the folder" in out
