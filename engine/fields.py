"""Field values of one event, read from the host's analytics service.

The path-to-method table is LANGUAGE.md section 3's: each analytics path is
one call on GAME's analytics service, with the event's ids as arguments.
``EventFields`` is the field source ``vm.score_async`` reads: the VM asks
for a path only when execution first needs it and caches the value for the
rest of the event (pre phase, parent and post phase), so each analytics
method is called at most once per event and only if the program needs it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

# The argument builders take (game, task, user).
Args = Callable[[object, object, object], tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class AnalyticsCall:
    method: str
    args: Args


# The window of ``user.recent_measurements_count``, in seconds.
RECENT_WINDOW_SECONDS: Final = 300

ANALYTICS: Final[dict[str, AnalyticsCall]] = {
    "task.measurements_count": AnalyticsCall(
        "count_measurements_by_external_task_id", lambda g, t, u: (t,)
    ),
    "user.measurements_count": AnalyticsCall(
        "get_user_task_measurements_count", lambda g, t, u: (t, u)
    ),
    "user.recent_measurements_count": AnalyticsCall(
        "get_user_task_measurements_count_the_last_seconds",
        lambda g, t, u: (t, u, RECENT_WINDOW_SECONDS),
    ),
    "user.avg_time": AnalyticsCall(
        "get_avg_time_between_tasks_by_user_and_game_task", lambda g, t, u: (g, t, u)
    ),
    "all.avg_time": AnalyticsCall(
        "get_avg_time_between_tasks_for_all_users", lambda g, t, u: (g, t)
    ),
    "user.last_window_diff": AnalyticsCall("get_last_window_time_diff", lambda g, t, u: (t, u)),
    "user.new_last_window_diff": AnalyticsCall(
        "get_new_last_window_time_diff", lambda g, t, u: (t, u, g)
    ),
}

ID_PATHS: Final = ("externalGameId", "externalTaskId", "externalUserId")
_ABSENT: Final = object()


class EventFields:
    """The field source of one scoring call.

    ``get(path)`` returns an event id directly and, for an analytics path,
    what the service's method returns: an awaitable (the VM awaits it) or,
    for a service whose methods are plain functions, the value. With
    ``record``, every value handed out is remembered in ``values``, so a
    traced re-run can replay the event without a query (the hot path skips
    that wrapper).
    """

    __slots__ = ("analytics", "ids", "record", "values")

    def __init__(
        self, analytics: object, game: object, task: object, user: object, record: bool = False
    ) -> None:
        self.analytics = analytics
        self.ids = (game, task, user)
        self.record = record
        self.values: dict[str, object] = dict(zip(ID_PATHS, self.ids, strict=True))

    def get(self, path: str) -> object:
        value = self.values.get(path, _ABSENT)
        if value is not _ABSENT:
            return value
        call = ANALYTICS.get(path)
        if call is None:
            # The compiler admits no other path; a stray one reads null.
            return None
        if self.record:
            return self._fetch(path, call)
        game, task, user = self.ids
        return getattr(self.analytics, call.method)(*call.args(game, task, user))

    async def _fetch(self, path: str, call: AnalyticsCall) -> object:
        method = getattr(self.analytics, call.method)
        value = method(*call.args(*self.ids))
        if inspect.isawaitable(value):
            value = await value
        self.values[path] = value
        return value
