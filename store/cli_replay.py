"""``dslc store replay`` and ``dslc store diff``: replay an event log with
stored versions (``NAME@N``), through the engine's loader.

The replay itself (reading the log, summarising, the diff's groups, plots)
is ``dslc``'s, reached through ``store.toolchain``; this module only turns
REFs into scorers. dslc may not import the store, so the stored side of
``dslc replay``/``dslc diff`` lives here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

import click

from store import toolchain
from store.cli_common import StoreCliError, db_options, errors_as_lines, open_database
from store.cli_engine import Strategies
from store.loader import LoadedStrategy
from store.toolchain import ReplayError, Score


def _scorer(
    loaded: LoadedStrategy, ref: str
) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Score]:
    if loaded.game_parent is not None:
        raise StoreCliError(
            f"{ref} extends GAME's built-in {loaded.game_parent!r}, which this VM does not "
            "implement: it cannot be replayed here"
        )

    def score(fields: Mapping[str, Any], data: Mapping[str, Any]) -> Score:
        return loaded.score(fields=dict(fields), data=data)

    return score


def _load(db: Any, realm: str, ref: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Score]:
    # The exact version named, whatever its status (a draft is what one wants
    # to compare before publishing); a built-in id runs the built-in.
    builtin = ref in toolchain.builtin_registry()
    return _scorer(Strategies(db, realm, draft=not builtin).load(ref), ref)


def _finish(run: Callable[[], int]) -> None:
    try:
        code = run()
    except ReplayError as exc:
        where = f"{exc.where}: " if exc.where else ""
        raise StoreCliError(f"{where}{exc}", exc.code) from exc
    sys.exit(code)


@click.command("replay")
@click.argument("ref", metavar="REF")
@click.argument("events", metavar="EVENTS.jsonl")
@toolchain.replay_options
@db_options()
@errors_as_lines
def replay_command(
    ref: str,
    events: str,
    fmt: str,
    plot: str | None,
    max_line_bytes: int,
    db_url: str | None,
    realm: str,
) -> None:
    """Score every event of EVENTS.jsonl with the stored strategy REF
    (NAME@N exactly, NAME for its newest version, a row id, or a built-in
    id) and summarise as `dslc replay` does: events per case name, the
    points distribution, errors by code. Drafts can be replayed."""
    with open_database(db_url, read_only=True) as db:
        scorer = _load(db, realm, ref)
    _finish(
        lambda: toolchain.run_replay(
            scorer, ref, events, fmt=fmt, plot=plot, max_line_bytes=max_line_bytes
        )
    )


@click.command("diff")
@click.argument("old", metavar="A")
@click.argument("new", metavar="B")
@click.argument("events", metavar="EVENTS.jsonl")
@click.option(
    "--examples",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Examples shown per group.",
)
@toolchain.replay_options
@db_options()
@errors_as_lines
def diff_command(
    old: str,
    new: str,
    events: str,
    examples: int,
    fmt: str,
    plot: str | None,
    max_line_bytes: int,
    db_url: str | None,
    realm: str,
) -> None:
    """Score EVENTS.jsonl with two stored versions A and B (e.g. NAME@1
    NAME@2; drafts too) and show, as `dslc diff` does, how many events
    change case or points, grouped by (old case -> new case), with the
    points delta and the first examples of each group."""
    with open_database(db_url, read_only=True) as db:
        scorers = _load(db, realm, old), _load(db, realm, new)
    _finish(
        lambda: toolchain.run_diff(
            *scorers,
            (old, new),
            events,
            fmt=fmt,
            plot=plot,
            examples=examples,
            max_line_bytes=max_line_bytes,
        )
    )


for _command in (replay_command, diff_command):
    _command.help = toolchain.with_log_help(_command)

COMMANDS = [replay_command, diff_command]
