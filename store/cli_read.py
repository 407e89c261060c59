"""``dslc store`` commands that read definitions: list, versions, show."""

from __future__ import annotations

import json
from datetime import datetime

import click
from rich.table import Table

from store import toolchain
from store.cli_common import (
    console,
    db_options,
    errors_as_lines,
    open_database,
    resolve_ref,
)
from store.schemas import StrategyRead
from store.service import StrategyService


def _table(rows: list[StrategyRead], title: str) -> Table:
    table = Table(title=title)
    for column in ("name", "version", "status", "type", "parent", "updated", "id"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.name,
            str(row.version),
            row.status.value,
            row.type.value,
            row.parentStrategyId or "",
            row.updated_at.strftime("%Y-%m-%d %H:%M:%S") if row.updated_at else "",
            str(row.id),
        )
    return table


def _dump(rows: list[StrategyRead], *, full: bool) -> str:
    exclude = None if full else {"astJson", "blocklyXml", "sourceText"}
    return json.dumps(
        [row.model_dump(mode="json", exclude=exclude) for row in rows],
        ensure_ascii=False,
        indent=2,
    )


@click.command("list")
@click.option(
    "--status",
    type=click.Choice(["DRAFT", "PUBLISHED", "ARCHIVED"], case_sensitive=False),
    help="Only rows with this status.",
)
@click.option("--name", help="Only the family with this name.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@db_options()
@errors_as_lines
def list_command(
    status: str | None, name: str | None, as_json: bool, db_url: str | None, realm: str
) -> None:
    """List the realm's strategy versions, by name then newest first."""
    with open_database(db_url) as db:
        rows = StrategyService(db).list(realm, status=status, name=name)
    if as_json:
        click.echo(_dump(rows, full=False))
    elif not rows:
        click.echo(f"no strategies in realm {realm!r}")
    else:
        console().print(_table(rows, f"realm {realm}"))


@click.command("versions")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@db_options()
@errors_as_lines
def versions_command(name: str, as_json: bool, db_url: str | None, realm: str) -> None:
    """List every version of strategy NAME, newest first."""
    with open_database(db_url) as db:
        rows = StrategyService(db).versions(realm, name)
    if as_json:
        click.echo(_dump(rows, full=False))
    else:
        console().print(_table(rows, f"{name} (realm {realm})"))


@click.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="The whole row as JSON.")
@db_options()
@errors_as_lines
def show_command(ref: str, as_json: bool, db_url: str | None, realm: str) -> None:
    """Show strategy REF with its program."""
    with open_database(db_url) as db:
        row = resolve_ref(StrategyService(db), realm, ref)
    if as_json:
        click.echo(json.dumps(row.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    lines = [
        f"{row.name} — version {row.version}, {row.status.value}",
        f"  id           {row.strategy_ref}",
        f"  realm        {row.realmId}",
        f"  type         {row.type.value}"
        + (f" (parent {row.parentStrategyId})" if row.parentStrategyId else ""),
        f"  created      {_when(row.created_at)}"
        + (f" by {row.createdBy}" if row.createdBy else ""),
        f"  updated      {_when(row.updated_at)}",
    ]
    if row.publishedAt:
        lines.append(f"  published    {row.publishedAt.isoformat()}")
    if row.experimentTag:
        lines.append(f"  experiment   {row.experimentTag}")
    if row.description:
        lines.append(f"  description  {row.description}")
    lines.append(f"  blocks       {_blocks(row)}")
    click.echo("\n".join(lines))
    if row.sourceText is not None:
        click.echo("\n" + row.sourceText.rstrip("\n"))
    elif row.astJson is None:
        # GAME's editor may save a draft before it has a program.
        click.echo("\n(no program yet: astJson is empty; this draft cannot be published or run)")
    else:
        click.echo("\n" + json.dumps(row.astJson, ensure_ascii=False, indent=2))


def _blocks(row: StrategyRead) -> str:
    """Whether the dashboard can open the strategy as blocks, and if not why."""
    if row.blocklyXml is not None:
        return f"a Blockly workspace ({len(row.blocklyXml)} characters)"
    if row.astJson is None:
        return "none (no program yet)"
    xml, why = toolchain.blockly_of(row.astJson)
    if xml is None:
        return f"none: GAME's blocks cannot show this program: {why}"
    return "none stored (the program can be written as blocks: dslc convert FILE --to blockly)"


def _when(value: datetime | None) -> str:
    return value.isoformat() if value is not None else "(not recorded)"


COMMANDS = [list_command, versions_command, show_command]
