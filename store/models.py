"""SQLAlchemy models: GAME's ``strategydefinition`` table, exactly as GAME's
migrations create it, and the store's own tables beside it.

Column names are the reference engine's, byte for byte (``apiKey_used``,
``realmId``, ``astJson``...), so the store can run on an existing GAME
database; the Python attribute names are the column names for the same
reason (one spelling everywhere, including the pydantic schemas).

Nothing the store needs is added to GAME's table: no column, no index. The
store's own data (the text a strategy was written in, the bytecode cache)
lives in its own tables, which on Postgres sit in their own schema
(``STORE_SCHEMA``), so GAME's Alembic metadata never sees them on its table.
On SQLite, which has no schemas, the engine maps that schema to the main
database (``store.db``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.types import JsonDocument, UTCDateTime

TABLE = "strategydefinition"
SOURCE_TABLE = "strategysource"
CACHE_TABLE = "strategybytecode"
# The store's Postgres schema: its tables, its trigger function and its
# migration history (``VERSION_TABLE``) live here, never in GAME's schema.
STORE_SCHEMA = "dslc"
VERSION_TABLE = "dslc_alembic_version"
# The name the database reports when a second PUBLISHED row of a family is
# refused (a trigger on both backends, see the store's migrations).
ONE_PUBLISHED_INDEX = "uq_strategydefinition_one_published"
FAMILY_VERSION_UNIQUE = "uq_strategydefinition_realm_name_version"

# Evaluated by the database on both backends (``now()`` on Postgres).
DB_NOW = text("CURRENT_TIMESTAMP")


class StrategyType(StrEnum):
    BUILT_IN = "BUILT_IN"
    DSL_EXTEND = "DSL_EXTEND"
    DSL_FULL = "DSL_FULL"


class StrategyStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


class Base(DeclarativeBase):
    metadata = MetaData()


class StrategySource(Base):
    """The text a definition was written in, when it was written as text
    (its ``astJson`` is always filled as well). Not a column of GAME's
    table: GAME's schema stays exactly GAME's."""

    __tablename__ = SOURCE_TABLE
    __table_args__ = {"schema": STORE_SCHEMA}

    strategyId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{TABLE}.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text, nullable=False)


class StrategyDefinition(Base):
    """One version of a strategy. A *family* is all rows sharing
    ``(realmId, name)``; at most one of them is PUBLISHED (a trigger).

    The columns are GAME's, including its nullability and server defaults.
    GAME fills the timestamps in Python, not with a server default, so the
    store fills them itself (with the database's clock). The foreign keys of
    ``apiKey_used`` and ``oauth_user_id`` exist where GAME's ``apikey`` and
    ``oauthusers`` tables do; they are not part of this model, which must
    also work on a database without those tables.
    """

    __tablename__ = TABLE
    __table_args__ = (UniqueConstraint("realmId", "name", "version", name=FAMILY_VERSION_UNIQUE),)
    # Fetch SQL-evaluated values (timestamps) in the INSERT/UPDATE itself
    # (RETURNING) instead of a second round trip.
    __mapper_args__ = {"eager_defaults": True}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True, default=uuid.uuid4)
    created_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, default=func.now()
    )
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, default=func.now(), onupdate=func.now()
    )
    apiKey_used: Mapped[str | None] = mapped_column(String, nullable=True)
    oauth_user_id: Mapped[str | None] = mapped_column(String, nullable=True)
    realmId: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    name: Mapped[str] = mapped_column(String, nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    type: Mapped[str] = mapped_column(
        String, nullable=False, server_default=text("'DSL_FULL'"), default="DSL_FULL"
    )
    parentStrategyId: Mapped[str | None] = mapped_column(String, nullable=True)
    astJson: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument, nullable=True)
    blocklyXml: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("1"), default=1
    )
    status: Mapped[str] = mapped_column(
        String,
        nullable=False,
        index=True,
        server_default=text("'DRAFT'"),
        default=StrategyStatus.DRAFT.value,
    )
    createdBy: Mapped[str | None] = mapped_column(String, nullable=True)
    publishedAt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    experimentTag: Mapped[str | None] = mapped_column(String, nullable=True)

    # Loaded with the row (one extra SELECT ... IN for a batch of rows), so
    # ``sourceText`` reads without a lazy load after the session is closed.
    source: Mapped[StrategySource | None] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def sourceText(self) -> str | None:
        return self.source.text if self.source is not None else None

    @sourceText.setter
    def sourceText(self, value: str | None) -> None:
        if value is None:
            self.source = None
        elif self.source is not None:
            self.source.text = value
        else:
            self.source = StrategySource(text=value)

    def __repr__(self) -> str:
        return (
            f"<StrategyDefinition {self.realmId}/{self.name} v{self.version} "
            f"{self.status} {self.id}>"
        )


class StrategyBytecode(Base):
    """A compiled image of one definition version.

    The key holds everything the bytes depend on: the row and its version,
    the image format the VM reads, and a hash of the canonical source
    (which also covers the compiler's identity, see ``store.cache``). A
    draft edited in place or a new compiler therefore misses the cache
    instead of being served stale code. ``image`` is sealed with
    ``sourceHash`` (``store.cache.unseal``), so an image moved to another
    row is refused rather than served.
    """

    __tablename__ = CACHE_TABLE
    __table_args__ = {"schema": STORE_SCHEMA}

    strategyId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{TABLE}.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    formatVersion: Mapped[int] = mapped_column(Integer, primary_key=True)
    sourceHash: Mapped[str] = mapped_column(String(64), primary_key=True)
    image: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, server_default=DB_NOW)
