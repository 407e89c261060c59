"""Whatever the host hands the VM, a run ends in a result, an
ExecutionError with a code, or a documented TypeError naming the argument.

Values of every kind (huge integers, NaN and infinities, strings, lists,
objects, None, booleans, and host objects whose ``__lt__``, ``__eq__``,
``__bool__``, ``__hash__`` or ``__float__`` raise or return odd types)
go through field sources, ``data`` and ``parent``, in ``vm.run`` and
``vm.run_async``, over programs that put a field in every position the
loop has (compared, fused, memoised arithmetic, truth-tested, assigned).
"""

from __future__ import annotations

import math
import os
from collections.abc import Coroutine
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dslc
import vm
from vm import errors as E

EXAMPLES = int(os.environ.get("DSLC_PROPERTY_EXAMPLES", "200"))
FIELDS = ("user.avg_time", "all.avg_time", "user.new_last_window_diff", "user.last_window_diff")
CODES = {
    E.COMPARE_TYPE_MISMATCH,
    E.ARITH_TYPE_MISMATCH,
    E.ARITH_DIV_BY_ZERO,
    E.ARITH_OUT_OF_RANGE,
    E.ASSIGN_POINTS_NOT_NUMBER,
    E.SET_POINTS_NOT_NUMBER,
    E.SET_CASE_NAME_NOT_STRING,
    E.LIMIT_EXCEEDED,
    E.HOST_VALUE_ERROR,
}


# -- host objects that misbehave -------------------------------------------


class Boom(Exception):
    pass


class RaisesOnCompare:
    def __lt__(self, other: object) -> bool:
        raise Boom("lt")

    __le__ = __gt__ = __ge__ = __lt__

    def __repr__(self) -> str:
        return "RaisesOnCompare()"


class RaisesOnEq:
    def __eq__(self, other: object) -> bool:
        raise Boom("eq")

    def __ne__(self, other: object) -> bool:
        raise Boom("ne")

    __hash__ = object.__hash__


class RaisesOnBool:
    def __bool__(self) -> bool:
        raise Boom("bool")


class RaisesOnHash:
    def __hash__(self) -> int:
        raise Boom("hash")


class RaisesOnFloat:
    def __float__(self) -> float:
        raise Boom("float")


class WeirdEq:
    """Comparisons return an object whose truth test raises."""

    def __eq__(self, other: object) -> Any:
        return RaisesOnBool()

    __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = object.__hash__


class RaisesOnStr(RaisesOnCompare):
    def __str__(self) -> str:
        raise Boom("str")


class MyInt(int):
    pass


class MyFloat(float):
    pass


class MyStr(str):
    pass


def odd_objects() -> st.SearchStrategy[object]:
    return st.sampled_from(
        [RaisesOnCompare, RaisesOnEq, RaisesOnBool, RaisesOnHash, RaisesOnFloat, WeirdEq]
    ).map(lambda cls: cls()) | st.sampled_from(
        [MyInt(3), MyFloat(2.5), MyStr("s"), MyFloat("nan"), RaisesOnStr()]
    )


def scalars() -> st.SearchStrategy[object]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.sampled_from([2**63, -(2**63) - 1, 10**400, 0, -1]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308]),
        st.text(max_size=8),
    )


def values() -> st.SearchStrategy[object]:
    leaves = scalars() | odd_objects()
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=6,
    )


# -- programs that put a field everywhere ------------------------------------


def lit(v: object) -> dict[str, object]:
    return {"type": "literal", "value": v}


def field(path: str) -> dict[str, object]:
    return {"type": "field", "path": path}


def cmp(op: str, left: dict[str, object], right: dict[str, object]) -> dict[str, object]:
    return {"type": "compare", "op": op, "left": left, "right": right}


def arith(op: str, left: dict[str, object], right: dict[str, object]) -> dict[str, object]:
    return {"type": "arith", "op": op, "left": left, "right": right}


def call(name: str, *args: dict[str, object]) -> dict[str, object]:
    return {"type": "func_call", "name": name, "args": list(args)}


def callback(key: str, value: dict[str, object]) -> dict[str, object]:
    return {"type": "set_callback_data", "key": key, "value": value}


def rule(when: dict[str, object], *then: dict[str, object]) -> dict[str, object]:
    return {"type": "rule", "when": when, "then": list(then)}


def _conditions(a: str, b: str) -> list[dict[str, object]]:
    fa, fb = field(a), field(b)
    out: list[dict[str, object]] = []
    for op in ("<", "<=", ">", ">=", "==", "!="):
        out += [
            cmp(op, fa, lit(1)),  # field vs constant
            cmp(op, fa, fb),  # field vs field
            cmp(op, arith("-", fa, fb), lit(0)),  # memoised (field - field) vs constant
            cmp(op, arith("/", fa, lit(2)), fb),  # stack vs field
            cmp(op, arith("max", fa, lit(0)), arith("*", fa, fb)),  # stack vs stack
            cmp(op, field("data.x"), lit(3)),  # data vs constant
        ]
    out += [
        fa,
        {"type": "not", "arg": fb},
        {"type": "and", "args": [fa, fb]},
        {"type": "or", "args": [field("data.x"), fb]},
        cmp("==", field("data.x"), field("data.y")),
    ]
    return out


def full_program(a: str, b: str) -> dict[str, object]:
    rules = [
        rule(
            c,
            callback(f"k{i}", field(a)),
            callback(f"s{i}", arith("+", field(a), field(b))),
            callback(f"f{i}", call("clamp", field("data.y"), lit(0), call("int", field(b)))),
        )
        for i, c in enumerate(_conditions(a, b))
    ]
    rules.append(
        rule(
            cmp(">", field(a), lit(100)),
            {"type": "assign_points", "value": field(b), "case_name": "from_field"},
        )
    )
    return {
        "type": "program",
        "rules": rules,
        "default": {"type": "assign_points", "value": field("data.x"), "case_name": "d"},
    }


def extend_program(a: str) -> dict[str, object]:
    return {
        "type": "program",
        "rules": [],
        "pre_rules": [
            rule(cmp("<", field(a), field("data.x")), {"type": "veto", "case_name": "no"}),
            rule(field("data.y"), {"type": "set_data", "key": "z", "value": field(a)}),
        ],
        "post_rules": [
            rule(
                cmp(">", field("parent.points"), field(a)),
                {"type": "set_points", "value": arith("*", field("parent.points"), lit(2))},
                {"type": "set_case_name", "value": field("data.x")},
            ),
            rule(
                field("parent.case_name"),
                {"type": "set_points", "value": field("data.y")},
                callback("c", field("parent.case_name")),
            ),
        ],
    }


PROGRAMS = [
    vm.load(dslc.compile_json(p))
    for p in (
        full_program(FIELDS[0], FIELDS[1]),
        full_program(FIELDS[2], FIELDS[3]),
        extend_program(FIELDS[0]),
    )
]


# -- driving the runs ----------------------------------------------------------


def drive(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that awaits nothing that really suspends (the field
    source below is synchronous), without an event loop."""
    try:
        while True:
            coro.send(None)
    except StopIteration as stop:
        return stop.value


class Source:
    """A field source answering from a dict, counting its calls."""

    def __init__(self, values: dict[str, object]) -> None:
        self.values = values
        self.calls = 0

    def get(self, path: str) -> object:
        self.calls += 1
        return self.values.get(path)


def outcome(run: Any) -> tuple[str, object]:
    try:
        res = run()
    except vm.ExecutionError as exc:
        assert exc.code in CODES, exc
        # Only the phase's start has no node: a budget below the first
        # straight-line run, or parent points that are not a number.
        assert exc.node_id is not None or (
            exc.code == E.LIMIT_EXCEEDED or exc.detail.startswith("parent points")
        ), exc
        return "error", exc.code
    assert isinstance(res, vm.RunResult)
    return "ok", None


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.sampled_from(range(len(PROGRAMS))),
    st.dictionaries(st.sampled_from(FIELDS), values()),
    st.dictionaries(st.sampled_from(["x", "y", "z"]), values()),
    st.fixed_dictionaries(
        {},
        optional={
            "points": values(),
            "case_name": values(),
            "callback_data": st.none() | st.dictionaries(st.text(max_size=2), values()),
        },
    ),
    st.none() | st.integers(0, 60),
)
def test_any_host_value_gives_a_result_or_an_execution_error(
    which: int,
    fields: dict[str, object],
    data: dict[str, object],
    parent: dict[str, object],
    budget: int | None,
) -> None:
    program = PROGRAMS[which]
    for phase in ("full", "pre", "post"):
        sync = outcome(
            lambda phase=phase: vm.run(program, phase, Source(fields), data, parent, budget)
        )
        source = Source(fields)
        asynchronous = outcome(
            lambda phase=phase, source=source: drive(
                vm.run_async(program, phase, source, data, parent, budget)
            )
        )
        assert source.calls <= len(program.fields)  # each field fetched at most once
        assert sync == asynchronous


# -- the examples --------------------------------------------------------


def one_rule(when: dict[str, object]) -> vm.Program:
    assign = {"type": "assign_points", "id": "a", "value": lit(1), "case_name": "c"}
    return vm.load(
        dslc.compile_json({"type": "program", "rules": [{**rule(when, assign), "id": "r"}]})
    )


@pytest.mark.parametrize(
    ("value", "when"),
    [
        (RaisesOnCompare(), cmp("<", field("user.avg_time"), lit(3))),
        (RaisesOnCompare(), cmp(">=", field("user.avg_time"), field("all.avg_time"))),
        (RaisesOnEq(), cmp("==", field("user.avg_time"), lit(3))),
        (RaisesOnEq(), cmp("!=", lit(3), field("user.avg_time"))),
        (WeirdEq(), cmp("==", field("user.avg_time"), field("all.avg_time"))),
        (RaisesOnBool(), field("user.avg_time")),
        (RaisesOnBool(), {"type": "not", "arg": field("user.avg_time")}),
        (RaisesOnBool(), {"type": "or", "args": [field("user.avg_time"), lit(1)]}),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, dict) else str(v.get("op", v["type"])),
)
def test_a_raising_field_value_is_an_execution_error_at_its_node(
    value: object, when: dict[str, object]
) -> None:
    when = {**when, "id": "cond"}
    with pytest.raises(vm.ExecutionError) as info:
        vm.run(one_rule(when), fields={"user.avg_time": value, "all.avg_time": value})
    assert info.value.code == E.HOST_VALUE_ERROR
    assert info.value.node_id is not None
    assert isinstance(info.value.__cause__, Boom)
    with pytest.raises(vm.ExecutionError) as async_info:
        drive(vm.run_async(one_rule(when), fields={"user.avg_time": value, "all.avg_time": value}))
    assert (async_info.value.code, async_info.value.node_id) == (
        E.HOST_VALUE_ERROR,
        info.value.node_id,
    )


def test_a_raising_compare_names_the_compare_node() -> None:
    program = one_rule({**cmp("<", field("user.avg_time"), lit(3)), "id": "the_compare"})
    with pytest.raises(vm.ExecutionError) as info:
        vm.run(program, fields={"user.avg_time": RaisesOnCompare()})
    assert (info.value.code, info.value.node_id) == (E.HOST_VALUE_ERROR, "the_compare")


def test_the_field_sources_own_exception_propagates_unchanged() -> None:
    """A failing source (a lost database connection) is the host's error."""

    class Down:
        def get(self, path: str) -> object:
            raise ConnectionError(path)

    for program in PROGRAMS[:2]:
        with pytest.raises(ConnectionError):
            vm.run(program, fields=Down())

    class DownAsync:
        async def get(self, path: str) -> object:
            raise ConnectionError(path)

    with pytest.raises(ConnectionError):
        drive(vm.run_async(PROGRAMS[0], fields=DownAsync()))


def test_parent_points_that_raise_are_an_execution_error() -> None:
    for points in (RaisesOnBool(), RaisesOnFloat()):
        with pytest.raises(vm.ExecutionError) as info:
            vm.run(PROGRAMS[2], "post", parent={"points": points})
        assert info.value.code == E.HOST_VALUE_ERROR


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"data": [1]}, "data must be a mapping"),
        ({"data": "x"}, "data must be a mapping"),
        ({"parent": [1]}, "parent must be a mapping"),
        ({"parent": {"callback_data": [1]}}, r"parent\['callback_data'\] must be a mapping"),
        ({"parent": {"callback_data": "ab"}}, r"parent\['callback_data'\] must be a mapping"),
        ({"budget": "10"}, "budget must be an int"),
        ({"budget": 1.5}, "budget must be an int"),
        ({"budget": True}, "budget must be an int"),
        ({"fields": [1]}, "fields must be a mapping"),
        ({"fields": 5}, "fields must be a mapping"),
        ({"phase": ["post"]}, "phase must be a string"),
    ],
    ids=lambda v: str(v)[:40],
)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_arguments_of_the_wrong_shape_are_a_type_error_naming_them(
    kwargs: dict[str, object], names: str, mode: str
) -> None:
    args: dict[str, Any] = {"phase": "post", **kwargs}
    program = PROGRAMS[2]
    with pytest.raises(TypeError, match=names):
        if mode == "sync":
            vm.run(program, **args)
        else:
            drive(vm.run_async(program, **args))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_program_that_is_not_a_program_is_a_type_error(mode: str) -> None:
    with pytest.raises(TypeError, match=r"program must be a vm\.Program"):
        if mode == "sync":
            vm.run(None)  # type: ignore[arg-type]
        else:
            drive(vm.run_async(b"image"))  # type: ignore[arg-type]


def test_a_mapping_that_is_not_a_dict_is_read_as_data() -> None:
    from types import MappingProxyType

    program = vm.load(
        dslc.compile_json(
            {
                "type": "program",
                "rules": [],
                "default": {"type": "assign_points", "value": field("data.x"), "case_name": "d"},
            }
        )
    )
    assert vm.run(program, data=MappingProxyType({"x": 7})).points == 7
    assert drive(vm.run_async(program, data=MappingProxyType({"x": 8}))).points == 8


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"data": [1]}, "data must be a mapping"),
        ({"budget": "10"}, "budget must be an int"),
        ({"budget": True}, "budget must be an int"),
        ({"fields": [1]}, "fields must be a mapping"),
    ],
    ids=lambda v: str(v)[:40],
)
@pytest.mark.parametrize("mode", ["score", "score_async"])
@pytest.mark.parametrize("parent", [None, "default"])
def test_score_checks_the_same_shapes_before_the_parent_runs(
    kwargs: dict[str, object], names: str, mode: str, parent: str | None
) -> None:
    program = PROGRAMS[0] if parent is None else PROGRAMS[2]
    with pytest.raises(TypeError, match=names):
        if mode == "score":
            vm.score(program, parent=parent, **kwargs)  # type: ignore[arg-type]
        else:
            drive(vm.score_async(program, parent=parent, **kwargs))  # type: ignore[arg-type]


ANALYTICS = (
    "task.measurements_count",
    "user.measurements_count",
    "user.recent_measurements_count",
    *FIELDS,
    "externalGameId",
    "externalTaskId",
    "externalUserId",
)


@settings(
    max_examples=max(10, EXAMPLES // 2),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.sampled_from(["default", "constantEffortStrategy"]),
    st.dictionaries(st.sampled_from(ANALYTICS), values()),
    st.dictionaries(st.sampled_from(["x", "y", "z"]), values()),
)
def test_any_host_value_through_the_pipeline_gives_a_score_or_an_execution_error(
    parent: str, fields: dict[str, object], data: dict[str, object]
) -> None:
    """The same through vm.score and vm.score_async, whose built-in parents
    read the analytics fields too."""
    for run in (
        lambda: vm.score(PROGRAMS[2], Source(fields), data, parent),
        lambda: drive(vm.score_async(PROGRAMS[2], Source(fields), data, parent)),
    ):
        try:
            run()
        except vm.ExecutionError as exc:
            assert exc.code in CODES, exc
