"""``dslc fmt`` and ``dslc convert``: the text language's commands, and
conversions between text, the JSON AST and Blockly XML.

Registered on the ``dslc`` group by ``dslc.cli`` (see ``COMMANDS``).
Exit status: 0 on success, 1 when a file does not parse, is not formatted
(``fmt --check``) or is not a valid program (``convert``).
"""

from __future__ import annotations

import difflib
import json
import sys

import click

from dslc import jsontext
from dslc.ast import Program
from dslc.codes import FILE_UNREADABLE
from dslc.diagnostics import CompileError, Diagnostic
from dslc.json_loader import load_and_validate, load_json
from dslc.report import echo_diagnostics
from dslc.sources import (
    DSL_EXTEND,
    TEXT_SUFFIXES,
    StrategySource,
    compile_source,
    parse_strategy,
    read_source,
    write_atomically,
)
from dslc.text.compile import validate_text
from dslc.text.convert import json_to_text
from dslc.text.format import format_text
from dslc.to_json import program_to_json
from dslc.walk import walk

STDIN = "-"


def _read(path: str) -> str:
    """The text of FILE (or standard input); raises CompileError when it
    cannot be read, is too large or is not UTF-8."""
    if path == STDIN:
        return jsontext.decode(sys.stdin.buffer.read(), "<stdin>", keep_offsets=False)
    src = read_source(path)
    if src.text is None:
        diag = Diagnostic(FILE_UNREADABLE, "a compiled image, not text", filename=path)
        raise CompileError([diag])
    return src.text


def _read_or_exit(path: str) -> str:
    try:
        return _read(path)
    except CompileError as exc:
        echo_diagnostics(exc.diagnostics, exc.source)
        sys.exit(1)


# -- fmt -------------------------------------------------------------------------


@click.command("fmt")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--check",
    is_flag=True,
    help="Change nothing; print a diff and exit 1 when a file is not formatted (for CI).",
)
def fmt_command(paths: tuple[str, ...], check: bool) -> None:
    """Rewrite text strategies (.strat files, or every .strat under a folder)
    in the canonical layout.

    Formatting keeps comments and is idempotent. Folders are walked as by
    'dslc check' (hidden folders and virtual environments are left out).
    PATH '-' formats standard input to standard output.
    """
    failed = changed = 0
    files = [STDIN if str(p) == STDIN else str(p) for p in walk(paths, TEXT_SUFFIXES)]
    for path in files:
        try:
            source = _read(path)
        except CompileError as exc:  # reported; the other files are still formatted
            echo_diagnostics(exc.diagnostics, exc.source)
            failed += 1
            continue
        name = "<stdin>" if path == STDIN else path
        try:
            formatted = format_text(source, name)
        except CompileError as exc:
            echo_diagnostics(exc.diagnostics, source)
            failed += 1
            continue
        if path == STDIN and not check:
            click.echo(formatted, nl=False)
            continue
        if formatted == source:
            continue
        changed += 1
        if check:
            diff = difflib.unified_diff(
                source.splitlines(keepends=True),
                formatted.splitlines(keepends=True),
                fromfile=name,
                tofile=f"{name} (formatted)",
            )
            click.echo("".join(diff), nl=False)
        else:
            try:
                write_atomically(path, formatted.encode("utf-8"))
            except CompileError as exc:
                echo_diagnostics(exc.diagnostics, None)
                failed += 1
                continue
            click.echo(f"reformatted {name}", err=True)
    if check and changed:
        n = changed
        click.echo(f"{n} file{'s' if n != 1 else ''} would be reformatted", err=True)
    if failed or (check and changed):
        sys.exit(1)


# -- convert ---------------------------------------------------------------------


@click.command("convert")
@click.argument("file")
@click.option(
    "--to",
    "target",
    type=click.Choice(["text", "json", "blockly"]),
    default=None,
    help="Output format; by default JSON for text and Blockly XML input, text for JSON.",
)
@click.option(
    "--extends",
    "parent",
    default=None,
    metavar="BUILTIN",
    help="Parent built-in to write as 'extends' when converting to text "
    "(a GAME record's parentStrategyId is used by default).",
)
def convert_command(file: str, target: str | None, parent: str | None) -> None:
    """Convert a strategy between text, the GAME JSON AST and Blockly XML.

    dslc convert FILE.json prints the text form; dslc convert FILE.strat
    --to json prints the JSON AST (the parent of an 'extends' strategy is not
    part of the JSON: the store keeps it beside it). --to blockly prints the
    workspace GAME's dashboard would store (a program its blocks cannot carry
    is refused: DSLC_BLOCKLY_UNSUPPORTED); dslc convert FILE.xml prints the
    JSON AST GAME's dashboard generates from a workspace. FILE '-' reads
    standard input.
    """
    source = _read_or_exit(file)
    name = "<stdin>" if file == STDIN else file
    try:
        src = parse_strategy(name, source)
    except CompileError as exc:
        echo_diagnostics(exc.diagnostics, exc.source)
        sys.exit(1)
    target = target or ("text" if src.kind in ("json", "record") else "json")
    if target == "blockly":
        _convert_to_blockly(src, name)
        return
    if src.kind == "blockly" and target == "json":
        # GAME's own JSON for the workspace (ids, key order), once it compiles
        try:
            compiled = compile_source(src)
        except CompileError as exc:
            echo_diagnostics(exc.diagnostics, exc.source)
            sys.exit(1)
        echo_diagnostics(compiled.diagnostics, None)  # warnings
        click.echo(json.dumps(src.program_json(), indent=2, ensure_ascii=False))
        return
    if src.text is None:
        record_parent = src.header.parent if src.header.type == DSL_EXTEND else None
        try:
            ast = src.program_json()  # a dashboard draft's only from its XML
            if target == "text":
                text = json_to_text(ast, extends=parent or record_parent, filename=name)
                click.echo(text, nl=False)
                return
            program, diags = load_json(ast, filename=name)
            if program is None:
                raise CompileError(diags)
        except CompileError as exc:
            echo_diagnostics(exc.diagnostics, None)
            sys.exit(1)
        click.echo(json.dumps(program_to_json(program), indent=2, ensure_ascii=False))
        return
    source = src.text
    if target == "text":
        try:
            click.echo(format_text(source, name), nl=False)
        except CompileError as exc:
            echo_diagnostics(exc.diagnostics, source)
            sys.exit(1)
        return
    program, diags = validate_text(source, name)
    if program is None:
        echo_diagnostics(diags, source)
        sys.exit(1)
    echo_diagnostics(diags, source)  # warnings
    click.echo(json.dumps(program_to_json(program), indent=2, ensure_ascii=False))


def _convert_to_blockly(src: StrategySource, name: str) -> None:
    """Print the workspace of any strategy, or its refusals (exit 1)."""
    from dslc.blockly import program_to_blockly

    source = src.text
    program: Program | None
    if src.text is not None:
        program, diags = validate_text(src.text, name)
    elif src.kind == "blockly":
        try:
            compiled = compile_source(src)
        except CompileError as exc:
            echo_diagnostics(exc.diagnostics, exc.source)
            sys.exit(1)
        program, diags = compiled.ast, []
    else:
        try:
            program, diags = load_and_validate(src.program_json(), name)
        except CompileError as exc:
            program, diags = None, exc.diagnostics
    if program is None:
        echo_diagnostics(diags, source)
        sys.exit(1)
    try:
        written = program_to_blockly(program, name)
    except CompileError as exc:
        echo_diagnostics(exc.diagnostics, source)
        sys.exit(1)
    echo_diagnostics(written.warnings, source)
    click.echo(written.xml)


COMMANDS = [fmt_command, convert_command]
