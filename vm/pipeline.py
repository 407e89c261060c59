"""The DSL_EXTEND pipeline (LANGUAGE.md section 4) and DSL_FULL scoring.

``score`` runs a stored strategy end to end: for DSL_FULL (no parent) the
``full`` phase; for DSL_EXTEND the ``pre`` phase (when there are pre rules),
the parent built-in on the possibly rewritten data with ``parent_variables``
applied to a fresh copy of its variables, then the ``post`` phase (when
there are post rules). One field cache serves all three, so each field is
fetched at most once per event.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from typing import Protocol

from vm.builtins import (
    DEFAULT_REGISTRY,
    BuiltinError,
    BuiltinStrategy,
    ParentResult,
    resolve_variables,
)
from vm.errors import ExecutionError
from vm.fastpath import Fallback
from vm.host import FieldCache, getter_of
from vm.machine import RunResult
from vm.program import Program
from vm.runner import (
    check_budget,
    check_data,
    check_fields,
    fetch_async,
    new_cache,
    rerun_on_vm,
    run,
    run_async,
    run_phase,
    run_phase_async,
)


class Score:
    """A strategy's result for one event: points, case name, callback data.

    A plain slotted object: it is built once per scored event, and a frozen
    dataclass costs three times as much to construct."""

    __slots__ = ("callback_data", "case_name", "points")

    def __init__(
        self,
        points: object,
        case_name: str | None,
        callback_data: dict[str, object] | None = None,
        _working_data: object = None,
        _matched: object = None,
        _vetoed: object = None,
    ) -> None:
        # The last three are a phase result's other values: a translated
        # function (vm.translate) builds a Score directly from the six.
        self.points = points
        self.case_name = case_name
        self.callback_data: dict[str, object] = {} if callback_data is None else callback_data

    def as_public(self) -> tuple[object, ...]:
        """``(points, case_name)``, or with callback_data when it is non-empty."""
        if self.callback_data:
            return (self.points, self.case_name, self.callback_data)
        return (self.points, self.case_name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Score):
            return NotImplemented
        return (self.points, self.case_name, self.callback_data) == (
            other.points,
            other.case_name,
            other.callback_data,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Score(points={self.points!r}, case_name={self.case_name!r}, "
            f"callback_data={self.callback_data!r})"
        )


class HostParent(Protocol):
    """A parent the host owns, such as GAME's own built-in instance: its
    ``calculate_points`` is a coroutine function with GAME's signature, it
    reads its own analytics, and its variables are ``variable_*``
    attributes (GAME's ``BaseStrategy``)."""

    async def calculate_points(
        self,
        externalGameId: object = None,
        externalTaskId: object = None,
        externalUserId: object = None,
        data: Mapping[str, object] | None = None,
    ) -> object: ...


ParentArg = BuiltinStrategy | HostParent | str | None

# The event's ids: static field paths, and the arguments a host parent takes.
_EMPTY: Mapping[str, object] = {}

ID_PATHS: tuple[str, ...] = ("externalGameId", "externalTaskId", "externalUserId")


def _builtin(parent: ParentArg) -> BuiltinStrategy | HostParent | None:
    if parent is None or not isinstance(parent, str):
        return parent
    return DEFAULT_REGISTRY.get(parent)


def is_host_parent(parent: object) -> bool:
    """Whether ``parent`` is awaited (GAME's kind) rather than a built-in."""
    return inspect.iscoroutinefunction(getattr(parent, "calculate_points", None))


def with_variables(parent: HostParent, overrides: Mapping[str, object] | None) -> HostParent:
    """``parent`` with ``overrides`` applied to a shallow copy, as GAME does:
    through its ``set_variables`` when it has one, else to the attributes it
    already has (an unknown key is ignored). Without overrides the instance
    itself is used, never changed."""
    if not overrides:
        return parent
    copied = copy.copy(parent)
    apply_variables(copied, overrides)
    return copied


def apply_variables(parent: object, overrides: Mapping[str, object]) -> None:
    """Set ``overrides`` on ``parent`` in place, as GAME's ``set_variables``."""
    setter = getattr(parent, "set_variables", None)
    if callable(setter):
        setter(dict(overrides))
    else:
        for key, value in overrides.items():
            if hasattr(parent, key):
                setattr(parent, key, value)


def _from_run(r: RunResult) -> Score:
    return Score(r.points, r.case_name, r._callback_data)


def _parent_dict(p: ParentResult) -> dict[str, object]:
    return {"points": p.points, "case_name": p.case_name, "callback_data": p.callback_data}


def score(
    program: Program,
    fields: object = None,
    data: Mapping[str, object] | None = None,
    parent: ParentArg = None,
    budget: int | None = None,
) -> Score:
    """Score one event. ``parent`` is None for DSL_FULL, else the built-in
    (an object of the BuiltinStrategy protocol, or a registered id)."""
    if parent is None:
        # DSL_FULL: the full phase is the whole scoring. The hot path: the
        # translated function builds the Score itself (no field cache, no
        # intermediate result object).
        if (
            type(fields) is dict
            and budget is None
            and (data is None or type(data) is dict)
            and type(program) is Program
        ):
            tr = program.translated.get("full")
            if tr is not None:
                event: Mapping[str, object] = _EMPTY if data is None else data
                get = fields.get
                try:
                    return tr.function(get, event, _EMPTY, 0, None, None, Score)
                except Fallback as fb:
                    return _from_run(rerun_on_vm(program, "full", tr, fb, get, event, _EMPTY, None))
        if fields is not None and type(fields) is not dict:
            getter_of(fields)  # an async source: the TypeError names score_async
        return _from_run(run(program, "full", fields, data, None, budget))  # type: ignore[arg-type]
    # The shapes run() checks, checked before the parent runs (TypeError).
    event = {} if data is None else check_data(data)  # a fresh {}: a parent may write to it
    check_budget(budget)
    cache = new_cache(program, fields)
    builtin = _builtin(parent)
    if builtin is None:
        return _from_run(run_phase(program, "full", cache, event, {}, budget))
    if is_host_parent(builtin):
        raise TypeError(
            f"the parent {type(builtin).__name__} has an async calculate_points: use vm.score_async"
        )
    assert isinstance(builtin, BuiltinStrategy)
    parent_data: Mapping[str, object] = event
    if program.has_pre:
        pre = run_phase(program, "pre", cache, event, {}, budget)
        if pre.vetoed:
            return Score(0, pre.case_name, pre.callback_data)
        parent_data = pre.working_data
    variables = resolve_variables(builtin, program.parent_variables)
    try:
        result = ParentResult.normalise(builtin.calculate_points(cache, parent_data, variables))
    except BuiltinError as exc:
        raise _as_execution_error(exc) from None
    if not program.has_post:
        return Score(result.points, result.case_name, dict(result.callback_data))
    # The post phase reads data.* from what the parent received (GAME).
    return _from_run(run_phase(program, "post", cache, parent_data, _parent_dict(result), budget))


def _as_execution_error(exc: BuiltinError) -> ExecutionError:
    # A failing parent is reported like a failing node of the program.
    return ExecutionError(exc.code, exc.node_id, exc.detail)


class _NeedField(Exception):
    def __init__(self, path: str) -> None:
        self.path = path


class _PrefetchedReader:
    """What a built-in sees in an asynchronous scoring: cached values only.
    A miss stops the built-in; the driver awaits the field and reruns it
    (built-ins are pure functions of their inputs, so a rerun is safe)."""

    def __init__(self, cache: FieldCache) -> None:
        self.cache = cache

    def get(self, path: str) -> object:
        if not self.cache.is_cached(path):
            raise _NeedField(path)
        return self.cache.get(path)


async def score_async(
    program: Program,
    fields: object = None,
    data: Mapping[str, object] | None = None,
    parent: ParentArg = None,
    budget: int | None = None,
    *,
    ids: Mapping[str, object] | None = None,
) -> Score:
    """``score`` with an asynchronous field source (never blocks the loop).

    ``parent`` may also be a host parent (``HostParent``: GAME's own
    built-in instance), whose ``calculate_points`` is awaited on the
    caller's loop with the event's ids and the data the pre phase produced,
    ``parent_variables`` applied to a copy of it. The ids are ``ids`` when
    given, else the field values of ``externalGameId`` ... ``externalUserId``.
    """
    if parent is None:
        return _from_run(await run_async(program, "full", fields, data, None, budget))  # type: ignore[arg-type]
    event = {} if data is None else check_data(data)  # a fresh {}: a parent may write to it
    check_budget(budget)
    check_fields(fields)
    cache = new_cache(program, None)
    builtin = _builtin(parent)
    if builtin is None:
        return _from_run(await run_phase_async(program, "full", cache, fields, event, {}, budget))
    parent_data: Mapping[str, object] = event
    if program.has_pre:
        pre = await run_phase_async(program, "pre", cache, fields, event, {}, budget)
        if pre.vetoed:
            return Score(0, pre.case_name, pre.callback_data)
        parent_data = pre.working_data
    if is_host_parent(builtin):
        raw = await _call_host_parent(
            builtin,  # type: ignore[arg-type]
            program,
            cache,
            fields,
            ids,
            parent_data,
        )
    else:
        assert isinstance(builtin, BuiltinStrategy)
        variables = resolve_variables(builtin, program.parent_variables)
        reader = _PrefetchedReader(cache)
        while True:
            try:
                raw = builtin.calculate_points(reader, parent_data, variables)
                break
            except _NeedField as need:
                cache.store(need.path, await fetch_async(fields, need.path))
            except BuiltinError as exc:
                raise _as_execution_error(exc) from None
    try:
        result = ParentResult.normalise(raw)
    except BuiltinError as exc:
        raise _as_execution_error(exc) from None
    if not program.has_post:
        return Score(result.points, result.case_name, dict(result.callback_data))
    return _from_run(
        await run_phase_async(
            program, "post", cache, fields, parent_data, _parent_dict(result), budget
        )
    )


async def _call_host_parent(
    parent: HostParent,
    program: Program,
    cache: FieldCache,
    fields: object,
    ids: Mapping[str, object] | None,
    data: Mapping[str, object],
) -> object:
    if ids is None:
        values = []
        for path in ID_PATHS:
            if not cache.is_cached(path):
                cache.store(path, await fetch_async(fields, path))
            values.append(cache.get(path))
    else:
        values = [ids.get(path) for path in ID_PATHS]
    instance = with_variables(parent, program.parent_variables)
    try:
        return await instance.calculate_points(
            externalGameId=values[0],
            externalTaskId=values[1],
            externalUserId=values[2],
            data=dict(data),
        )
    except BuiltinError as exc:
        # An async wrapper of a project built-in fails as the built-in does.
        raise _as_execution_error(exc) from None
