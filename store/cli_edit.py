"""``dslc store`` commands that change definitions: init, create, update,
publish, archive, rollback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from store import migrate
from store.cli_common import (
    StoreCliError,
    db_options,
    errors_as_lines,
    open_database,
    program_from_file,
    read_file_text,
    resolve_ref,
    summary,
)
from store.service import StrategyService


@click.command("init")
@db_options(realm=False)
@errors_as_lines
def init_command(db_url: str | None) -> None:
    """Create the store's tables, or upgrade them to the newest schema.

    Standalone (no strategydefinition table yet): creates GAME's table
    exactly as GAME's migrations do, then the store's own tables. On GAME's
    database (run GAME's migrations first): adopts GAME's table as it is,
    whatever GAME's revision, and adds only the store's own objects. The
    store's history is kept in its own version table (dslc_alembic_version),
    so GAME's `alembic upgrade head` and this command can run in any order.
    Prints which mode it chose.
    """
    with open_database(db_url) as db:
        result = migrate.init(db)
        where = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"mode: {result.describe()}")
    if result.adopted:
        click.echo(f"adopted the GAME database {where}; store schema now at {result.after}")
    elif result.changed:
        click.echo(f"initialised {where} at store schema revision {result.after}")
    else:
        click.echo(f"{where} is up to date (store schema revision {result.after})")


@click.command("create")
@click.argument("name")
@click.option(
    "--file",
    "program_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The program: a GAME JSON AST (.json), text-language source (.strat) "
    "or Blockly workspace (.xml, also stored as blocklyXml).",
)
@click.option(
    "--type",
    "type_",
    type=click.Choice(["DSL_FULL", "DSL_EXTEND"]),
    help="Strategy type (default: DSL_EXTEND when the text has an `extends` line, else DSL_FULL).",
)
@click.option("--parent", help="Parent built-in id (DSL_EXTEND only), e.g. default.")
@click.option("--description", help="Free text shown on the dashboard.")
@click.option(
    "--blockly",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Blockly workspace XML to store alongside.",
)
@click.option("--created-by", help="Author recorded on the row.")
@click.option("--experiment-tag", help="Experiment tag recorded on the row.")
@db_options()
@errors_as_lines
def create_command(
    name: str,
    program_file: Path,
    type_: str | None,
    parent: str | None,
    description: str | None,
    blockly: Path | None,
    created_by: str | None,
    experiment_tag: str | None,
    db_url: str | None,
    realm: str,
) -> None:
    """Create strategy NAME as version 1, DRAFT (refused if it does not compile)."""
    payload: dict[str, Any] = {
        "name": name,
        "description": description,
        "createdBy": created_by,
        "experimentTag": experiment_tag,
        **program_from_file(program_file),
    }
    # The options win over what a GAME record says.
    if type_ is not None or "type" not in payload:
        payload["type"] = type_
    if parent is not None or "parentStrategyId" not in payload:
        payload["parentStrategyId"] = parent
    if blockly is not None:
        payload["blocklyXml"] = read_file_text(blockly)
    with open_database(db_url) as db:
        row = StrategyService(db).create(realm, payload)
    click.echo(f"created {summary(row)}")


@click.command("update")
@click.argument("ref")
@click.option(
    "--file",
    "program_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="New program: a GAME JSON AST (.json), text-language source (.strat) "
    "or Blockly workspace (.xml).",
)
@click.option("--type", "type_", type=click.Choice(["DSL_FULL", "DSL_EXTEND"]), help="New type.")
@click.option("--parent", help="New parent built-in id.")
@click.option("--no-parent", is_flag=True, help="Remove the parent (for a switch to DSL_FULL).")
@click.option("--description", help="New description.")
@click.option(
    "--blockly",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="New Blockly workspace XML.",
)
@click.option("--experiment-tag", help="New experiment tag.")
@db_options()
@errors_as_lines
def update_command(
    ref: str,
    program_file: Path | None,
    type_: str | None,
    parent: str | None,
    no_parent: bool,
    description: str | None,
    blockly: Path | None,
    experiment_tag: str | None,
    db_url: str | None,
    realm: str,
) -> None:
    """Change strategy REF.

    A DRAFT is changed in place; a PUBLISHED version is left untouched and a
    new DRAFT is created from it; an ARCHIVED version cannot change.
    """
    changes: dict[str, Any] = {}
    if program_file is not None:
        changes.update(program_from_file(program_file))
    if type_ is not None:
        changes["type"] = type_
    if parent is not None and no_parent:
        raise StoreCliError("--parent and --no-parent exclude each other")
    if parent is not None:
        changes["parentStrategyId"] = parent
    if no_parent:
        changes["parentStrategyId"] = None
    if description is not None:
        changes["description"] = description
    if blockly is not None:
        changes["blocklyXml"] = read_file_text(blockly)
    if experiment_tag is not None:
        changes["experimentTag"] = experiment_tag
    if not changes:
        raise StoreCliError("nothing to update: give --file, --description, --type, ...")
    with open_database(db_url) as db:
        service = StrategyService(db)
        before = resolve_ref(service, realm, ref)
        row = service.update(realm, before.id, changes)
    if row.id == before.id:
        click.echo(f"updated draft {summary(row)}")
    else:
        click.echo(f"created draft {summary(row)} from published version {before.version}")


@click.command("publish")
@click.argument("ref")
@db_options()
@errors_as_lines
def publish_command(ref: str, db_url: str | None, realm: str) -> None:
    """Publish strategy REF (a draft); the family's published version is archived."""
    with open_database(db_url) as db:
        service = StrategyService(db)
        before = resolve_ref(service, realm, ref)
        row = service.publish(realm, before.id)
    verb = "already published" if before.status.value == "PUBLISHED" else "published"
    click.echo(f"{verb} {summary(row)}")


@click.command("archive")
@click.argument("ref")
@db_options()
@errors_as_lines
def archive_command(ref: str, db_url: str | None, realm: str) -> None:
    """Archive strategy REF (it is no longer served or editable)."""
    with open_database(db_url) as db:
        service = StrategyService(db)
        row = service.archive(realm, resolve_ref(service, realm, ref).id)
    click.echo(f"archived {summary(row)}")


@click.command("rollback")
@click.argument("name")
@click.argument("version", type=click.IntRange(min=1))
@db_options()
@errors_as_lines
def rollback_command(name: str, version: int, db_url: str | None, realm: str) -> None:
    """Publish VERSION of strategy NAME again; the current published one is archived."""
    with open_database(db_url) as db:
        row = StrategyService(db).rollback(realm, name, version)
    click.echo(f"rolled back: {summary(row)}")


COMMANDS = [
    init_command,
    create_command,
    update_command,
    publish_command,
    archive_command,
    rollback_command,
]
