"""The verifier rejects every kind of unsafe image with a VerifyError, and
vm.load never raises anything else, whatever the bytes."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import struct
import zlib
from collections.abc import Coroutine
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dslc
import vm
from tests.vm.images import make_image
from vm.image import HEADER, MAGIC, MAX_CODE_SIZE, MAX_IMAGE_SIZE, Image, decode, encode
from vm.opcodes import Op

OK = make_image(full=[(Op.CONST, 0), (Op.ASSIGN_POINTS, 1)], constants=(5, "ok"))


def test_a_well_formed_hand_built_image_loads_and_runs() -> None:
    res = vm.run(vm.load(OK))
    assert (res.points, res.case_name) == (5, "ok")


@pytest.mark.parametrize(
    ("image", "message"),
    [
        pytest.param(
            make_image(full=[(Op.CONST, 3), (Op.HALT,)]), "out of range", id="const-index"
        ),
        pytest.param(
            make_image(full=[(Op.FIELD, 0), (Op.ASSIGN_POINTS, 0)], constants=("x",)),
            "out of range",
            id="field-index",
        ),
        pytest.param(
            make_image(full=[(Op.CONST, 0), (Op.ASSIGN_POINTS, 0)], constants=(5,)),
            "out of range",
            id="case-name-not-a-string",
        ),
        pytest.param(make_image(full=[(Op.JUMP, 0)]), "not forward", id="backward-jump"),
        pytest.param(
            make_image(full=[(Op.JUMP, 4), (Op.HALT,)]), "not forward", id="jump-past-section"
        ),
        pytest.param(
            make_image(
                full=[(Op.CONST, 0), (Op.JUMP_IF_FALSE, 5), (Op.HALT,), (Op.HALT,)], constants=(1,)
            ),
            "not an instruction",
            id="jump-into-an-instruction",
        ),
        pytest.param(make_image(full=[(Op.ADD,), (Op.HALT,)]), "underflow", id="underflow"),
        pytest.param(
            make_image(full=[(Op.CONST, 0), (Op.HALT,)], constants=(1,)),
            "leaves 1 values",
            id="unbalanced-halt",
        ),
        pytest.param(make_image(full=[(Op.CONST, 0)], constants=(1,)), "falls off", id="no-halt"),
        pytest.param(
            make_image(
                full=[(Op.CONST, 0), (Op.JUMP_IF_FALSE, 9), (Op.CONST, 0), (Op.HALT,)],
                constants=(1,),
            ),
            "inconsistent stack depth",
            id="stack-depth-differs-by-path",
        ),
        pytest.param(
            make_image(full=[(Op.CONST, 0), (Op.SET_DATA, 0), (Op.HALT,)], constants=("k",)),
            "not allowed in phase 'full'",
            id="set-data-in-full",
        ),
        pytest.param(
            make_image(post=[(Op.CONST, 0), (Op.SET_DATA, 0), (Op.HALT,)], constants=("k",)),
            "not allowed in phase 'post'",
            id="set-data-in-post",
        ),
        pytest.param(
            make_image(full=[(Op.VETO, 0)], constants=("v",)),
            "not allowed in phase 'full'",
            id="veto-in-full",
        ),
        pytest.param(
            make_image(pre=[(Op.PARENT, 0), (Op.SET_DATA, 1), (Op.HALT,)], constants=("k", "k")),
            "not allowed in phase 'pre'",
            id="parent-outside-post",
        ),
        pytest.param(
            make_image(full=[(Op.PARENT, 0), (Op.ASSIGN_POINTS, 0)], constants=("c",)),
            "not allowed",
            id="parent-in-full",
        ),
        pytest.param(
            make_image(post=[(Op.PARENT, 7), (Op.SET_POINTS,), (Op.HALT,)]),
            "out of range",
            id="parent-attribute",
        ),
        pytest.param(
            make_image(
                full=[
                    (Op.CONST, 0),
                    (Op.CONST, 0),
                    (Op.CMP, 9),
                    (Op.JUMP_IF_FALSE, 13),
                    (Op.HALT,),
                    (Op.HALT,),
                ],
                constants=(1,),
            ),
            "out of range",
            id="compare-operator",
        ),
        pytest.param(make_image(full=bytes([0xEE])), "unknown opcode", id="unknown-opcode"),
        pytest.param(
            make_image(post=bytes([int(Op.CONST), 0])), "truncated", id="truncated-operand"
        ),
        pytest.param(
            make_image(parent_variables=(("speed", 1),), constants=(1,)),
            "variable_",
            id="parent-variable-name",
        ),
        pytest.param(make_image(node_table=((99, "n"),)), "node table", id="node-table-offset"),
        pytest.param(
            make_image(
                full=[(Op.FIELD, 1), (Op.ASSIGN_POINTS, 0)],
                constants=("c",),
                fields=("user.avg_time", "user.avg_time"),
            ),
            "'user.avg_time' is named twice",
            id="field-path-twice",
        ),
        pytest.param(make_image(fields=("data.x",)), "not a host field path", id="field-path-data"),
        pytest.param(
            make_image(fields=("parent.points",)), "not a host field path", id="field-path-parent"
        ),
        pytest.param(make_image(fields=("",)), "not a host field path", id="field-path-empty"),
        pytest.param(
            make_image(parent_variables=(("variable_a", 1), ("variable_a", 2)), constants=(1, 2)),
            "'variable_a' is named twice",
            id="parent-variable-twice",
        ),
    ],
)
def test_verifier_rejects(image: bytes, message: str) -> None:
    with pytest.raises(vm.VerifyError, match=message):
        vm.load(image)


def _reheader(image: bytes, **changes: int | bytes) -> bytes:
    magic, version, flags, length, crc = HEADER.unpack_from(image)
    values = {"magic": magic, "version": version, "flags": flags, "length": length, "crc": crc}
    values.update(changes)
    return (
        HEADER.pack(
            values["magic"], values["version"], values["flags"], values["length"], values["crc"]
        )
        + image[HEADER.size :]
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b[:10], "truncated header"),
        (lambda b: _reheader(b, magic=b"\x7fELF"), "bad magic"),
        (lambda b: _reheader(b, version=99), "format version 99"),
        (lambda b: _reheader(b, flags=0x80), "unknown header flags"),
        (lambda b: b[:-1], "payload is"),
        (lambda b: b[:-1] + bytes([b[-1] ^ 1]), "checksum"),
        (lambda b: "not bytes", "must be bytes"),
    ],
)
def test_header_checks(mutate: object, message: str) -> None:
    with pytest.raises(vm.VerifyError, match=message):
        vm.load(mutate(OK))  # type: ignore[operator]


def test_a_lying_count_is_refused_before_allocation() -> None:
    """A constant count of 65535 in a tiny payload must not allocate."""
    payload = bytearray(OK[HEADER.size :])
    strings_len = struct.unpack_from("<I", payload, 0)[0]
    consts_at = 4 + strings_len + 4  # after the strings section and the constants length
    payload[consts_at : consts_at + 2] = struct.pack("<H", 0xFFFF)
    image = HEADER.pack(MAGIC, 1, 0, len(payload), zlib.crc32(bytes(payload))) + bytes(payload)
    with pytest.raises(vm.VerifyError):
        vm.load(image)


def _valid_images() -> list[bytes]:
    progs = [
        {
            "type": "program",
            "rules": [
                {
                    "type": "rule",
                    "when": {
                        "type": "and",
                        "args": [
                            {
                                "type": "compare",
                                "op": "<",
                                "left": {"type": "field", "path": "user.avg_time"},
                                "right": {"type": "literal", "value": 3},
                            },
                            {"type": "not", "arg": {"type": "field", "path": "data.x"}},
                        ],
                    },
                    "then": [
                        {
                            "type": "set_callback_data",
                            "key": "k",
                            "value": {
                                "type": "func_call",
                                "name": "clamp",
                                "args": [
                                    {"type": "field", "path": "data.y"},
                                    {"type": "literal", "value": 0},
                                    {"type": "literal", "value": 9},
                                ],
                            },
                        },
                        {
                            "type": "assign_points",
                            "value": {
                                "type": "arith",
                                "op": "/",
                                "left": {"type": "field", "path": "data.y"},
                                "right": {"type": "literal", "value": 2},
                            },
                            "case_name": "c",
                        },
                    ],
                }
            ],
            "default": {
                "type": "assign_points",
                "value": {"type": "literal", "value": 1},
                "case_name": "d",
            },
            "pre_rules": [
                {
                    "type": "rule",
                    "when": {"type": "field", "path": "data.v"},
                    "then": [{"type": "veto", "case_name": "no"}],
                    "else": [
                        {"type": "set_data", "key": "z", "value": {"type": "literal", "value": 1}}
                    ],
                }
            ],
            "post_rules": [
                {
                    "type": "rule",
                    "when": {"type": "field", "path": "parent.case_name"},
                    "then": [
                        {
                            "type": "set_points",
                            "value": {
                                "type": "arith",
                                "op": "*",
                                "left": {"type": "field", "path": "parent.points"},
                                "right": {"type": "literal", "value": 2},
                            },
                        }
                    ],
                }
            ],
            "parent_variables": {"variable_basic_points": 3},
        },
    ]
    return [dslc.compile_json(p) for p in progs]


VALID = _valid_images()
EVENT = {"fields": {"user.avg_time": 1}, "data": {"x": 0, "y": 4, "v": 0}}


class _CountingSource:
    """An awaitable field source that fails the test instead of letting a
    run fetch forever: a run fetches each field at most once."""

    def __init__(self, fields: dict[str, object], allowed: int) -> None:
        self.fields = fields
        self.left = allowed

    async def get(self, path: str) -> object:
        self.left -= 1
        assert self.left >= 0, "a run fetched more fields than its field table holds"
        return self.fields.get(path)


def _drive(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine whose awaits never really suspend, without a loop."""
    try:
        while True:
            coro.send(None)
    except StopIteration as stop:
        return stop.value


def _load_and_run(data: bytes) -> None:
    """The property: load either refuses with VerifyError, or gives a
    program whose every phase, sync and async, runs within its budget
    (possibly failing with a runtime ExecutionError, never another
    exception, never fetching a field twice)."""
    try:
        program = vm.load(data)
    except vm.VerifyError:
        return
    parent = {"points": 3, "case_name": "p", "callback_data": {}}
    for phase in ("full", "pre", "post"):
        for budget in (program.phases[phase].max_steps, 3):
            with contextlib.suppress(vm.ExecutionError):
                vm.run(program, phase, EVENT["fields"], EVENT["data"], parent, budget)
            source = _CountingSource(EVENT["fields"], len(program.fields))
            with contextlib.suppress(vm.ExecutionError):
                _drive(vm.run_async(program, phase, source, EVENT["data"], parent, budget))


# The image fuzzer's size: CI runs the default (a few seconds); a long hunt
# sets DSLC_FUZZ_EXAMPLES (the issue's 110,000 mutants took minutes).
FUZZ = int(os.environ.get("DSLC_FUZZ_EXAMPLES", "300"))


@settings(max_examples=FUZZ, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_verify_error(data: bytes) -> None:
    _load_and_run(data)


@settings(max_examples=FUZZ, deadline=None)
@given(st.binary(max_size=200).map(lambda body: MAGIC + b"\x01\x00\x00\x00" + body))
def test_random_bytes_behind_a_good_magic_only_raise_verify_error(data: bytes) -> None:
    _load_and_run(data)


@settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), st.data())
def test_mutated_valid_images_only_raise_verify_error(image: bytes, data: st.DataObject) -> None:
    """Flip, insert and delete bytes of a valid image; the checksum is
    recomputed so mutations reach the section decoders and the verifier."""
    payload = bytearray(image[HEADER.size :])
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "set", "insert", "delete"]))
        at = data.draw(st.integers(0, len(payload) - 1))
        if kind == "flip":
            payload[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "set":
            payload[at] = data.draw(st.integers(0, 255))
        elif kind == "insert":
            payload.insert(at, data.draw(st.integers(0, 255)))
        elif len(payload) > 1:
            del payload[at]
    _, version, flags, _, _ = HEADER.unpack_from(image)
    mutated = HEADER.pack(MAGIC, version, flags, len(payload), zlib.crc32(bytes(payload)))
    _load_and_run(mutated + bytes(payload))


def _decoded(image: bytes) -> Image:
    return decode(image)


@settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), st.data())
def test_mutated_tables_only_raise_verify_error(image: bytes, data: st.DataObject) -> None:
    """Structure-aware mutants of the tables (the shapes random bytes reach
    once in tens of thousands): a field path repeated or replaced by
    another string, constants swapped, parent variables repeated. Each is
    refused or runs within its budget."""
    img = _decoded(image)
    strings = [img.program_id, *img.fields, *(c for c in img.constants if isinstance(c, str))]
    fields = list(img.fields)
    constants = list(img.constants)
    pv = list(img.parent_variables or ())
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["field", "repeat_field", "constant", "pv"]))
        if kind == "field" and fields:
            fields[data.draw(st.integers(0, len(fields) - 1))] = data.draw(st.sampled_from(strings))
        elif kind == "repeat_field" and fields:
            i, j = (
                data.draw(st.integers(0, len(fields) - 1)),
                data.draw(st.integers(0, len(fields) - 1)),
            )
            fields[i] = fields[j]
        elif kind == "constant" and len(constants) > 1:
            i, j = (
                data.draw(st.integers(0, len(constants) - 1)),
                data.draw(st.integers(0, len(constants) - 1)),
            )
            constants[i], constants[j] = constants[j], constants[i]
        elif kind == "pv" and pv:
            pv.append(pv[data.draw(st.integers(0, len(pv) - 1))])
    mutated = dataclasses.replace(
        img,
        fields=tuple(fields),
        constants=tuple(constants),
        parent_variables=tuple(pv) if img.parent_variables is not None else None,
    )
    try:
        raw = encode(mutated)
    except (KeyError, ValueError, TypeError):
        return  # the encoder itself refuses (a parent variable's constant moved)
    _load_and_run(raw)


def test_the_issues_image_a_field_named_twice_is_refused() -> None:
    """Issue 8: the value was stored into the slot of the path's last entry
    and read from the first, so run_async fetched forever, ignoring the
    budget."""
    image = make_image(
        full=[(Op.FIELD, 0), (Op.CONST, 0), (Op.CMP_JUMP_IF_FALSE, 0, 12), (Op.HALT,), (Op.HALT,)],
        constants=(1,),
        fields=("user.avg_time", "user.avg_time"),
    )
    with pytest.raises(vm.VerifyError, match="named twice"):
        vm.load(image)


def test_async_runs_fetch_each_field_at_most_once_even_past_the_verifier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defence in depth: with the field-table check switched off, the same
    image ends (DSL_INTERNAL) instead of fetching forever."""
    import vm.verify

    monkeypatch.setattr(vm.verify, "_check_tables", lambda image: None)
    image = make_image(
        full=[(Op.FIELD, 0), (Op.CONST, 0), (Op.CMP_JUMP_IF_FALSE, 0, 12), (Op.HALT,), (Op.HALT,)],
        constants=(1,),
        fields=("user.avg_time", "user.avg_time"),
    )
    program = vm.load(image)
    source = _CountingSource({"user.avg_time": 5}, 2)
    # The stack VM (a translated function keeps fields in locals, not slots).
    from vm.runner import run_reference_async

    with pytest.raises(vm.ExecutionError) as info:
        _drive(run_reference_async(program, fields=source, budget=10))
    assert info.value.code == "DSL_INTERNAL"


def test_an_image_over_the_size_limit_is_refused_before_it_is_read() -> None:
    big = OK + b"\0" * (MAX_IMAGE_SIZE - len(OK) + 1)
    for data in (big, bytearray(big), memoryview(big)):
        with pytest.raises(vm.VerifyError, match=f"more than the {MAX_IMAGE_SIZE}"):
            vm.load(data)


def test_code_over_the_size_limit_is_refused() -> None:
    """Issue 8: a million one-byte opcodes took seconds to decode, verify
    and bind. 64 KiB is all a u16 jump target can address."""
    halts = bytes([int(Op.HALT)])
    image = Image(
        "big",
        (),
        (),
        ((0, 1), (1, 2), (2, MAX_CODE_SIZE + 1)),
        halts * (MAX_CODE_SIZE + 1),
        True,
        True,
        None,
        (),
    )
    with pytest.raises(ValueError, match="an image holds"):
        encode(image)
    import vm.image as image_module

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(image_module, "MAX_CODE_SIZE", 1 << 30)
        data = encode(image)
    with pytest.raises(vm.VerifyError, match=f"code is {MAX_CODE_SIZE + 1} bytes, more than"):
        vm.load(data)


def test_the_most_code_the_limit_allows_loads() -> None:
    """At the limit, every instruction a one-byte opcode, reachable, each
    with a node id: loads (linear time; benchmarks/bench_vm_load.py)."""
    n = MAX_CODE_SIZE - 2
    body = bytes([int(Op.CONST), 0, 0]) + bytes([int(Op.NOT)]) * (n - 8)
    body += bytes([int(Op.SET_CALLBACK), 1, 0]) + bytes([int(Op.HALT)]) * 2
    halt = bytes([int(Op.HALT)])
    entries = ((0, len(body) - 1), (len(body) - 1, len(body)), (len(body), len(body) + 1))
    nodes = tuple((3 + i, "not") for i in range(n - 8))  # one shared string
    image = Image("big", (True, "k"), (), entries, body + halt, True, True, None, nodes)
    program = vm.load(encode(image))
    res = vm.run(program)
    assert res.callback_data == {"k": (n - 8) % 2 == 0}
