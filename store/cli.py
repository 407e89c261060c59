"""``dslc store``: manage stored strategies from the command line.

Every command takes ``--db URL`` (else ``$DSLC_DATABASE_URL``, else the
SQLite file ``dslc.db`` in the working directory) and, where rows are
concerned, ``--realm`` (else ``$DSLC_REALM``, else ``default``). A store
error is printed as one line on stderr with exit code 1, never a traceback.

A strategy REF is a row id (``<uuid>`` or ``custom:<uuid>``), ``NAME@N``
(version N of the family NAME) or ``NAME`` (its newest version).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from store import compiler, importer, migrate
from store.db import DEFAULT_URL, ENV_VAR, Database
from store.errors import StoreError
from store.loader import StrategyLoader
from store.schemas import StrategyRead
from store.service import StrategyService

F = TypeVar("F", bound=Callable[..., Any])

REALM_ENV = "DSLC_REALM"
_UUID = re.compile(r"^(custom:)?[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
_NAME_AT_VERSION = re.compile(r"^(?P<name>.+)@(?P<version>[0-9]+)$")


class StoreCliError(click.ClickException):
    """One readable line on stderr, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def _options(*, realm: bool = True) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        func = click.option(
            "--db",
            "db_url",
            envvar=ENV_VAR,
            metavar="URL",
            help=f"Database URL (env {ENV_VAR}; default {DEFAULT_URL}), e.g. "
            "postgresql+psycopg://user@host/db.",
        )(func)
        if realm:
            func = click.option(
                "--realm",
                envvar=REALM_ENV,
                default="default",
                show_default=True,
                help=f"Realm (tenant) the strategies belong to (env {REALM_ENV}).",
            )(func)
        return func

    return decorate


def _errors_as_lines(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except StoreError as exc:
            raise StoreCliError(str(exc)) from exc
        except SQLAlchemyError as exc:
            raise StoreCliError(f"database error: {_first_line(exc)}") from exc
        except OSError as exc:
            raise StoreCliError(f"{exc.filename or 'file'}: {exc.strerror or exc}") from exc

    return wrapper  # type: ignore[return-value]


@contextmanager
def _database(db_url: str | None) -> Iterator[Database]:
    db = Database(db_url)
    try:
        yield db
    finally:
        db.dispose()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(exc).__name__])[0]


def _console() -> Console:
    # Created per call: click's test runner swaps stdout between invocations.
    return Console(soft_wrap=True, highlight=False)


def _resolve(service: StrategyService, realm: str, ref: str) -> StrategyRead:
    if _UUID.match(ref):
        return service.get(realm, ref)
    match = _NAME_AT_VERSION.match(ref)
    if match:
        return service.find(realm, match["name"], int(match["version"]))
    return service.find(realm, ref)


def _summary(row: StrategyRead) -> str:
    return f"{row.name!r} version {row.version} ({row.status.value}) {row.strategy_ref}"


def _program_from_file(path: Path) -> dict[str, Any]:
    """``astJson`` from a .json file, ``sourceText`` from anything else."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() != ".json":
        return {"sourceText": text}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StoreCliError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise StoreCliError(f"{path}: expected a program object")
    return {"astJson": document}


@click.group("store")
def store_group() -> None:
    """Versioned strategy definitions and their bytecode cache (SQLite or Postgres)."""


@store_group.command("init")
@_options(realm=False)
@_errors_as_lines
def init_command(db_url: str | None) -> None:
    """Create the store's tables, or upgrade them to the newest schema.

    A database that already holds the GAME engine's strategydefinition table
    is adopted: its rows are kept and the store's additions are applied.
    """
    with _database(db_url) as db:
        result = migrate.init(db)
        where = db.engine.url.render_as_string(hide_password=True)
    if result.adopted:
        click.echo(f"adopted the GAME database {where}; schema now at {result.after}")
    elif result.changed:
        click.echo(f"initialised {where} at schema revision {result.after}")
    else:
        click.echo(f"{where} is up to date (schema revision {result.after})")


@store_group.command("create")
@click.argument("name")
@click.option(
    "--file",
    "program_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The program: a GAME JSON AST (.json) or text-language source (.strat).",
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
@_options()
@_errors_as_lines
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
        "type": type_,
        "parentStrategyId": parent,
        "description": description,
        "createdBy": created_by,
        "experimentTag": experiment_tag,
        **_program_from_file(program_file),
    }
    if blockly is not None:
        payload["blocklyXml"] = blockly.read_text(encoding="utf-8")
    with _database(db_url) as db:
        row = StrategyService(db).create(realm, payload)
    click.echo(f"created {_summary(row)}")


@store_group.command("update")
@click.argument("ref")
@click.option(
    "--file",
    "program_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="New program: a GAME JSON AST (.json) or text-language source (.strat).",
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
@_options()
@_errors_as_lines
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
        changes.update(_program_from_file(program_file))
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
        changes["blocklyXml"] = blockly.read_text(encoding="utf-8")
    if experiment_tag is not None:
        changes["experimentTag"] = experiment_tag
    if not changes:
        raise StoreCliError("nothing to update: give --file, --description, --type, ...")
    with _database(db_url) as db:
        service = StrategyService(db)
        before = _resolve(service, realm, ref)
        row = service.update(realm, before.id, changes)
    if row.id == before.id:
        click.echo(f"updated draft {_summary(row)}")
    else:
        click.echo(f"created draft {_summary(row)} from published version {before.version}")


@store_group.command("publish")
@click.argument("ref")
@_options()
@_errors_as_lines
def publish_command(ref: str, db_url: str | None, realm: str) -> None:
    """Publish strategy REF (a draft); the family's published version is archived."""
    with _database(db_url) as db:
        service = StrategyService(db)
        before = _resolve(service, realm, ref)
        row = service.publish(realm, before.id)
    verb = "already published" if before.status.value == "PUBLISHED" else "published"
    click.echo(f"{verb} {_summary(row)}")


@store_group.command("archive")
@click.argument("ref")
@_options()
@_errors_as_lines
def archive_command(ref: str, db_url: str | None, realm: str) -> None:
    """Archive strategy REF (it is no longer served or editable)."""
    with _database(db_url) as db:
        service = StrategyService(db)
        row = service.archive(realm, _resolve(service, realm, ref).id)
    click.echo(f"archived {_summary(row)}")


@store_group.command("rollback")
@click.argument("name")
@click.argument("version", type=click.IntRange(min=1))
@_options()
@_errors_as_lines
def rollback_command(name: str, version: int, db_url: str | None, realm: str) -> None:
    """Publish VERSION of strategy NAME again; the current published one is archived."""
    with _database(db_url) as db:
        row = StrategyService(db).rollback(realm, name, version)
    click.echo(f"rolled back: {_summary(row)}")


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
            row.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
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


@store_group.command("list")
@click.option(
    "--status",
    type=click.Choice(["DRAFT", "PUBLISHED", "ARCHIVED"], case_sensitive=False),
    help="Only rows with this status.",
)
@click.option("--name", help="Only the family with this name.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_options()
@_errors_as_lines
def list_command(
    status: str | None, name: str | None, as_json: bool, db_url: str | None, realm: str
) -> None:
    """List the realm's strategy versions, by name then newest first."""
    with _database(db_url) as db:
        rows = StrategyService(db).list(realm, status=status, name=name)
    if as_json:
        click.echo(_dump(rows, full=False))
    elif not rows:
        click.echo(f"no strategies in realm {realm!r}")
    else:
        _console().print(_table(rows, f"realm {realm}"))


@store_group.command("versions")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_options()
@_errors_as_lines
def versions_command(name: str, as_json: bool, db_url: str | None, realm: str) -> None:
    """List every version of strategy NAME, newest first."""
    with _database(db_url) as db:
        rows = StrategyService(db).versions(realm, name)
    if as_json:
        click.echo(_dump(rows, full=False))
    else:
        _console().print(_table(rows, f"{name} (realm {realm})"))


@store_group.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="The whole row as JSON.")
@_options()
@_errors_as_lines
def show_command(ref: str, as_json: bool, db_url: str | None, realm: str) -> None:
    """Show strategy REF with its program."""
    with _database(db_url) as db:
        row = _resolve(StrategyService(db), realm, ref)
    if as_json:
        click.echo(json.dumps(row.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    lines = [
        f"{row.name} — version {row.version}, {row.status.value}",
        f"  id           {row.strategy_ref}",
        f"  realm        {row.realmId}",
        f"  type         {row.type.value}"
        + (f" (parent {row.parentStrategyId})" if row.parentStrategyId else ""),
        f"  created      {row.created_at.isoformat()}"
        + (f" by {row.createdBy}" if row.createdBy else ""),
        f"  updated      {row.updated_at.isoformat()}",
    ]
    if row.publishedAt:
        lines.append(f"  published    {row.publishedAt.isoformat()}")
    if row.experimentTag:
        lines.append(f"  experiment   {row.experimentTag}")
    if row.description:
        lines.append(f"  description  {row.description}")
    click.echo("\n".join(lines))
    if row.sourceText is not None:
        click.echo("\n" + row.sourceText.rstrip("\n"))
    else:
        click.echo("\n" + json.dumps(row.astJson, ensure_ascii=False, indent=2))


@store_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish each imported strategy.")
@click.option("--created-by", help="Author recorded on new rows.")
@_options()
@_errors_as_lines
def import_command(
    paths: tuple[Path, ...],
    publish: bool,
    created_by: str | None,
    db_url: str | None,
    realm: str,
) -> None:
    """Import GAME template/export JSON files (or directories of them).

    Each file holds a record (id, name, description, type, parentStrategyId,
    astJson, blocklyXml), a list of records, or a bare program. Importing the
    same file twice changes nothing; a changed file becomes a new draft.
    """
    with _database(db_url) as db:
        outcomes, failures = importer.import_paths(
            StrategyService(db), realm, paths, publish=publish, created_by=created_by
        )
    for outcome in outcomes:
        extra = ", published" if outcome.published else ""
        click.echo(f"{outcome.action}{extra}: {_summary(outcome.strategy)}  <- {outcome.source}")
    for failure in failures:
        click.echo(f"error: {failure}", err=True)
    click.echo(f"{len(outcomes)} imported, {len(failures)} failed")
    if failures:
        raise SystemExit(1)


def _json_object(value: str | None, option: str) -> dict[str, Any]:
    """A JSON object given inline or as ``@file.json``."""
    if value is None:
        return {}
    try:
        text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
        parsed = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        raise StoreCliError(f"{option}: {exc}") from exc
    if not isinstance(parsed, dict):
        raise StoreCliError(f"{option}: expected a JSON object")
    return parsed


@store_group.command("score")
@click.argument("ref")
@click.option("--fields", "fields_arg", metavar="JSON", help="Host fields (JSON object or @file).")
@click.option(
    "--data", "data_arg", metavar="JSON", help="The event payload (JSON object or @file)."
)
@click.option(
    "--draft",
    is_flag=True,
    help="Run exactly the version REF names, whatever its status (simulation).",
)
@_options()
@_errors_as_lines
def score_command(
    ref: str,
    fields_arg: str | None,
    data_arg: str | None,
    draft: bool,
    db_url: str | None,
    realm: str,
) -> None:
    """Score one event with strategy REF through the engine's loader.

    REF is what games and tasks store (``custom:<uuid>`` or a built-in id
    such as ``default``), or a strategy NAME / NAME@N of the realm. The
    engine runs the family's PUBLISHED version; --draft runs the named
    version itself. Prints the result as JSON.
    """
    fields = _json_object(fields_arg, "--fields")
    data = _json_object(data_arg, "--data")
    with _database(db_url) as db:
        loader = StrategyLoader(db, memo_size=0)
        if _UUID.match(ref) and not ref.startswith("custom:"):
            ref = f"custom:{ref}"
        if not ref.startswith("custom:") and ref in compiler.builtin_registry() and not draft:
            loaded = loader.load(ref)
        else:
            if not ref.startswith("custom:"):
                ref = _resolve(StrategyService(db), realm, ref).strategy_ref
            loaded = loader.simulate(realm, ref) if draft else loader.load(ref, realm_id=realm)
    try:
        result = loaded.score(fields=fields, data=data)
    except Exception as exc:
        code = getattr(exc, "code", None)
        if code is None:
            raise
        node = getattr(exc, "node_id", None)
        where = f" at node {node}" if node else ""
        raise StoreCliError(f"runtime error[{code}]{where}: {getattr(exc, 'detail', exc)}") from exc
    out: dict[str, Any] = {"strategy": loaded.ref}
    if loaded.definition is not None:
        out["name"] = loaded.definition.name
        out["version"] = loaded.definition.version
        out["status"] = loaded.definition.status
    out.update(
        points=result.points,
        case_name=result.case_name,
        callback_data=dict(result.callback_data),
    )
    click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=repr))


@store_group.command("build-cache")
@click.option("--drafts", is_flag=True, help="Also precompile drafts (for simulation).")
@click.option("--realm", envvar=REALM_ENV, help="Only this realm (default: every realm).")
@_options(realm=False)
@_errors_as_lines
def build_cache_command(drafts: bool, realm: str | None, db_url: str | None) -> None:
    """Precompile every published definition into the bytecode cache.

    Run after deploying a new compiler or VM, so that no scoring event pays
    for a compilation. Entries already cached are only verified.
    """
    with _database(db_url) as db:
        loader = StrategyLoader(db, memo_size=0)
        targets = loader.cache_targets(realm_id=realm, include_drafts=drafts)
        compiled = 0
        failures: list[str] = []
        progress = Progress(
            TextColumn("[bold]build-cache"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=_console(),
        )
        with progress:
            task = progress.add_task("compiling", total=len(targets))
            for strategy_id in targets:
                try:
                    compiled += loader.warm(strategy_id)
                except StoreError as exc:
                    failures.append(f"{strategy_id}: {exc}")
                progress.advance(task)
    for failure in failures:
        click.echo(f"error: {failure}", err=True)
    cached = len(targets) - compiled - len(failures)
    click.echo(
        f"{len(targets)} definitions: {compiled} compiled, {cached} already cached, "
        f"{len(failures)} failed"
    )
    if failures:
        raise SystemExit(1)
