"""``dslc store`` commands that read definitions: list, versions, show."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from store import toolchain
from store.cli_common import (
    NAME_AT_VERSION,
    UUID_REF,
    console,
    db_options,
    errors_as_lines,
    open_database,
    resolve_ref,
)
from store.schemas import StrategyRead
from store.service import StrategyService

COLUMNS = ("name", "version", "status", "type", "parent", "updated", "id")


def _cells(row: StrategyRead) -> tuple[str, ...]:
    return (
        row.name,
        str(row.version),
        row.status.value,
        row.type.value,
        row.parentStrategyId or "",
        row.updated_at.strftime("%Y-%m-%d %H:%M:%S") if row.updated_at else "",
        str(row.id),
    )


def _print_table(rows: list[StrategyRead], title: str) -> None:
    """A table on a terminal; tab-separated lines, ids whole, when the output
    goes to a pipe or a file (a script or grep reads them)."""
    if not sys.stdout.isatty():
        click.echo("\t".join(COLUMNS))
        for row in rows:
            click.echo("\t".join(cell.replace("\t", " ") for cell in _cells(row)))
        return
    from rich.table import Table

    table = Table(title=title)
    for column in COLUMNS:
        # ids never fold: a folded uuid cannot be copied
        table.add_column(column, overflow="fold", no_wrap=column in ("id", "updated"))
    for row in rows:
        table.add_row(*_cells(row))
    console().print(table)


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
    with open_database(db_url, read_only=True) as db:
        rows = StrategyService(db).list(realm, status=status, name=name)
    if as_json:
        click.echo(_dump(rows, full=False))
    elif not rows:
        click.echo(f"no strategies in realm {realm!r}")
    else:
        _print_table(rows, f"realm {realm}")


@click.command("versions")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@db_options()
@errors_as_lines
def versions_command(name: str, as_json: bool, db_url: str | None, realm: str) -> None:
    """List every version of strategy NAME, newest first."""
    with open_database(db_url, read_only=True) as db:
        rows = StrategyService(db).versions(realm, name)
    if as_json:
        click.echo(_dump(rows, full=False))
    else:
        _print_table(rows, f"{name} (realm {realm})")


@click.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="The whole row as JSON.")
@db_options()
@errors_as_lines
def show_command(ref: str, as_json: bool, db_url: str | None, realm: str) -> None:
    """Show strategy REF with its program, and which version is served.

    A bare NAME shows the version the engine serves (the PUBLISHED one), or
    the newest when none is published; NAME@N or an id shows that version.
    """
    with open_database(db_url, read_only=True) as db:
        service = StrategyService(db)
        served = _served(service, realm, ref)
        row = served if served is not None and _is_name(ref) else resolve_ref(service, realm, ref)
        if served is None or served.name != row.name:
            served = _served(service, realm, row.name)
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
    if served is None:
        lines.append("  served       no: no version of this strategy is published")
    elif served.id == row.id:
        lines.append("  served       yes (the published version)")
    else:
        lines.append(
            f"  served       no: version {served.version} is served ({served.strategy_ref})"
        )
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


def _is_name(ref: str) -> bool:
    return not UUID_REF.match(ref) and not NAME_AT_VERSION.match(ref)


def _served(service: StrategyService, realm: str, ref: str) -> StrategyRead | None:
    """The PUBLISHED version of the family REF names (a bare name only)."""
    if not _is_name(ref):
        return None
    rows = service.list(realm, status="PUBLISHED", name=ref)
    return rows[0] if rows else None


COMMANDS = [list_command, versions_command, show_command]
