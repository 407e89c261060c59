"""The authenticated code cache (vm.codecache): a warm entry loads without
decoding or verifying, and nothing that is tampered with, truncated,
unsigned, stale or planted is ever unmarshalled or executed."""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

import pytest

import dslc
import vm
import vm.codecache as codecache
import vm.program

KEY = b"k" * 32
PROGRAM = {
    "type": "program",
    "rules": [
        {
            "type": "rule",
            "when": {
                "type": "compare",
                "op": "<",
                "left": {"type": "field", "path": "user.avg_time"},
                "right": {"type": "literal", "value": 10},
            },
            "then": [
                {
                    "type": "assign_points",
                    "value": {"type": "literal", "value": 5},
                    "case_name": "fast",
                }
            ],
        }
    ],
    "default": {
        "type": "assign_points",
        "value": {"type": "literal", "value": 1},
        "case_name": "slow",
    },
}
IMAGE = dslc.compile_json(PROGRAM)


class Counter:
    """Counts decode+verify calls and unmarshalling."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.verified = 0
        self.unmarshalled = 0
        real_verify = vm.program.verify_image
        real_loads = marshal.loads

        def verify_image(image: bytes) -> Any:
            self.verified += 1
            return real_verify(image)

        def loads(data: bytes) -> Any:
            self.unmarshalled += 1
            return real_loads(data)

        monkeypatch.setattr(vm.program, "verify_image", verify_image)
        monkeypatch.setattr(codecache, "verify_image", verify_image)
        monkeypatch.setattr(codecache.marshal, "loads", loads)


def scores(program: vm.Program) -> list[tuple[object, object]]:
    return [
        (r.points, r.case_name)
        for r in (vm.run(program, fields={"user.avg_time": t}) for t in (3, 30))
    ]


def test_a_warm_entry_loads_without_decoding_or_verifying(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = vm.CodeCache(KEY)
    cold = vm.load(IMAGE, code_cache=cache)
    counter = Counter(monkeypatch)
    warm = vm.load(IMAGE, code_cache=cache)
    assert counter.verified == 0
    assert scores(warm) == scores(cold) == [(5, "fast"), (1, "slow")]
    assert counter.verified == 0  # translated runs never needed the image
    # The VM is still there when needed: a tight budget verifies lazily.
    with pytest.raises(vm.ExecutionError) as info:
        vm.run(warm, fields={"user.avg_time": 30}, budget=1)
    assert info.value.code == "DSL_LIMIT_EXCEEDED"
    assert counter.verified == 1


def test_entries_on_disk_serve_another_cache_with_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vm.load(IMAGE, code_cache=vm.CodeCache(KEY, tmp_path))
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600
    counter = Counter(monkeypatch)
    program = vm.load(IMAGE, code_cache=vm.CodeCache(KEY, tmp_path))  # a new process, say
    assert counter.verified == 0 and counter.unmarshalled == 1
    assert scores(program) == [(5, "fast"), (1, "slow")]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[:-1] + bytes([b[-1] ^ 1]), id="payload-bit"),
        pytest.param(lambda b: bytes([b[0] ^ 1]) + b[1:], id="mac-bit"),
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b[32:], id="unsigned"),
        pytest.param(lambda b: b"", id="empty"),
    ],
)
def test_a_damaged_entry_is_never_unmarshalled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    vm.load(IMAGE, code_cache=vm.CodeCache(KEY, tmp_path))
    (entry,) = tmp_path.iterdir()
    entry.write_bytes(damage(entry.read_bytes()))
    counter = Counter(monkeypatch)
    program = vm.load(IMAGE, code_cache=vm.CodeCache(KEY, tmp_path))
    assert counter.unmarshalled == 0
    assert counter.verified == 1  # decoded, verified and translated again
    assert scores(program) == [(5, "fast"), (1, "slow")]


def test_another_key_or_a_stale_translator_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vm.load(IMAGE, code_cache=vm.CodeCache(KEY, tmp_path))
    counter = Counter(monkeypatch)
    vm.load(IMAGE, code_cache=vm.CodeCache(b"x" * 32, tmp_path))
    assert (counter.unmarshalled, counter.verified) == (0, 1)
    stale = vm.CodeCache(KEY, tmp_path)
    stale._tag = b"another translator"
    vm.load(IMAGE, code_cache=stale)
    assert (counter.unmarshalled, counter.verified) == (0, 2)


def test_an_entry_for_another_image_is_not_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A valid entry copied over another image's name: the MAC binds the
    digest, so it does not authenticate there."""
    other = dslc.compile_json({**PROGRAM, "default": None})
    cache = vm.CodeCache(KEY, tmp_path)
    vm.load(IMAGE, code_cache=cache)
    vm.load(other, code_cache=cache)
    entries = {p.name: p for p in tmp_path.iterdir()}
    assert len(entries) == 2
    a, b = sorted(entries.values())
    b.write_bytes(a.read_bytes())
    counter = Counter(monkeypatch)
    fresh = vm.CodeCache(KEY, tmp_path)
    for image in (IMAGE, other):
        vm.load(image, code_cache=fresh)
    assert counter.verified == 1  # the overwritten one was refused


def test_a_planted_symlink_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = vm.CodeCache(KEY, tmp_path / "cache")
    vm.load(IMAGE, code_cache=cache)
    (entry,) = (tmp_path / "cache").iterdir()
    target = tmp_path / "elsewhere"
    target.write_bytes(entry.read_bytes())
    entry.unlink()
    os.symlink(target, entry)
    counter = Counter(monkeypatch)
    vm.load(IMAGE, code_cache=vm.CodeCache(KEY, tmp_path / "cache"))
    assert counter.unmarshalled == 0 and counter.verified == 1


def test_keys_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(codecache.ENV_KEY, raising=False)
    assert vm.CodeCache.from_environment() is None
    monkeypatch.setenv(codecache.ENV_KEY, "ab" * 16)
    cache = vm.CodeCache.from_environment()
    assert cache is not None and cache._key == bytes.fromhex("ab" * 16)
    with pytest.raises(ValueError, match="16 bytes"):
        vm.CodeCache(b"short")
    with pytest.raises(TypeError, match="code_cache"):
        vm.load(IMAGE, code_cache="yes")  # type: ignore[arg-type]


def test_without_a_cache_load_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch)
    vm.load(IMAGE, code_cache=None)
    vm.load(IMAGE, code_cache=None)
    assert counter.verified == 2 and counter.unmarshalled == 0
    with pytest.raises(vm.VerifyError):
        vm.load(IMAGE[:-3], code_cache=vm.CodeCache(KEY))
