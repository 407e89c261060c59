"""The hints a new user needs: every function named, "did you mean",
keywords written with a capital, several syntax errors in one file, and a
warning for two rules of one name."""

from __future__ import annotations

import json
from pathlib import Path

import dslc as dslc_api
from dslc import codes
from dslc.diagnostics import CompileError
from dslc.text import compile_text
from tests.cli.support import dslc

ROOT = Path(__file__).resolve().parents[2]


def _text_errors(source: str) -> list[tuple[str, str | None]]:
    try:
        compile_text(source, filename="t.strat")
    except CompileError as exc:
        return [(d.code, d.hint) for d in exc.errors]
    raise AssertionError("compiled")


def _strategy(condition: str) -> str:
    return (
        "strategy t\n\nrule r\n"
        f"    when {condition} then\n"
        '        award 1 points as "x"\n\n'
        'otherwise award 1 points as "p"\n'
    )


def test_a_misspelt_function_gets_did_you_mean_and_the_full_list() -> None:
    [(code, hint)] = _text_errors(_strategy("mn(user.avg_time, 3) > 1"))
    assert code == codes.FUNC_NAME_NOT_ALLOWED
    assert hint == "did you mean 'min'? (the functions are int, clamp, min and max)"


def test_an_unknown_function_lists_every_function_of_the_text_language() -> None:
    [(code, hint)] = _text_errors(_strategy("foo(user.avg_time) > 1"))
    assert code == codes.FUNC_NAME_NOT_ALLOWED
    assert hint == "the functions are int, clamp, min and max"


def test_json_min_as_a_function_points_at_the_operator() -> None:
    ast = json.loads((ROOT / "examples" / "default.json").read_text(encoding="utf-8"))
    call = {"type": "func_call", "name": "min", "args": [{"type": "literal", "value": 1}] * 2}
    ast["rules"][0]["then"][0]["value"] = call
    try:
        dslc_api.compile_json(ast)
    except CompileError as exc:
        [diag] = exc.errors
    else:
        raise AssertionError("compiled")
    assert diag.code == codes.FUNC_NAME_NOT_ALLOWED
    assert diag.hint is not None and diag.hint.startswith("did you mean the operator 'min'?")
    assert '"op": "min"' in diag.hint


def test_a_capitalised_keyword_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "w.strat"
    source = _strategy("user.avg_time > 1").replace("    when", "    When")
    path.write_text(source, encoding="utf-8")
    code, _, err = dslc("check", str(path))
    assert code == 1
    assert f"{path}:4:5: error[{codes.TEXT_SYNTAX}]: expected 'when', found 'When'" in err
    assert "hint: did you mean 'when'?" in err


def test_several_syntax_errors_in_one_file_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "many.strat"
    path.write_text(
        "strategy t\n\n"
        "rule a\n    When user.avg_time > 1 then award 1 points\n\n"
        'rule b\n    when user.avg_time > > 2 then award 2 points as "b"\n\n'
        'rule c\n    when user.avg_time = 3 then award 3 points as "c"\n',
        encoding="utf-8",
    )
    code, _, err = dslc("check", str(path))
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith(str(path))]
    assert [line.split(":")[1] for line in lines] == ["4", "7", "10"], err
    assert "3 errors" in err


def test_two_rules_of_one_name_warn_with_a_code_and_the_place(tmp_path: Path) -> None:
    path = tmp_path / "dup.strat"
    path.write_text(
        "strategy t\n\n"
        'rule r1\n    when user.avg_time > 1 then award 1 points as "a"\n\n'
        'rule r1\n    when user.avg_time > 2 then award 2 points as "b"\n',
        encoding="utf-8",
    )
    code, _, err = dslc("check", str(path))
    assert code == 0, err
    assert f"{path}:6:1: warning[{codes.DUPLICATE_RULE_NAME}]:" in err
    assert "'r1'" in err
    code, _, _ = dslc("check", "--warnings-as-errors", str(path))
    assert code == 1


def test_two_json_rules_of_one_id_warn_at_the_second(tmp_path: Path) -> None:
    ast = json.loads((ROOT / "examples" / "default.json").read_text(encoding="utf-8"))
    ast["rules"][1]["id"] = ast["rules"][0]["id"]
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(ast), encoding="utf-8")
    code, out, _ = dslc("check", "--format", "json", str(path))
    assert code == 0
    [diag] = json.loads(out)["files"][0]["diagnostics"]
    assert diag["code"] == codes.DUPLICATE_RULE_NAME
    assert diag["pointer"] == "/rules/1" and diag["severity"] == "warning"
    assert "/rules/0" in diag["message"]
