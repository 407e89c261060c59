"""Exit status 70 ("internal error") is unreachable from input: garbage
files and option values given to every command end in 0, 1 or 2 (click's
usage error), never a raw exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dslc.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)

# JSON-ish garbage finds the deeper paths; raw bytes the readers. The keys
# the commands look for make the garbage reach past the first checks.
KEYS = ["type", "callback_data", "points", "case_name", "astJson", "value", "args", "op"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["program", "rule", "DSL_EXTEND", "default", "\x00", "\ud800"]),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=12,
)
programs_ish = st.fixed_dictionaries(
    {"type": st.sampled_from(["program", "DSL_EXTEND", "DSL_FULL"])},
    optional={
        "rules": json_values,
        "astJson": json_values,
        "parentStrategyId": json_values,
        "default": json_values,
        "parent_variables": json_values,
    },
)
documents = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    programs_ish.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    st.sampled_from([b"\xef\xbb\xbf{}", b"1" * 5000, b"[" * 10_000, b"NaN", b"\xff"]),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
option_values = st.one_of(
    st.text(max_size=40),
    json_values.map(json.dumps),
    st.sampled_from(
        [
            "@",
            "@/nonexistent",
            '{"callback_data": [1]}',
            '{"points": "x", "callback_data": {"a": NaN}}',
            "9" * 5000,
            '{"x": ' + "9" * 5000 + "}",
            "[" * 5000,
            "99999999999999999999",
            "mysql://u@h/db",
        ]
    ),
)


@pytest.fixture(scope="module")
def db() -> str:
    folder = Path(tempfile.mkdtemp(prefix="garbage-"))
    url = f"sqlite:///{folder / 'g.db'}"
    assert CliRunner().invoke(cli, ["store", "init", "--db", url]).exit_code == 0
    example = str(EXAMPLES / "weekend_bonus.strat")
    assert (
        CliRunner().invoke(cli, ["store", "create", "wk", "--file", example, "--db", url]).exit_code
        == 0
    )
    return url


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output[-500:])


FILE_COMMANDS = [
    ["check"],
    ["compile", "--emit", "asm"],
    ["convert"],
    ["disasm"],
    ["verify"],
    ["run"],
    ["fmt", "--check"],
]
SUFFIXES = [".json", ".strat", ".sbc"]


@pytest.mark.slow
@pytest.mark.parametrize("command", FILE_COMMANDS, ids=lambda c: c[0])
@SETTINGS
@given(data=documents, suffix=st.sampled_from(SUFFIXES))
def test_garbage_files(command: list[str], data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, f"g{suffix}")
        path.write_bytes(data)
        _run([*command, str(path)])


@pytest.mark.slow
@pytest.mark.parametrize("option", ["--fields", "--data", "--parent", "--extends", "--budget"])
@SETTINGS
@given(value=option_values, phase=st.sampled_from(["full", "pre", "post"]))
def test_garbage_run_options(option: str, value: str, phase: str) -> None:
    _run(["run", str(EXAMPLES / "weekend_bonus.strat"), "--phase", phase, option, value])


@pytest.mark.slow
@pytest.mark.parametrize("command", [["store", "import"], ["store", "create", "g", "--file"]])
@SETTINGS
@given(data=documents, suffix=st.sampled_from(SUFFIXES))
def test_garbage_store_files(db: str, command: list[str], data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, f"g{suffix}")
        path.write_bytes(data)
        _run([*command, str(path), "--db", db])


@pytest.mark.slow
@SETTINGS
@given(ref=option_values, version=option_values, value=option_values)
def test_garbage_store_arguments(db: str, ref: str, version: str, value: str) -> None:
    ref = ref.replace("\x00", "")  # an argv cannot hold U+0000
    for args in (
        ["store", "show", ref],
        ["store", "show", f"wk@{version}"],
        ["store", "rollback", "wk", version],
        ["store", "score", "wk", "--data", value],
        ["store", "score", ref, "--fields", value],
        ["store", "list", "--status", value],
        ["store", "list", "--db", value],
    ):
        _run([*args, "--db", db] if "--db" not in args else args)
