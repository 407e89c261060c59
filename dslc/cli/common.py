"""Helpers shared by the CLI commands: printing diagnostics, reading JSON
arguments, and turning library errors into one-line messages."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from dslc.diagnostics import CompileError, Diagnostic, render
from dslc.sources import OptionError, json_object_option, json_option


def echo_diagnostics(
    diags: list[Diagnostic], source: str | None, *, color: bool | None = None
) -> None:
    for d in diags:
        text = render(d, source)
        first, _, rest = text.partition("\n")
        style = {"fg": "red", "bold": True} if d.is_error else {"fg": "yellow"}
        click.echo(
            click.style(first, **style) + ("\n" + rest if rest else ""), err=True, color=color
        )


def fail_compile(exc: CompileError) -> NoReturn:
    echo_diagnostics(exc.diagnostics, exc.source)
    n = len(exc.errors)
    click.echo(f"{n} error{'s' if n != 1 else ''}", err=True)
    sys.exit(1)


def fail(message: str) -> NoReturn:
    click.echo(f"dslc: error: {message}", err=True)
    sys.exit(1)


def json_argument(value: str | None, what: str) -> Any:
    """Parse an option given as inline JSON or as ``@path/to/file.json``
    (read as ``dslc.jsontext`` reads any JSON: size limit, byte order mark,
    located errors)."""
    if value is None:
        return None
    try:
        return json_option(value)
    except OptionError as exc:
        # Bad content in an option's value is bad input (exit 1), like a bad
        # file; click's exit 2 stays for misused options.
        fail(f"{what}: {exc}")


def json_object_argument(value: str | None, what: str) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        return json_object_option(value)
    except OptionError as exc:
        # Bad content in an option's value is bad input (exit 1), like a bad
        # file; click's exit 2 stays for misused options.
        fail(f"{what}: {exc}")
