"""``dslc store``: manage stored strategies from the command line.

Every command takes ``--db URL`` (else ``$DSLC_DATABASE_URL``, else the
SQLite file ``dslc.db`` in the working directory) and, where rows are
concerned, ``--realm`` (else ``$DSLC_REALM``, else ``default``). A store
error is printed as one line on stderr with exit code 1, never a traceback.

A strategy REF is a row id (``<uuid>`` or ``custom:<uuid>``), ``NAME@N``
(version N of the family NAME) or ``NAME`` (its newest version).

This module imports click only: ``dslc --help`` loads it to list the group,
and the commands' modules (SQLAlchemy, alembic, rich) load when a store
command is run or listed.
"""

from __future__ import annotations

from importlib import import_module

import click

# command name -> the module whose COMMANDS holds it
_COMMAND_MODULES = {
    "init": "store.cli_edit",
    "create": "store.cli_edit",
    "update": "store.cli_edit",
    "publish": "store.cli_edit",
    "archive": "store.cli_edit",
    "rollback": "store.cli_edit",
    "list": "store.cli_read",
    "versions": "store.cli_read",
    "show": "store.cli_read",
    "import": "store.cli_engine",
    "score": "store.cli_engine",
    "build-cache": "store.cli_engine",
}


class _LazyStoreGroup(click.Group):
    """Loads a command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMAND_MODULES.get(cmd_name)
        if module is None:
            return None
        commands: list[click.Command] = import_module(module).COMMANDS
        for command in commands:
            if command.name == cmd_name:
                return command
        raise LookupError(f"{module} does not define the command {cmd_name!r}")


@click.group("store", cls=_LazyStoreGroup)
def store_group() -> None:
    """Versioned strategy definitions and their bytecode cache (SQLite or Postgres)."""
