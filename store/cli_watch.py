"""``dslc store watch``: print what engine processes hear about changes."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from store.cli_common import StoreCliError, db_options, errors_as_lines, open_database
from store.db import Database, resolve_url
from store.notify import CHANNEL, Change, generation


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Printer:
    """Prints one line per change; tells the main thread when ``count`` is reached."""

    def __init__(self, as_json: bool, count: int | None) -> None:
        self.as_json = as_json
        self.count = count
        self.printed = 0
        self.done = threading.Event()
        self._lock = threading.Lock()

    def change(self, change: Change, **extra: object) -> None:
        if self.as_json:
            fields: dict[str, object] = {"at": _now(), "op": change.op}
            fields.update(realm=change.realm, name=change.name, id=change.id)
            fields.update(version=change.version, **extra)
            line = json.dumps(fields, ensure_ascii=False)
        else:
            line = f"{_now()} {change.describe()}"
        with self._lock:
            if self.done.is_set():
                return
            click.echo(line)
            self.printed += 1
            if self.count is not None and self.printed >= self.count:
                self.done.set()


@click.command("watch")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    help="Exit after this many lines (default: run until Ctrl-C).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05, max=3600),
    default=1.0,
    show_default=True,
    help="SQLite only: seconds between two reads of the generation counter.",
)
@db_options(realm=False)
@errors_as_lines
def watch_command(as_json: bool, count: int | None, interval: float, db_url: str | None) -> None:
    """Print one line per change to what a strategy family serves.

    This is what a watching engine process hears (``StrategyLoader(db,
    watch=True)``): publish, rollback, archive and update, from any process.

    PostgreSQL: listens on the channel dslc_strategy (LISTEN/NOTIFY); each
    line names the operation, realm, family, version and row id. A lost
    connection is reported on stderr and retried with backoff; changes made
    while it was down are not replayed.

    SQLite has no notifications: the command reads the store's generation
    counter every --interval seconds and prints a line when it moved; it
    cannot say which family changed.

    Status messages go to stderr, change lines to stdout. Ctrl-C stops it
    (exit status 0).
    """
    url = resolve_url(db_url)
    printer = _Printer(as_json, count)
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreCliError(f"watch supports PostgreSQL and SQLite databases, not {backend}")
    if backend == "sqlite":
        _check_sqlite_file(url)
        with open_database(url) as db:
            _poll_sqlite(db, printer, interval)
        return
    _listen_postgres(url, printer)


def _check_sqlite_file(url: str) -> None:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise StoreCliError("an in-memory SQLite database has nothing to watch")
    if not Path(path).is_file():
        raise StoreCliError(f"no SQLite database at {path}", "DSLC_STORE_NO_DATABASE")


def _poll_sqlite(db: Database, printer: _Printer, interval: float) -> None:
    # Everything inside the try: Ctrl-C may come as soon as the first line is out.
    try:
        with db.read_connection() as conn:
            last = generation(conn)
        click.echo(
            f"watching {db.url} (SQLite: generation counter every {interval:g}s; Ctrl-C stops)",
            err=True,
        )
        while not printer.done.wait(interval):
            with db.read_connection() as conn:
                current = generation(conn)
            if current != last:
                printer.change(Change(op="changed"), generation=current)
                last = current
    except KeyboardInterrupt:
        pass


def _listen_postgres(url: str, printer: _Printer) -> None:
    from store.watch import Listener

    def connected() -> None:
        click.echo(f"listening on {CHANNEL} (Ctrl-C stops)", err=True)

    failure: list[str] = []

    def lost(exc: BaseException, delay: float) -> None:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if listener.connects == 0:
            # Never connected: a wrong URL or a server that is down. Say so
            # and stop rather than retry forever.
            failure.append(reason)
            printer.done.set()
            return
        click.echo(f"connection lost ({reason}); reconnecting in {delay:.1f}s", err=True)

    listener = Listener(url, printer.change, on_connect=connected, on_disconnect=lost)
    try:
        listener.start()
        while not printer.done.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        listener.stop()
    if failure:
        raise StoreCliError(f"cannot listen on {CHANNEL}: {failure[0]}", "DSLC_STORE_DATABASE")


COMMANDS = [watch_command]
