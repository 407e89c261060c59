"""Measuring a run's cost on the stack VM, for the certificate tests: the
exact number of image instructions executed and the distinct host fields
fetched."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import vm
from vm.errors import ExecutionError
from vm.machine import RunResult, execute
from vm.runner import _start

NO_BUDGET = 1 << 40  # a limit no run reaches: the loop counts every step
NO_PARENT: dict[str, Any] = {"points": 0, "case_name": None, "callback_data": {}}


def measure(
    program: vm.Program,
    phase: str,
    fields: Mapping[str, Any],
    data: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
) -> tuple[int | None, int]:
    """(steps, distinct fields fetched) of one run; steps is None when the
    run failed (it stopped early: only the fetches are known)."""
    fetched: set[str] = set()

    def get(path: str) -> object:
        fetched.add(path)
        return fields.get(path)

    parent = parent or NO_PARENT
    try:
        st, _ = _start(phase, program, dict(data), parent, None)
        code = program.phases[phase]
        slots = program.empty_slots.copy()
        _, steps = execute(
            program, code.entry, [], st, slots, get, data, parent, code.first_run, NO_BUDGET
        )
    except ExecutionError:
        return None, len(fetched)
    return steps, len(fetched)


def reaches(program: vm.Program, phase: str, fields: Any, data: Any, parent: Any) -> bool:
    """Whether a run takes the phase's longest path, asked the public way: a
    budget one below it is exceeded."""
    budget = program.max_steps[phase] - 1
    try:
        vm.runner.run_reference(program, phase, fields, data, parent, budget=budget)
    except ExecutionError as exc:
        return exc.code == "DSL_LIMIT_EXCEEDED"
    return False


_EXTRA: tuple[object, ...] = (None, True, False, 0, 1, -1, 0.5, "", "x", 100, 1000)


def generated_inputs(
    program: vm.Program, rng: random.Random, n: int
) -> list[tuple[dict[str, Any], dict[str, Any], RunResult | dict[str, Any]]]:
    """``n`` events whose values come from the program's own constants (each
    also off by one) and a few others, so that comparisons go both ways."""
    pool: list[object] = list(_EXTRA)
    for c in program.image.constants:
        pool.append(c)
        if isinstance(c, (int, float)) and not isinstance(c, bool):
            pool.extend((c - 1, c + 1))
    data_keys = [str(c) for c in program.image.constants if isinstance(c, str)]
    out = []
    for _ in range(n):
        fields = {p: rng.choice(pool) for p in program.fields}
        data = {k: rng.choice(pool) for k in data_keys if rng.random() < 0.8}
        parent = {
            "points": rng.choice((0, 1, 5, 10, 100, 2.5)),
            "case_name": rng.choice([*data_keys, None, "default"]),
            "callback_data": {},
        }
        out.append((fields, data, parent))
    return out
