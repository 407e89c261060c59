"""``dslc store`` commands on the engine's side: import, build-cache, score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from store import compiler, importer
from store.cli_common import (
    REALM_ENV,
    UUID_REF,
    StoreCliError,
    console,
    db_options,
    errors_as_lines,
    json_object,
    open_database,
    resolve_ref,
    summary,
)
from store.errors import StoreError
from store.loader import StrategyLoader
from store.service import StrategyService


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish each imported strategy.")
@click.option("--created-by", help="Author recorded on new rows.")
@db_options()
@errors_as_lines
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
    with open_database(db_url) as db:
        outcomes, failures = importer.import_paths(
            StrategyService(db), realm, paths, publish=publish, created_by=created_by
        )
    for outcome in outcomes:
        extra = ", published" if outcome.published else ""
        click.echo(f"{outcome.action}{extra}: {summary(outcome.strategy)}  <- {outcome.source}")
    for failure in failures:
        click.echo(f"error: {failure}", err=True)
    click.echo(f"{len(outcomes)} imported, {len(failures)} failed")
    if failures:
        raise SystemExit(1)


@click.command("score")
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
@db_options()
@errors_as_lines
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
    fields = json_object(fields_arg, "--fields")
    data = json_object(data_arg, "--data")
    with open_database(db_url) as db:
        loader = StrategyLoader(db, memo_size=0)
        if UUID_REF.match(ref) and not ref.startswith("custom:"):
            ref = f"custom:{ref}"
        if not ref.startswith("custom:") and ref in compiler.builtin_registry() and not draft:
            loaded = loader.load(ref)
        else:
            if not ref.startswith("custom:"):
                ref = resolve_ref(StrategyService(db), realm, ref).strategy_ref
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


@click.command("build-cache")
@click.option("--drafts", is_flag=True, help="Also precompile drafts (for simulation).")
@click.option("--realm", envvar=REALM_ENV, help="Only this realm (default: every realm).")
@db_options(realm=False)
@errors_as_lines
def build_cache_command(drafts: bool, realm: str | None, db_url: str | None) -> None:
    """Precompile every published definition into the bytecode cache.

    Run after deploying a new compiler or VM, so that no scoring event pays
    for a compilation. Entries already cached are only verified.
    """
    with open_database(db_url) as db:
        loader = StrategyLoader(db, memo_size=0)
        targets = loader.cache_targets(realm_id=realm, include_drafts=drafts)
        compiled = 0
        failures: list[str] = []
        progress = Progress(
            TextColumn("[bold]build-cache"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console(),
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


COMMANDS = [import_command, score_command, build_cache_command]
