"""Parent built-in strategies that a DSL_EXTEND strategy can extend.

LANGUAGE.md section 4: a DSL_EXTEND strategy names a parent built-in; the
pipeline runs the parent between ``pre_rules`` and ``post_rules`` with
``parent_variables`` applied to a fresh copy of the parent's variables.

The built-ins here re-implement GAME's (Goals And Motivation Engine) Python
strategies ``default`` (``app/engine/default.py``, version 0.0.2) and
``constantEffortStrategy`` (``app/engine/constantEffortStrategy.py``,
version 0.0.1). GAME ships the JSON programs ``default_v0_0_2.json`` and
``constant_effort_v0_0_1.json`` as their DSL_FULL equivalents; with default
variables each built-in gives the same (points, case_name) as its program
for the same field values, errors included (a null analytics value is the
same ``DSL_COMPARE_TYPE_MISMATCH`` the program raises, where GAME's Python
crashes with a ``TypeError``).

Analytics are read through a :class:`FieldReader` with the field paths of
LANGUAGE.md section 3, in the order GAME's Python fetches them and only when
the branch being decided needs them, so a lazy per-event cache shared with
the pre and post phases fetches each one at most once.

Standard library only (DESIGN.md): the engine installs ``vm`` alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Protocol, runtime_checkable

from vm.errors import ARITH_OUT_OF_RANGE, ASSIGN_POINTS_NOT_NUMBER
from vm.opcodes import COMPARE_NAMES, Op
from vm.values import Fault, arith, compare, to_int

__all__ = [
    "DEFAULT_REGISTRY",
    "BuiltinError",
    "BuiltinRegistry",
    "BuiltinStrategy",
    "ConstantEffortStrategy",
    "DefaultStrategy",
    "FieldReader",
    "ParentResult",
    "UnknownBuiltinError",
    "resolve_variables",
]

# The runtime codes a built-in can fail with are the VM's own (LANGUAGE.md
# section 5), so a host reports a failing parent exactly as it would the
# equivalent JSON program. A parent's points play the role of an
# ``assign_points`` value.
POINTS_NOT_NUMBER: Final = ASSIGN_POINTS_NOT_NUMBER
# This project's own: an override the field catalogue cannot honour.
VARIABLE_UNSUPPORTED: Final = "DSLC_BUILTIN_VARIABLE_UNSUPPORTED"


# -- host interface ----------------------------------------------------------


class FieldReader(Protocol):
    """Where a built-in reads analytics: the VM's per-event lazy field cache."""

    def get(self, path: str) -> object: ...


class BuiltinError(Exception):
    """A built-in could not compute a result; ``code`` is a stable code.

    It carries ``code``, ``node_id`` and ``detail`` like the VM's runtime
    errors, so the pipeline can report a failing parent the same way.
    """

    def __init__(self, code: str, builtin_id: str, step: str, detail: str) -> None:
        super().__init__(f"{code} in built-in {builtin_id!r} at {step}: {detail}")
        self.code = code
        self.builtin_id = builtin_id
        self.step = step
        self.detail = detail

    @property
    def node_id(self) -> str:
        # Runtime errors point at a node id; a built-in has none, so the id
        # names the built-in and its decision step instead.
        return f"builtin:{self.builtin_id}.{self.step}"


class UnknownBuiltinError(KeyError):
    """No built-in strategy is registered under the requested id."""

    def __init__(self, builtin_id: str, known: Iterable[str]) -> None:
        self.builtin_id = builtin_id
        self.known = tuple(known)
        listed = ", ".join(repr(k) for k in self.known) or "none"
        self.message = f"unknown built-in strategy {builtin_id!r}; known ids: {listed}"
        super().__init__(self.message)

    def __str__(self) -> str:
        # KeyError's own __str__ shows the repr of its argument, quotes and
        # escapes included, which is unreadable in a diagnostic.
        return self.message


# -- results -----------------------------------------------------------------


def _is_points(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class ParentResult:
    """A parent's result, normalised: what ``post_rules`` start from."""

    points: int | float
    case_name: str | None
    callback_data: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _is_points(self.points):
            raise BuiltinError(
                POINTS_NOT_NUMBER,
                "parent",
                "result",
                f"points must be a number, got {type(self.points).__name__}",
            )
        if isinstance(self.points, float) and not math.isfinite(self.points):
            raise BuiltinError(
                ARITH_OUT_OF_RANGE, "parent", "result", f"points {self.points!r} not finite"
            )
        if self.case_name is not None and not isinstance(self.case_name, str):
            raise TypeError(
                f"case_name must be a string or None, got {type(self.case_name).__name__}"
            )
        if not isinstance(self.callback_data, dict):
            raise TypeError(
                f"callback_data must be a dict, got {type(self.callback_data).__name__}"
            )

    @classmethod
    def normalise(cls, raw: object) -> ParentResult:
        """Give what a parent returned one shape, as GAME's
        ``_normalize_parent_tuple`` does (LANGUAGE.md section 4).

        A ``ParentResult`` is kept. Any other value that is not a tuple
        (``None``, a number, a list, a dict) counts as ``(0, None, {})``. A
        tuple is padded to three items (extra items are ignored); points of
        None count as 0; a falsy callback_data counts as {}.

        Where GAME would carry a broken value on, this raises instead:
        points that are not a finite number are a ``BuiltinError`` with a
        stable code, a case name that is not a string or None and a
        callback_data that is not a mapping a ``TypeError``.
        """
        if isinstance(raw, ParentResult):
            return raw
        if not isinstance(raw, tuple):
            return cls(0, None, {})
        points, case_name, callback_data = (*raw, None, None, None)[:3]
        if not callback_data:
            cb: dict[str, object] = {}
        elif isinstance(callback_data, Mapping):
            # A copy: the post phase mutates its callback data, and the
            # parent may hand out a dict it keeps using.
            cb = dict(callback_data)
        else:
            raise TypeError(f"callback_data must be a mapping, got {type(callback_data).__name__}")
        return cls(0 if points is None else points, case_name, cb)

    def as_public(
        self,
    ) -> tuple[int | float, str | None] | tuple[int | float, str | None, dict[str, object]]:
        """The public result shape (LANGUAGE.md section 4)."""
        if self.callback_data:
            return self.points, self.case_name, self.callback_data
        return self.points, self.case_name


# -- the strategy interface --------------------------------------------------


@runtime_checkable
class BuiltinStrategy(Protocol):
    """A parent strategy.

    ``default_variables`` returns a fresh dict on every call: the pipeline
    applies ``parent_variables`` to it, and a shared dict would leak one
    tenant's overrides into the next event (GAME copies the strategy
    instance for the same reason).
    """

    id: str

    def default_variables(self) -> dict[str, object]: ...

    def calculate_points(
        self,
        fields: FieldReader,
        data: Mapping[str, object],
        variables: Mapping[str, object],
    ) -> ParentResult: ...


def resolve_variables(
    strategy: BuiltinStrategy, overrides: Mapping[str, object] | None
) -> dict[str, object]:
    """A fresh copy of the strategy's variables with ``overrides`` applied.

    As GAME's ``BaseStrategy.set_variables``, a key the strategy does not
    have is ignored: the compiler accepts any ``variable_*`` key, and a
    strategy authored against one parent may be moved to another.
    """
    variables = strategy.default_variables()
    if overrides:
        for key, value in overrides.items():
            if key in variables:
                variables[key] = value
    return variables


# -- value operations: the VM's own (LANGUAGE.md section 2) -------------------
#
# The built-ins call vm.values' operations rather than Python's operators,
# so that a built-in and its JSON program agree on every input, failures
# included; a Fault is reported as this built-in's error.


def _vm(bid: str, step: str, fn: Callable[..., Any], *args: object) -> Any:
    try:
        return fn(*args)
    except Fault as fault:
        raise BuiltinError(fault.code, bid, step, fault.detail) from None


def _add(a: object, b: object, bid: str, step: str) -> int | float:
    return _vm(bid, step, arith, int(Op.ADD), a, b)


def _sub(a: object, b: object, bid: str, step: str) -> int | float:
    return _vm(bid, step, arith, int(Op.SUB), a, b)


def _mul(a: object, b: object, bid: str, step: str) -> int | float:
    return _vm(bid, step, arith, int(Op.MUL), a, b)


def _div(a: object, b: object, bid: str, step: str) -> float:
    return _vm(bid, step, arith, int(Op.DIV), a, b)


def _min(a: object, b: object, bid: str, step: str) -> int | float:
    return _vm(bid, step, arith, int(Op.MIN), a, b)


def _max(a: object, b: object, bid: str, step: str) -> int | float:
    return _vm(bid, step, arith, int(Op.MAX), a, b)


def _int(value: object, bid: str, step: str) -> int:
    return _vm(bid, step, to_int, value)


def _lt(a: object, b: object, bid: str, step: str) -> bool:
    return _vm(bid, step, compare, COMPARE_NAMES.index("<"), a, b)


def _le(a: object, b: object, bid: str, step: str) -> bool:
    return _vm(bid, step, compare, COMPARE_NAMES.index("<="), a, b)


def _gt(a: object, b: object, bid: str, step: str) -> bool:
    return _vm(bid, step, compare, COMPARE_NAMES.index(">"), a, b)


def _variable(variables: Mapping[str, object], defaults: Mapping[str, object], name: str) -> object:
    # A host may hand over only the overrides; the default fills the rest.
    return variables[name] if name in variables else defaults[name]


def _result(points: object, case_name: str, bid: str, step: str) -> ParentResult:
    # Variables reach the result as given (GAME returns the attribute), so
    # a null override scores 0 and a string or boolean one is an error.
    if points is None:
        return ParentResult(0, case_name, {})
    if not _is_points(points):
        raise BuiltinError(
            POINTS_NOT_NUMBER, bid, step, f"points must be a number, got {type(points).__name__}"
        )
    return ParentResult(points, case_name, {})  # type: ignore[arg-type]


# -- GAME's ``default`` --------------------------------------------------------


class DefaultStrategy:
    """GAME's ``default`` (EnhancedGamificationStrategy 0.0.2).

    Decision order, first match wins:

    1. ``task.measurements_count < 2``: basic points, ``BasicEngagement``.
    2. ``user.measurements_count <= 2``: 1, ``default``.
    3. ``user.avg_time < all.avg_time``: basic + bonus, ``PerformanceBonus``.
    4. With ``diff = user.new_last_window_diff - user.last_window_diff``:
       ``diff > 0`` and ``diff < all.avg_time``: ``IndividualOverGlobal``;
       ``diff > 0`` and ``diff < user.avg_time``: ``PeakPerformerBonus``;
       ``diff > 0`` and ``diff > user.avg_time``: ``GlobalAdvantageAdjustment``;
       ``diff < 0``: ``IndividualAdjustment``.
    5. Otherwise 1, ``default``.

    The fallback points of steps 2 and 5 are GAME's attribute
    ``default_points_task_campaign``, which has no ``variable_`` prefix and
    so is not a tunable variable (``parent_variables`` keys must start with
    ``variable_``); it stays the constant 1 here.

    Where the JSON program differs: it writes PerformanceBonus as the
    literal 11, GAME as ``variable_basic_points + variable_bonus_points``
    (1 + 10 by default). The sum is kept so that overriding either variable
    has GAME's effect. GAME fetches ``user.last_window_diff`` before
    ``user.new_last_window_diff`` and the program the other way round; the
    order only changes which of two fetches happens first, never a result.
    """

    id: str = "default"
    version: str = "0.0.2"
    # Every analytics path this strategy may read, for hosts that prefetch
    # or report the fields a DSL_EXTEND strategy depends on.
    field_paths: frozenset[str] = frozenset(
        {
            "task.measurements_count",
            "user.measurements_count",
            "user.avg_time",
            "all.avg_time",
            "user.last_window_diff",
            "user.new_last_window_diff",
        }
    )

    # Read-only: every caller gets its own copy from default_variables().
    _DEFAULTS: Final[Mapping[str, object]] = MappingProxyType(
        {
            "variable_basic_points": 1,
            "variable_bonus_points": 10,
            "variable_individual_over_global_points": 3,
            "variable_peak_performer_bonus_points": 15,
            "variable_global_advantage_adjustment_points": 7,
            "variable_individual_adjustment_points": 8,
        }
    )
    _FALLBACK_POINTS: Final = 1

    def default_variables(self) -> dict[str, object]:
        return dict(self._DEFAULTS)

    def calculate_points(
        self,
        fields: FieldReader,
        data: Mapping[str, object],
        variables: Mapping[str, object],
    ) -> ParentResult:
        bid = self.id
        defaults = self._DEFAULTS

        def var(name: str) -> object:
            return _variable(variables, defaults, name)

        if _lt(fields.get("task.measurements_count"), 2, bid, "basic_engagement"):
            return _result(var("variable_basic_points"), "BasicEngagement", bid, "basic_engagement")

        if _le(fields.get("user.measurements_count"), 2, bid, "user_low_count"):
            return ParentResult(self._FALLBACK_POINTS, "default", {})

        user_avg = fields.get("user.avg_time")
        all_avg = fields.get("all.avg_time")
        if _lt(user_avg, all_avg, bid, "performance_bonus"):
            points = _add(
                var("variable_basic_points"),
                var("variable_bonus_points"),
                bid,
                "performance_bonus",
            )
            return _result(points, "PerformanceBonus", bid, "performance_bonus")

        last_diff = fields.get("user.last_window_diff")
        new_diff = fields.get("user.new_last_window_diff")
        diff = _sub(new_diff, last_diff, bid, "window_diff")
        if _gt(diff, 0, bid, "window_diff"):
            if _lt(diff, all_avg, bid, "individual_over_global"):
                return _result(
                    var("variable_individual_over_global_points"),
                    "IndividualOverGlobal",
                    bid,
                    "individual_over_global",
                )
            if _lt(diff, user_avg, bid, "peak_performer"):
                return _result(
                    var("variable_peak_performer_bonus_points"),
                    "PeakPerformerBonus",
                    bid,
                    "peak_performer",
                )
            if _gt(diff, user_avg, bid, "global_advantage"):
                return _result(
                    var("variable_global_advantage_adjustment_points"),
                    "GlobalAdvantageAdjustment",
                    bid,
                    "global_advantage",
                )
        if _lt(diff, 0, bid, "individual_adjustment"):
            return _result(
                var("variable_individual_adjustment_points"),
                "IndividualAdjustment",
                bid,
                "individual_adjustment",
            )
        return ParentResult(self._FALLBACK_POINTS, "default", {})


# -- GAME's ``constantEffortStrategy`` ------------------------------------------


class ConstantEffortStrategy:
    """GAME's ``constantEffortStrategy`` (ConstantEffortStrategy 0.0.1).

    With ``n = user.recent_measurements_count`` (the user's events on the
    task in the last ``variable_constant_effort_interval_minutes`` minutes):
    if ``n > 0``, points are ``clamp(int((n + 1) / max * 100), 1, max)``
    with ``max = variable_max_points``, case ``ConstantEffortReward``;
    otherwise 1, ``BasicReward``. The division comes before the product,
    as in GAME and the JSON program, so float rounding is identical
    (n = 28 gives 28, not 29).

    ``variable_basic_points`` and ``variable_bonus_points`` are listed
    because GAME's strategy has them (and accepts overrides of them), but it
    never reads them: BasicReward is the literal 1.

    The bound is GAME's ``min(max(v, 1), max)``, not the JSON program's
    ``clamp`` (``max(1, min(v, max))``): with ``variable_max_points`` below
    1 the maximum wins (``-5`` scores ``-5``), as GAME's does.

    The one difference from GAME's Python: the field catalogue has the
    300 s window only, so an interval other than 5 minutes cannot be read
    and is an error (``DSLC_BUILTIN_VARIABLE_UNSUPPORTED``) instead of a
    silent 5. (A parent that is GAME's own instance, awaited by
    ``vm.score_async``, queries its own window.) A null interval fails as
    GAME's ``None * 60`` does, with ``DSL_ARITH_TYPE_MISMATCH``.
    """

    id: str = "constantEffortStrategy"
    version: str = "0.0.1"
    field_paths: frozenset[str] = frozenset({"user.recent_measurements_count"})
    # Variables it has but never reads (an override of one changes nothing;
    # ``dslc check`` warns, DSLC_PARENT_VARIABLE_UNREAD).
    unread_variables: frozenset[str] = frozenset({"variable_basic_points", "variable_bonus_points"})

    _DEFAULTS: Final[Mapping[str, object]] = MappingProxyType(
        {
            "variable_basic_points": 1,
            "variable_bonus_points": 10,
            "variable_constant_effort_interval_minutes": 5,
            "variable_max_points": 100,
        }
    )
    _WINDOW_SECONDS: Final = 300  # the window of user.recent_measurements_count
    _BASIC_REWARD_POINTS: Final = 1

    def default_variables(self) -> dict[str, object]:
        return dict(self._DEFAULTS)

    def calculate_points(
        self,
        fields: FieldReader,
        data: Mapping[str, object],
        variables: Mapping[str, object],
    ) -> ParentResult:
        bid = self.id
        defaults = self._DEFAULTS
        interval = _variable(variables, defaults, "variable_constant_effort_interval_minutes")
        # Checked before any fetch, as GAME computes the window first: an
        # unusable configuration fails the same way whatever the analytics say.
        window = _mul(interval, 60, bid, "interval")
        if isinstance(interval, bool) or window != self._WINDOW_SECONDS:
            raise BuiltinError(
                VARIABLE_UNSUPPORTED,
                bid,
                "interval",
                "variable_constant_effort_interval_minutes must be 5: "
                "user.recent_measurements_count covers the last 300 seconds only, "
                f"got {interval!r}",
            )

        count = fields.get("user.recent_measurements_count")
        if _gt(count, 0, bid, "constant_effort"):
            max_points = _variable(variables, defaults, "variable_max_points")
            step = "constant_effort"
            scaled = _mul(_div(_add(count, 1, bid, step), max_points, bid, step), 100, bid, step)
            points = _min(_max(_int(scaled, bid, step), 1, bid, step), max_points, bid, step)
            return _result(points, "ConstantEffortReward", bid, step)
        return ParentResult(self._BASIC_REWARD_POINTS, "BasicReward", {})


# -- registry ------------------------------------------------------------------


class BuiltinRegistry:
    """Built-in strategies by public id (and by alias)."""

    def __init__(self) -> None:
        self._by_id: dict[str, BuiltinStrategy] = {}
        self._aliases: dict[str, str] = {}

    def register(self, strategy: BuiltinStrategy, *, aliases: Iterable[str] = ()) -> None:
        """Add ``strategy`` under its ``id`` and any ``aliases``.

        Raises ``ValueError`` when a name is empty or already taken by
        another strategy, as GAME's ``register_strategy`` does: a stored
        strategy refers to its parent by this id, so it must not silently
        change meaning.
        """
        if not isinstance(strategy, BuiltinStrategy):
            raise TypeError(f"{type(strategy).__name__} does not implement BuiltinStrategy")
        names = [strategy.id, *aliases]
        for name in names:
            if not isinstance(name, str) or not name:
                raise ValueError(f"a built-in id must be a non-empty string, got {name!r}")
            existing = self._lookup(name)
            if existing is not None and existing is not strategy:
                raise ValueError(f"built-in id {name!r} is already registered")
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate names in {names!r}")
        self._by_id[strategy.id] = strategy
        for alias in aliases:
            if alias != strategy.id:
                self._aliases[alias] = strategy.id

    def _lookup(self, name: str) -> BuiltinStrategy | None:
        strategy = self._by_id.get(name)
        if strategy is None and name in self._aliases:
            strategy = self._by_id[self._aliases[name]]
        return strategy

    def get(self, builtin_id: str) -> BuiltinStrategy:
        strategy = self._lookup(builtin_id)
        if strategy is None:
            raise UnknownBuiltinError(builtin_id, self.names())
        return strategy

    def ids(self) -> tuple[str, ...]:
        """Canonical ids, in registration order."""
        return tuple(self._by_id)

    def names(self) -> tuple[str, ...]:
        """Every name ``get`` accepts: canonical ids, then aliases."""
        return (*self._by_id, *self._aliases)

    def aliases(self) -> dict[str, str]:
        """Alias -> canonical id."""
        return dict(self._aliases)

    def __contains__(self, builtin_id: object) -> bool:
        return isinstance(builtin_id, str) and self._lookup(builtin_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids())

    def __len__(self) -> int:
        return len(self._by_id)


def _default_registry() -> BuiltinRegistry:
    registry = BuiltinRegistry()
    registry.register(DefaultStrategy())
    # "constantEffortStrategy" is GAME's public id (its registry and, before
    # that, the module's file name); "constantEffort" is the short name this
    # project's documents use, accepted so both resolve to one strategy.
    registry.register(ConstantEffortStrategy(), aliases=("constantEffort",))
    return registry


DEFAULT_REGISTRY: Final[BuiltinRegistry] = _default_registry()
