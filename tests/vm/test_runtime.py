"""VM behaviour on the host side: lazy fetching, async runs, the DSL_EXTEND
pipeline, budgets, errors with node ids, and the opcode table's coverage."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import dslc
import vm
from tests.vm.images import make_image
from vm.builtins import DEFAULT_REGISTRY
from vm.disasm import disassemble
from vm.image import decode
from vm.opcodes import OPINFO, Op


class CountingSource:
    """A field source that counts what the VM asks it for."""

    def __init__(self, values: dict[str, object]) -> None:
        self.values = values
        self.asked: list[str] = []

    def get(self, path: str) -> object:
        self.asked.append(path)
        return self.values.get(path)


class AsyncSource:
    def __init__(self, values: dict[str, object]) -> None:
        self.values = values
        self.asked: list[str] = []

    async def get(self, path: str) -> object:
        await asyncio.sleep(0)  # a real source awaits the database here
        self.asked.append(path)
        return self.values.get(path)


ANALYTICS = {
    "task.measurements_count": 10,
    "user.measurements_count": 7,
    "user.avg_time": 30.0,
    "all.avg_time": 20.0,
    "user.new_last_window_diff": 3.0,
    "user.last_window_diff": 5.0,
}


def template(corpus_records: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(r for r in corpus_records if r["id"] == f"s1-tpl-{name}")["ast"]


def test_first_rule_firing_fetches_exactly_one_field(corpus_records: list[dict[str, Any]]) -> None:
    program = vm.load(dslc.compile_json(template(corpus_records, "default_v0_0_2")))
    source = CountingSource({**ANALYTICS, "task.measurements_count": 1})
    res = vm.run(program, fields=source)
    assert (res.points, res.case_name) == (1, "BasicEngagement")
    assert source.asked == ["task.measurements_count"]


def test_each_field_is_fetched_at_most_once(corpus_records: list[dict[str, Any]]) -> None:
    """The default template reads the window fields in four rules; each is
    still fetched once."""
    program = vm.load(dslc.compile_json(template(corpus_records, "default_v0_0_2")))
    source = CountingSource(ANALYTICS)
    res = vm.run(program, fields=source)
    assert (res.points, res.case_name) == (8, "IndividualAdjustment")
    assert sorted(source.asked) == sorted(ANALYTICS)


def test_run_async_awaits_each_needed_field_once(corpus_records: list[dict[str, Any]]) -> None:
    program = vm.load(dslc.compile_json(template(corpus_records, "default_v0_0_2")))
    source = AsyncSource(ANALYTICS)
    res = asyncio.run(vm.run_async(program, fields=source))
    assert (res.points, res.case_name) == (8, "IndividualAdjustment")
    assert sorted(source.asked) == sorted(ANALYTICS)


def test_run_async_agrees_with_run_on_the_corpus(corpus_records: list[dict[str, Any]]) -> None:
    async def both(record: dict[str, Any]) -> None:
        program = vm.load(dslc.compile_json(record["ast"]))
        for case in record["cases"]:
            kwargs = {"phase": case["mode"], "data": case["data"], "parent": case["parent"]}
            try:
                want: object = vm.run(program, fields=case["fields"], **kwargs).as_dict()
            except vm.ExecutionError as exc:
                want = (exc.code, exc.node_id)
            try:
                got: object = (
                    await vm.run_async(program, fields=AsyncSource(case["fields"]), **kwargs)
                ).as_dict()
            except vm.ExecutionError as exc:
                got = (exc.code, exc.node_id)
            assert got == want, record["id"]

    async def main() -> None:
        for record in corpus_records[:300]:
            if record["valid"]:
                await both(record)

    asyncio.run(main())


def test_async_run_does_not_block_the_event_loop() -> None:
    """While the VM waits for a slow field, other tasks run."""
    program = vm.load(
        dslc.compile_json(
            {
                "type": "program",
                "rules": [
                    {
                        "type": "rule",
                        "when": {
                            "type": "compare",
                            "op": ">",
                            "left": {"type": "field", "path": "user.avg_time"},
                            "right": {"type": "literal", "value": 1},
                        },
                        "then": [
                            {
                                "type": "assign_points",
                                "value": {"type": "literal", "value": 2},
                                "case_name": "slow",
                            }
                        ],
                    }
                ],
            }
        )
    )
    ticks: list[int] = []

    class Slow:
        async def get(self, path: str) -> object:
            await asyncio.sleep(0.05)
            return 5

    async def ticker() -> None:
        for i in range(5):
            ticks.append(i)
            await asyncio.sleep(0.005)

    async def main() -> vm.RunResult:
        t = asyncio.create_task(ticker())
        res = await vm.run_async(program, fields=Slow())
        await t
        return res

    res = asyncio.run(main())
    assert (res.points, res.case_name) == (2, "slow")
    assert ticks == [0, 1, 2, 3, 4]


# -- DSL_EXTEND pipeline ------------------------------------------------------

EXTEND = {
    "type": "program",
    "rules": [],
    "pre_rules": [
        {
            "type": "rule",
            "when": {"type": "field", "path": "data.blocked"},
            "then": [
                {
                    "type": "set_callback_data",
                    "key": "why",
                    "value": {"type": "literal", "value": "blocked"},
                },
                {"type": "veto", "case_name": "Blocked"},
            ],
        },
        {
            "type": "rule",
            "when": {"type": "literal", "value": True},
            "then": [{"type": "set_data", "key": "seen", "value": {"type": "literal", "value": 1}}],
        },
    ],
    "post_rules": [
        {
            "type": "rule",
            "when": {"type": "field", "path": "data.is_weekend"},
            "then": [
                {
                    "type": "set_points",
                    "value": {
                        "type": "arith",
                        "op": "*",
                        "left": {"type": "field", "path": "parent.points"},
                        "right": {"type": "literal", "value": 2},
                    },
                },
                {"type": "set_case_name", "value": {"type": "literal", "value": "Weekend"}},
            ],
        },
    ],
    "parent_variables": {"variable_basic_points": 5},
}


def test_score_runs_pre_parent_post_with_one_field_cache() -> None:
    program = vm.load(dslc.compile_json(EXTEND))
    source = CountingSource({**ANALYTICS, "task.measurements_count": 1})
    score = vm.score(
        program, fields=source, data={"is_weekend": True}, parent=DEFAULT_REGISTRY.get("default")
    )
    # default's first rule gives variable_basic_points (overridden to 5); post doubles it
    assert (score.points, score.case_name) == (10, "Weekend")
    assert source.asked == ["task.measurements_count"]


def test_score_veto_stops_before_the_parent() -> None:
    program = vm.load(dslc.compile_json(EXTEND))
    source = CountingSource(ANALYTICS)
    score = vm.score(program, fields=source, data={"blocked": 1}, parent="default")
    assert (score.points, score.case_name, score.callback_data) == (
        0,
        "Blocked",
        {"why": "blocked"},
    )
    assert source.asked == []


def test_score_without_post_rules_returns_the_parent_result_unchanged() -> None:
    program = vm.load(dslc.compile_json({**EXTEND, "post_rules": []}))
    score = vm.score(program, fields={**ANALYTICS, "task.measurements_count": 1}, parent="default")
    assert score.points == 5 and type(score.points) is int
    assert score.as_public() == (5, "BasicEngagement")


def test_parent_variables_never_leak_into_the_shared_builtin() -> None:
    program = vm.load(dslc.compile_json(EXTEND))
    plain = vm.load(dslc.compile_json({**EXTEND, "parent_variables": None}))
    fields = {**ANALYTICS, "task.measurements_count": 1}
    assert vm.score(program, fields=fields, parent="default").points == 5
    assert vm.score(plain, fields=fields, parent="default").points == 1


def test_score_async_matches_score() -> None:
    program = vm.load(dslc.compile_json(EXTEND))
    for data in ({"is_weekend": True}, {"blocked": 1}, {}):
        fields = {**ANALYTICS, "task.measurements_count": 1}
        want = vm.score(program, fields=fields, data=data, parent="default")
        got = asyncio.run(
            vm.score_async(program, fields=AsyncSource(fields), data=data, parent="default")
        )
        assert got == want


def test_dsl_full_score_is_the_full_phase() -> None:
    program = vm.load(
        dslc.compile_json(
            {
                "type": "program",
                "rules": [],
                "default": {
                    "type": "assign_points",
                    "value": {"type": "literal", "value": 2.5},
                    "case_name": "d",
                },
            }
        )
    )
    assert vm.score(program).as_public() == (2.5, "d")


# -- errors, budget -----------------------------------------------------------


def test_runtime_error_carries_code_and_node_id() -> None:
    program = vm.load(
        dslc.compile_json(
            {
                "type": "program",
                "id": "p",
                "rules": [
                    {
                        "type": "rule",
                        "id": "r",
                        "when": {
                            "type": "compare",
                            "id": "cmp",
                            "op": "<",
                            "left": {"type": "field", "path": "data.name"},
                            "right": {"type": "literal", "value": 3},
                        },
                        "then": [
                            {
                                "type": "assign_points",
                                "value": {"type": "literal", "value": 1},
                                "case_name": "x",
                            }
                        ],
                    }
                ],
            }
        )
    )
    with pytest.raises(vm.ExecutionError) as info:
        vm.run(program, data={"name": "bob"})
    assert (info.value.code, info.value.node_id) == ("DSL_COMPARE_TYPE_MISMATCH", "cmp")


@pytest.mark.parametrize(
    ("expr", "code"),
    [
        (
            {
                "type": "arith",
                "op": "*",
                "left": {"type": "literal", "value": 1e308},
                "right": {"type": "field", "path": "data.ten"},
            },
            "DSL_ARITH_OUT_OF_RANGE",
        ),
        (
            {
                "type": "arith",
                "op": "*",
                "left": {"type": "literal", "value": 2**62},
                "right": {"type": "field", "path": "data.ten"},
            },
            "DSL_ARITH_OUT_OF_RANGE",
        ),
        (
            {
                "type": "arith",
                "op": "/",
                "left": {"type": "literal", "value": 1},
                "right": {"type": "field", "path": "data.zero"},
            },
            "DSL_ARITH_DIV_BY_ZERO",
        ),
        (
            {
                "type": "arith",
                "op": "/",
                "left": {"type": "field", "path": "data.none"},
                "right": {"type": "field", "path": "data.zero"},
            },
            "DSL_ARITH_TYPE_MISMATCH",
        ),
        (
            {"type": "func_call", "name": "int", "args": [{"type": "field", "path": "data.s"}]},
            "DSL_ARITH_TYPE_MISMATCH",
        ),
        (
            {
                "type": "func_call",
                "name": "int",
                "args": [
                    {
                        "type": "arith",
                        "op": "*",
                        "left": {"type": "field", "path": "data.big"},
                        "right": {"type": "literal", "value": 1e10},
                    }
                ],
            },
            "DSL_ARITH_OUT_OF_RANGE",
        ),
    ],
)
def test_arithmetic_failures_have_stable_codes(expr: dict[str, Any], code: str) -> None:
    program = vm.load(
        dslc.compile_json(
            {
                "type": "program",
                "rules": [],
                "default": {
                    "type": "assign_points",
                    "id": "stmt",
                    "value": {**expr, "id": "bad"},
                    "case_name": "x",
                },
            }
        )
    )
    with pytest.raises(vm.ExecutionError) as info:
        vm.run(program, data={"ten": 10, "zero": 0, "none": None, "s": "7", "big": 1e300})
    assert info.value.code == code
    assert info.value.node_id in ("bad", "stmt.func_call.0", "bad.arith.0")


def test_budget_smaller_than_the_path_stops_the_run() -> None:
    program = vm.load(
        dslc.compile_json(
            {
                "type": "program",
                "rules": [
                    {
                        "type": "rule",
                        "when": {"type": "field", "path": "data.a"},
                        "then": [
                            {
                                "type": "assign_points",
                                "value": {"type": "literal", "value": 1},
                                "case_name": "a",
                            }
                        ],
                    }
                ]
                * 5,
            }
        )
    )
    assert vm.run(program, budget=program.phases["full"].max_steps).points == 0
    with pytest.raises(vm.ExecutionError) as info:
        vm.run(program, budget=4)
    assert info.value.code == "DSL_LIMIT_EXCEEDED"
    # exactly: a rule that does not fire costs 2 steps (DATA, JUMP_IF_FALSE)
    vm.run(program, data={"a": 0}, budget=program.phases["full"].max_steps)
    with pytest.raises(vm.ExecutionError):
        vm.run(program, budget=2 * 5)
    assert vm.run(program, budget=2 * 5 + 1).points == 0


def test_unknown_phase_and_bad_field_source_are_clear_errors() -> None:
    program = vm.load(dslc.compile_json({"type": "program", "rules": []}))
    with pytest.raises(ValueError, match="phase must be one of"):
        vm.run(program, phase="middle")
    with pytest.raises(TypeError, match="mapping or an object with get"):
        vm.run(program, fields=42)


# -- the opcode table ---------------------------------------------------------

ONE_OF_EACH = {
    Op.CONST: ("full", [(Op.CONST, 0), (Op.ASSIGN_POINTS, 1)], (7, "c"), 7),
    Op.FIELD: ("full", [(Op.FIELD, 0), (Op.ASSIGN_POINTS, 0)], ("c",), 3),
    Op.DATA: ("full", [(Op.DATA, 0), (Op.ASSIGN_POINTS, 1)], ("n", "c"), 4),
    Op.PARENT: ("post", [(Op.PARENT, 0), (Op.SET_POINTS,), (Op.HALT,)], (), 9),
    Op.ADD: ("full", [(Op.CONST, 0), (Op.CONST, 0), (Op.ADD,), (Op.ASSIGN_POINTS, 1)], (2, "c"), 4),
    Op.SUB: (
        "full",
        [(Op.CONST, 0), (Op.CONST, 1), (Op.SUB,), (Op.ASSIGN_POINTS, 2)],
        (2, 5, "c"),
        -3,
    ),
    Op.MUL: (
        "full",
        [(Op.CONST, 0), (Op.CONST, 1), (Op.MUL,), (Op.ASSIGN_POINTS, 2)],
        (2, 5, "c"),
        10,
    ),
    Op.DIV: (
        "full",
        [(Op.CONST, 0), (Op.CONST, 1), (Op.DIV,), (Op.ASSIGN_POINTS, 2)],
        (5, 2, "c"),
        2.5,
    ),
    Op.MIN: (
        "full",
        [(Op.CONST, 0), (Op.CONST, 1), (Op.MIN,), (Op.ASSIGN_POINTS, 2)],
        (5, 2, "c"),
        2,
    ),
    Op.MAX: (
        "full",
        [(Op.CONST, 0), (Op.CONST, 1), (Op.MAX,), (Op.ASSIGN_POINTS, 2)],
        (5, 2, "c"),
        5,
    ),
    Op.INT: ("full", [(Op.CONST, 0), (Op.INT,), (Op.ASSIGN_POINTS, 1)], (-2.7, "c"), -2),
    Op.CLAMP: (
        "full",
        [(Op.CONST, 0), (Op.CONST, 1), (Op.CONST, 2), (Op.CLAMP,), (Op.ASSIGN_POINTS, 3)],
        (50, 1, 9, "c"),
        9,
    ),
    Op.CMP: (
        "full",
        [
            (Op.CONST, 0),
            (Op.CONST, 1),
            (Op.CMP, 0),
            (Op.JUMP_IF_FALSE, 18),
            (Op.CONST, 0),
            (Op.ASSIGN_POINTS, 2),
            (Op.HALT,),
        ],
        (1, 2, "c"),
        1,
    ),
    Op.NOT: (
        "full",
        [
            (Op.CONST, 0),
            (Op.NOT,),
            (Op.JUMP_IF_TRUE, 13),
            (Op.CONST, 1),
            (Op.ASSIGN_POINTS, 2),
            (Op.HALT,),
        ],
        (1, 6, "c"),
        6,
    ),
    Op.JUMP: (
        "full",
        [(Op.JUMP, 5), (Op.HALT,), (Op.HALT,), (Op.CONST, 0), (Op.ASSIGN_POINTS, 1)],
        (3, "c"),
        3,
    ),
    Op.JUMP_IF_FALSE: (
        "full",
        [(Op.CONST, 0), (Op.JUMP_IF_FALSE, 12), (Op.CONST, 1), (Op.ASSIGN_POINTS, 2), (Op.HALT,)],
        (0, 4, "c"),
        0,
    ),
    Op.JUMP_IF_TRUE: (
        "full",
        [(Op.CONST, 0), (Op.JUMP_IF_TRUE, 12), (Op.CONST, 0), (Op.ASSIGN_POINTS, 1), (Op.HALT,)],
        (0, "c"),
        0,
    ),
    Op.CMP_JUMP_IF_FALSE: (
        "full",
        [
            (Op.CONST, 0),
            (Op.CONST, 1),
            (Op.CMP_JUMP_IF_FALSE, 0, 17),
            (Op.CONST, 1),
            (Op.ASSIGN_POINTS, 2),
            (Op.HALT,),
        ],
        (3, 2, "c"),
        0,
    ),
    Op.CMP_JUMP_IF_TRUE: (
        "full",
        [
            (Op.CONST, 0),
            (Op.CONST, 1),
            (Op.CMP_JUMP_IF_TRUE, 0, 17),
            (Op.CONST, 1),
            (Op.ASSIGN_POINTS, 2),
            (Op.HALT,),
        ],
        (3, 2, "c"),
        2,
    ),
    Op.ASSIGN_POINTS: ("full", [(Op.CONST, 0), (Op.ASSIGN_POINTS, 1)], (1.5, "c"), 1.5),
    Op.SET_CALLBACK: ("post", [(Op.CONST, 0), (Op.SET_CALLBACK, 1), (Op.HALT,)], (1, "k"), 9.0),
    Op.SET_DATA: ("pre", [(Op.CONST, 0), (Op.SET_DATA, 1), (Op.HALT,)], (1, "k"), 0),
    Op.VETO: ("pre", [(Op.VETO, 0)], ("v",), 0),
    Op.SET_POINTS: ("post", [(Op.CONST, 0), (Op.SET_POINTS,), (Op.HALT,)], (4,), 4),
    Op.SET_CASE_NAME: ("post", [(Op.CONST, 0), (Op.SET_CASE_NAME,), (Op.HALT,)], ("n",), 9.0),
    Op.HALT: ("full", [(Op.HALT,)], (), 0),
}


def test_every_opcode_has_a_test_program() -> None:
    assert set(ONE_OF_EACH) == set(Op)
    assert set(OPINFO) == set(Op)


@pytest.mark.parametrize("op", list(Op), ids=lambda o: o.name)
def test_every_opcode_verifies_runs_and_disassembles(op: Op) -> None:
    phase, code, constants, points = ONE_OF_EACH[op]
    image = make_image(**{phase: code}, constants=constants, fields=("user.avg_time",))
    program = vm.load(image)
    res = vm.run(
        program,
        phase=phase,
        fields={"user.avg_time": 3},
        data={"n": 4},
        parent={"points": 9, "case_name": "p", "callback_data": {}},
    )
    assert res.points == points and type(res.points) is type(points)
    assert op.name in disassemble(decode(image))


def test_compiling_is_deterministic(corpus_records: list[dict[str, Any]]) -> None:
    for record in corpus_records[:400]:
        if record["valid"]:
            assert dslc.compile_json(record["ast"]) == dslc.compile_json(record["ast"])


def test_a_nan_from_the_host_compares_as_python_does() -> None:
    """Branches keep their sense (no negated comparisons), so a NaN a host
    hands in behaves as in the reference: every ordering with it is false."""
    lt = {
        "type": "compare",
        "op": "<",
        "left": {"type": "field", "path": "user.avg_time"},
        "right": {"type": "literal", "value": 5},
    }
    ge = {**lt, "op": ">="}
    rules = [
        {
            "type": "rule",
            "when": {"type": "or", "args": [lt, {"type": "literal", "value": 0}]},
            "then": [
                {"type": "set_callback_data", "key": "lt", "value": {"type": "literal", "value": 1}}
            ],
        },
        {
            "type": "rule",
            "when": {"type": "not", "arg": ge},
            "then": [
                {
                    "type": "set_callback_data",
                    "key": "not_ge",
                    "value": {"type": "literal", "value": 1},
                }
            ],
        },
    ]
    program = vm.load(dslc.compile_json({"type": "program", "rules": rules}))
    res = vm.run(program, fields={"user.avg_time": float("nan")})
    assert res.callback_data == {"not_ge": 1}


@pytest.mark.parametrize(
    ("points", "code"),
    [(10**400, "DSL_ARITH_OUT_OF_RANGE"), ("lots", "DSL_ARITH_TYPE_MISMATCH")],
)
def test_a_bad_parent_result_is_an_execution_error(points: object, code: str) -> None:
    program = vm.load(dslc.compile_json({"type": "program", "rules": []}))
    with pytest.raises(vm.ExecutionError) as info:
        vm.run(program, phase="post", parent={"points": points})
    assert info.value.code == code


def _ordering(left: dict[str, Any], right: dict[str, Any]) -> vm.Program:
    cond = {"type": "compare", "id": "cmp", "op": "<", "left": left, "right": right}
    return vm.load(
        dslc.compile_json(
            {
                "type": "program",
                "rules": [
                    {
                        "type": "rule",
                        "when": cond,
                        "then": [
                            {
                                "type": "assign_points",
                                "value": {"type": "literal", "value": 1},
                                "case_name": "x",
                            }
                        ],
                    }
                ],
            }
        )
    )


DATA_A = {"type": "field", "path": "data.a"}
DATA_B = {"type": "field", "path": "data.b"}
FIELD_A = {"type": "field", "path": "user.avg_time"}
FIELD_B = {"type": "field", "path": "all.avg_time"}
ONE = {"type": "literal", "value": 1}


@pytest.mark.parametrize(
    ("left", "right"),
    [(DATA_A, DATA_B), (FIELD_A, FIELD_B), (DATA_A, FIELD_B), (DATA_A, ONE), (FIELD_A, ONE)],
    ids=["stack-stack", "field-field", "stack-field", "data-constant", "field-constant"],
)
def test_lists_never_order_whatever_the_instruction_variant(
    left: dict[str, Any], right: dict[str, Any]
) -> None:
    """Python orders lists; the language does not (every fused compare
    variant must refuse them, as the unfused one does)."""
    program = _ordering(left, right)
    with pytest.raises(vm.ExecutionError) as info:
        vm.run(
            program,
            fields={"user.avg_time": [1], "all.avg_time": [2]},
            data={"a": [1], "b": [2]},
        )
    assert (info.value.code, info.value.node_id) == ("DSL_COMPARE_TYPE_MISMATCH", "cmp")


def test_an_async_source_in_a_sync_run_is_a_clear_error() -> None:
    program = vm.load(dslc.compile_json({"type": "program", "rules": []}))
    with pytest.raises(TypeError, match="run_async"):
        vm.run(program, fields=AsyncSource({}))
    with pytest.raises(TypeError, match="score_async"):
        vm.score(program, fields=AsyncSource({}))


def test_fields_read_reports_each_phase_separately() -> None:
    """LANGUAGE.md section 3: a host can ask which fields a section may read."""
    program = vm.load(dslc.compile_json(EXTEND))
    assert program.fields_read("full") == frozenset()
    assert program.fields_read("pre") == {"data.blocked"}
    assert program.fields_read("post") == {"data.is_weekend", "parent.points"}
