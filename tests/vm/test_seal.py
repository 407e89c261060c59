"""Sealed images: an image bound to the digest of the source it was compiled
from (``vm.image.seal``), as the store's bytecode cache keeps them."""

from __future__ import annotations

import hashlib
import zlib

import pytest

import vm
from tests.vm.images import make_image
from vm.image import FLAG_SEALED, HEADER, MAGIC, SEAL_SIZE, check_seal, decode, seal
from vm.opcodes import Op

PLAIN = make_image(full=[(Op.CONST, 0), (Op.ASSIGN_POINTS, 1)], constants=(5, "ok"))
SOURCE = hashlib.sha256(b"the source of PLAIN").digest()
OTHER = hashlib.sha256(b"another source").digest()


def _recrc(image: bytes) -> bytes:
    """The image with its header's length and CRC recomputed, as a forger would."""
    _, version, flags, _, _ = HEADER.unpack_from(image)
    payload = image[HEADER.size :]
    return HEADER.pack(MAGIC, version, flags, len(payload), zlib.crc32(payload)) + payload


def test_a_sealed_image_checks_against_its_source_and_runs_the_same() -> None:
    sealed = seal(PLAIN, SOURCE)
    check_seal(sealed, SOURCE)
    assert HEADER.unpack_from(sealed)[2] & FLAG_SEALED
    assert len(sealed) == len(PLAIN) + 4 + SEAL_SIZE
    assert decode(sealed) == decode(PLAIN)
    assert vm.run(vm.load(sealed)).points == 5


def test_another_source_or_no_seal_is_refused() -> None:
    with pytest.raises(vm.VerifyError, match="seal mismatch"):
        check_seal(seal(PLAIN, SOURCE), OTHER)
    with pytest.raises(vm.VerifyError, match="not sealed"):
        check_seal(PLAIN, SOURCE)
    with pytest.raises(vm.VerifyError, match="not sealed"):
        check_seal(b"", SOURCE)


def test_resealing_replaces_the_seal() -> None:
    resealed = seal(seal(PLAIN, OTHER), SOURCE)
    check_seal(resealed, SOURCE)
    assert resealed == seal(PLAIN, SOURCE)


def test_only_well_formed_images_are_sealed() -> None:
    with pytest.raises(vm.VerifyError):
        seal(b"\x00garbage", SOURCE)
    with pytest.raises(TypeError, match="32-byte"):
        seal(PLAIN, b"short")


def test_every_edit_of_a_sealed_image_is_caught_even_with_a_recomputed_crc() -> None:
    """Flip each byte after the header in turn and fix the CRC: either the
    seal check or the VM refuses the result, so an edited image never runs."""
    sealed = seal(PLAIN, SOURCE)
    for position in range(HEADER.size, len(sealed)):
        forged = bytearray(sealed)
        forged[position] ^= 0x01
        forged_image = _recrc(bytes(forged))
        refused = False
        try:
            check_seal(forged_image, SOURCE)
            vm.load(forged_image)
        except vm.VerifyError:
            refused = True
        assert refused, f"an edit at byte {position} went unnoticed"


def test_a_malformed_seal_section_is_refused_by_the_decoder() -> None:
    sealed = bytearray(seal(PLAIN, SOURCE))
    # The seal section's length says 31 instead of 32.
    sealed[-SEAL_SIZE - 4] = SEAL_SIZE - 1
    with pytest.raises(vm.VerifyError, match="seal"):
        vm.load(_recrc(bytes(sealed)))
    # A seal flag on an image without the section.
    _, version, flags, length, crc = HEADER.unpack_from(PLAIN)
    flagged = HEADER.pack(MAGIC, version, flags | FLAG_SEALED, length, crc) + PLAIN[HEADER.size :]
    with pytest.raises(vm.VerifyError, match="truncated"):
        vm.load(flagged)
