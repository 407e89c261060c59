"""The compiler fingerprint (part of every cache key) covers all the code
that shapes an image, the encoder included (issue 8, section 3)."""

from __future__ import annotations

from pathlib import Path

from store import toolchain

ROOT = Path(__file__).resolve().parents[2]


def _names() -> set[str]:
    return {name for name, _ in toolchain.fingerprint_files()}


def test_the_fingerprint_covers_the_compiler_the_grammar_and_the_encoder() -> None:
    names = _names()
    for must in ("vm/image.py", "vm/opcodes.py", "dslc/compiler.py"):
        assert must in names
    # Every module of the compiler and of the VM, and the grammar files.
    for package in ("dslc", "vm"):
        for path in (ROOT / package).rglob("*.py"):
            assert f"{package}/{path.relative_to(ROOT / package).as_posix()}" in names
    assert any(name.startswith("grammar/") and name.endswith(".lark") for name in names)


def test_the_fingerprint_is_the_digest_of_those_files() -> None:
    contents = [(name, path.read_bytes()) for name, path in toolchain.fingerprint_files()]
    assert toolchain.compiler_fingerprint() == toolchain.fingerprint_of(contents)


def test_any_change_to_any_covered_file_moves_the_fingerprint() -> None:
    contents = [(name, path.read_bytes()) for name, path in toolchain.fingerprint_files()]
    base = toolchain.fingerprint_of(contents)
    seen = {base}
    for i, (name, data) in enumerate(contents):
        # One byte changed in place, and one byte added, in each file.
        flipped = bytes([data[0] ^ 1]) + data[1:] if data else b"x"
        for edited in (flipped, data + b"\n"):
            changed = [*contents[:i], (name, edited), *contents[i + 1 :]]
            digest = toolchain.fingerprint_of(changed)
            assert digest not in seen, f"editing {name} left the fingerprint unchanged"
            seen.add(digest)
    # Moving bytes from one file to the next is a change too.
    (n0, d0), (n1, d1) = contents[0], contents[1]
    shifted = [(n0, d0 + d1[:1]), (n1, d1[1:]), *contents[2:]]
    assert toolchain.fingerprint_of(shifted) != base
