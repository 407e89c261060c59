"""What every ``dslc store`` command shares: the ``--db``/``--realm``
options, one-line errors, strategy references and small I/O helpers."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from store import toolchain
from store.db import DEFAULT_URL, ENV_VAR, Database, resolve_url
from store.errors import NotFound, StoreError
from store.schemas import StrategyRead
from store.service import StrategyService
from store.toolchain import CompileError, jsontext

F = TypeVar("F", bound=Callable[..., Any])

REALM_ENV = "DSLC_REALM"
UUID_REF = re.compile(r"^(custom:)?[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
NAME_AT_VERSION = re.compile(r"^(?P<name>.+)@(?P<version>[0-9]+)$")


USAGE = "DSLC_USAGE"


class StoreCliError(click.ClickException):
    """A failure shown in dslc's one error style (``error[CODE]: message``,
    or the rendered diagnostics of a program), exit code 1."""

    def __init__(self, message: str, code: str = USAGE, *, rendered: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.dslc_code = code  # read by dslc.report when dslc shows this error
        self.rendered = rendered

    def show(self, file: Any = None) -> None:
        if self.rendered is not None:
            click.echo(self.rendered, err=True)
        else:
            click.echo(toolchain.error_line(self.code, self.format_message()), err=True)


def db_options(*, realm: bool = True) -> Callable[[F], F]:
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


def errors_as_lines(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except StoreError as exc:
            cause = exc.__cause__
            if isinstance(cause, toolchain.CompileError):
                # The program's own diagnostics, as 'dslc check' prints them.
                path = kwargs.get("program_file")
                rendered = toolchain.render_compile_error(cause, str(path) if path else None)
                raise StoreCliError(str(exc), exc.code, rendered=rendered) from exc
            raise StoreCliError(str(exc), exc.code) from exc
        except SQLAlchemyError as exc:
            raise StoreCliError(
                f"database error: {first_line(exc)}", "DSLC_STORE_DATABASE"
            ) from exc
        except OSError as exc:
            raise StoreCliError(exc.strerror or str(exc), "DSLC_FILE_UNREADABLE") from exc

    return wrapper  # type: ignore[return-value]


@contextmanager
def open_database(db_url: str | None, *, read_only: bool = False) -> Iterator[Database]:
    """The store at DB_URL. A read-only command on a SQLite file that does
    not exist is an error: SQLite would create an empty file (and a
    misspelt path would go unnoticed)."""
    db = Database(db_url)  # refuses a URL it cannot use, before anything is opened
    if read_only:
        missing = missing_sqlite_file(db_url)
        if missing is not None:
            db.dispose()
            raise StoreCliError(
                f"no database at {missing} (create it with: dslc store init --db URL)",
                "DSLC_STORE_NO_DATABASE",
            )
    try:
        yield db
    finally:
        db.dispose()


def missing_sqlite_file(db_url: str | None) -> str | None:
    """The path of a SQLite database file that does not exist, else None."""
    url = make_url(resolve_url(db_url))
    if url.get_backend_name() != "sqlite":
        return None
    path = url.database
    if not path or path == ":memory:" or url.query.get("mode") == "memory":
        return None
    return None if Path(path).exists() else path


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(exc).__name__])[0]


def console() -> Console:
    # Created per call: click's test runner swaps stdout between invocations.
    return Console(soft_wrap=True, highlight=False)


def resolve_ref(service: StrategyService, realm: str, ref: str) -> StrategyRead:
    if UUID_REF.match(ref):
        return service.get(realm, ref)
    match = NAME_AT_VERSION.match(ref)
    if match:
        digits = match["version"].lstrip("0") or "0"
        if len(digits) > 10:  # no version is that large (and int() of it may be refused)
            name = match["name"]
            raise NotFound(f"no strategy {name!r} version {digits[:12]}... in realm {realm!r}")
        return service.find(realm, match["name"], int(digits))
    return service.find(realm, ref)


def summary(row: StrategyRead) -> str:
    return f"{row.name!r} version {row.version} ({row.status.value}) {row.strategy_ref}"


def program_from_file(path: Path) -> dict[str, Any]:
    """The program columns of a strategy file, read as every ``dslc`` command
    reads it: ``sourceText`` from text; ``astJson`` from a JSON AST; from a
    GAME record its program and, as the record says, its type and parent."""
    src = toolchain.read_strategy(path)
    payload: dict[str, Any] = {}
    if src.text is not None:
        payload["sourceText"] = src.text
    else:
        payload["astJson"] = src.ast
    if src.kind == "blockly":
        # A workspace: its program, the XML itself, and DSL_EXTEND when it
        # has extension sections (the parent is for --parent to say).
        payload["blocklyXml"] = src.blockly_xml
        payload["type"] = src.header.type
    if "type" in src.record:
        payload["type"] = src.header.type
    if "parentStrategyId" in src.record:
        payload["parentStrategyId"] = src.header.parent
    return payload


def read_document(path: str, what: str) -> Any:
    """A JSON file (``-``: standard input) read as every tool reads JSON
    (``dslc.jsontext``): size limit, byte order mark, located errors."""
    try:
        raw = sys.stdin.buffer.read() if path == "-" else jsontext.read_file(path)
        return jsontext.loads(raw, "<stdin>" if path == "-" else path)
    except CompileError as exc:
        message = jsontext.message(exc)
        if exc.diagnostics[0].code.startswith("DSLC_JSON_"):
            name = exc.diagnostics[0].filename or "the value"
            bare = jsontext.message(exc, with_name=False).removeprefix("invalid JSON: ")
            message = f"{name} is not valid JSON: {bare}"
        raise StoreCliError(message if what == path else f"{what}: {message}") from None


def read_file_text(path: Path) -> str:
    """A text file (a Blockly workspace, say): within the size limit and
    UTF-8, else a one-line error naming the file."""
    try:
        return jsontext.decode(jsontext.read_file(str(path)), str(path), keep_offsets=False)
    except CompileError as exc:
        raise StoreCliError(jsontext.message(exc)) from None


def json_object(value: str | None, option: str) -> dict[str, Any]:
    """A JSON object given inline or as ``@file.json`` (read as ``dslc run``
    reads its options)."""
    if value is None:
        return {}
    try:
        return toolchain.json_object_option(value)
    except toolchain.OptionError as exc:
        raise StoreCliError(f"{option}: {exc}", "DSLC_JSON_SYNTAX") from None
