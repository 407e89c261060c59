"""The image format: how a compiled strategy is stored as bytes.

Layout (all integers little-endian)::

    header (16 bytes)
      magic        4 bytes  b"\\x7fSBC"
      version      u16      FORMAT_VERSION
      flags        u16      bit 0: pre_rules present and non-empty
                            bit 1: post_rules present and non-empty
                            bit 2: parent_variables present
                            bit 3: sealed (a seal section ends the payload)
                            bit 4: certified (a certificate section follows
                                   the debug section)
      payload_len  u32      number of bytes after the header
      checksum     u32      CRC-32 of the payload
    payload: six sections, in this order, each ``u32 length`` + bytes
      1 strings    u32 count, then each ``u32 len`` + UTF-8; the program id
                   is string 0; node ids, field paths and constants' text
                   refer to it by index
      2 constants  u16 count, then each a tag byte and its data:
                   0 null, 1 false, 2 true, 3 int (u8 n + n bytes, signed),
                   4 float (8 bytes, IEEE double), 5 string (u32 string index)
      3 fields     u16 count, then u32 string index each (host field paths)
      4 entries    for full, pre, post: u32 start, u32 end (code offsets)
      5 code       the instructions (see vm.opcodes)
      6 debug      parent_variables: u16 count, then (u32 key string, u16
                   constant) each; then the node table: u32 count, then
                   (u32 code offset, u32 node id string) each, sorted by
                   offset: the node whose evaluation an instruction performs
      7 certificate  only when flag bit 4 is set: for full, pre, post: u32
                   most steps, u32 most distinct host fields fetched, over
                   all paths (vm.cost); ``vm.load`` refuses an image whose
                   certificate differs from what its code allows
      8 seal       only when flag bit 3 is set: 32 bytes, the SHA-256 of the
                   32-byte digest of the source the image was compiled from
                   followed by every section before it as stored (see ``seal``)

Every length is checked against what remains before anything is allocated,
so a hostile image cannot make the decoder allocate more than its own size.

Limits: an image is at most ``MAX_IMAGE_SIZE`` bytes (1 MiB) and its code
at most ``MAX_CODE_SIZE`` (64 KiB: every jump target is a u16 code offset,
so no compiled program has more). The decoder refuses a larger one before
reading it, and the encoder refuses to write one (the compiler reports
DSLC_PROGRAM_TOO_LARGE). Loading stays linear in the image's size, so a
hostile image at the limit loads or is refused in milliseconds
(benchmarks/bench_vm_load.py).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import struct
import zlib
from dataclasses import dataclass

from vm.errors import VerifyError
from vm.opcodes import PHASES

MAGIC = b"\x7fSBC"
FORMAT_VERSION = 1
HEADER = struct.Struct("<4sHHII")

FLAG_HAS_PRE = 1
FLAG_HAS_POST = 2
FLAG_HAS_PARENT_VARIABLES = 4
FLAG_SEALED = 8
FLAG_CERTIFIED = 16
_KNOWN_FLAGS = (
    FLAG_HAS_PRE | FLAG_HAS_POST | FLAG_HAS_PARENT_VARIABLES | FLAG_SEALED | FLAG_CERTIFIED
)
CERTIFICATE = struct.Struct("<" + "II" * len(PHASES))
SEAL_SIZE = 32  # a SHA-256 digest; also the size of the source digest sealed in

Scalar = None | bool | int | float | str

# A real strategy's image is a few kilobytes (the default template: 1.4 KB).
MAX_IMAGE_SIZE = 1 << 20
MAX_CODE_SIZE = 1 << 16

_TAG_NULL, _TAG_FALSE, _TAG_TRUE, _TAG_INT, _TAG_FLOAT, _TAG_STR = range(6)
MAX_INT_BYTES = 255


@dataclass(frozen=True, slots=True)
class Image:
    """A decoded (not yet verified) image."""

    program_id: str
    constants: tuple[Scalar, ...]
    fields: tuple[str, ...]
    entries: tuple[tuple[int, int], ...]  # (start, end) for full, pre, post
    code: bytes
    has_pre: bool
    has_post: bool
    parent_variables: tuple[tuple[str, Scalar], ...] | None
    node_table: tuple[tuple[int, str], ...]  # (code offset, node id), sorted
    # (most steps, most distinct field fetches) for full, pre, post; None in
    # an image compiled without one (vm.verify.certify adds it)
    certificate: tuple[tuple[int, int], ...] | None = None

    def entry(self, phase: str) -> tuple[int, int]:
        return self.entries[PHASES.index(phase)]


# -- encoding ----------------------------------------------------------------


class _StringTable:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.items)
            self.items.append(s)
        return i


def _section(body: bytes) -> bytes:
    return struct.pack("<I", len(body)) + body


def _encode_const(value: Scalar, strings: _StringTable) -> bytes:
    if value is None:
        return bytes([_TAG_NULL])
    if value is True:
        return bytes([_TAG_TRUE])
    if value is False:
        return bytes([_TAG_FALSE])
    if isinstance(value, int):
        n = max(1, (value.bit_length() + 8) // 8)
        if n > MAX_INT_BYTES:
            raise ValueError("integer constant too large for the image format")
        return bytes([_TAG_INT, n]) + value.to_bytes(n, "little", signed=True)
    if isinstance(value, float):
        return bytes([_TAG_FLOAT]) + struct.pack("<d", value)
    if isinstance(value, str):
        return bytes([_TAG_STR]) + struct.pack("<I", strings.add(value))
    raise TypeError(f"not an image constant: {value!r}")


def encode(image: Image) -> bytes:
    """Serialise an image. Deterministic: equal images give equal bytes."""
    strings = _StringTable()
    strings.add(image.program_id)
    consts = b"".join(_encode_const(c, strings) for c in image.constants)
    fields = b"".join(struct.pack("<I", strings.add(f)) for f in image.fields)
    entries = b"".join(struct.pack("<II", s, e) for s, e in image.entries)
    pv = image.parent_variables or ()
    const_index = {const_key(c): i for i, c in reversed(list(enumerate(image.constants)))}
    debug = struct.pack("<H", len(pv))
    for key, value in pv:
        debug += struct.pack("<IH", strings.add(key), const_index[const_key(value)])
    debug += struct.pack("<I", len(image.node_table))
    for offset, node_id in image.node_table:
        debug += struct.pack("<II", offset, strings.add(node_id))
    string_bytes = struct.pack("<I", len(strings.items)) + b"".join(
        struct.pack("<I", len(b)) + b for b in (s.encode("utf-8") for s in strings.items)
    )
    payload = b"".join(
        _section(part)
        for part in (
            string_bytes,
            struct.pack("<H", len(image.constants)) + consts,
            struct.pack("<H", len(image.fields)) + fields,
            entries,
            image.code,
            debug,
        )
    )
    if image.certificate is not None:
        payload += _section(CERTIFICATE.pack(*(n for pair in image.certificate for n in pair)))
    flags = (
        (FLAG_HAS_PRE if image.has_pre else 0)
        | (FLAG_HAS_POST if image.has_post else 0)
        | (FLAG_HAS_PARENT_VARIABLES if image.parent_variables is not None else 0)
        | (FLAG_CERTIFIED if image.certificate is not None else 0)
    )
    if len(image.code) > MAX_CODE_SIZE:
        raise ValueError(f"code of {len(image.code)} bytes: an image holds {MAX_CODE_SIZE}")
    if HEADER.size + len(payload) > MAX_IMAGE_SIZE:
        raise ValueError(
            f"image of {HEADER.size + len(payload)} bytes: the VM loads {MAX_IMAGE_SIZE} at most"
        )
    header = HEADER.pack(MAGIC, FORMAT_VERSION, flags, len(payload), zlib.crc32(payload))
    return header + payload


def const_key(value: Scalar) -> tuple[str, str]:
    """A dictionary key that keeps 1, 1.0, True and -0.0 apart."""
    return (type(value).__name__, repr(value))


# -- sealing -----------------------------------------------------------------
#
# A host that stores images next to their source (the store's bytecode cache)
# seals each image with the digest of that source, and checks the seal
# against the source it is about to serve: an image copied from another
# strategy's row, left over from an older source, or edited (even with its
# CRC recomputed) fails the check. The seal covers the sections as stored,
# so it binds these exact bytes to that source.


def _seal_of(source: bytes, body: bytes) -> bytes:
    return hashlib.sha256(source + body).digest()


def _source_digest(source: bytes) -> bytes:
    if not isinstance(source, bytes) or len(source) != SEAL_SIZE:
        raise TypeError(f"source must be a {SEAL_SIZE}-byte digest")
    return source


def seal(data: bytes, source: bytes) -> bytes:
    """The image sealed with ``source``, the 32-byte digest of what it was
    compiled from (a sealed image is resealed). Raises VerifyError when
    ``data`` is not a well-formed image."""
    source = _source_digest(source)
    decode(data)  # only well-formed images are sealed
    _, version, flags, _, _ = HEADER.unpack_from(data)
    body = data[HEADER.size :]
    if flags & FLAG_SEALED:
        body = body[: -(4 + SEAL_SIZE)]
    payload = body + _section(_seal_of(source, body))
    header = HEADER.pack(MAGIC, version, flags | FLAG_SEALED, len(payload), zlib.crc32(payload))
    return header + payload


def check_seal(data: bytes, source: bytes) -> None:
    """Raise VerifyError unless ``data`` is sealed with ``source``.

    Checks the seal only; ``vm.load`` still decodes and verifies the image
    (and refuses a seal section of the wrong shape)."""
    source = _source_digest(source)
    data = bytes(data)
    if len(data) < HEADER.size + 4 + SEAL_SIZE:
        raise VerifyError("the image is not sealed")
    flags = HEADER.unpack_from(data)[2]
    if not flags & FLAG_SEALED:
        raise VerifyError("the image is not sealed")
    body, stored = data[HEADER.size : -SEAL_SIZE - 4], data[-SEAL_SIZE:]
    if not hmac.compare_digest(_seal_of(source, body), stored):
        raise VerifyError("the image was not compiled from this source (seal mismatch)")


# -- decoding ----------------------------------------------------------------


_STRUCTS: dict[str, struct.Struct] = {}


def _struct(fmt: str) -> struct.Struct:
    s = _STRUCTS.get(fmt)
    if s is None:
        s = _STRUCTS[fmt] = struct.Struct("<" + fmt)
    return s


class _Reader:
    """A bounds-checked cursor over one section."""

    __slots__ = ("data", "pos", "what")

    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, n: int) -> bytes:
        pos = self.pos
        if n < 0 or pos + n > len(self.data):
            raise VerifyError(f"truncated {self.what}")
        self.pos = pos + n
        return self.data[pos : pos + n]

    def unpack(self, fmt: str) -> tuple[int, ...]:
        s = _struct(fmt)
        pos = self.pos
        if pos + s.size > len(self.data):
            raise VerifyError(f"truncated {self.what}")
        self.pos = pos + s.size
        return s.unpack_from(self.data, pos)

    def array(self, fmt: str, n: int) -> list[tuple[int, ...]]:
        """``n`` fixed-size records at once (one C call, not n)."""
        s = _struct(fmt)
        return list(s.iter_unpack(self.take(n * s.size))) if n else []

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return self.unpack("H")[0]

    def u32(self) -> int:
        return self.unpack("I")[0]

    def count(self, n: int, item_size: int) -> int:
        """Check that ``n`` items of at least ``item_size`` bytes fit."""
        if n * item_size > len(self.data) - self.pos:
            raise VerifyError(f"{self.what}: count {n} exceeds the section size")
        return n

    def done(self) -> None:
        if self.pos != len(self.data):
            raise VerifyError(f"{self.what}: {len(self.data) - self.pos} trailing bytes")


def decode(data: bytes) -> Image:
    """Parse bytes into an Image, checking structure (not code semantics).

    Raises VerifyError for anything malformed; never another exception.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise VerifyError("an image must be bytes")
    size = data.nbytes if isinstance(data, memoryview) else len(data)
    if size > MAX_IMAGE_SIZE:
        raise VerifyError(f"image is {size} bytes, more than the {MAX_IMAGE_SIZE} the VM loads")
    data = bytes(data)
    if len(data) < HEADER.size:
        raise VerifyError("truncated header")
    magic, version, flags, length, checksum = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise VerifyError("not a strategy image (bad magic number)")
    if version != FORMAT_VERSION:
        raise VerifyError(f"image format version {version}, this VM reads {FORMAT_VERSION}")
    if flags & ~_KNOWN_FLAGS:
        raise VerifyError(f"unknown header flags {flags:#x}")
    payload = data[HEADER.size :]
    if len(payload) != length:
        raise VerifyError(f"payload is {len(payload)} bytes, header says {length}")
    if zlib.crc32(payload) != checksum:
        raise VerifyError("checksum mismatch: the image is corrupt")

    outer = _Reader(payload, "payload")
    parts = [_Reader(outer.take(outer.u32()), name) for name in _SECTION_NAMES]
    certificate: tuple[tuple[int, int], ...] | None = None
    if flags & FLAG_CERTIFIED:
        if outer.u32() != CERTIFICATE.size:
            raise VerifyError(f"certificate: not {CERTIFICATE.size} bytes")
        numbers = CERTIFICATE.unpack(outer.take(CERTIFICATE.size))
        certificate = tuple(zip(numbers[::2], numbers[1::2], strict=True))
    if flags & FLAG_SEALED and outer.u32() != SEAL_SIZE:
        raise VerifyError(f"seal: not {SEAL_SIZE} bytes")
    outer.take(SEAL_SIZE if flags & FLAG_SEALED else 0)
    outer.done()
    strings_r, consts_r, fields_r, entries_r, code_r, debug_r = parts

    strings = _decode_strings(strings_r)
    if not strings:
        raise VerifyError("strings: the program id is missing")

    def string(i: int) -> str:
        if i >= len(strings):
            raise VerifyError(f"string index {i} out of range")
        return strings[i]

    constants = _decode_constants(consts_r, string)
    n_fields = fields_r.count(fields_r.u16(), 4)
    fields = tuple(string(i) for (i,) in fields_r.array("I", n_fields))
    fields_r.done()
    entries = tuple((start, end) for start, end in entries_r.array("II", len(PHASES)))
    entries_r.done()
    code = code_r.data
    if len(code) > MAX_CODE_SIZE:
        raise VerifyError(f"code is {len(code)} bytes, more than {MAX_CODE_SIZE}")

    n_pv = debug_r.count(debug_r.u16(), 6)
    pv_items: list[tuple[str, Scalar]] = []
    for key_i, const_i in debug_r.array("IH", n_pv):
        if const_i >= len(constants):
            raise VerifyError(f"parent variable constant {const_i} out of range")
        pv_items.append((string(key_i), constants[const_i]))
    n_nodes = debug_r.count(debug_r.u32(), 8)
    rows = debug_r.array("II", n_nodes)
    if rows and max(sid for _, sid in rows) >= len(strings):
        raise VerifyError("node table: string index out of range")
    node_table = tuple([(off, strings[sid]) for off, sid in rows])
    debug_r.done()
    has_pv = bool(flags & FLAG_HAS_PARENT_VARIABLES)
    if pv_items and not has_pv:
        raise VerifyError("parent variables present but the header flag is not set")
    return Image(
        program_id=strings[0],
        constants=constants,
        fields=fields,
        entries=entries,
        code=code,
        has_pre=bool(flags & FLAG_HAS_PRE),
        has_post=bool(flags & FLAG_HAS_POST),
        parent_variables=tuple(pv_items) if has_pv else None,
        node_table=node_table,
        certificate=certificate,
    )


_SECTION_NAMES = ("strings", "constants", "fields", "entries", "code", "debug")


def _decode_strings(r: _Reader) -> list[str]:
    n = r.count(r.u32(), 4)
    out: list[str] = []
    data = r.data
    size_of = _struct("I").unpack_from
    pos = r.pos
    end = len(data)
    try:
        for _ in range(n):
            if pos + 4 > end:
                raise VerifyError("truncated strings")
            (length,) = size_of(data, pos)
            pos += 4
            if pos + length > end:
                raise VerifyError("truncated strings")
            out.append(data[pos : pos + length].decode("utf-8"))
            pos += length
    except UnicodeDecodeError as exc:
        raise VerifyError("strings: invalid UTF-8") from exc
    r.pos = pos
    r.done()
    return out


def _decode_constants(r: _Reader, string: object) -> tuple[Scalar, ...]:
    """One pass with a local cursor (no method call per constant: 65,535
    constants decode in milliseconds)."""
    assert callable(string)
    n = r.count(r.u16(), 1)
    data = r.data
    end = len(data)
    pos = r.pos
    double = _struct("d").unpack_from
    index = _struct("I").unpack_from
    from_bytes = int.from_bytes
    out: list[Scalar] = []
    append = out.append
    for _ in range(n):
        if pos >= end:
            raise VerifyError("truncated constants")
        tag = data[pos]
        pos += 1
        if tag == _TAG_INT:
            if pos >= end:
                raise VerifyError("truncated constants")
            size = data[pos]
            pos += 1
            if size == 0:
                raise VerifyError("constants: empty integer")
            if pos + size > end:
                raise VerifyError("truncated constants")
            append(from_bytes(data[pos : pos + size], "little", signed=True))
            pos += size
        elif tag == _TAG_STR:
            if pos + 4 > end:
                raise VerifyError("truncated constants")
            append(string(index(data, pos)[0]))
            pos += 4
        elif tag == _TAG_FLOAT:
            if pos + 8 > end:
                raise VerifyError("truncated constants")
            (value,) = double(data, pos)
            pos += 8
            if not math.isfinite(value):
                raise VerifyError("constants: non-finite float")
            append(value)
        elif tag == _TAG_NULL:
            append(None)
        elif tag == _TAG_FALSE:
            append(False)
        elif tag == _TAG_TRUE:
            append(True)
        else:
            raise VerifyError(f"constants: unknown tag {tag}")
    r.pos = pos
    r.done()
    return tuple(out)
