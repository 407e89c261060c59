"""``dslc replay`` and ``dslc diff``: score an event log with a strategy
file (or two), summarise and plot. Stored versions (``NAME@N``) are
replayed by ``dslc store replay`` / ``dslc store diff``, since dslc may not
import the store; both share ``dslc.replay_report``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from dslc import codes
from dslc import replay as R
from dslc.cli.common import fail, fail_compile
from dslc.cli.execute import declared_parent
from dslc.diagnostics import CompileError
from dslc.replay_report import ReplayError, replay_options, run_diff, run_replay, with_log_help
from dslc.sources import compile_source, kind_of, read_source, read_strategy
from vm import VerifyError, load
from vm.builtins import DEFAULT_REGISTRY, UnknownBuiltinError


def load_scorer(path: str) -> R.Scorer:
    """A scorer for a strategy file (source or .sbc image): a DSL_EXTEND
    strategy scores through its parent built-in, as ``dslc run`` does."""
    if not Path(path).exists():
        hint = (
            f"; to replay the stored version {path!r}, use 'dslc store replay' / 'dslc store diff'"
            if "@" in path
            else ""
        )
        fail(codes.FILE_UNREADABLE, f"no such strategy file{hint}", path)
    src = None
    try:
        if kind_of(path) == "image":
            image = read_source(path).data or b""
        else:
            src = read_strategy(path)
            image = compile_source(src).data
    except CompileError as exc:
        fail_compile(exc)
    try:
        program = load(image)
    except VerifyError as exc:
        fail(codes.IMAGE_INVALID, f"not a valid image: {exc}", path)
    parent_id = declared_parent(src)
    parent = None
    if parent_id is not None:
        try:
            parent = DEFAULT_REGISTRY.get(parent_id)
        except UnknownBuiltinError:
            fail(
                codes.UNKNOWN_BUILTIN,
                f"extends {parent_id!r}, which is not a built-in of this VM",
                path,
            )
    elif program.has_pre or program.has_post:
        fail(
            codes.USAGE,
            "has rules before or after a parent but names none: it cannot be replayed",
            path,
        )
    return R.scorer_for(program, parent)


@click.command("replay", epilog=None)
@click.argument("strategy", metavar="STRATEGY")
@click.argument("events", metavar="EVENTS.jsonl")
@replay_options
def replay_command(
    strategy: str, events: str, fmt: str, plot: str | None, max_line_bytes: int
) -> None:
    """Score every event of EVENTS.jsonl with STRATEGY (a .strat/.json/.xml
    file or a .sbc image) and summarise: events per case name, the points
    distribution (min, quartiles, max, mean) and errors by code.

    \b
    A stored version: dslc store replay NAME@N EVENTS.jsonl
    """
    scorer = load_scorer(strategy)
    _exit(
        lambda: run_replay(
            scorer, strategy, events, fmt=fmt, plot=plot, max_line_bytes=max_line_bytes
        )
    )


@click.command("diff")
@click.argument("old", metavar="A")
@click.argument("new", metavar="B")
@click.argument("events", metavar="EVENTS.jsonl")
@click.option(
    "--examples",
    type=click.IntRange(min=0),
    default=R.EXAMPLES_PER_GROUP,
    show_default=True,
    help="Examples shown per group.",
)
@replay_options
def diff_command(
    old: str,
    new: str,
    events: str,
    examples: int,
    fmt: str,
    plot: str | None,
    max_line_bytes: int,
) -> None:
    """Score EVENTS.jsonl with two versions of a strategy, A and B (files),
    and show how many events change case or points, by how much, grouped by
    (old case -> new case), with the first examples of each group.

    \b
    Stored versions: dslc store diff NAME@1 NAME@2 EVENTS.jsonl
    """
    scorers = load_scorer(old), load_scorer(new)
    _exit(
        lambda: run_diff(
            *scorers,
            (old, new),
            events,
            fmt=fmt,
            plot=plot,
            examples=examples,
            max_line_bytes=max_line_bytes,
        )
    )


def _exit(run: Callable[[], int]) -> None:
    try:
        code = run()
    except ReplayError as exc:
        fail(exc.code, str(exc), exc.where)
    except OSError as exc:
        fail(codes.FILE_UNREADABLE, str(exc.strerror or exc), str(exc.filename or "") or None)
    sys.exit(code)


for _command in (replay_command, diff_command):
    _command.help = with_log_help(_command)

COMMANDS = [replay_command, diff_command]
