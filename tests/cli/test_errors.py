"""One error style for every command: ``[WHERE: ]error[CODE]: message``,
with the source line and a caret when the source is at hand (compile
errors, runtime errors, the store's refusals of a program alike)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.support import dslc

ROOT = Path(__file__).resolve().parents[2]
ERROR_LINE = re.compile(r"^(\S+: )?error\[[A-Z][A-Z0-9_]*\]: \S")
BROKEN = 'strategy s\n\nrule r\n    when user.avg_time > > 1 then award 1 points as "x"\n'
FAILS_AT_RUNTIME = (
    "strategy s\n\nrule r\n    when user.avg_time > data.limit then\n"
    '        award 1 points as "x"\n'
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {
        "broken": tmp_path / "broken.strat",
        "runtime": tmp_path / "runtime.strat",
        "events": tmp_path / "events.json",
    }
    out["broken"].write_text(BROKEN, encoding="utf-8")
    out["runtime"].write_text(FAILS_AT_RUNTIME, encoding="utf-8")
    out["events"].write_text("[1, 2]", encoding="utf-8")
    return out


def _failures(files: dict[str, Path], db: str) -> list[tuple[str, ...]]:
    broken, runtime = str(files["broken"]), str(files["runtime"])
    return [
        ("run",),  # click: a missing argument
        ("check", "--no-such-option", broken),
        ("check", broken),
        ("compile", broken),
        ("run", runtime, "--data", '{"limit": "ten"}', "--fields", '{"user.avg_time": 1}'),
        ("run", runtime, "--fields", "{not json"),
        ("run", runtime, "--extends", "nope"),
        ("fmt", broken),
        ("convert", str(files["events"])),
        ("verify", broken),
        ("disasm", str(files["events"])),
        ("store", "list", "--db", db + ".missing"),
        ("store", "create", "x", "--file", broken, "--db", db),
        ("store", "show", "nope", "--db", db),
        ("store", "score", "--events", str(files["events"]), "--db", db),
    ]


def test_every_command_fails_in_the_one_style(files: dict[str, Path], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert dslc("store", "init", "--db", db)[0] == 0
    for args in _failures(files, db):
        code, _, err = dslc(*args)
        assert code in (1, 2), args
        assert "Traceback" not in err and "Error:" not in err and "dslc: error" not in err, args
        heads = [line for line in err.splitlines() if re.search(r"\berror[\[:]", line)]
        assert heads, (args, err)
        for line in heads:
            assert ERROR_LINE.match(line), (args, line)


def test_a_usage_error_shows_the_usage_then_one_error_line() -> None:
    code, _, err = dslc("check")
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith("Usage: dslc check")
    assert lines[-1] == "error[DSLC_USAGE]: Missing argument 'PATHS...'."


def test_store_create_renders_a_parse_error_exactly_like_check(
    files: dict[str, Path], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert dslc("store", "init", "--db", db)[0] == 0
    _, _, checked = dslc("check", str(files["broken"]))
    code, out, created = dslc("store", "create", "x", "--file", str(files["broken"]), "--db", db)
    assert code == 1 and out == ""
    rendered = checked.rsplit("\n", 2)[0]  # without check's summary line
    assert created.strip() == rendered.strip()
    assert f"{files['broken']}:4:26: error[DSLC_TEXT_SYNTAX]" in created
    assert "                                ^" in created  # the caret under the second '>'


def test_a_runtime_error_shows_the_line_the_caret_and_the_values(files: dict[str, Path]) -> None:
    code, out, err = dslc(
        "run",
        str(files["runtime"]),
        "--fields",
        '{"user.avg_time": 3}',
        "--data",
        '{"limit": "ten"}',
    )
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == (
        f"{files['runtime']}:4:10: error[DSL_COMPARE_TYPE_MISMATCH]: cannot order number and string"
    )
    assert lines[1] == "   4 |     when user.avg_time > data.limit then"
    assert lines[2] == " " * 16 + "^" * len("user.avg_time > data.limit")
    assert lines[3] == '  hint: values: left field = 3 (int), right field = "ten" (str)'


def test_a_runtime_error_in_json_names_the_pointer(files: dict[str, Path], tmp_path: Path) -> None:
    _, out, _ = dslc("convert", str(files["runtime"]), "--to", "json")
    path = tmp_path / "runtime.json"
    path.write_text(out, encoding="utf-8")
    code, _, err = dslc(
        "run", str(path), "--data", '{"limit": null}', "--fields", '{"user.avg_time": 3}'
    )
    assert code == 1
    assert err.splitlines()[0] == (
        f"{path}:/rules/0/when: error[DSL_COMPARE_TYPE_MISMATCH]: cannot order number and null"
        " (node r.compare.0)"
    )
    assert "right field = null" in err


def test_a_runtime_error_through_a_parent_is_located_too(tmp_path: Path) -> None:
    path = tmp_path / "ext.strat"
    path.write_text(
        "strategy ext\nextends default\n\nafter parent\n    rule boost\n"
        "        when true then\n            set points to parent.points * data.factor\n",
        encoding="utf-8",
    )
    fields = {"task.measurements_count": 1}
    code, _, err = dslc(
        "run", str(path), "--fields", json.dumps(fields), "--data", '{"factor": "x"}'
    )
    assert code == 1
    assert err.startswith(f"{path}:7:27: error[DSL_ARITH_TYPE_MISMATCH]")
    assert 'right field = "x" (str)' in err


def test_store_score_shows_the_runtime_error_like_run(
    files: dict[str, Path], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert dslc("store", "init", "--db", db)[0] == 0
    assert dslc("store", "create", "rt", "--file", str(files["runtime"]), "--db", db)[0] == 0
    code, out, err = dslc(
        "store", "score", "rt", "--draft", "--fields", '{"user.avg_time": 3}',
        "--data", '{"limit": "ten"}', "--db", db,
    )  # fmt: skip
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert (
        lines[0]
        == "rt@1.strat:4:10: error[DSL_COMPARE_TYPE_MISMATCH]: cannot order number and string"
    )
    assert lines[1] == "   4 |     when user.avg_time > data.limit then"
    assert "hint: values:" in lines[3]


def test_check_json_gives_line_and_column(files: dict[str, Path]) -> None:
    code, out, _ = dslc("check", "--format", "json", str(files["broken"]))
    assert code == 1
    [diag] = json.loads(out)["files"][0]["diagnostics"]
    assert (diag["line"], diag["column"]) == (4, 26)
    assert (diag["end_line"], diag["end_column"]) == (4, 27)
    assert diag["start"] == BROKEN.index("> 1")
