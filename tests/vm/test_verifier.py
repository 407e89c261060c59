"""The verifier rejects every kind of unsafe image with a VerifyError, and
vm.load never raises anything else, whatever the bytes."""

from __future__ import annotations

import contextlib
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dslc
import vm
from tests.vm.images import make_image
from vm.image import HEADER, MAGIC
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


def _load_and_run(data: bytes) -> None:
    """The property: load either refuses with VerifyError, or gives a
    program whose every phase runs within its budget (possibly failing with
    a runtime ExecutionError, never another exception)."""
    try:
        program = vm.load(data)
    except vm.VerifyError:
        return
    for phase in ("full", "pre", "post"):
        with contextlib.suppress(vm.ExecutionError):
            vm.run(
                program,
                phase=phase,
                fields=EVENT["fields"],
                data=EVENT["data"],
                parent={"points": 3, "case_name": "p", "callback_data": {}},
                budget=program.phases[phase].max_steps,
            )


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_verify_error(data: bytes) -> None:
    _load_and_run(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200).map(lambda body: MAGIC + b"\x01\x00\x00\x00" + body))
def test_random_bytes_behind_a_good_magic_only_raise_verify_error(data: bytes) -> None:
    _load_and_run(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
