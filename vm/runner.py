"""Running one phase: ``run`` and ``run_async`` (LANGUAGE.md section 2)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field

from vm.host import FieldCache
from vm.machine import State, Suspend, execute
from vm.opcodes import PHASES
from vm.program import Program


@dataclass(frozen=True, slots=True)
class RunResult:
    points: object
    case_name: str | None
    callback_data: dict[str, object] = field(default_factory=dict)
    working_data: dict[str, object] = field(default_factory=dict)
    vetoed: bool = False


def _check_phase(phase: str) -> None:
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {', '.join(PHASES)}, not {phase!r}")


def initial_state(phase: str, data: Mapping[str, object], parent: Mapping[str, object]) -> State:
    st = State()
    if phase == "pre":
        st.working_data = dict(data)
    elif phase == "post":
        st.points = float(parent.get("points") or 0)  # type: ignore[arg-type]
        st.case_name = parent.get("case_name")
        st.callback_data = dict(parent.get("callback_data") or {})  # type: ignore[call-overload]
        st.matched = True
    return st


def finish(st: State) -> RunResult:
    return RunResult(
        points=st.points if st.matched else 0,
        case_name=st.case_name,  # type: ignore[arg-type]
        callback_data=st.callback_data,
        working_data=st.working_data,
        vetoed=st.vetoed,
    )


def _limit(program: Program, phase: str, budget: int | None) -> int:
    if budget is None:
        return program.phases[phase].max_steps
    if budget < 0:
        raise ValueError("budget must be a non-negative number of steps")
    return budget


def run_phase(
    program: Program,
    phase: str,
    cache: FieldCache,
    data: Mapping[str, object],
    parent: Mapping[str, object],
    budget: int | None = None,
) -> RunResult:
    _check_phase(phase)
    st = initial_state(phase, data, parent)
    code = program.phases[phase]
    from vm import errors as E
    from vm.errors import ExecutionError

    if code.first_run > _limit(program, phase, budget):
        raise ExecutionError(E.LIMIT_EXCEEDED, None, "step budget exceeded")
    execute(
        program,
        code.entry,
        [],
        st,
        cache.slots,
        cache.fetch_slot,
        data if isinstance(data, dict) else dict(data),
        dict(parent),
        code.first_run,
        _limit(program, phase, budget),
    )
    return finish(st)


async def run_phase_async(
    program: Program,
    phase: str,
    cache: FieldCache,
    source: object,
    data: Mapping[str, object],
    parent: Mapping[str, object],
    budget: int | None = None,
) -> RunResult:
    _check_phase(phase)
    st = initial_state(phase, data, parent)
    code = program.phases[phase]
    limit = _limit(program, phase, budget)
    from vm import errors as E
    from vm.errors import ExecutionError

    if code.first_run > limit:
        raise ExecutionError(E.LIMIT_EXCEEDED, None, "step budget exceeded")

    def suspend(slot: int) -> object:
        raise Suspend(slot)

    stack: list[object] = []
    pc, steps = code.entry, code.first_run
    plain_data = data if isinstance(data, dict) else dict(data)
    parent_d = dict(parent)
    while True:
        pc, steps = execute(program, pc, stack, st, cache.slots, suspend, plain_data, parent_d,
                            steps, limit)
        if pc < 0:
            return finish(st)
        slot = program.code[pc][1]
        assert isinstance(slot, int)
        cache.slots[slot] = await fetch_async(source, program.fields[slot])
        cache.fetches += 1


async def fetch_async(source: object, path: str) -> object:
    if source is None:
        return None
    if isinstance(source, Mapping):
        return source.get(path)
    value = source.get(path)  # type: ignore[attr-defined]
    if inspect.isawaitable(value):
        value = await value
    return value


def new_cache(program: Program, fields: object) -> FieldCache:
    return FieldCache(program.fields, program.field_index, fields)


def run(
    program: Program,
    phase: str = "full",
    fields: object = None,
    data: Mapping[str, object] | None = None,
    parent: Mapping[str, object] | None = None,
    budget: int | None = None,
) -> RunResult:
    """Run one phase. ``fields`` is a mapping or an object with get(path);
    ``parent`` ({"points", "case_name", "callback_data"}) is read in post.
    Raises vm.ExecutionError on a runtime failure."""
    return run_phase(program, phase, new_cache(program, fields), data or {}, parent or {}, budget)


async def run_async(
    program: Program,
    phase: str = "full",
    fields: object = None,
    data: Mapping[str, object] | None = None,
    parent: Mapping[str, object] | None = None,
    budget: int | None = None,
) -> RunResult:
    """``run`` for an asynchronous field source: each field the run needs is
    awaited (once), so the event loop is never blocked on the host."""
    cache = FieldCache(program.fields, program.field_index, None)
    return await run_phase_async(program, phase, cache, fields, data or {}, parent or {}, budget)
