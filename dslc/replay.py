"""Replaying an event log through a strategy, and diffing two versions.

An event log is JSON Lines: one event per line, an object with

- ``fields``: the host field values the strategy reads (``user.avg_time``,
  ``task.measurements_count``, ... and the event's ids ``externalGameId``,
  ``externalTaskId``, ``externalUserId``);
- ``data``: the event payload (optional, default ``{}``);
- ``ids``: the three external ids, when kept apart from ``fields``
  (optional; an id given in both places must agree);
- ``label``: a note shown with the event in a diff's examples (optional).

The log is read as a stream, one bounded line at a time (``max_line_bytes``):
a line that is too long, not JSON or not an event is a ``BadLine`` with its
line number and a code, counted and reported, and the replay goes on.

The core takes a *scorer*, ``(fields, data) -> vm.Score`` (raising
``vm.ExecutionError``), so it does not care where the program came from:
``dslc replay`` builds one from a file (``scorer_for``), ``dslc store
replay`` from a stored version through the store's loader.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from dslc import codes, jsontext
from dslc.diagnostics import CompileError
from vm import ExecutionError, Program, Score

MAX_LINE_BYTES = 1 << 20
EXAMPLES_PER_GROUP = 3
ID_KEYS = ("externalGameId", "externalTaskId", "externalUserId")
_ID_SET = frozenset(ID_KEYS)
_EVENT_KEYS = frozenset({"fields", "data", "ids", "label"})
_READ_CHUNK = 1 << 16

Scorer = Callable[[Mapping[str, Any], Mapping[str, Any]], Score]


@dataclass(frozen=True, slots=True)
class Event:
    line: int
    fields: dict[str, Any]
    data: dict[str, Any]
    label: str | None = None


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one version made of one event: a result, or a runtime error code."""

    points: float | int | None = None
    case_name: str | None = None
    error: str | None = None

    @property
    def group(self) -> str:
        """The name an event is counted under: its case, or ``error[CODE]``."""
        if self.error is not None:
            return f"error[{self.error}]"
        return self.case_name if self.case_name is not None else "(no case)"


# -- reading the log -------------------------------------------------------------


def read_events(
    path: str | Path,
    *,
    max_line_bytes: int = MAX_LINE_BYTES,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[Event | BadLine]:
    """The events of a JSON Lines file, in order, streamed. Blank lines are
    skipped. ``on_bytes`` is told how many bytes each line took (progress).
    An unreadable file raises OSError before the first event."""
    with open(path, "rb") as stream:
        yield from parse_lines(stream, max_line_bytes=max_line_bytes, on_bytes=on_bytes)


def parse_lines(
    stream: IO[bytes],
    *,
    max_line_bytes: int = MAX_LINE_BYTES,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[Event | BadLine]:
    number = 0
    while True:
        raw = stream.readline(max_line_bytes + 1)
        if not raw:
            return
        number += 1
        size = len(raw)
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            # Skip the rest of the line without holding it in memory.
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(_READ_CHUNK)
                size += len(raw)
            if on_bytes is not None:
                on_bytes(size)
            yield BadLine(
                number,
                codes.EVENT_LINE_TOO_LONG,
                f"the line is longer than {max_line_bytes} bytes",
            )
            continue
        if on_bytes is not None:
            on_bytes(size)
        if not raw.strip():
            continue
        yield parse_event(raw, number)


def parse_event(raw: bytes, number: int) -> Event | BadLine:
    """One line of the log as an event, or why it is not one."""
    try:
        # The one JSON reader of the CLI: NaN/Infinity, 4300-digit integers,
        # lone surrogates and deep nesting are refused as everywhere else.
        value = jsontext.loads(raw)
    except CompileError as exc:
        diag = exc.diagnostics[0]
        at = f", column {diag.start + 1}" if diag.start >= 0 else ""
        return BadLine(
            number,
            codes.EVENT_NOT_JSON,
            f"the line is not JSON: {diag.message}{at} [{diag.code}]",
        )
    if not isinstance(value, dict):
        return BadLine(number, codes.EVENT_INVALID, "an event is a JSON object")
    unknown = sorted(value.keys() - _EVENT_KEYS)
    if unknown:
        # A misspelt "fields" would otherwise score the event with no fields.
        return BadLine(
            number,
            codes.EVENT_INVALID,
            f"unknown key {unknown[0]!r} (an event has {', '.join(sorted(_EVENT_KEYS))})",
        )
    fields = value.get("fields", {})
    data = value.get("data", {})
    ids = value.get("ids", {})
    for key, part in (("fields", fields), ("data", data), ("ids", ids)):
        if type(part) is not dict:
            return BadLine(number, codes.EVENT_INVALID, f"{key!r} must be a JSON object")
    label = value.get("label")
    if label is not None and not isinstance(label, str):
        return BadLine(number, codes.EVENT_INVALID, "'label' must be a string")
    if ids:
        bad = sorted(ids.keys() - _ID_SET)
        if bad:
            return BadLine(
                number, codes.EVENT_INVALID, f"unknown id {bad[0]!r} (ids are {', '.join(ID_KEYS)})"
            )
        fields = dict(fields)
        for key, id_value in ids.items():
            if key in fields and fields[key] != id_value:
                return BadLine(number, codes.EVENT_INVALID, f"{key} differs in 'ids' and 'fields'")
            fields[key] = id_value
    return Event(number, fields, data, label)


# -- scoring -------------------------------------------------------------------


def scorer_for(program: Program, parent: object = None) -> Scorer:
    """Score with a loaded program, through ``parent`` (a built-in) for a
    DSL_EXTEND strategy, as ``dslc run`` does."""
    import vm

    def score(fields: Mapping[str, Any], data: Mapping[str, Any]) -> Score:
        return vm.score(program, fields=fields, data=data, parent=parent)  # type: ignore[arg-type]

    return score


def outcome_of(scorer: Scorer, event: Event) -> Outcome:
    try:
        s = scorer(event.fields, event.data)
    except ExecutionError as exc:
        return Outcome(error=exc.code)
    points = s.points
    if isinstance(points, float) and not math.isfinite(points):
        # What the engine could not store: counted as an error, not a number.
        return Outcome(error=codes.RESULT_NOT_JSON)
    if isinstance(points, bool) or not isinstance(points, int | float):
        return Outcome(None, s.case_name)
    return Outcome(points, s.case_name)


# -- one version: the summary --------------------------------------------------


@dataclass(slots=True)
class Summary:
    """What a replay found: events per case, the points, errors by code."""

    events: int = 0  # lines that were events (scored or failed at run time)
    cases: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # runtime codes
    bad_lines: Counter[str] = field(default_factory=Counter)  # log codes
    first_bad: list[BadLine] = field(default_factory=list)
    points: array[float] = field(default_factory=lambda: array("d"))

    def add(self, outcome: Outcome) -> None:
        self.events += 1
        if outcome.error is not None:
            self.errors[outcome.error] += 1
            return
        self.cases[outcome.group] += 1
        if outcome.points is not None:
            self.points.append(float(outcome.points))

    def add_bad(self, bad: BadLine, keep: int) -> None:
        self.bad_lines[bad.code] += 1
        if len(self.first_bad) < keep:
            self.first_bad.append(bad)

    def distribution(self) -> dict[str, float] | None:
        """min, quartiles (linear interpolation), max and mean; None when no
        event scored."""
        if not self.points:
            return None
        ordered = sorted(self.points)
        return {
            "min": ordered[0],
            "q1": quantile(ordered, 0.25),
            "median": quantile(ordered, 0.5),
            "q3": quantile(ordered, 0.75),
            "max": ordered[-1],
            "mean": math.fsum(ordered) / len(ordered),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "scored": self.events - sum(self.errors.values()),
            "cases": dict(self.cases.most_common()),
            "points": self.distribution(),
            "errors": dict(self.errors.most_common()),
            "bad_lines": dict(self.bad_lines.most_common()),
            "first_bad_lines": [
                {"line": b.line, "code": b.code, "message": b.message} for b in self.first_bad
            ],
        }


def quantile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated linearly between the
    two nearest ranks (numpy's default, ``statistics.quantiles`` inclusive)."""
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def replay(
    events: Iterable[Event | BadLine],
    scorer: Scorer,
    *,
    keep_bad: int = 20,
    on_bad: Callable[[BadLine], None] | None = None,
) -> Summary:
    summary = Summary()
    for item in events:
        if isinstance(item, BadLine):
            summary.add_bad(item, keep_bad)
            if on_bad is not None:
                on_bad(item)
            continue
        summary.add(outcome_of(scorer, item))
    return summary


# -- two versions: the diff ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    line: int
    label: str | None
    old: Outcome
    new: Outcome


@dataclass(slots=True)
class Group:
    """The events that went from one case to another (or stayed in the same
    case with other points)."""

    old: str
    new: str
    count: int = 0
    deltas: array[float] = field(default_factory=lambda: array("d"))
    examples: list[Example] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"old": self.old, "new": self.new, "count": self.count}
        if self.deltas:
            out["points_delta"] = {
                "min": min(self.deltas),
                "mean": math.fsum(self.deltas) / len(self.deltas),
                "max": max(self.deltas),
            }
        out["examples"] = [
            {
                "line": e.line,
                "label": e.label,
                "old": _outcome_json(e.old),
                "new": _outcome_json(e.new),
            }
            for e in self.examples
        ]
        return out


def _outcome_json(o: Outcome) -> dict[str, Any]:
    if o.error is not None:
        return {"error": o.error}
    return {"points": o.points, "case_name": o.case_name}


@dataclass(slots=True)
class Diff:
    old: Summary = field(default_factory=Summary)
    new: Summary = field(default_factory=Summary)
    changed: int = 0
    case_changed: int = 0
    points_changed: int = 0
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)

    def ordered_groups(self) -> list[Group]:
        return sorted(self.groups.values(), key=lambda g: (-g.count, g.old, g.new))

    def as_json(self) -> dict[str, Any]:
        return {
            "events": self.old.events,
            "changed": self.changed,
            "case_changed": self.case_changed,
            "points_changed": self.points_changed,
            "groups": [g.as_json() for g in self.ordered_groups()],
            "old": self.old.as_json(),
            "new": self.new.as_json(),
        }


def diff(
    events: Iterable[Event | BadLine],
    old: Scorer,
    new: Scorer,
    *,
    examples: int = EXAMPLES_PER_GROUP,
    keep_bad: int = 20,
    on_bad: Callable[[BadLine], None] | None = None,
) -> Diff:
    """Score every event with both versions; group the events whose case,
    points or error changed by (old case -> new case)."""
    result = Diff()
    for item in events:
        if isinstance(item, BadLine):
            result.old.add_bad(item, keep_bad)
            result.new.add_bad(item, keep_bad)
            if on_bad is not None:
                on_bad(item)
            continue
        a = outcome_of(old, item)
        b = outcome_of(new, item)
        result.old.add(a)
        result.new.add(b)
        if a == b and type(a.points) is type(b.points):
            continue
        moved = a.group != b.group
        delta = None
        if a.error is None and b.error is None and a.points is not None and b.points is not None:
            delta = float(b.points) - float(a.points)
        if not moved and not delta:
            continue  # 5 and 5.0: the same points
        result.changed += 1
        result.case_changed += moved
        result.points_changed += bool(delta)
        key = (a.group, b.group)
        group = result.groups.get(key)
        if group is None:
            group = result.groups[key] = Group(*key)
        group.count += 1
        if delta is not None:
            group.deltas.append(delta)
        if len(group.examples) < examples:
            group.examples.append(Example(item.line, item.label, a, b))
    return result
