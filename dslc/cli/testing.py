"""``dslc test``: run the strategy tests a designer keeps beside strategies."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dslc import codes
from dslc.cli.common import echo_diagnostics, fail
from dslc.diagnostics import CompileError
from dslc.sources import write_atomically
from dslc.testing import (
    FileResult,
    as_json,
    diff_lines,
    find_test_files,
    junit_xml,
    read_test_file,
    run_file,
)


@click.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Readable lines with a diff per failure, or one JSON document.",
)
@click.option(
    "--junit",
    "junit",
    type=click.Path(dir_okay=False),
    help="Also write the results as JUnit XML to this file (for CI).",
)
@click.option(
    "--coverage/--no-coverage",
    default=True,
    show_default=True,
    help="Report the rules and branches no case took.",
)
def test_command(paths: tuple[str, ...], fmt: str, junit: str | None, coverage: bool) -> None:
    """Run the strategy tests under PATHS: NAME.test.json files (found in
    directories, or beside the strategies named). Each case scores one event
    and compares the outcome with what it expects; a failing case prints a
    diff. Exits 1 when a case fails or a test file or strategy is invalid.

    \b
    A test file (the strategy is the sibling NAME.strat/.json/.xml):
      {"cases": [{"name": "gold", "fields": {"user.avg_time": 5},
                  "data": {}, "expect": {"points": 20, "case_name": "Gold"}}]}
    """
    try:
        files = find_test_files(paths)
    except CompileError as exc:
        echo_diagnostics(exc.diagnostics, exc.source)
        sys.exit(1)
    if not files:
        fail(codes.USAGE, f"no *.test.json files under {', '.join(paths)}")
    done: list[FileResult] = []
    broken = 0
    for path in files:
        try:
            done.append(run_file(read_test_file(path)))
        except CompileError as exc:
            echo_diagnostics(exc.diagnostics, exc.source)
            broken += 1
    passed = sum(1 for fr in done for r in fr.results if r.passed)
    failed = sum(1 for fr in done for r in fr.results if not r.passed)
    if junit:
        write_atomically(Path(junit), junit_xml(done).encode("utf-8"))
    if fmt == "json":
        doc = as_json(done)
        doc.update(passed=passed, failed=failed, invalid_files=broken)
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False, default=repr))
    else:
        _print_text(done, coverage)
        tail = f", {broken} invalid file{'s' if broken != 1 else ''}" if broken else ""
        click.echo(f"{passed} passed, {failed} failed{tail}")
    if failed or broken:
        sys.exit(1)


def _print_text(done: list[FileResult], coverage: bool) -> None:
    for fr in done:
        n = len(fr.results)
        bad = [r for r in fr.results if not r.passed]
        mark = click.style("FAIL", fg="red", bold=True) if bad else click.style("ok", fg="green")
        click.echo(f"{mark} {fr.test_file.path} ({n} case{'s' if n != 1 else ''})")
        for r in bad:
            click.echo(f"  case {r.case.name!r} ({fr.test_file.path}:{r.case.pointer}):")
            for line in diff_lines(r):
                color = "red" if line.lstrip().startswith("-") else "green"
                click.echo(click.style(line, fg=color))
        if coverage:
            covered, total = fr.coverage.counts()
            missing = fr.coverage.missing()
            click.echo(f"  coverage: {covered}/{total} rule outcomes taken")
            for rule, outcomes in missing.items():
                where = fr.coverage.where.get(rule, "")
                click.echo(f"    not taken: rule {rule} ({where}): {', '.join(outcomes)}")


COMMANDS = [test_command]
