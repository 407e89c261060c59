"""The field catalogue: every path a program may read, with its static type.

One source of truth (DESIGN.md): the JSON front end, the text front end's
"did you mean" hints, the checker and the code generator all read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from dslc.types import ANY, NUMBER, NUMBER_OR_NULL, STRING, STRING_OR_NULL, Type


class FieldKind(StrEnum):
    EVENT = "event"  # the event's ids, supplied by the host
    ANALYTICS = "analytics"  # a database round trip each in production
    DATA = "data"  # a key of the event payload
    PARENT = "parent"  # the parent strategy's result (post_rules only)


@dataclass(frozen=True, slots=True)
class FieldInfo:
    path: str
    kind: FieldKind
    type: Type
    description: str


CATALOGUE: dict[str, FieldInfo] = {
    info.path: info
    for info in (
        FieldInfo("externalGameId", FieldKind.EVENT, STRING, "the event's game id"),
        FieldInfo("externalTaskId", FieldKind.EVENT, STRING, "the event's task id"),
        FieldInfo("externalUserId", FieldKind.EVENT, STRING, "the event's user id"),
        FieldInfo(
            "task.measurements_count",
            FieldKind.ANALYTICS,
            NUMBER_OR_NULL,
            "events recorded for the task",
        ),
        FieldInfo(
            "user.measurements_count",
            FieldKind.ANALYTICS,
            NUMBER_OR_NULL,
            "events recorded for the user on the task",
        ),
        FieldInfo(
            "user.recent_measurements_count",
            FieldKind.ANALYTICS,
            NUMBER_OR_NULL,
            "events recorded for the user on the task in the last 300 s",
        ),
        FieldInfo(
            "user.avg_time",
            FieldKind.ANALYTICS,
            NUMBER_OR_NULL,
            "the user's mean time between events",
        ),
        FieldInfo(
            "all.avg_time",
            FieldKind.ANALYTICS,
            NUMBER_OR_NULL,
            "all users' mean time between events",
        ),
        FieldInfo(
            "user.last_window_diff",
            FieldKind.ANALYTICS,
            NUMBER_OR_NULL,
            "the previous window's time difference",
        ),
        FieldInfo(
            "user.new_last_window_diff",
            FieldKind.ANALYTICS,
            NUMBER_OR_NULL,
            "the current window's time difference",
        ),
        FieldInfo("parent.points", FieldKind.PARENT, NUMBER, "the parent strategy's points"),
        FieldInfo(
            "parent.case_name",
            FieldKind.PARENT,
            STRING_OR_NULL,
            "the parent strategy's case name",
        ),
    )
}

# As in the reference, the pattern ends in ``$`` so one trailing newline is
# accepted too (Python's ``$`` matches before a final "\n").
DATA_KEY_RE = re.compile(r"^[A-Za-z0-9_]+$")
DATA_PREFIX = "data."


def lookup(path: str) -> FieldInfo | None:
    """The catalogue entry for ``path``, or None if the path is not allowed."""
    info = CATALOGUE.get(path)
    if info is not None:
        return info
    if path.startswith(DATA_PREFIX) and DATA_KEY_RE.match(path[len(DATA_PREFIX) :]):
        return FieldInfo(path, FieldKind.DATA, ANY, "a value of the event payload")
    return None


def known_paths() -> list[str]:
    """Every fixed path (``data.<key>`` excluded), for hints and docs."""
    return list(CATALOGUE)
