"""The README works for a new user: every Python block runs as written,
the strategy block compiles, and every file it links to is in the
repository (nothing points outside it, as ``../shared`` would)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import dslc

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


# A block that only makes sense inside GAME says so on its first line.
INSIDE_GAME = "# inside GAME"


def blocks(language: str) -> list[str]:
    return [
        body
        for lang, body in BLOCK.findall(README)
        if lang == language and not body.startswith(INSIDE_GAME)
    ]


def test_the_readme_has_python_examples() -> None:
    assert len(blocks("python")) >= 3
    every = [body for lang, body in BLOCK.findall(README) if lang == "python"]
    assert len(every) - len(blocks("python")) <= 1  # only the GAME-side example is exempt


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_block_runs(index: int, tmp_path: Path) -> None:
    # A fresh interpreter in a scratch directory that sees the repository's
    # examples, as a user running the block from a clone does.
    for name in ("examples", "samples"):
        (tmp_path / name).symlink_to(ROOT / name)
    done = subprocess.run(
        [sys.executable, "-c", blocks("python")[index]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_the_strategy_block_compiles() -> None:
    [source] = blocks("strat")
    assert dslc.compile_text(source, filename="readme.strat")


def test_links_point_inside_the_repository() -> None:
    assert "../shared" not in README.split("## Tests")[0]
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if "://" in target:
            continue
        assert (ROOT / target).exists(), target


def test_the_store_example_creates_its_tables() -> None:
    [example] = [b for b in blocks("python") if "store.Database(" in b]
    assert example.index("store.migrate.init(db)") < example.index("StrategyService(db)")


REFERENCE = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")


def _table_first_cells(heading: str) -> set[str]:
    """The backquoted names in the first column of the table under HEADING."""
    section = REFERENCE.split(heading, 1)[1]
    cells: set[str] = set()
    started = False
    for line in section.splitlines():
        if line.startswith("|"):
            started = True
            cells.update(re.findall(r"`([^`]+)`", line.split("|")[1]))
        elif started:
            break
    return cells


def test_the_reference_lists_every_field_path() -> None:
    from dslc.fields import known_paths

    assert set(known_paths()) <= _table_first_cells("## Fields")


def test_the_reference_lists_every_statement_with_its_sections() -> None:
    from dslc.ast import STATEMENT_SECTIONS

    assert set(STATEMENT_SECTIONS) == _table_first_cells("### Statements")


def test_the_reference_lists_every_runtime_error_code() -> None:
    from vm import errors

    runtime = {v for k, v in vars(errors).items() if k.isupper() and isinstance(v, str)}
    assert runtime == _table_first_cells("## Errors")


def test_the_reference_names_the_functions_and_builtins() -> None:
    from dslc.ast import FUNC_ARITY
    from vm.builtins import DEFAULT_REGISTRY

    for name in (*FUNC_ARITY, "min", "max", *DEFAULT_REGISTRY.names()):
        assert f"`{name}" in REFERENCE, name
