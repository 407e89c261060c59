"""The bytecode cache serves only the image of its own row (issue 8,
section 3): every entry is sealed with its row's source hash and the loader
checks the seal before it loads, on both backends."""

from __future__ import annotations

import uuid
import zlib

from sqlalchemy import select, update

import vm
from store import cache, toolchain
from store.db import Database
from store.loader import StrategyLoader
from store.models import StrategyBytecode
from store.schemas import StrategyRead
from store.service import StrategyService
from tests.store import programs
from vm.image import HEADER, MAGIC

REALM = "seal"


def _published(service: StrategyService, name: str, points: int) -> StrategyRead:
    row = service.create(REALM, programs.create(name, points=points))
    return service.publish(REALM, row.id)


def _entry(db: Database, strategy_id: uuid.UUID) -> bytes:
    with db.reading() as session:
        images = list(
            session.scalars(
                select(StrategyBytecode.image).where(StrategyBytecode.strategyId == strategy_id)
            )
        )
    assert len(images) == 1
    return bytes(images[0])


def _store_entry(db: Database, strategy_id: uuid.UUID, image: bytes) -> None:
    with db.transaction() as session:
        session.execute(
            update(StrategyBytecode)
            .where(StrategyBytecode.strategyId == strategy_id)
            .values(image=image)
        )


def _with_crc(image: bytes) -> bytes:
    _, version, flags, _, _ = HEADER.unpack_from(image)
    payload = image[HEADER.size :]
    return HEADER.pack(MAGIC, version, flags, len(payload), zlib.crc32(payload)) + payload


def test_another_strategys_entry_copied_into_a_row_is_not_served(
    service: StrategyService, loader: StrategyLoader, db: Database, stats: toolchain.CompileStats
) -> None:
    a = _published(service, "A", points=4)
    b = _published(service, "B", points=9)
    _store_entry(db, a.id, _entry(db, b.id))
    # The copied image is a valid image: the VM alone would run B's program.
    assert vm.score(vm.load(_entry(db, a.id))).points == 9

    stats.reset()
    loaded = loader.load(a.strategy_ref)
    assert loaded.score().points == 4
    assert (loaded.compiled, stats.compilations) == (True, 1)
    # The entry was rebuilt: A's own image is back and served without compiling.
    assert loader.load(a.strategy_ref).compiled is False
    assert _entry(db, a.id) != _entry(db, b.id)


def test_a_forged_image_with_a_recomputed_crc_is_not_served(
    service: StrategyService, loader: StrategyLoader, db: Database
) -> None:
    a = _published(service, "A", points=4)
    image = _entry(db, a.id)
    # Points 4 is the integer constant (tag 3, one byte): make it 7.
    assert image.count(b"\x03\x01\x04") == 1
    forged = _with_crc(image.replace(b"\x03\x01\x04", b"\x03\x01\x07"))
    assert vm.score(vm.load(forged)).points == 7  # the VM alone accepts it
    _store_entry(db, a.id, forged)
    assert loader.load(a.strategy_ref).score().points == 4


def test_an_unsealed_entry_is_not_served(
    service: StrategyService, loader: StrategyLoader, db: Database
) -> None:
    """An entry written without a seal (an older store, or by hand) is
    rebuilt: its bytes prove nothing about where they came from."""
    a = _published(service, "A", points=4)
    b = _published(service, "B", points=9)
    plain_b = toolchain.compile_program(programs.full(9), None, "B.json")
    _store_entry(db, a.id, plain_b)
    loaded = loader.load(a.strategy_ref)
    assert loaded.compiled is True and loaded.score().points == 4
    assert loader.load(b.strategy_ref).score().points == 9


def test_stored_entries_are_sealed_with_their_source_hash(
    service: StrategyService, db: Database
) -> None:
    a = _published(service, "A", points=4)
    with db.reading() as session:
        key, image = session.execute(
            select(StrategyBytecode.sourceHash, StrategyBytecode.image)
        ).one()
    sealed = bytes(image)
    cache.unseal(
        cache.CacheKey(a.id, a.version, toolchain.format_version(), key), sealed
    )  # does not raise
    assert vm.score(vm.load(sealed)).points == 4


def test_a_memo_loader_also_refuses_a_swapped_entry(service: StrategyService, db: Database) -> None:
    a = _published(service, "A", points=4)
    b = _published(service, "B", points=9)
    _store_entry(db, a.id, _entry(db, b.id))
    assert StrategyLoader(db).load(a.strategy_ref).score().points == 4
