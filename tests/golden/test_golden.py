"""The examples' IR, optimized IR and disassembly match the golden files
(regenerate with ``python -m tests.golden.regen`` after a deliberate change)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslc.cli import cli
from tests.golden.outputs import COMMANDS, GOLDEN, examples, golden_path, output

CASES = [(example, suffix) for example in examples() for suffix in COMMANDS]


def test_there_are_examples_and_no_stale_goldens() -> None:
    assert len(examples()) >= 5
    names = {golden_path(e, s).name for e, s in CASES}
    present = {p.name for p in GOLDEN.iterdir() if p.suffix in COMMANDS}
    assert present == names, "run: python -m tests.golden.regen"


@pytest.mark.parametrize(("example", "suffix"), CASES, ids=[f"{e.stem}{s}" for e, s in CASES])
def test_output_matches_the_golden_file(example: Path, suffix: str) -> None:
    path = golden_path(example, suffix)
    assert path.exists(), f"no {path.name}: run python -m tests.golden.regen"
    want = path.read_text(encoding="utf-8")
    got = output(example, suffix)
    if got != want:
        diff = "".join(
            difflib.unified_diff(
                want.splitlines(keepends=True),
                got.splitlines(keepends=True),
                fromfile=f"golden/{path.name}",
                tofile="now",
            )
        )
        pytest.fail(f"{path.name} differs (python -m tests.golden.regen if intended):\n{diff}")


@pytest.mark.parametrize("example", examples(), ids=[e.stem for e in examples()])
def test_the_json_twin_prints_the_same_stages(example: Path) -> None:
    """An example's .json (the same program converted) goes through the same
    middle stages: one golden file speaks for both front ends."""
    twin = example.with_suffix(".json")
    if not twin.exists():
        pytest.skip(f"{example.name} has no JSON twin")
    for suffix, command in COMMANDS.items():
        result = CliRunner().invoke(cli, [*command, str(twin)])
        assert result.exit_code == 0, result.output
        assert result.stdout == golden_path(example, suffix).read_text(encoding="utf-8"), suffix


def test_emit_asm_is_disasm() -> None:
    example = examples()[0]
    result = CliRunner().invoke(cli, ["compile", "--quiet", "--emit", "asm", str(example)])
    assert result.exit_code == 0
    assert result.stdout == golden_path(example, ".asm").read_text(encoding="utf-8")
