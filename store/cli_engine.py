"""``dslc store`` commands on the engine's side: import, build-cache, score."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from store import importer, toolchain
from store.cli_common import (
    REALM_ENV,
    UUID_REF,
    StoreCliError,
    console,
    db_options,
    errors_as_lines,
    json_object,
    open_database,
    read_document,
    resolve_ref,
    summary,
)
from store.db import Database
from store.errors import StoreError
from store.loader import LoadedStrategy, StrategyLoader
from store.service import StrategyService
from store.toolchain import ExecutionError


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
    """Import GAME template/export JSON files and text-language .strat files
    (or directories of them).

    A JSON file holds a record (id, name, description, type, parentStrategyId,
    astJson, blocklyXml), a list of records, or a bare program. A .strat file
    becomes the strategy its `strategy NAME` line names (else the file name),
    with the type and parent of its `extends` line; its text is stored as
    sourceText. Directories are scanned for *.json and *.strat; a JSON record
    named like a .strat file of the same directory is skipped, as the JSON
    twin of that text, and so is an events file for `score --events`.
    Importing the same file twice changes nothing; a changed file becomes a
    new draft.
    """
    with open_database(db_url) as db:
        report = importer.import_files(
            StrategyService(db), realm, paths, publish=publish, created_by=created_by
        )
    for outcome in report.outcomes:
        extra = ", published" if outcome.published else ""
        click.echo(f"{outcome.action}{extra}: {summary(outcome.strategy)}  <- {outcome.source}")
    for skipped in report.skipped:
        click.echo(f"skipped: {skipped}")
    for failure in report.failures:
        click.echo(toolchain.error_line("DSLC_STORE_IMPORT_FAILED", str(failure)), err=True)
    counts = f"{len(report.outcomes)} imported, {len(report.failures)} failed"
    if report.skipped:
        counts += f", {len(report.skipped)} skipped"
    click.echo(counts)
    if report.failures:
        raise SystemExit(1)


@click.command("score")
@click.argument("ref", required=False)
@click.option("--fields", "fields_arg", metavar="JSON", help="Host fields (JSON object or @file).")
@click.option(
    "--data", "data_arg", metavar="JSON", help="The event payload (JSON object or @file)."
)
@click.option(
    "--events",
    "events_file",
    metavar="FILE",
    help="Score a batch: a JSON list of events (- reads stdin); prints JSON Lines.",
)
@click.option(
    "--draft",
    is_flag=True,
    help="Run exactly the version REF names, whatever its status (simulation).",
)
@db_options()
@errors_as_lines
def score_command(
    ref: str | None,
    fields_arg: str | None,
    data_arg: str | None,
    events_file: str | None,
    draft: bool,
    db_url: str | None,
    realm: str,
) -> None:
    """Score one event with strategy REF through the engine's loader.

    REF is what games and tasks store (``custom:<uuid>`` or a built-in id
    such as ``default``), or a strategy NAME / NAME@N of the realm. The
    engine runs the family's PUBLISHED version; --draft runs the named
    version itself. Prints the result as JSON.

    With --events FILE, scores every event of FILE, a JSON list of objects
    {"strategy": REF, "fields": {...}, "data": {...}, "label": "..."}
    ("strategy" defaults to the REF argument, which may then be left out;
    "fields", "data" and "label" are optional). Each strategy is loaded
    once. Prints one JSON object per event, in order (label, strategy, name,
    version, points, case_name, callback_data, or error for an event that
    failed); a failing event does not stop the batch, but the exit code is 1.
    """
    if events_file is not None:
        if fields_arg is not None or data_arg is not None:
            raise StoreCliError("--events cannot be combined with --fields or --data")
        events = read_events(events_file, ref)
        with open_database(db_url, read_only=True) as db:
            failed = _score_batch(Strategies(db, realm, draft), events)
        if failed:
            message = f"{failed} of {len(events)} events failed"
            click.echo(toolchain.error_line("DSLC_STORE_EVENTS_FAILED", message), err=True)
            raise SystemExit(1)
        return
    if ref is None:
        raise StoreCliError("missing REF (or give --events with a strategy on every event)")
    fields = json_object(fields_arg, "--fields")
    data = json_object(data_arg, "--data")
    with open_database(db_url, read_only=True) as db:
        loaded = Strategies(db, realm, draft).load(ref)
        try:
            result = loaded.score(fields=fields, data=data)
        except ExecutionError as exc:
            raise _runtime_error(exc, db, realm, loaded, fields, data) from exc
    out: dict[str, Any] = {"strategy": served_ref(loaded)}
    if loaded.definition is not None:
        out["name"] = loaded.definition.name
        out["version"] = loaded.definition.version
        out["status"] = loaded.definition.status
    out.update(
        points=result.points,
        case_name=result.case_name,
        callback_data=dict(result.callback_data),
    )
    try:
        click.echo(toolchain.result_json(out))
    except toolchain.NotJsonError as exc:
        raise StoreCliError(str(exc), exc.code) from exc


def _runtime_error(
    exc: ExecutionError,
    db: Database,
    realm: str,
    loaded: LoadedStrategy,
    fields: dict[str, Any],
    data: dict[str, Any],
) -> StoreCliError:
    """The failure at its node, with the source line and caret and the
    values involved, as 'dslc run' shows it (a bare line for a built-in)."""
    message = f"{exc.detail} (node {exc.node_id})" if exc.node_id else exc.detail
    if loaded.definition is None:
        return StoreCliError(message, exc.code)
    row = StrategyService(db).get(realm, loaded.definition.id)
    suffix = ".strat" if row.sourceText is not None else ".json"
    rendered = toolchain.render_runtime_error(
        exc,
        source_text=row.sourceText,
        ast_json=row.astJson,
        filename=f"{row.name}@{row.version}{suffix}",
        parent=loaded.parent,
        fields=fields,
        data=data,
    )
    return StoreCliError(message, exc.code, rendered=rendered)


def served_ref(loaded: LoadedStrategy) -> str:
    """The id of the version that scored: after a rollback a family's newest
    row (which NAME names) is not the one the engine serves."""
    if loaded.definition is not None:
        return f"custom:{loaded.definition.id}"
    return loaded.ref


@dataclass(frozen=True, slots=True)
class Event:
    """One event of an --events file."""

    strategy: str
    fields: dict[str, Any]
    data: dict[str, Any]
    label: str | None


_EVENT_KEYS = ("strategy", "fields", "data", "label")


def read_events(source: str, default_ref: str | None) -> list[Event]:
    """The events of an --events file (``-``: stdin), all checked before any
    is scored: a malformed file is one error, not a half-scored batch."""
    name = "<stdin>" if source == "-" else source
    document = read_document(source, "--events")
    if not isinstance(document, list):
        raise StoreCliError(f"--events: {name} must hold a JSON list of events")
    return [_event(item, f"{name}[{index}]", default_ref) for index, item in enumerate(document)]


def _event(item: object, where: str, default_ref: str | None) -> Event:
    if not isinstance(item, dict):
        raise StoreCliError(f"--events: {where}: an event is a JSON object")
    unknown = sorted(set(item) - set(_EVENT_KEYS))
    if unknown:
        # A misspelt "fields" would otherwise score the event with no fields.
        raise StoreCliError(
            f"--events: {where}: unknown key {unknown[0]!r} (known: {', '.join(_EVENT_KEYS)})"
        )
    strategy = item.get("strategy", default_ref)
    if strategy is None:
        raise StoreCliError(f'--events: {where}: no "strategy" and no REF argument')
    if not isinstance(strategy, str) or not strategy:
        raise StoreCliError(f'--events: {where}: "strategy" must be a non-empty string')
    label = item.get("label")
    if label is not None and not isinstance(label, str):
        raise StoreCliError(f'--events: {where}: "label" must be a string')
    parts: dict[str, dict[str, Any]] = {}
    for key in ("fields", "data"):
        value = item.get(key, {})
        if not isinstance(value, dict):
            raise StoreCliError(f"--events: {where}: {key!r} must be a JSON object")
        parts[key] = value
    return Event(strategy=strategy, fields=parts["fields"], data=parts["data"], label=label)


def _score_batch(strategies: Strategies, events: list[Event]) -> int:
    """Print one JSON line per event; return how many failed."""
    failed = 0
    for event in events:
        # Every line has the same leading keys, whatever happened to the event.
        out: dict[str, Any] = {
            "label": event.label,
            "strategy": event.strategy,
            "name": None,
            "version": None,
        }
        try:
            loaded = strategies.load(event.strategy)
        except StoreError as exc:
            # The strategy cannot be served (unknown name, nothing published,
            # does not compile): this event fails, the batch goes on.
            out["error"] = {"code": None, "node_id": None, "message": str(exc)}
        else:
            out["strategy"] = served_ref(loaded)
            if loaded.definition is not None:
                out["name"] = loaded.definition.name
                out["version"] = loaded.definition.version
            try:
                result = loaded.score(fields=event.fields, data=event.data)
            except ExecutionError as exc:
                out["error"] = {"code": exc.code, "node_id": exc.node_id, "message": exc.detail}
            else:
                out.update(
                    points=result.points,
                    case_name=result.case_name,
                    callback_data=dict(result.callback_data),
                )
        try:
            line = toolchain.result_json(out, indent=None)
        except toolchain.NotJsonError as exc:
            # The event's result cannot be written as JSON: it fails.
            for key in ("points", "case_name", "callback_data"):
                out.pop(key, None)
            out["error"] = {"code": exc.code, "node_id": None, "message": str(exc)}
            line = toolchain.result_json(out, indent=None)
        failed += "error" in out
        click.echo(line)
    return failed


class Strategies:
    """Resolves REFs as the engine does and loads each strategy once per command."""

    def __init__(self, db: Database, realm: str, draft: bool) -> None:
        self.db = db
        self.realm = realm
        self.draft = draft
        self.loader = StrategyLoader(db, memo_size=0)
        # A failure is kept too: a batch naming a missing strategy a hundred
        # times asks the database once.
        self._by_ref: dict[str, LoadedStrategy | StoreError] = {}
        # NAME, NAME@N and the row's id may all lead to the same program.
        self._by_key: dict[str, LoadedStrategy] = {}

    def load(self, ref: str) -> LoadedStrategy:
        found = self._by_ref.get(ref)
        if found is None:
            try:
                found = self._served(self._key(ref))
            except StoreError as exc:
                found = exc
            self._by_ref[ref] = found
        if isinstance(found, StoreError):
            raise found
        return found

    def _key(self, ref: str) -> str:
        """A built-in id, or ``custom:<uuid>`` of the row REF names."""
        if UUID_REF.match(ref) and not ref.startswith("custom:"):
            return f"custom:{ref}"
        if ref.startswith("custom:") or (ref in toolchain.builtin_registry() and not self.draft):
            return ref
        return resolve_ref(StrategyService(self.db), self.realm, ref).strategy_ref

    def _served(self, key: str) -> LoadedStrategy:
        loaded = self._by_key.get(key)
        if loaded is None:
            if self.draft:
                loaded = self.loader.simulate(self.realm, key)
            else:
                loaded = self.loader.load(key, realm_id=self.realm)
            self._by_key[key] = loaded
        return loaded


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
        click.echo(toolchain.error_line("DSLC_STORE_COMPILE_FAILED", failure), err=True)
    cached = len(targets) - compiled - len(failures)
    click.echo(
        f"{len(targets)} definitions: {compiled} compiled, {cached} already cached, "
        f"{len(failures)} failed"
    )
    if failures:
        raise SystemExit(1)


COMMANDS = [import_command, score_command, build_cache_command]
