"""Loading hostile images: ``vm.load`` of crafted images at the size limit,
side by side with ``json.loads`` of a JSON document of the same size.

    python -m benchmarks.bench_vm_load [--repeat N]

Issue 8: a crafted 1 MiB image took 6-8 s to load (a million one-byte
instructions, each decoded, verified and bound). Images are now capped
(``vm.image.MAX_IMAGE_SIZE``, 1 MiB; code ``MAX_CODE_SIZE``, 64 KiB) and
loading is linear with a small constant. Each hostile image below is as
large as the limits allow and stresses one part of the loader; the line to
read is the ratio to ``json.loads`` of as many bytes, measured moments
apart on the same machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import struct
import time
import zlib
from collections.abc import Callable, Iterator

import vm
from vm import image as image_module
from vm.image import FORMAT_VERSION, HEADER, MAGIC, MAX_CODE_SIZE, MAX_IMAGE_SIZE, Image, encode
from vm.opcodes import Op

HALT = bytes([int(Op.HALT)])


@contextlib.contextmanager
def _no_limits() -> Iterator[None]:
    """Let the encoder write images past the limits (the hostile side)."""
    saved = image_module.MAX_IMAGE_SIZE, image_module.MAX_CODE_SIZE
    image_module.MAX_IMAGE_SIZE = image_module.MAX_CODE_SIZE = 1 << 30
    try:
        yield
    finally:
        image_module.MAX_IMAGE_SIZE, image_module.MAX_CODE_SIZE = saved


def _image(
    code: bytes,
    constants: tuple[object, ...] = (),
    node_table: tuple[tuple[int, str], ...] = (),
    program_id: str = "hostile",
) -> bytes:
    third = len(code) // 3
    entries = ((0, third), (third, 2 * third), (2 * third, len(code)))
    with _no_limits():
        return encode(
            Image(program_id, constants, (), entries, code, True, True, None, node_table)  # type: ignore[arg-type]
        )


def _strings_image(n: int) -> bytes:
    """An image whose string table holds ``n`` empty strings: built by hand,
    since the encoder writes only the strings an image uses."""
    valid = _image(HALT * 3)
    payload = valid[HEADER.size :]
    (strings_len,) = struct.unpack_from("<I", payload)
    strings = struct.pack("<I", n + 1) + struct.pack("<I", 7) + b"hostile" + b"\0\0\0\0" * n
    payload = struct.pack("<I", len(strings)) + strings + payload[4 + strings_len :]
    return HEADER.pack(MAGIC, FORMAT_VERSION, 3, len(payload), zlib.crc32(payload)) + payload


def _fields_image(n: int) -> bytes:
    with _no_limits():
        return encode(
            Image(
                "hostile",
                (),
                tuple(f"user.f{i}" for i in range(n)),
                ((0, 1), (1, 2), (2, 3)),
                HALT * 3,
                True,
                True,
                None,
                (),
            )
        )


def _not_chain() -> bytes:
    body = bytes([int(Op.CONST), 0, 0]) + bytes([int(Op.NOT)]) * (MAX_CODE_SIZE - 11)
    body += bytes([int(Op.SET_CALLBACK), 1, 0]) + HALT
    n = len(body)
    entries = ((0, n), (n, n + 1), (n + 1, n + 2))
    nodes = tuple((3 + i, "not") for i in range(MAX_CODE_SIZE - 11))
    with _no_limits():
        return encode(
            Image("hostile", (True, "k"), (), entries, body + HALT * 2, True, True, None, nodes)
        )


def _fill(make: Callable[[int], bytes], size: int = MAX_IMAGE_SIZE) -> bytes:
    """The largest ``make(n)`` image of at most ``size`` bytes (n by bisection)."""
    lo, hi = 0, size
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(make(mid)) <= size:
            lo = mid
        else:
            hi = mid - 1
    return make(lo)


def hostile_images() -> dict[str, bytes]:
    code = HALT * MAX_CODE_SIZE
    return {
        # The shape: a million one-byte instructions (refused now).
        "1 MiB of one-byte opcodes": _image(HALT * (MAX_IMAGE_SIZE - 100)),
        # The most instructions the limits allow, each with a node id.
        "64 Ki instructions, all with node ids": _fill(
            lambda n: _image(code, node_table=tuple((i, f"n{i}") for i in range(min(n, len(code)))))
        ),
        # As many, all reachable: one value negated 64 Ki times.
        "64 Ki reachable one-byte instructions": _not_chain(),
        # The most constants (a u16 count), each a 6-byte integer.
        "64 Ki constants": _fill(
            lambda n: _image(HALT * 3, constants=tuple(range(1 << 40, (1 << 40) + min(n, 65535))))
        ),
        "one 1 MiB string": _fill(lambda n: _image(HALT * 3, program_id="x" * n)),
        # The most strings: 4 bytes each (a length and no text), unreferenced.
        "256 Ki empty strings": _strings_image((MAX_IMAGE_SIZE - 200) // 4),
        "the most field paths that fit": _fill(lambda n: _fields_image(min(n, 65535))),
        "a byte past the limit": _image(HALT * 3, program_id="x" * MAX_IMAGE_SIZE),
    }


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _load(data: bytes) -> str:
    try:
        vm.load(data)
    except vm.VerifyError as exc:
        return f"refused: {str(exc)[:60]}"
    return "loaded"


def _load_and_run(data: bytes) -> None:
    """Load, then run every phase once: binding (or translation) happens at
    a phase's first run, so it is part of what a hostile image costs."""
    try:
        program = vm.load(data)
    except vm.VerifyError:
        return
    for phase in ("full", "pre", "post"):
        with contextlib.suppress(vm.ExecutionError):
            vm.run(program, phase, budget=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    document = json.dumps([{"k": i, "v": "x" * 8} for i in range(MAX_IMAGE_SIZE // 20)])
    document = document[: MAX_IMAGE_SIZE - 2].rsplit("},", 1)[0] + "}]"
    baseline = _best(lambda: json.loads(document), args.repeat)
    print(f"json.loads of {len(document)} bytes: {baseline * 1000:8.1f} ms (the baseline)")
    for name, data in hostile_images().items():
        outcome = _load(data)
        took = _best(lambda data=data: _load(data), args.repeat)  # type: ignore[misc]
        ran = _best(lambda data=data: _load_and_run(data), args.repeat)  # type: ignore[misc]
        print(
            f"  {name:<40} {len(data):>8} bytes: vm.load {took * 1000:7.1f} ms"
            f" ({took / baseline:5.2f} x json.loads), with a first run of each phase"
            f" {ran * 1000:7.1f} ms ({ran / baseline:5.2f} x)  {outcome}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
