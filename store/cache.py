"""The bytecode cache: compiled images keyed by what they were compiled from.

Key: definition id, version, image format version (``vm.FORMAT_VERSION``)
and the SHA-256 of the canonical source, which includes the compiler's
fingerprint. A draft edited in place changes the hash, a new VM changes the
format version, a new compiler changes the fingerprint: each is a miss, never
stale code. Old keys are left alone on a fill, because during a rolling
deploy an older engine may still be reading them.

Every stored image is sealed with its key's source hash (``vm.image.seal``)
and the loader checks the seal against the row it serves before loading
(``unseal``): the key columns say which row an entry belongs to, the seal
proves the bytes were compiled from that row's source. An entry copied
from another strategy, left over from an older source, or edited (even
with its CRC recomputed) is refused and rebuilt, never served. The seal is
a plain digest, not a signature: whoever can write the cache table and
knows the scheme could forge one, as they could edit the definition row
itself; it guarantees that the cache never serves a program other than
the one the row's source compiles to.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from store import toolchain
from store.models import StrategyBytecode, StrategyDefinition


@dataclass(frozen=True, slots=True)
class CacheKey:
    strategy_id: uuid.UUID
    version: int
    format_version: int
    source_hash: str


def canonical_json(value: object) -> str:
    """One text per meaning: sorted keys, no whitespace, so a Postgres JSONB
    round trip (which reorders keys) changes neither a hash nor a comparison.
    The store's one way to say "the same JSON" (cache keys, import, checks)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_source(
    type_: str, parent: str | None, ast: dict[str, Any] | None, source_text: str | None
) -> str:
    """What an image is compiled from, with the compiler's fingerprint, as
    canonical JSON (the source hash hashes this text)."""
    document = {
        "astJson": ast,
        "compiler": toolchain.compiler_fingerprint(),
        "parentStrategyId": parent,
        "sourceText": source_text,
        "type": type_,
    }
    return canonical_json(document)


def source_hash(
    type_: str, parent: str | None, ast: dict[str, Any] | None, source_text: str | None
) -> str:
    text = canonical_source(type_, parent, ast, source_text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def key_of(
    strategy_id: uuid.UUID,
    version: int,
    type_: str,
    parent: str | None,
    ast: dict[str, Any] | None,
    source_text: str | None,
) -> CacheKey:
    """The one way to make a cache key: a definition row's id and version,
    the VM's image format and the hash of what the image is compiled from."""
    return CacheKey(
        strategy_id=strategy_id,
        version=version,
        format_version=toolchain.format_version(),
        source_hash=source_hash(type_, parent, ast, source_text),
    )


def key_for(row: StrategyDefinition) -> CacheKey:
    return key_of(row.id, row.version, row.type, row.parentStrategyId, row.astJson, row.sourceText)


def sealed(key: CacheKey, image: bytes) -> bytes:
    """The image as the cache stores it: sealed with the key's source hash."""
    return toolchain.seal_image(image, key.source_hash)


def unseal(key: CacheKey, image: bytes) -> bytes:
    """The stored image if its seal matches the key's source, else
    ``ImageRejected`` (a swapped, stale or edited entry)."""
    toolchain.check_image_seal(image, key.source_hash)
    return image


def get(session: Session, key: CacheKey) -> bytes | None:
    """The stored entry as is (sealed; the loader checks it with ``unseal``)."""
    image = session.scalar(
        select(StrategyBytecode.image).where(
            StrategyBytecode.strategyId == key.strategy_id,
            StrategyBytecode.version == key.version,
            StrategyBytecode.formatVersion == key.format_version,
            StrategyBytecode.sourceHash == key.source_hash,
        )
    )
    return None if image is None else bytes(image)


def put(session: Session, key: CacheKey, image: bytes) -> None:
    """Insert the entry unless it is already there.

    Two processes filling the same key at once is normal (both missed): the
    first row wins and the other insert is a no-op, not an error. The images
    are identical anyway, since compilation is deterministic.
    """
    values = {
        "strategyId": key.strategy_id,
        "version": key.version,
        "formatVersion": key.format_version,
        "sourceHash": key.source_hash,
        "image": sealed(key, image),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(StrategyBytecode).values(**values).on_conflict_do_nothing())


def discard(session: Session, key: CacheKey) -> None:
    """Drop one entry (an image the VM refused to load)."""
    session.execute(
        delete(StrategyBytecode).where(
            StrategyBytecode.strategyId == key.strategy_id,
            StrategyBytecode.version == key.version,
            StrategyBytecode.formatVersion == key.format_version,
            StrategyBytecode.sourceHash == key.source_hash,
        )
    )


def invalidate(session: Session, strategy_id: uuid.UUID) -> int:
    """Drop every entry of a definition row (its source changed in place)."""
    result = session.execute(
        delete(StrategyBytecode).where(StrategyBytecode.strategyId == strategy_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(StrategyBytecode)) or 0)
