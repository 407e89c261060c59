"""The ``dslc`` command line.

Commands live in small modules (``build``, ``inspect``, ``execute`` here;
``fmt`` and ``convert`` in ``dslc.cli_text``, which must not import this
package). Other packages add command
groups through the ``dslc.commands`` entry point group (the store's
``dslc store`` does), so ``dslc`` never imports a package that depends on it.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points
from typing import Any

import click

from dslc.cli import build, execute, inspect, replay, testing
from dslc.cli_text import COMMANDS as TEXT_COMMANDS
from dslc.report import echo_error, styled

INTERNAL_ERROR_EXIT = 70


class _Dslc(click.Group):
    """The ``dslc`` group: click's own errors (an unknown option, a missing
    argument) are shown in the one error style of ``dslc.report``."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            raise styled(exc) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            raise styled(exc) from exc


@click.group(
    cls=_Dslc,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="dslc", prog_name="dslc")
def cli() -> None:
    """Compile, check, format, inspect and run game-scoring strategies.

    Strategies are GAME JSON ASTs (.json, or GAME template/export records
    with an astJson), text programs (.strat) or GAME's Blockly workspaces
    (.xml); compiled images are .sbc.
    """


for command in (
    *build.COMMANDS,
    *inspect.COMMANDS,
    *execute.COMMANDS,
    *testing.COMMANDS,
    *replay.COMMANDS,
    *TEXT_COMMANDS,
):
    cli.add_command(command)


def _add_plugins() -> None:
    for ep in entry_points(group="dslc.commands"):
        try:
            cli.add_command(ep.load(), name=ep.name)
        except Exception as exc:  # a broken plugin must not break dslc itself
            click.echo(f"warning: cannot load command {ep.name!r}: {exc}", err=True)


_add_plugins()


def main() -> None:
    """Entry point: never shows a traceback for bad input; an unexpected
    exception is reported in one line (DSLC_DEBUG=1 shows the traceback)."""
    try:
        cli.main(prog_name="dslc", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # pragma: no cover - a bug, reported cleanly
        if os.environ.get("DSLC_DEBUG") == "1":
            raise
        echo_error(
            "DSLC_INTERNAL",
            f"{type(exc).__name__}: {exc} "
            "(run with DSLC_DEBUG=1 for details, and please report it)",
        )
        sys.exit(INTERNAL_ERROR_EXIT)
