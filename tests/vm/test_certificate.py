"""The cost certificate (vm.cost, docs/bytecode.md): what it states, that
``vm.load`` refuses one that lies, and that runs never exceed it."""

from __future__ import annotations

import random
from typing import Any

import pytest

import dslc
import vm
from tests.vm.certificate_support import NO_PARENT, generated_inputs, measure, reaches
from tests.vm.images import assemble
from vm.cost import MAX_FAMILY, section_cost
from vm.image import FLAG_CERTIFIED, HEADER, Image, decode, encode, seal
from vm.instructions import decode_instructions
from vm.opcodes import PHASES, Op
from vm.verify import certify

LT = 0  # COMPARE_NAMES index of '<'


def _image(
    full: list[tuple[object, ...]], fields: tuple[str, ...], consts: tuple[Any, ...]
) -> Image:
    code = assemble(full)
    halt = assemble([(Op.HALT,)])
    n = len(code)
    return Image(
        program_id="t",
        constants=consts,
        fields=fields,
        entries=((0, n), (n, n + 1), (n + 1, n + 2)),
        code=code + halt + halt,
        has_pre=True,
        has_post=True,
        parent_variables=None,
        node_table=(),
    )


# Two arms: the first is longest but reads only ``a``; the second reads
# ``b`` and ``c``. Then both read ``a``.
#    0 FIELD a; 3 CONST 0; 6 CMP_JUMP_IF_FALSE '<' -> 31
#   11 FIELD a; 14 CONST 0; 17 CMP_JUMP_IF_FALSE '<' -> 42
#   22 FIELD a; 25 JUMP_IF_FALSE -> 42; 28 JUMP -> 42
#   31 FIELD b; 34 FIELD c; 37 CMP_JUMP_IF_FALSE '<' -> 42
#   42 FIELD a; 45 ASSIGN_POINTS "k"
ARMS: list[tuple[object, ...]] = [
    (Op.FIELD, 0),
    (Op.CONST, 0),
    (Op.CMP_JUMP_IF_FALSE, LT, 31),
    (Op.FIELD, 0),
    (Op.CONST, 0),
    (Op.CMP_JUMP_IF_FALSE, LT, 42),
    (Op.FIELD, 0),
    (Op.JUMP_IF_FALSE, 42),
    (Op.JUMP, 42),
    (Op.FIELD, 1),
    (Op.FIELD, 2),
    (Op.CMP_JUMP_IF_FALSE, LT, 42),
    (Op.FIELD, 0),
    (Op.ASSIGN_POINTS, 1),
]


def arms_image() -> Image:
    return _image(ARMS, ("a", "b", "c"), (0, "k"))


def test_steps_follow_the_longest_path_and_fetches_count_distinct_fields() -> None:
    image = certify(arms_image())
    # The first arm is longest (11 instructions) but fetches one field; the
    # second fetches a, b and c in 8.
    assert image.certificate == ((11, 3), (1, 0), (1, 0))
    cost = section_cost(decode_instructions(image.code[: image.entries[0][1]]), 0)
    assert cost.worst_path == (0, 3, 6, 11, 14, 17, 22, 25, 28, 42, 45)
    assert cost.worst_fields == (0, 1, 2)


def test_a_certified_image_round_trips_and_loads() -> None:
    data = encode(certify(arms_image()))
    assert HEADER.unpack_from(data)[2] & FLAG_CERTIFIED
    assert decode(data).certificate == ((11, 3), (1, 0), (1, 0))
    program = vm.load(data)
    assert program.max_steps == {"full": 11, "pre": 1, "post": 1}
    # The runs the certificate bounds: both arms, measured.
    assert measure(program, "full", {"a": -1, "b": 0, "c": 0}, {}, None) == (11, 1)
    assert measure(program, "full", {"a": 1, "b": -1, "c": 0}, {}, None) == (8, 3)


def test_an_image_without_a_certificate_still_loads() -> None:
    data = encode(arms_image())
    assert not HEADER.unpack_from(data)[2] & FLAG_CERTIFIED
    assert decode(data).certificate is None
    assert vm.load(data).max_steps["full"] == 11


@pytest.mark.parametrize(
    ("certificate", "message"),
    [
        (
            ((10, 3), (1, 0), (1, 0)),
            "phase 'full' claims at most 10 steps, the code takes at most 11",
        ),
        (((12, 3), (1, 0), (1, 0)), "phase 'full' claims at most 12 steps"),
        (((11, 2), (1, 0), (1, 0)), "phase 'full' claims at most 2 field fetches, the code makes"),
        (((11, 3), (1, 1), (1, 0)), "phase 'pre' claims at most 1 field fetches"),
        (((11, 3), (1, 0), (0, 0)), "phase 'post' claims at most 0 steps"),
    ],
)
def test_a_certificate_that_lies_is_a_verify_error(
    certificate: tuple[tuple[int, int], ...], message: str
) -> None:
    from dataclasses import replace

    data = encode(replace(arms_image(), certificate=certificate))
    with pytest.raises(vm.VerifyError, match=message):
        vm.load(data)


def test_a_certificate_section_of_the_wrong_size_is_refused() -> None:
    import struct
    import zlib

    data = encode(certify(arms_image()))
    magic, version, flags, _length, _crc = HEADER.unpack_from(data)
    payload = data[HEADER.size : -24 - 4] + struct.pack("<I", 20) + data[-24:-4]
    bad = HEADER.pack(magic, version, flags, len(payload), zlib.crc32(payload)) + payload
    with pytest.raises(vm.VerifyError, match="certificate: not 24 bytes"):
        vm.load(bad)


def test_a_sealed_certified_image_keeps_its_certificate() -> None:
    data = seal(encode(certify(arms_image())), b"\x01" * 32)
    assert decode(data).certificate == ((11, 3), (1, 0), (1, 0))
    vm.image.check_seal(data, b"\x01" * 32)
    assert vm.load(data).max_steps["full"] == 11


def test_the_compiler_certifies_every_image() -> None:
    src = (
        "strategy t\n"
        'rule a\n    when user.avg_time < 10 then\n        award 1 points as "A"\n'
        "rule b\n    when user.measurements_count > 2 and task.measurements_count > 3 then\n"
        '        award user.avg_time points as "B"\n'
        'otherwise award 0 points as "none"\n'
    )
    data = dslc.compile_text(src)
    image = decode(data)
    assert image.certificate is not None
    # x fails rule a, y and z pass rule b's condition: x, y, z fetched.
    assert image.certificate[0][1] == 3
    assert image.certificate[0][0] == vm.load(data).max_steps["full"]
    program = vm.load(data)
    assert measure(
        program,
        "full",
        {"user.avg_time": 10, "user.measurements_count": 3, "task.measurements_count": 4},
        {},
        None,
    ) == (
        image.certificate[0][0],
        3,
    )


def _choices(n: int) -> list[tuple[object, ...]]:
    """``n`` two-way choices in a row, each between fetching one of two
    fields: 2**n maximal fetch sets of n fields each."""
    out: list[tuple[object, ...]] = []
    s = 0
    for i in range(n):
        b, j = s + 15, s + 21
        out += [(Op.CONST, 0), (Op.JUMP_IF_FALSE, b), (Op.FIELD, 2 * i)]
        out += [(Op.JUMP_IF_FALSE, j), (Op.JUMP, j), (Op.FIELD, 2 * i + 1), (Op.JUMP_IF_FALSE, j)]
        s = j
    return [*out, (Op.HALT,)]


def _fetch_bound(n: int) -> int:
    fields = tuple(f"f{i}" for i in range(2 * n))
    image = _image(_choices(n), fields, (True,))
    return vm.load(encode(image)).verified.sections["full"].max_fetches


def test_fetches_are_exact_up_to_the_family_limit_then_a_sound_bound() -> None:
    assert 2**6 <= MAX_FAMILY < 2**7
    assert _fetch_bound(6) == 6  # exact: 64 maximal sets of 6
    # 128 maximal sets: collapsed to their union (every field), never below
    # the exact answer.
    assert _fetch_bound(7) == 14


# -- the property: over the corpus, runs never exceed the certificate ---------


def _corpus_programs(records: list[dict[str, Any]]) -> list[tuple[dict[str, Any], vm.Program]]:
    out = []
    for record in records:
        if not record.get("valid"):
            continue
        try:
            data = dslc.compile_json(record["ast"])
        except dslc.CompileError:
            continue
        out.append((record, vm.load(data)))
    return out


@pytest.mark.slow
def test_runs_never_exceed_the_certificate_and_reach_it(
    corpus_records: list[dict[str, Any]],
) -> None:
    phases_checked = reached = 0
    for record, program in _corpus_programs(corpus_records):
        certificate = program.image.certificate
        assert certificate is not None
        rng = random.Random(record["id"])
        recorded = [(c["fields"], c["data"], c["parent"] or NO_PARENT) for c in record["cases"]]
        inputs = recorded + generated_inputs(program, rng, 12)
        for phase, (steps, fetches) in zip(PHASES, certificate, strict=True):
            if (phase == "pre" and not program.has_pre) or (
                phase == "post" and not program.has_post
            ):
                continue
            phases_checked += 1
            most = 0
            for fields, data, parent in inputs:
                measured, fetched = measure(program, phase, fields, data, parent)
                assert fetched <= fetches, (record["id"], phase, fields, data)
                if measured is not None:
                    assert measured <= steps, (record["id"], phase, fields, data)
                    if measured == steps and most < steps:
                        # the public way agrees: a budget one less is exceeded
                        assert reaches(program, phase, fields, data, parent)
                    most = max(most, measured)
            reached += most == steps
    # Generated inputs take the longest path of most phases; the rest end
    # early on a runtime error or need values the generator does not draw.
    assert phases_checked > 1000
    assert reached / phases_checked > 0.5, (reached, phases_checked)
