"""``dslc compile`` and ``dslc check``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from dslc import codes, ir
from dslc.cli.common import echo_diagnostics, fail, fail_compile
from dslc.codes import FILE_UNREADABLE
from dslc.compiler import Compiled
from dslc.diagnostics import CompileError, Diagnostic, Severity
from dslc.report import diagnostic_json
from dslc.sources import (
    SOURCE_SUFFIXES,
    NotAStrategy,
    compile_source,
    kind_of,
    read_strategy,
    write_atomically,
)
from dslc.testing import TEST_SUFFIX
from dslc.walk import walk
from vm.disasm import disassemble

EMITS = ("image", "ast", "ir", "optimized", "asm")


def _compile_or_exit(path: str) -> tuple[Compiled, str | None]:
    """The compilation and the source text (for rendering its warnings)."""
    if kind_of(path) == "image":
        fail(codes.USAGE, "is already a compiled image (use 'dslc disasm' or 'dslc verify')", path)
    try:
        src = read_strategy(path)
        return compile_source(src), src.text
    except CompileError as exc:
        fail_compile(exc)


@click.command("compile")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the image (default: FILE with the suffix .sbc).",
)
@click.option(
    "--emit",
    type=click.Choice(EMITS),
    default="image",
    show_default=True,
    help="What to produce: the image, or a stage printed to stdout "
    "(surface AST, IR, optimized IR, disassembly).",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings.")
def compile_command(file: str, output: str | None, emit: str, quiet: bool) -> None:
    """Compile FILE (.json GAME AST or record, .strat text or .xml Blockly
    workspace) to a verified image."""
    compiled, text = _compile_or_exit(file)
    if not quiet:
        echo_diagnostics(compiled.diagnostics, text)
    if emit == "ast":
        click.echo(_ast_dump(compiled))
        return
    if emit == "ir":
        click.echo(ir.dump(compiled.ir))
        return
    if emit == "optimized":
        click.echo(ir.dump(compiled.optimized))
        return
    if emit == "asm":
        click.echo(disassemble(compiled.image))
        return
    target = Path(output) if output else Path(file).with_suffix(".sbc")
    if target.resolve() == Path(file).resolve():
        fail(codes.USAGE, "the output would overwrite the input; pass -o", file)
    try:
        write_atomically(target, compiled.data)
    except CompileError as exc:
        fail_compile(exc)
    click.echo(f"{file} -> {target} ({len(compiled.data)} bytes)", err=True)


def _ast_dump(compiled: Compiled) -> str:
    from dslc.to_json import program_to_json

    return json.dumps(program_to_json(compiled.ast), indent=2, ensure_ascii=False)


def _collect(paths: tuple[str, ...]) -> Iterator[tuple[Path, Diagnostic | None, bool]]:
    """Every file to check, whether it was found by walking a folder, or a
    folder that could not be read (an error: the strategies in it would
    otherwise go unchecked without a word)."""
    named = {Path(p) for p in paths}
    unreadable: list[OSError] = []
    for path in walk(paths, SOURCE_SUFFIXES, unreadable):
        if path in named:
            yield path, None, False
        elif not path.name.endswith(TEST_SUFFIX):  # strategy tests (dslc test)
            yield path, None, True
    for exc in unreadable:
        where = str(exc.filename or ".")
        problem = Diagnostic(
            FILE_UNREADABLE,
            f"cannot read this folder: {exc.strerror}; its strategies were not checked",
            filename=where,
        )
        yield Path(where), problem, False


NOT_A_STRATEGY = "not a strategy"


def _check_one(
    path: Path, problem: Diagnostic | None, walked: bool, explain: dict[Path, list[str]]
) -> tuple[list[Diagnostic], str | None, str | None]:
    """Diagnostics, the source text, and why the file was skipped (or None).
    A JSON file met while walking a folder that holds no program (an events
    file, a package.json) is skipped, not failed; one named on the command
    line is checked whatever it holds."""
    if problem is not None:
        return [problem], None, None
    if kind_of(path) == "image":
        return [], None, None
    try:
        src = read_strategy(path)
        if walked and src.kind == "json" and not _program_like(src.ast):
            return [], None, f"{NOT_A_STRATEGY} (no program, no GAME record)"
        compiled = compile_source(src)
        if explain.get(path) is not None:
            # --explain: the cost certificate with its worst path
            from dslc.explain import explain as explain_cost

            explain[path] = explain_cost(compiled, src.text)
        return compiled.diagnostics, src.text, None
    except NotAStrategy as exc:
        if walked:
            return [], None, f"{NOT_A_STRATEGY} ({exc.reason})"
        return exc.diagnostics, exc.source, None
    except CompileError as exc:
        return exc.diagnostics, exc.source, None


def _program_like(ast: object) -> bool:
    return isinstance(ast, dict) and (ast.get("type") == "program" or "rules" in ast)


@click.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="Diagnostics as readable lines, one JSON document, or GitHub Actions "
    "annotations (shown inline on a pull request).",
)
@click.option("--warnings-as-errors", is_flag=True, help="Fail on warnings too (never on hints).")
@click.option(
    "--explain",
    is_flag=True,
    help="Also print each program's cost certificate (most steps and distinct "
    "field fetches per phase) with its worst path.",
)
def check_command(
    paths: tuple[str, ...], fmt: str, warnings_as_errors: bool, explain: bool
) -> None:
    """Compile every strategy under PATHS (.json, .strat and .xml files) and
    report all diagnostics. Exits 1 when any file has an error.

    Folders are walked without entering hidden ones (.git, .venv), virtual
    environments, node_modules or __pycache__; a .json file found there that
    holds no program (an events file) is reported as skipped.
    """
    files = list(_collect(paths))
    # path -> the --explain lines, filled by _check_one (absent: not asked)
    explained: dict[Path, list[str]] = {path: [] for path, _, _ in files} if explain else {}
    checked: list[tuple[Path, list[Diagnostic], str | None, str | None]] = []
    show_progress = fmt == "text" and sys.stderr.isatty() and len(files) > 20
    if show_progress:
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task("checking", total=len(files))
            for path, problem, walked in files:
                checked.append((path, *_check_one(path, problem, walked, explained)))
                progress.advance(task)
    else:
        checked = [
            (path, *_check_one(path, problem, walked, explained)) for path, problem, walked in files
        ]
    results = [(path, diags, source) for path, diags, source, skip in checked if skip is None]
    skipped = [(path, skip) for path, _, _, skip in checked if skip is not None]

    def failing(diags: list[Diagnostic]) -> bool:
        return any(
            d.is_error or (warnings_as_errors and d.severity is Severity.WARNING) for d in diags
        )

    bad = [path for path, diags, _ in results if failing(diags)]
    if fmt == "json":
        doc = {
            "files": [
                {
                    "path": str(path),
                    "ok": not failing(diags),
                    "diagnostics": [diagnostic_json(d, source) for d in diags],
                    **({"explain": explained.get(path, [])} if explain else {}),
                }
                for path, diags, source in results
            ],
            "skipped": [{"path": str(path), "reason": why} for path, why in skipped],
            "checked": len(results),
            "failed": len(bad),
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    elif fmt == "github":
        from dslc.cli.github import annotation

        for path, diags, source in results:
            for d in diags:
                click.echo(annotation(d, str(path), source))
        click.echo(f"checked {len(results)} files, {len(bad)} failed", err=True)
    else:
        for path, why in skipped:
            click.echo(f"{path}: skipped: {why}", err=True)
        for path, diags, source in results:
            echo_diagnostics(diags, source)
            if explained.get(path):
                click.echo(f"{path}: " + "\n".join(explained[path]))
        n_err = sum(1 for _, diags, _ in results for d in diags if d.is_error)
        n_warn = sum(1 for _, diags, _ in results for d in diags if d.severity is Severity.WARNING)
        click.echo(
            f"checked {len(results)} file{'s' if len(results) != 1 else ''}: "
            f"{n_err} error{'s' if n_err != 1 else ''}, "
            f"{n_warn} warning{'s' if n_warn != 1 else ''}"
            + (f", {len(skipped)} skipped" if skipped else ""),
            err=True,
        )
    if bad:
        sys.exit(1)


COMMANDS = [compile_command, check_command]
