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

import click

# command name -> the module whose COMMANDS holds it
_COMMAND_MODULES = {
    "init": "cli_edit",
    "create": "cli_edit",
    "update": "cli_edit",
    "publish": "cli_edit",
    "archive": "cli_edit",
    "rollback": "cli_edit",
    "list": "cli_read",
    "versions": "cli_read",
    "show": "cli_read",
    "import": "cli_engine",
    "score": "cli_engine",
    "build-cache": "cli_engine",
    "watch": "cli_watch",
    "replay": "cli_replay",
    "diff": "cli_replay",
}


def module_commands(module: str) -> list[click.Command]:
    """The COMMANDS of one of the modules above (import statements, not
    import_module: the dependencies stay visible to mypy and the layer test)."""
    if module == "cli_edit":
        from store import cli_edit

        return cli_edit.COMMANDS
    if module == "cli_read":
        from store import cli_read

        return cli_read.COMMANDS
    if module == "cli_replay":
        from store import cli_replay

        return cli_replay.COMMANDS
    if module == "cli_watch":
        from store import cli_watch

        return cli_watch.COMMANDS
    from store import cli_engine

    return cli_engine.COMMANDS


class _LazyStoreGroup(click.Group):
    """Loads a command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMAND_MODULES.get(cmd_name)
        if module is None:
            return None
        for command in module_commands(module):
            if command.name == cmd_name:
                return command
        raise LookupError(f"{module} does not define the command {cmd_name!r}")


@click.group("store", cls=_LazyStoreGroup)
def store_group() -> None:
    """Versioned strategy definitions and their bytecode cache (SQLite or Postgres)."""
