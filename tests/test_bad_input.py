"""Issue 8 section 5: every bad input is a located error with exit status 1,
never exit 70 (an internal error) or a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslc import codes
from dslc.cli import INTERNAL_ERROR_EXIT, cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HUGE = "9" * 5000  # more digits than Python converts to an int


def _invoke(args: list[str], stdin: bytes | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, input=stdin)
    # A raw exception would show as result.exception (not SystemExit).
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code != INTERNAL_ERROR_EXIT
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    assert _invoke(["store", "init", "--db", url])[0] == 0
    return url


@pytest.fixture
def big(tmp_path: Path) -> Path:
    """An example program with one literal of 5000 digits."""
    text = (EXAMPLES / "default.json").read_text(encoding="utf-8")
    path = tmp_path / "big.json"
    path.write_text(text.replace('"value": 11', f'"value": {HUGE}', 1), encoding="utf-8")
    assert HUGE in path.read_text(encoding="utf-8")
    return path


@pytest.fixture
def big_object(tmp_path: Path) -> Path:
    path = tmp_path / "bigdata.json"
    path.write_text(f'{{"x": {HUGE}}}', encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["check", "compile", "convert", "disasm", "run"])
def test_a_huge_integer_in_a_program_is_located(command: str, big: Path) -> None:
    code, out = _invoke([command, str(big)])
    assert code == 1
    assert f"error[{codes.JSON_NUMBER_TOO_LONG}]" in out
    text = big.read_text(encoding="utf-8")
    at = text.index(HUGE)
    line, col = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
    assert f"{big}:{line}:{col}: error[{codes.JSON_NUMBER_TOO_LONG}]" in out


def test_check_goes_on_after_a_huge_integer(big: Path, tmp_path: Path) -> None:
    ok = tmp_path / "ok.json"
    ok.write_text((EXAMPLES / "default.json").read_text(encoding="utf-8"), encoding="utf-8")
    code, out = _invoke(["check", "--format", "json", str(ok), str(big)])
    assert code == 1
    files = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    assert files["ok.json"]["ok"] is True
    assert files["big.json"]["diagnostics"][0]["code"] == codes.JSON_NUMBER_TOO_LONG


@pytest.mark.parametrize("option", ["--data", "--fields"])
@pytest.mark.parametrize("inline", [True, False])
def test_a_huge_integer_in_a_run_option(option: str, inline: bool, big_object: Path) -> None:
    value = big_object.read_text(encoding="utf-8") if inline else f"@{big_object}"
    code, out = _invoke(["run", str(EXAMPLES / "default.json"), option, value])
    assert code == 1
    # dslc's one error style: WHERE: error[CODE]: message
    assert f"{option}: error[{codes.JSON_NUMBER_TOO_LONG}]: " in out
    assert "line 1, column 7" in out


def test_a_huge_integer_in_store_score_data(db: str, big_object: Path) -> None:
    code, out = _invoke(["store", "score", "default", "--data", f"@{big_object}", "--db", db])
    assert code == 1 and codes.JSON_NUMBER_TOO_LONG in out


def test_a_huge_integer_in_store_import(db: str, big: Path) -> None:
    code, out = _invoke(["store", "import", str(big), "--db", db])
    assert code == 1 and codes.JSON_NUMBER_TOO_LONG in out
    assert _invoke(["store", "list", "--db", db])[1].count("default_v0_0_2") == 0


def test_invalid_utf8_in_a_text_file_given_to_store_create(db: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.strat"
    path.write_bytes(b"strategy bad\n\xff\n")
    code, out = _invoke(["store", "create", "bad", "--file", str(path), "--db", db])
    assert code == 1
    assert f"{path}: error[{codes.FILE_UNREADABLE}]: not UTF-8 text" in out
    assert "(byte 13)" in out


def test_invalid_utf8_in_a_fields_file(tmp_path: Path) -> None:
    path = tmp_path / "fields.json"
    path.write_bytes(b'{"user.avg_time": "\xff"}')
    code, out = _invoke(["run", str(EXAMPLES / "default.json"), "--fields", f"@{path}"])
    assert code == 1 and "not UTF-8 text" in out and codes.FILE_UNREADABLE in out


@pytest.mark.parametrize("command", [["check"], ["compile", "--emit", "asm"], ["convert"]])
def test_a_json_file_with_a_byte_order_mark_is_read(command: list[str], tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "default.json").read_bytes())
    code, out = _invoke([*command, str(path)])
    assert code == 0, out


def test_store_import_and_create_read_a_json_file_with_a_byte_order_mark(
    db: str, tmp_path: Path
) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "default.json").read_bytes())
    assert _invoke(["store", "import", str(path), "--db", db])[0] == 0
    assert _invoke(["store", "create", "bom", "--file", str(path), "--db", db])[0] == 0


def test_an_error_after_a_byte_order_mark_keeps_its_column(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"type": }')
    code, out = _invoke(["check", str(path)])
    # The mark is not part of the text (editors do not show it either).
    assert code == 1 and f"{path}:1:10: error[{codes.JSON_SYNTAX}]" in out


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(word: str, tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    text = f'{{"type": "program", "rules": [], "x": {word}}}'
    path.write_text(text, encoding="utf-8")
    code, out = _invoke(["check", str(path)])
    col = text.index(word) + 1
    assert code == 1 and f"{path}:1:{col}: error[{codes.JSON_SYNTAX}]" in out and word in out


@pytest.mark.parametrize(
    "ref", ["weekend@99999999999999999999", "weekend@" + HUGE, "weekend@0000000000002"]
)
def test_store_show_of_a_version_that_cannot_exist(db: str, ref: str) -> None:
    example = str(EXAMPLES / "weekend_bonus.strat")
    assert _invoke(["store", "create", "weekend", "--file", example, "--db", db])[0] == 0
    code, out = _invoke(["store", "show", ref, "--db", db])
    assert code == 1 and "no strategy 'weekend' version" in out


def test_store_rollback_to_a_version_that_cannot_exist(db: str) -> None:
    example = str(EXAMPLES / "weekend_bonus.strat")
    assert _invoke(["store", "create", "weekend", "--file", example, "--db", db])[0] == 0
    code, out = _invoke(["store", "rollback", "weekend", "99999999999999999999", "--db", db])
    assert code == 1 and "has no version 99999999999999999999" in out


def test_run_with_a_parent_whose_callback_data_is_a_list() -> None:
    example = str(EXAMPLES / "weekend_bonus.strat")
    parent = '{"points": 1, "case_name": "x", "callback_data": [1]}'
    code, out = _invoke(["run", example, "--phase", "post", "--parent", parent])
    assert code == 1 and "--parent: " in out and "callback_data" in out


@pytest.mark.parametrize("url", ["mysql://u@h/db", "oracle://h/x", "not a url", "sqlite+foo:///x"])
def test_an_unsupported_database_url_names_the_supported_ones(url: str) -> None:
    code, out = _invoke(["store", "list", "--db", url])
    assert code == 1
    assert "sqlite:///PATH" in out and "postgresql://" in out


def test_a_lone_surrogate_in_a_string_is_located(tmp_path: Path) -> None:
    path = tmp_path / "s.strat"
    path.write_text('strategy s\notherwise award 1 points as "a\\ud800"\n', encoding="utf-8")
    code, out = _invoke(["check", str(path)])
    assert code == 1
    assert f"{path}:2:29: error[{codes.TEXT_BAD_STRING}]" in out and "surrogate" in out
    assert codes.PROGRAM_TOO_LARGE not in out


def test_a_lone_surrogate_in_a_json_string_is_located(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    program = {"type": "program", "rules": [], "default": {"type": "veto", "case_name": "x"}}
    text = json.dumps(program).replace('"x"', '"\\udc00"')
    path.write_text(text, encoding="utf-8")
    code, out = _invoke(["check", str(path)])
    assert code == 1
    col = text.index("\\udc00") + 1
    assert f"{path}:1:{col}: error[{codes.STRING_NOT_UNICODE}]" in out


def test_a_megabyte_line_is_not_printed_whole(tmp_path: Path) -> None:
    path = tmp_path / "long.strat"
    path.write_text(
        "strategy x\nrule r when " + " and ".join(["data.a"] * 100_000) + " then stop\n",
        encoding="utf-8",
    )
    code, out = _invoke(["check", str(path)])
    assert code == 1 and f"error[{codes.NODE_LIMIT}]" in out
    assert len(out) < 1000  # a window around the column, not the 700 KB line
    source_line, caret = out.splitlines()[1:3]
    assert source_line.endswith("...") and caret.strip() == "^"
    assert source_line[caret.index("^")] == "a"  # the caret under the 'and'
