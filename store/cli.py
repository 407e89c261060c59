"""``dslc store``: manage stored strategies from the command line.

Every command takes ``--db URL`` (else ``$DSLC_DATABASE_URL``, else the
SQLite file ``dslc.db`` in the working directory) and, where rows are
concerned, ``--realm`` (else ``$DSLC_REALM``, else ``default``). A store
error is printed as one line on stderr with exit code 1, never a traceback.

A strategy REF is a row id (``<uuid>`` or ``custom:<uuid>``), ``NAME@N``
(version N of the family NAME) or ``NAME`` (its newest version).
"""

from __future__ import annotations

import click

from store import cli_edit, cli_engine, cli_read


@click.group("store")
def store_group() -> None:
    """Versioned strategy definitions and their bytecode cache (SQLite or Postgres)."""


for command in (*cli_edit.COMMANDS, *cli_read.COMMANDS, *cli_engine.COMMANDS):
    store_group.add_command(command)
