"""Issue 8 section 4: limits before work. A byte limit before parsing; the
text front end and the JSON loader stop as soon as a limit is passed (no
tree of 100,000 terms is built first); the store parses text once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dslc import codes
from dslc.diagnostics import CompileError
from dslc.frontend import json_front
from dslc.ids import fill_ids
from dslc.sources import read_source
from dslc.text import compile as text_compile
from dslc.text import program_to_text
from dslc.text.parse import parse_built
from dslc.text.syntax import node_floor
from dslc.validate import validate
from tests.asts import any_programs as programs
from tests.asts import names

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HOSTILE_TEXT = "strategy x\nrule r when " + " and ".join(["data.a"] * 95_000) + " then stop\n"
RULE = {
    "type": "rule",
    "when": {"type": "field", "path": "data.a"},
    "then": [{"type": "return"}],
}


def _codes(exc: pytest.ExceptionInfo[CompileError]) -> list[str]:
    return [d.code for d in exc.value.errors]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), st.none() | names.filter(bool))
def test_the_scan_never_counts_more_nodes_than_the_validator(program: Any, extends: Any) -> None:
    text = program_to_text(program, extends=extends)
    floor, _ = node_floor(text)
    built, diags = parse_built(text, "gen.strat")
    assert built is not None, diags
    back = fill_ids(built.program)
    # The validator counts more than floor - 1 nodes: its count >= floor.
    if floor > 1:
        found = {d.code for d in validate(back, max_nodes=floor - 1)}
        assert codes.NODE_LIMIT in found, (text, floor)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.strat")), ids=lambda p: p.name)
def test_the_examples_are_far_below_the_floor(path: Path) -> None:
    floor, at = node_floor(path.read_text(encoding="utf-8"), stop_above=1000)
    assert at == -1 and 1 < floor < 1000


def test_a_megabyte_of_and_terms_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(HOSTILE_TEXT) > 600_000

    def no_parse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("parsed a text that the scan refuses")

    monkeypatch.setattr(text_compile, "parse_built", no_parse)
    with pytest.raises(CompileError) as info:
        text_compile.compile_text_stages(HOSTILE_TEXT, "big.strat")
    (diag,) = info.value.errors
    assert diag.code == codes.NODE_LIMIT and 0 < diag.start < 20_000


def test_a_not_chain_is_refused_where_the_validator_would() -> None:
    source = "rule r when " + "not " * 100_000 + "data.a then stop"
    with pytest.raises(CompileError) as info:
        text_compile.compile_text_stages(source)
    assert [(d.code, d.start) for d in info.value.errors] == [
        (codes.DEPTH_LIMIT, len("rule r when ") + 4 * 31)
    ]


def test_subtraction_counts_but_a_sign_does_not() -> None:
    assert node_floor('otherwise award 1 - 1 - 1 points as "x"')[0] == 1 + 1 + 2
    assert node_floor('otherwise award -1 points as "x"')[0] == 1 + 1
    assert node_floor('otherwise award (1) - -1 points as "x"')[0] == 1 + 1 + 1
    # Words in strings and comments are not counted.
    assert node_floor('# rule when and or\notherwise veto as "rule and or"')[0] == 2


def test_the_json_loader_stops_soon_after_the_limit() -> None:
    document = {"type": "program", "rules": [RULE] * 100_000}
    with pytest.raises(CompileError) as info:
        json_front(document, "big.json")
    (diag,) = info.value.errors
    assert diag.code == codes.NODE_LIMIT
    assert diag.pointer is not None
    stopped_at = int(diag.pointer.split("/")[2])
    assert stopped_at < 2000  # 4000 nodes read (4 x the limit), not 100,000 rules


def test_a_program_just_over_the_limit_gets_the_validators_error() -> None:
    document = {"type": "program", "rules": [RULE] * 400}  # 1 + 400 * 4 nodes
    with pytest.raises(CompileError) as info:
        json_front(document, "over.json")
    (diag,) = info.value.errors
    assert diag.code == codes.NODE_LIMIT and diag.hint is None  # the validator's


def test_the_byte_limit_is_checked_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"type": "program", "rules": [RULE] * 20}), encoding="utf-8")
    size = path.stat().st_size
    with pytest.raises(CompileError) as info:
        read_source(path, limit=size - 1)
    assert _codes(info) == [codes.SOURCE_TOO_LARGE]
    assert read_source(path, limit=size).text is not None
    monkeypatch.setenv("DSLC_MAX_SOURCE_BYTES", str(size - 1))
    with pytest.raises(CompileError) as info:
        read_source(path)
    assert _codes(info) == [codes.SOURCE_TOO_LARGE]
    assert str(size) in info.value.errors[0].message


def test_check_refuses_an_oversized_file_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from dslc.cli import cli

    path = tmp_path / "x.strat"
    path.write_text("strategy x\notherwise stop\n" + "# padding\n" * 100, encoding="utf-8")
    result = CliRunner(env={"DSLC_MAX_SOURCE_BYTES": "100"}).invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}: error[{codes.SOURCE_TOO_LARGE}]" in result.output
    assert "DSLC_MAX_SOURCE_BYTES" in result.output


@pytest.mark.parametrize(
    "text",
    [
        "strategy x\nextends default\n\nparent variables\n    A = -1\n",
        "strategy x\nrule r when max(1, -2) > 0 then stop\n",
    ],
)
def test_a_sign_after_equals_or_a_comma_is_no_subtraction(text: str) -> None:
    """Found by the property above: ``-`` after ``=`` or ``,`` is a sign."""
    floor, _ = node_floor(text)
    built, diags = parse_built(text, "sign.strat")
    assert built is not None, diags
    program = fill_ids(built.program)
    # The floor is a lower bound of the validator's count (never above it).
    if floor > 1:
        assert codes.NODE_LIMIT in {d.code for d in validate(program, max_nodes=floor - 1)}
