"""Helpers shared by the CLI commands: failing in the one error style
(``dslc.report``), reading JSON arguments.

``echo_diagnostics`` is re-exported from ``dslc.report`` for the commands."""

from __future__ import annotations

import re
import sys
from typing import Any, NoReturn

import click

from dslc import codes
from dslc.diagnostics import CompileError
from dslc.report import echo_diagnostics, echo_error, with_filename
from dslc.sources import OptionError, json_object_option, json_option


def fail_compile(exc: CompileError, filename: str | None = None) -> NoReturn:
    diags = with_filename(exc.diagnostics, filename) if filename else exc.diagnostics
    echo_diagnostics(diags, exc.source)
    n = len(exc.errors)
    click.echo(f"{n} error{'s' if n != 1 else ''}", err=True)
    sys.exit(1)


def fail(code: str, message: str, where: str | None = None) -> NoReturn:
    """One ``[WHERE: ]error[CODE]: message`` line (dslc.report) and exit 1."""
    echo_error(code, message, where)
    sys.exit(1)


def _fail_option(exc: OptionError, what: str) -> NoReturn:
    """An option's bad content, in the one style; the reader's message ends
    with its code in brackets when it has one (``... [DSLC_JSON_SYNTAX]``)."""
    text = str(exc)
    found = re.search(r" \[(DSLC?_[A-Z0-9_]+)\]$", text)
    if found is None:
        fail(codes.USAGE, text, what)
    fail(found.group(1), text[: found.start()], what)


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
        _fail_option(exc, what)


def json_object_argument(value: str | None, what: str) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        return json_object_option(value)
    except OptionError as exc:
        # Bad content in an option's value is bad input (exit 1), like a bad
        # file; click's exit 2 stays for misused options.
        _fail_option(exc, what)


__all__ = ["echo_diagnostics", "fail", "fail_compile", "json_argument", "json_object_argument"]
