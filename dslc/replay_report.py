"""Running a replay or a diff for a command and printing what it found.

Shared by ``dslc replay``/``dslc diff`` (strategies from files) and
``dslc store replay``/``dslc store diff`` (stored versions): each builds its
scorers and calls ``run_replay`` or ``run_diff``, which stream the log,
show a progress bar on a terminal, print the report (text or JSON), draw
the plot and return the exit code.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from dslc import codes
from dslc import replay as R
from dslc.replay_plot import PlotError, check_target, write_plot

PROGRESS_AFTER = 2000  # events: a shorter log finishes before a bar helps
SHOWN_BAD_LINES = 20


F = TypeVar("F", bound=Callable[..., Any])


class ReplayError(Exception):
    """A replay that cannot start (unreadable log, bad plot target)."""

    def __init__(self, code: str, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.where = where


def check_inputs(events_path: str, plot: str | None) -> None:
    """Everything refusable before scoring: the log is a readable file, the
    plot target is writable by a known backend."""
    path = Path(events_path)
    if not path.is_file():
        raise ReplayError(codes.FILE_UNREADABLE, "no such events file", events_path)
    if not os.access(path, os.R_OK):
        raise ReplayError(codes.FILE_UNREADABLE, "cannot read the events file", events_path)
    if plot is not None:
        try:
            check_target(plot)
        except PlotError as exc:
            raise ReplayError(codes.USAGE, str(exc)) from None


@contextmanager
def _events(events_path: str, max_line_bytes: int) -> Iterator[Iterator[R.Event | R.BadLine]]:
    """The log's events, with a progress bar (by bytes, on stderr) once a
    terminal has waited for PROGRESS_AFTER events."""
    total = Path(events_path).stat().st_size
    state: dict[str, Any] = {"seen": 0, "bytes": 0, "bar": None, "task": None}
    interactive = sys.stderr.isatty()

    def on_bytes(n: int) -> None:
        state["bytes"] += n
        state["seen"] += 1
        bar = state["bar"]
        if bar is not None:
            bar.update(state["task"], completed=state["bytes"])
        elif interactive and state["seen"] >= PROGRESS_AFTER:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            bar = Progress(
                TextColumn("[bold]scoring"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            bar.start()
            state["bar"] = bar
            state["task"] = bar.add_task("events", total=total, completed=state["bytes"])

    try:
        yield R.read_events(events_path, max_line_bytes=max_line_bytes, on_bytes=on_bytes)
    finally:
        if state["bar"] is not None:
            state["bar"].stop()


def _bad_line_printer(events_path: str) -> Callable[[R.BadLine], None]:
    shown = [0]

    def show(bad: R.BadLine) -> None:
        shown[0] += 1
        if shown[0] <= SHOWN_BAD_LINES:
            click.echo(f"{events_path}:{bad.line}: error[{bad.code}]: {bad.message}", err=True)
        elif shown[0] == SHOWN_BAD_LINES + 1:
            click.echo(f"{events_path}: more bad lines (counted in the summary)", err=True)

    return show


def run_replay(
    scorer: R.Scorer,
    name: str,
    events_path: str,
    *,
    fmt: str = "text",
    plot: str | None = None,
    max_line_bytes: int = R.MAX_LINE_BYTES,
) -> int:
    """Replay the log, print the summary, draw the plot. Exit code: 1 when
    the log had bad lines, else 0 (runtime errors are results, counted)."""
    check_inputs(events_path, plot)
    with _events(events_path, max_line_bytes) as events:
        summary = R.replay(events, scorer, on_bad=_bad_line_printer(events_path))
    if fmt == "json":
        click.echo(json.dumps({"strategy": name, **summary.as_json()}, indent=2))
    else:
        for line in summary_lines(summary, name):
            click.echo(line)
    if plot is not None:
        write_plot(plot, [(name, summary)], f"replay of {Path(events_path).name}: {name}")
        if fmt != "json":
            click.echo(f"plot written to {plot}")
    return 1 if summary.bad_lines else 0


def run_diff(
    old: R.Scorer,
    new: R.Scorer,
    names: tuple[str, str],
    events_path: str,
    *,
    fmt: str = "text",
    plot: str | None = None,
    examples: int = R.EXAMPLES_PER_GROUP,
    max_line_bytes: int = R.MAX_LINE_BYTES,
) -> int:
    check_inputs(events_path, plot)
    with _events(events_path, max_line_bytes) as events:
        result = R.diff(events, old, new, examples=examples, on_bad=_bad_line_printer(events_path))
    if fmt == "json":
        click.echo(json.dumps({"old": names[0], "new": names[1], **_diff_json(result)}, indent=2))
    else:
        for line in diff_lines(result, names):
            click.echo(line)
    if plot is not None:
        series = [(names[0], result.old), (names[1], result.new)]
        write_plot(plot, series, f"diff on {Path(events_path).name}: {names[0]} vs {names[1]}")
        if fmt != "json":
            click.echo(f"plot written to {plot}")
    return 1 if result.old.bad_lines else 0


def _diff_json(result: R.Diff) -> dict[str, Any]:
    doc = result.as_json()
    doc["old_summary"] = doc.pop("old")
    doc["new_summary"] = doc.pop("new")
    return doc


def replay_options(command: F) -> F:
    """The options ``replay`` and ``diff`` share (the store's commands too)."""
    for option in reversed(
        (
            click.option(
                "--format",
                "fmt",
                type=click.Choice(["text", "json"]),
                default="text",
                show_default=True,
                help="A readable report, or one JSON document.",
            ),
            click.option(
                "--plot",
                metavar="FILE",
                help="Also draw the points distribution and the events per case name: "
                "FILE.png (matplotlib, the 'plot' extra) or FILE.html (self-contained).",
            ),
            click.option(
                "--max-line-bytes",
                type=click.IntRange(min=2),
                default=R.MAX_LINE_BYTES,
                show_default=True,
                help="A longer line of the log is a bad line (DSLC_EVENT_LINE_TOO_LONG).",
            ),
        )
    ):
        command = option(command)
    return command


LOG_HELP = """

EVENTS is JSON Lines, one event per line (only "fields" is needed; "ids"
holds externalGameId, externalTaskId, externalUserId):

\b
  {"fields": {...}, "data": {...}, "ids": {...}, "label": "..."}

A line that is not such an event is reported as FILE:LINE: error[CODE] and
counted, and the exit code is then 1.
"""


def with_log_help(command: click.Command) -> str:
    """A command's docstring followed by the description of the log."""
    doc = command.callback.__doc__ if command.callback is not None else ""
    return inspect.cleandoc(doc or "") + LOG_HELP


# -- text ----------------------------------------------------------------------


def _n(v: float) -> str:
    return f"{v:g}" if float(v).is_integer() or abs(v) >= 1e6 else f"{v:.4g}"


def summary_lines(summary: R.Summary, name: str) -> list[str]:
    errors = sum(summary.errors.values())
    bad = sum(summary.bad_lines.values())
    out = [f"{name}: {summary.events} events, {summary.events - errors} scored, {errors} errors"]
    if bad:
        out[0] += f", {bad} bad lines"
    if summary.cases:
        out.append("cases:")
        width = max(len(c) for c in summary.cases)
        for case, count in summary.cases.most_common():
            share = 100 * count / summary.events
            out.append(f"  {case:<{width}}  {count:>8}  {share:5.1f}%")
    dist = summary.distribution()
    if dist is not None:
        out.append(
            "points: "
            + "  ".join(f"{k} {_n(dist[k])}" for k in ("min", "q1", "median", "q3", "max", "mean"))
        )
    if summary.errors:
        out.append("errors:")
        for code, count in summary.errors.most_common():
            out.append(f"  {code}  {count}")
    if summary.bad_lines:
        out.append("bad lines:")
        for code, count in summary.bad_lines.most_common():
            out.append(f"  {code}  {count}")
    return out


def diff_lines(result: R.Diff, names: tuple[str, str]) -> list[str]:
    events = result.old.events
    out = [
        f"{names[0]} -> {names[1]}: {events} events, {result.changed} changed "
        f"({result.case_changed} changed case, {result.points_changed} changed points)"
    ]
    for group in result.ordered_groups():
        head = f"  {group.old} -> {group.new}: {group.count} events"
        if group.deltas:
            lo, hi = min(group.deltas), max(group.deltas)
            mean = sum(group.deltas) / len(group.deltas)
            head += f", points {_signed(lo)}..{_signed(hi)} (mean {_signed(mean)})"
        out.append(head)
        for e in group.examples:
            label = f" {e.label!r}" if e.label else ""
            out.append(f"      line {e.line}{label}: {_outcome(e.old)} -> {_outcome(e.new)}")
    if not result.groups:
        out.append("  no event changed case or points")
    for label, summary in zip(names, (result.old, result.new), strict=True):
        dist = summary.distribution()
        if dist is not None:
            out.append(
                f"{label} points: "
                + "  ".join(f"{k} {_n(dist[k])}" for k in ("min", "q1", "median", "q3", "max"))
            )
    return out


def _signed(v: float) -> str:
    return ("+" if v > 0 else "") + _n(v)


def _outcome(o: R.Outcome) -> str:
    if o.error is not None:
        return f"error {o.error}"
    points = "none" if o.points is None else _n(o.points)
    return f"{points} {o.case_name}"
