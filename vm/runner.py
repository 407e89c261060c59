"""Running one phase: ``run`` and ``run_async`` (LANGUAGE.md section 2)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

from vm import errors as E
from vm.errors import ExecutionError
from vm.host import AsyncFieldSource, FieldCache, FieldSource
from vm.machine import RunResult, Suspend, execute
from vm.opcodes import PHASES
from vm.program import PhaseCode, Program

_EMPTY: Mapping[str, object] = {}
NO_LIMIT = -1  # the loop counts steps only when a budget could be exceeded


def _phase(program: Program, phase: str) -> PhaseCode:
    code = program.phases.get(phase)
    if code is None:
        raise ValueError(f"phase must be one of {', '.join(PHASES)}, not {phase!r}")
    return code


def _start(
    phase: str,
    code: PhaseCode,
    data: Mapping[str, object],
    parent: Mapping[str, object],
    budget: int | None,
) -> tuple[RunResult, int]:
    """The initial result state and the step limit of a phase."""
    st = RunResult()
    if phase == "full":
        pass
    elif phase == "pre":
        st.working_data = dict(data)
    elif phase == "post":
        try:
            st.points = float(parent.get("points") or 0)  # type: ignore[arg-type]
        except OverflowError:
            raise ExecutionError(E.ARITH_OUT_OF_RANGE, None, "parent points too large") from None
        except (TypeError, ValueError):
            raise ExecutionError(
                E.ARITH_TYPE_MISMATCH, None, "parent points must be a number"
            ) from None
        st.case_name = parent.get("case_name")  # type: ignore[assignment]
        st.callback_data = dict(parent.get("callback_data") or {})  # type: ignore[call-overload]
        st.matched = True
    if budget is None:
        return st, NO_LIMIT
    if budget < 0:
        raise ValueError("budget must be a non-negative number of steps")
    if code.first_run > budget:
        raise ExecutionError(E.LIMIT_EXCEEDED, None, "step budget exceeded")
    # A budget the longest path cannot exceed costs nothing to enforce.
    return st, budget if budget < code.max_steps else NO_LIMIT


def run_phase(
    program: Program,
    phase: str,
    cache: FieldCache,
    data: Mapping[str, object],
    parent: Mapping[str, object],
    budget: int | None = None,
) -> RunResult:
    code = _phase(program, phase)
    st, limit = _start(phase, code, data, parent, budget)
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
    data: Mapping[str, object],
    parent: Mapping[str, object],
    budget: int | None = None,
) -> RunResult:
    code = _phase(program, phase)
    st, limit = _start(phase, code, data, parent, budget)
    stack: list[object] = []
    pc, steps = code.entry, code.first_run
    pending = _Pending()
    while True:
        pc, steps = execute(
            program, pc, stack, st, cache.slots, pending, data, parent, steps, limit
        )
        if pc < 0:
            if not st.matched:
                st.points = 0
            return st
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
    # The hot path: no cache object and no helper calls besides the loop.
    code = program.phases.get(phase)
    if code is None:
        code = _phase(program, phase)  # raises the ValueError naming the phases
    if data is None:
        data = _EMPTY
    if parent is None:
        parent = _EMPTY
    if phase == "full" and budget is None:
        st = RunResult()
        limit = NO_LIMIT
    else:
        st, limit = _start(phase, code, data, parent, budget)
    get: Callable[[str], object]
    if fields is None:
        get = _null_get
    else:
        try:
            get = fields.get
        except AttributeError:
            raise TypeError(
                f"fields must be a mapping or an object with get(path), not {type(fields).__name__}"
            ) from None
        if type(fields) is not dict and inspect.iscoroutinefunction(get):
            raise TypeError("fields has an async get(path): use vm.run_async")
    slots = program.empty_slots.copy()
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
    cache = new_cache(program, None)
    return await run_phase_async(
        program, phase, cache, fields, data or _EMPTY, parent or _EMPTY, budget
    )
