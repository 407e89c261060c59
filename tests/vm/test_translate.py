"""The translated functions (vm.translate) against the stack VM, which is the
reference: same results (types included), same error codes and node ids,
same fetch sequences, on every corpus case and on random programs; and the
translator's own guarantees (no text from the image in the code, declines
that fall back to the VM, host failures replayed, not re-asked)."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dslc
import vm
from tests.asts import inputs, programs
from tests.support import same
from tests.vm.images import make_image
from tests.vm.test_vm_vs_reference import compile_or_reject
from vm.fastpath import _HELPERS
from vm.opcodes import Op
from vm.runner import run_reference, run_reference_async, translation
from vm.translate import Declined, translate

RESULT_KEYS = ("points", "case_name", "callback_data", "working_data", "vetoed")


def one_rule(when: dict[str, Any], points: object = None) -> vm.Program:
    """A program of one rule: ``when`` -> points (a literal 1, or an expression)."""
    value = {"type": "literal", "value": 1} if points is None else points
    return vm.load(
        dslc.compile_json(
            {
                "type": "program",
                "rules": [
                    {
                        "type": "rule",
                        "when": when,
                        "then": [{"type": "assign_points", "value": value, "case_name": "x"}],
                    }
                ],
            }
        )
    )


def field(path: str) -> dict[str, Any]:
    return {"type": "field", "path": path}


def compare(op: str, left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {"type": "compare", "op": op, "left": left, "right": right}


class Recording:
    """A field source that records every fetch, in order."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.calls: list[str] = []

    def get(self, path: str) -> Any:
        self.calls.append(path)
        return self.values.get(path)


class AsyncRecording(Recording):
    async def get(self, path: str) -> Any:  # type: ignore[override]
        self.calls.append(path)
        await asyncio.sleep(0)
        return self.values.get(path)


def outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    try:
        r = fn(*args, **kwargs)
    except vm.ExecutionError as exc:
        return ("error", exc.code, exc.node_id)
    return ("ok", *(getattr(r, k) for k in RESULT_KEYS))


async def outcome_async(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    try:
        r = await fn(*args, **kwargs)
    except vm.ExecutionError as exc:
        return ("error", exc.code, exc.node_id)
    return ("ok", *(getattr(r, k) for k in RESULT_KEYS))


def agree(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


def _cases(corpus_records: list[dict[str, Any]]) -> list[tuple[str, vm.Program, dict[str, Any]]]:
    out = []
    for record in corpus_records:
        if not record["valid"]:
            continue
        program = vm.load(dslc.compile_json(record["ast"]))
        out.extend((record["id"], program, case) for case in record["cases"])
    return out


@pytest.mark.slow
def test_translated_runs_agree_with_the_vm_on_every_corpus_case(
    corpus_records: list[dict[str, Any]],
) -> None:
    problems: list[str] = []
    declined: set[str] = set()
    checked = 0
    for rid, program, case in _cases(corpus_records):
        phase = case["mode"]
        if translation(program, phase) is None:
            declined.add(rid)
        args = {"phase": phase, "data": case["data"], "parent": case["parent"]}
        fast_src, ref_src = Recording(case["fields"]), Recording(case["fields"])
        fast = outcome(vm.run, program, fields=fast_src, **args)
        ref = outcome(run_reference, program, fields=ref_src, **args)
        # The dict fast path too (no recording possible, results only).
        plain = outcome(vm.run, program, fields=dict(case["fields"]), **args)
        if not agree(fast, ref) or not agree(plain, ref):
            problems.append(f"{rid} ({phase}): translated {fast} / {plain}, VM {ref}")
        elif fast_src.calls != ref_src.calls:
            problems.append(f"{rid} ({phase}): fetches {fast_src.calls} vs {ref_src.calls}")
        checked += 1
    assert checked > 5000
    assert not declined, f"the translator declined {len(declined)} corpus programs"
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:20])


@pytest.mark.slow
def test_translated_async_runs_agree_with_the_vm(corpus_records: list[dict[str, Any]]) -> None:
    async def main() -> list[str]:
        problems = []
        for rid, program, case in _cases(corpus_records)[::3]:
            args = {"phase": case["mode"], "data": case["data"], "parent": case["parent"]}
            fast_src, ref_src = AsyncRecording(case["fields"]), AsyncRecording(case["fields"])
            fast = await outcome_async(vm.run_async, program, fields=fast_src, **args)
            ref = await outcome_async(run_reference_async, program, fields=ref_src, **args)
            if not agree(fast, ref) or fast_src.calls != ref_src.calls:
                problems.append(f"{rid}: {fast} {fast_src.calls} vs {ref} {ref_src.calls}")
        return problems

    problems = asyncio.run(main())
    assert not problems, "\n".join(problems[:20])


ALLOWED_NAMES = set(_HELPERS) | {"get", "data", "parent", "pts", "cn", "cb", "wd", "dict", "R"}


def test_generated_code_names_only_its_helpers(corpus_records: list[dict[str, Any]]) -> None:
    """Whatever the program's strings, the code object refers to nothing but
    the fixed helpers and its own locals: no text reached the source."""
    checked = 0
    for record in corpus_records[:400]:
        if not record["valid"]:
            continue
        program = vm.load(dslc.compile_json(record["ast"]))
        for phase in ("full", "pre", "post"):
            tr = translation(program, phase)
            assert tr is not None
            code = tr.function.__code__
            assert set(code.co_names) <= ALLOWED_NAMES | {"Exception"}, code.co_names
            checked += 1
    assert checked > 300


def test_hostile_strings_stay_constants() -> None:
    payload = "'); import os; os.system('echo pwned'); ('"
    program = vm.load(
        dslc.compile_json(
            {
                "type": "program",
                "rules": [
                    {
                        "type": "rule",
                        "when": {
                            "type": "compare",
                            "op": "==",
                            "left": {"type": "field", "path": "data.k"},
                            "right": {"type": "literal", "value": payload},
                        },
                        "then": [
                            {
                                "type": "set_callback_data",
                                "key": payload,
                                "value": {"type": "literal", "value": payload},
                            },
                            {
                                "type": "assign_points",
                                "value": {"type": "literal", "value": 3},
                                "case_name": "ok",
                            },
                        ],
                    }
                ],
            }
        )
    )
    res = vm.run(program, fields={}, data={"k": payload})
    assert (res.points, res.case_name, res.callback_data) == (3, "ok", {payload: payload})
    assert translation(program, "full") is not None


def test_a_tight_budget_runs_on_the_vm() -> None:
    program = one_rule(field("data.x"))
    with pytest.raises(vm.ExecutionError) as info:
        vm.run(program, data={"x": True}, budget=1)
    assert info.value.code == "DSL_LIMIT_EXCEEDED"
    assert vm.run(program, data={"x": True}, budget=100).points == 1


def test_a_failing_host_is_asked_once() -> None:
    program = one_rule(compare(">", field("user.avg_time"), field("all.avg_time")))

    class Boom(Exception):
        pass

    class Source:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def get(self, path: str) -> object:
            self.calls.append(path)
            if path == "all.avg_time":
                raise Boom(path)
            return 1

    fast, ref = Source(), Source()
    with pytest.raises(Boom):
        vm.run(program, fields=fast)
    with pytest.raises(Boom):
        run_reference(program, fields=ref)
    assert fast.calls == ref.calls == ["user.avg_time", "all.avg_time"]


def test_a_host_value_that_raises_gets_the_vm_outcome() -> None:
    class Odd:
        def __lt__(self, other: object) -> bool:
            raise RuntimeError("no order")

        __gt__ = __lt__

    program = one_rule(compare("<", field("user.avg_time"), {"type": "literal", "value": 3}))
    fields = {"user.avg_time": Odd()}

    def catch(fn: Any) -> str:
        try:
            fn(program, fields=fields)
        except Exception as exc:
            return type(exc).__name__ + str(getattr(exc, "code", ""))
        return "ok"

    assert catch(vm.run) == catch(run_reference)


def test_values_left_on_the_stack_across_a_branch_are_declined() -> None:
    # CONST 1; CONST 0; JUMP_IF_FALSE L; (1 still on the stack) ... : the
    # translator declines and the VM runs it.
    k = struct.pack
    code = bytearray()
    code += bytes([Op.CONST]) + k("<H", 0)
    code += bytes([Op.CONST]) + k("<H", 1)
    jif_at = len(code)
    code += bytes([Op.JUMP_IF_FALSE]) + k("<H", 0)
    then_at = len(code)
    code += bytes([Op.ASSIGN_POINTS]) + k("<H", 2)
    else_at = len(code)
    code += bytes([Op.ASSIGN_POINTS]) + k("<H", 3)
    code[jif_at + 1 : jif_at + 3] = k("<H", else_at)
    assert then_at < else_at
    image = make_image(full=bytes(code), constants=(7, True, "then", "else"))
    program = vm.load(image)
    with pytest.raises(Declined):
        translate(program.verified, "full")
    res = vm.run(program)
    assert (res.points, res.case_name) == (7, "then")


def test_a_deeply_nested_image_is_declined_not_crashed() -> None:
    # A chain of 3000 nested conditions: Python cannot compile that depth.
    depth = 3000
    code = bytearray()
    fixups = []
    for _ in range(depth):
        code += bytes([Op.CONST]) + struct.pack("<H", 1)
        fixups.append(len(code))
        code += bytes([Op.JUMP_IF_FALSE]) + struct.pack("<H", 0)
    code += (
        bytes([Op.CONST]) + struct.pack("<H", 0) + bytes([Op.ASSIGN_POINTS]) + struct.pack("<H", 2)
    )
    tail = len(code)
    for i, at in enumerate(fixups):
        # each false branch goes to its own halt at the end (no shared join)
        code[at + 1 : at + 3] = struct.pack("<H", tail + i)
    code += bytes([Op.HALT]) * depth
    image = make_image(full=bytes(code), constants=(5, True, "deep"))
    program = vm.load(image)
    with pytest.raises(Declined):
        translate(program.verified, "full")
    res = vm.run(program)
    assert translation(program, "full") is None
    assert (res.points, res.case_name) == (5, "deep")


@settings(max_examples=150)
@given(programs(), inputs())
def test_translated_runs_agree_with_the_vm_on_random_programs(
    program_ast: Any, values: tuple[dict[str, object], dict[str, object], dict[str, object]]
) -> None:
    program = vm.load(compile_or_reject(program_ast))
    fields, data, parent = values
    for phase in ("full", "pre", "post"):
        args = {"phase": phase, "data": data, "parent": parent if phase == "post" else None}
        fast_src, ref_src = Recording(fields), Recording(fields)
        fast = outcome(vm.run, program, fields=fast_src, **args)
        ref = outcome(run_reference, program, fields=ref_src, **args)
        assert agree(fast, ref), (phase, fast, ref)
        assert fast_src.calls == ref_src.calls


@given(st.sampled_from([0, 1, 2**63 - 1, -(2**63), 1.5, float("inf"), float("nan"), "s", None]))
def test_arithmetic_guards_match_the_vm(value: object) -> None:
    total = {
        "type": "arith",
        "op": "+",
        "left": field("user.avg_time"),
        "right": field("all.avg_time"),
    }
    double = {
        "type": "arith",
        "op": "*",
        "left": field("user.avg_time"),
        "right": {"type": "literal", "value": 2},
    }
    program = one_rule(compare(">", total, {"type": "literal", "value": 0}), double)
    fields = {"user.avg_time": value, "all.avg_time": 1}
    assert agree(
        outcome(vm.run, program, fields=fields), outcome(run_reference, program, fields=fields)
    )
