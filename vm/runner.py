"""Running one phase: ``run`` and ``run_async`` (LANGUAGE.md section 2)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

from vm import errors as E
from vm.errors import ExecutionError
from vm.fastpath import Fallback, HostFetchError, Translated, guarded_getter
from vm.host import AsyncFieldSource, FieldCache, FieldSource
from vm.machine import RunResult, Suspend, execute
from vm.opcodes import PHASES
from vm.program import Program

_EMPTY: Mapping[str, object] = {}
NO_LIMIT = -1  # the loop counts steps only when a budget could be exceeded


# -- the arguments' shapes: a wrong one is a TypeError naming the argument ----


def _phase(program: Program, phase: str) -> None:
    """Check the program and phase arguments (without binding the program:
    a translated run never needs the VM's bound code)."""
    if not isinstance(program, Program):
        raise TypeError(
            f"program must be a vm.Program (from vm.load), not {type(program).__name__}"
        )
    if type(phase) is not str:
        raise TypeError(f"phase must be a string, not {type(phase).__name__}")
    if phase not in program.max_steps:
        raise ValueError(f"phase must be one of {', '.join(PHASES)}, not {phase!r}")


def check_data(data: object) -> Mapping[str, object]:
    """The event data as a plain dict: the loop reads it with ``dict.get``,
    which host code cannot make raise. Any other mapping is copied once."""
    if data is None:
        return _EMPTY
    if type(data) is dict:
        return data
    if isinstance(data, Mapping):
        return dict(data)
    raise TypeError(f"data must be a mapping of the event's data, not {type(data).__name__}")


def check_parent(parent: object) -> Mapping[str, object]:
    """``parent`` must be a mapping, and its ``callback_data`` (when present
    and not None) a mapping too. Its points and case name are values, read
    at run time (LANGUAGE.md section 2)."""
    if parent is None:
        return _EMPTY
    if not isinstance(parent, Mapping):
        raise TypeError(
            "parent must be a mapping {points, case_name, callback_data}, "
            f"not {type(parent).__name__}"
        )
    callback = parent.get("callback_data")
    if callback is not None and not isinstance(callback, Mapping):
        raise TypeError(
            f"parent['callback_data'] must be a mapping or None, not {type(callback).__name__}"
        )
    return parent


def check_budget(budget: object) -> int | None:
    if budget is None:
        return None
    if type(budget) is not int:
        raise TypeError(
            f"budget must be an int number of steps or None, not {type(budget).__name__}"
        )
    if budget < 0:
        raise ValueError("budget must be a non-negative number of steps")
    return budget


def check_fields(fields: object) -> None:
    """A field source is None, a mapping, or an object with a callable get."""
    if fields is not None and not callable(getattr(fields, "get", None)):
        raise TypeError(
            f"fields must be a mapping or an object with get(path), not {type(fields).__name__}"
        )


def _start(
    phase: str,
    program: Program,
    data: Mapping[str, object],
    parent: Mapping[str, object],
    budget: int | None,
) -> tuple[RunResult, int]:
    """The initial result state and the step limit of a phase."""
    budget = check_budget(budget)
    st = RunResult()
    if phase == "full":
        pass
    elif phase == "pre":
        st.working_data = dict(data)
    elif phase == "post":
        st.points = _parent_points(parent.get("points"))
        st.case_name = parent.get("case_name")  # type: ignore[assignment]
        st.callback_data = dict(parent.get("callback_data") or {})  # type: ignore[call-overload]
        st.matched = True
    # No budget, or one the longest path cannot exceed: nothing to count.
    if budget is None or budget >= program.max_steps[phase]:
        return st, NO_LIMIT
    if program.phases[phase].first_run > budget:
        raise ExecutionError(E.LIMIT_EXCEEDED, None, "step budget exceeded")
    return st, budget


def _parent_points(points: object) -> float:
    """``float(parent points or 0)`` (LANGUAGE.md section 2); a value that
    raises there is an ExecutionError like any host value in an operation."""
    try:
        return float(points or 0)  # type: ignore[arg-type]
    except OverflowError:
        raise ExecutionError(E.ARITH_OUT_OF_RANGE, None, "parent points too large") from None
    except (TypeError, ValueError):
        raise ExecutionError(
            E.ARITH_TYPE_MISMATCH, None, "parent points must be a number"
        ) from None
    except Exception as exc:
        raise ExecutionError(
            E.HOST_VALUE_ERROR, None, f"parent points raised {type(exc).__name__}"
        ) from exc


# -- the translated functions (vm.translate) and the fallback to the VM ----


def translation(program: Program, phase: str, is_async: bool = False) -> Translated | None:
    """The phase's translated function, built on first use; None when the
    translator declined the image (the VM runs it)."""
    cache = program.translated_async if is_async else program.translated
    if phase in cache:
        return cache[phase]
    _phase(program, phase)  # the error naming the argument
    from vm.translate import Declined, translate  # the ast machinery, on first use

    try:
        result: Translated | None = translate(program.verified, phase, is_async=is_async)
    except Declined:
        result = None
    cache[phase] = result
    return result


def _prefill(program: Program, tr: Translated, fb: Fallback) -> list[object]:
    slots = program.empty_slots.copy()
    for slot, value in zip(tr.used, fb.fetched, strict=True):
        slots[slot] = value
    return slots


def _replaying(get: Callable[[str], object], failure: HostFetchError) -> Callable[[str], object]:
    """``get`` that raises the host's recorded failure for its path once, so
    a rerun on the VM does not ask the host a second time."""
    pending = [failure]

    def replay(path: str) -> object:
        if pending and path == pending[0].path:
            raise pending.pop().error
        return get(path)

    return replay


class _CachedSource:
    """The field source a translated asynchronous phase sees: the event's
    field cache first, the host (awaited, then cached) on a miss."""

    __slots__ = ("cache", "source")

    def __init__(self, cache: FieldCache, source: object) -> None:
        self.cache = cache
        self.source = source

    def get(self, path: str) -> object:
        if self.cache.is_cached(path):
            return self.cache.get(path)
        return self._fetch(path)

    async def _fetch(self, path: str) -> object:
        value = await fetch_async(self.source, path)
        self.cache.store(path, value)
        return value


class _ReplayingSource:
    """An async field source that raises a recorded host failure once."""

    __slots__ = ("failure", "source")

    def __init__(self, source: object, failure: HostFetchError) -> None:
        self.source = source
        self.failure: HostFetchError | None = failure

    def get(self, path: str) -> object:
        failure = self.failure
        if failure is not None and path == failure.path:
            self.failure = None
            raise failure.error
        if self.source is None:
            return None
        return self.source.get(path)  # type: ignore[attr-defined]


def run_phase(
    program: Program,
    phase: str,
    cache: FieldCache,
    data: Mapping[str, object] | None,
    parent: Mapping[str, object] | None,
    budget: int | None = None,
    *,
    translated: bool = True,
) -> RunResult:
    _phase(program, phase)
    data = check_data(data)
    parent = check_parent(parent)
    st, limit = _start(phase, program, data, parent, budget)
    if translated and limit == NO_LIMIT:
        tr = translation(program, phase)
        if tr is not None:
            try:
                return tr.function(
                    guarded_getter(cache.get),
                    data,
                    parent,
                    st.points,
                    st.case_name,
                    st._callback_data,
                    RunResult,
                )
            except Fallback as fb:
                if isinstance(fb.cause, HostFetchError):
                    cache.get_source = _replaying(cache.get_source, fb.cause)
                st, limit = _start(phase, program, data, parent, budget)
    code = program.phases[phase]
    execute(
        program,
        code.entry,
        [],
        st,
        cache.slots,
        cache.get_source,
        data,
        parent,
        code.first_run,
        limit,
    )
    if not st.matched:
        st.points = 0
    return st


async def run_phase_async(
    program: Program,
    phase: str,
    cache: FieldCache,
    source: object,
    data: Mapping[str, object] | None,
    parent: Mapping[str, object] | None,
    budget: int | None = None,
    *,
    translated: bool = True,
) -> RunResult:
    _phase(program, phase)
    data = check_data(data)
    parent = check_parent(parent)
    st, limit = _start(phase, program, data, parent, budget)
    if translated and limit == NO_LIMIT:
        tr = translation(program, phase, is_async=True)
        if tr is not None:
            try:
                return await tr.function(
                    _CachedSource(cache, source),
                    data,
                    parent,
                    st.points,
                    st.case_name,
                    st._callback_data,
                    RunResult,
                )
            except Fallback as fb:
                if isinstance(fb.cause, HostFetchError):
                    source = _ReplayingSource(source, fb.cause)
                st, limit = _start(phase, program, data, parent, budget)
    stack: list[object] = []
    code = program.phases[phase]
    pc, steps = code.entry, code.first_run
    pending = _Pending()
    # Each suspension fills one empty field slot (the verifier rejects a
    # field table naming a path twice, which made a store miss the slot the
    # loop reads), so a run suspends at most once per field: counted, so
    # that no image can make this loop spin outside the step budget.
    fetches_left = len(program.fields)
    while True:
        pc, steps = execute(
            program, pc, stack, st, cache.slots, pending, data, parent, steps, limit
        )
        if pc < 0:
            if not st.matched:
                st.points = 0
            return st
        if fetches_left == 0:
            raise ExecutionError(
                E.INTERNAL, program.node_ids[pc], f"field {pending.path!r} fetched twice"
            )
        fetches_left -= 1
        cache.store(pending.path, await fetch_async(source, pending.path))


class _Pending:
    """The ``get`` of an asynchronous run: remembers the path the loop asked
    for and suspends it, so the driver can await the host and resume."""

    __slots__ = ("path",)

    def __init__(self) -> None:
        self.path = ""

    def __call__(self, path: str) -> object:
        self.path = path
        raise Suspend(path)


async def fetch_async(source: object, path: str) -> object:
    if source is None:
        return None
    value = source.get(path)  # type: ignore[attr-defined]
    if inspect.isawaitable(value):
        value = await value
    return value


def new_cache(program: Program, fields: object) -> FieldCache:
    return FieldCache(program.fields, program.field_index, fields, program.empty_slots.copy())


def run(
    program: Program,
    phase: str = "full",
    fields: FieldSource | None = None,
    data: Mapping[str, object] | None = None,
    parent: Mapping[str, object] | None = None,
    budget: int | None = None,
) -> RunResult:
    """Run one phase. ``fields`` is a mapping or an object with get(path);
    ``parent`` ({"points", "case_name", "callback_data"}) is read in post.
    Raises vm.ExecutionError on a runtime failure."""
    # The hot path (a DSL_FULL event with plain dicts): straight into the
    # translated function, no cache object, nothing counted.
    if (
        phase == "full"
        and budget is None
        and parent is None
        and type(fields) is dict
        and (data is None or type(data) is dict)
        and type(program) is Program
    ):
        tr = program.translated.get("full")
        if tr is not None:
            if data is None:
                data = _EMPTY
            get = fields.get
            try:
                return tr.function(get, data, _EMPTY, 0, None, None, RunResult)
            except Fallback as fb:
                return rerun_on_vm(program, phase, tr, fb, get, data, _EMPTY, None)
    return _run(program, phase, fields, data, parent, budget, translated=True)


def run_reference(
    program: Program,
    phase: str = "full",
    fields: FieldSource | None = None,
    data: Mapping[str, object] | None = None,
    parent: Mapping[str, object] | None = None,
    budget: int | None = None,
) -> RunResult:
    """``run`` on the stack VM alone: the reference the translated functions
    are tested against (and what traces and tight budgets use)."""
    return _run(program, phase, fields, data, parent, budget, translated=False)


def _run(
    program: Program,
    phase: str,
    fields: FieldSource | None,
    data: Mapping[str, object] | None,
    parent: Mapping[str, object] | None,
    budget: int | None,
    *,
    translated: bool,
) -> RunResult:
    _phase(program, phase)  # the error naming the argument
    data = check_data(data)
    parent = check_parent(parent)
    get: Callable[[str], object]
    if fields is None:
        get = _null_get
    elif type(fields) is dict:
        get = fields.get
    else:
        check_fields(fields)
        get = fields.get
        if inspect.iscoroutinefunction(get):
            raise TypeError("fields has an async get(path): use vm.run_async")
    st, limit = _start(phase, program, data, parent, budget)
    tr = translation(program, phase) if translated and limit == NO_LIMIT else None
    if tr is not None:
        fast_get = get if fields is None or type(fields) is dict else guarded_getter(get)
        try:
            return tr.function(
                fast_get, data, parent, st.points, st.case_name, st._callback_data, RunResult
            )
        except Fallback as fb:
            return rerun_on_vm(program, phase, tr, fb, get, data, parent, budget)
    slots = program.empty_slots.copy()
    code = program.phases[phase]
    execute(program, code.entry, [], st, slots, get, data, parent, code.first_run, limit)
    if not st.matched:
        st.points = 0
    return st


def rerun_on_vm(
    program: Program,
    phase: str,
    tr: Translated,
    fb: Fallback,
    get: Callable[[str], object],
    data: Mapping[str, object],
    parent: Mapping[str, object],
    budget: int | None,
) -> RunResult:
    """Run the event again on the VM, from the fields the translated
    function fetched (the host is never asked twice for one)."""
    slots = _prefill(program, tr, fb)
    if isinstance(fb.cause, HostFetchError):
        get = _replaying(get, fb.cause)
    st, limit = _start(phase, program, data, parent, budget)
    code = program.phases[phase]
    execute(program, code.entry, [], st, slots, get, data, parent, code.first_run, limit)
    if not st.matched:
        st.points = 0
    return st


def _null_get(_path: str) -> object:
    return None


async def run_async(
    program: Program,
    phase: str = "full",
    fields: AsyncFieldSource | FieldSource | None = None,
    data: Mapping[str, object] | None = None,
    parent: Mapping[str, object] | None = None,
    budget: int | None = None,
) -> RunResult:
    """``run`` for an asynchronous field source: each field the run needs is
    awaited (once), so the event loop is never blocked on the host."""
    _phase(program, phase)
    check_fields(fields)
    if phase == "full" and budget is None and parent is None:
        # One phase alone needs no shared field cache: the translated
        # function keeps each field in a local, fetched once.
        tr = translation(program, phase, is_async=True)
        if tr is not None:
            event = check_data(data)
            try:
                return await tr.function(fields, event, _EMPTY, 0, None, None, RunResult)
            except Fallback as fb:
                cache = new_cache(program, None)
                cache.slots = _prefill(program, tr, fb)
                if isinstance(fb.cause, HostFetchError):
                    fields = _ReplayingSource(fields, fb.cause)
                return await run_phase_async(
                    program, phase, cache, fields, event, None, None, translated=False
                )
    cache = new_cache(program, None)
    return await run_phase_async(program, phase, cache, fields, data, parent, budget)


async def run_reference_async(
    program: Program,
    phase: str = "full",
    fields: AsyncFieldSource | FieldSource | None = None,
    data: Mapping[str, object] | None = None,
    parent: Mapping[str, object] | None = None,
    budget: int | None = None,
) -> RunResult:
    """``run_async`` on the stack VM alone (the reference)."""
    _phase(program, phase)
    check_fields(fields)
    cache = new_cache(program, None)
    return await run_phase_async(
        program, phase, cache, fields, data, parent, budget, translated=False
    )
