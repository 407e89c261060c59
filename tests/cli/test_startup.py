"""Start-up cost: ``dslc --help`` and ``dslc check FILE`` must not load the
store's heavy dependencies (SQLAlchemy, alembic, rich); the store group loads
its commands when one is asked for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "alembic", "rich", "psycopg", "matplotlib")


def loaded_after(code: str) -> set[str]:
    """Top-level packages of HEAVY loaded after running CODE in a fresh interpreter."""
    script = (
        "import sys, json\n"
        + code
        + f"\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_database_or_terminal_library() -> None:
    assert loaded_after("import dslc.cli") == set()


def test_help_lists_the_store_group_without_loading_it() -> None:
    code = (
        "from click.testing import CliRunner\n"
        "from dslc.cli import cli\n"
        "out = CliRunner().invoke(cli, ['--help']).output\n"
        "assert 'store' in out and 'Versioned strategy' in out, out\n"
    )
    assert loaded_after(code) == set()


@pytest.mark.parametrize("example", ["default.strat", "default.json"])
def test_check_one_file_loads_no_database_or_terminal_library(example: str) -> None:
    code = (
        "from click.testing import CliRunner\n"
        "from dslc.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['check', 'examples/{example}'])\n"
        "assert r.exit_code == 0, r.output\n"
    )
    assert loaded_after(code) == set()


def test_a_store_command_still_loads_what_it_needs() -> None:
    code = (
        "from click.testing import CliRunner\n"
        "from dslc.cli import cli\n"
        "r = CliRunner().invoke(cli, ['store', 'list', '--help'])\n"
        "assert r.exit_code == 0, r.output\n"
    )
    assert "sqlalchemy" in loaded_after(code)


def test_the_lazy_store_table_names_every_store_command() -> None:
    from store import cli as store_cli
    from store.cli import store_group

    ctx = click.Context(store_group)
    for module_name in sorted(set(store_cli._COMMAND_MODULES.values())):
        for command in store_cli.module_commands(module_name):
            assert store_cli._COMMAND_MODULES.get(command.name) == module_name, command.name
    for name in store_group.list_commands(ctx):
        command = store_group.get_command(ctx, name)
        assert command is not None and command.name == name
    assert store_group.get_command(ctx, "no-such-command") is None
