"""SQLAlchemy models: the reference engine's ``strategydefinition`` table and
the bytecode cache.

Column names are the reference engine's, byte for byte (``apiKey_used``,
``realmId``, ``astJson``...), so the store can run on an existing GAME
database; the Python attribute names are the column names for the same
reason (one spelling everywhere, including the pydantic schemas).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.types import JsonDocument, UTCDateTime

TABLE = "strategydefinition"
CACHE_TABLE = "strategybytecode"
ONE_PUBLISHED_INDEX = "uq_strategydefinition_one_published"
FAMILY_VERSION_UNIQUE = "uq_strategydefinition_realm_name_version"

# Evaluated by the database on both backends (``now()`` on Postgres), so
# timestamps do not depend on the clock of whichever client wrote the row.
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


class StrategyDefinition(Base):
    """One version of a strategy. A *family* is all rows sharing
    ``(realmId, name)``; at most one of them is PUBLISHED."""

    __tablename__ = TABLE
    __table_args__ = (
        UniqueConstraint("realmId", "name", "version", name=FAMILY_VERSION_UNIQUE),
        # The guarantee behind "at most one PUBLISHED row per family": two
        # concurrent publishes cannot both commit, whatever the service does.
        Index(
            ONE_PUBLISHED_INDEX,
            "realmId",
            "name",
            unique=True,
            postgresql_where=text("status = 'PUBLISHED'"),
            sqlite_where=text("status = 'PUBLISHED'"),
        ),
    )
    # Fetch server-set columns (timestamps) in the INSERT/UPDATE itself
    # (RETURNING) instead of a second round trip.
    __mapper_args__ = {"eager_defaults": True}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, server_default=DB_NOW)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, server_default=DB_NOW, onupdate=DB_NOW
    )
    # The reference engine has a foreign key to its ``apikey`` table here;
    # this store does not own that table, so the column is a plain string.
    apiKey_used: Mapped[str | None] = mapped_column(String, nullable=True)
    oauth_user_id: Mapped[str | None] = mapped_column(String, nullable=True)
    realmId: Mapped[str] = mapped_column(String, nullable=False, index=True)
    name: Mapped[str] = mapped_column(String, nullable=False)
    description: Mapped[str | None] = mapped_column(String, nullable=True)
    type: Mapped[str] = mapped_column(String, nullable=False)
    parentStrategyId: Mapped[str | None] = mapped_column(String, nullable=True)
    astJson: Mapped[dict[str, Any]] = mapped_column(JsonDocument, nullable=False)
    blocklyXml: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[str] = mapped_column(
        String, nullable=False, index=True, default=StrategyStatus.DRAFT.value
    )
    createdBy: Mapped[str | None] = mapped_column(String, nullable=True)
    publishedAt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    experimentTag: Mapped[str | None] = mapped_column(String, nullable=True)
    # Not in the reference engine: the text a strategy was written in, when
    # it was written as text (``astJson`` is always filled as well).
    sourceText: Mapped[str | None] = mapped_column(Text, nullable=True)

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

    strategyId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{TABLE}.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    formatVersion: Mapped[int] = mapped_column(Integer, primary_key=True)
    sourceHash: Mapped[str] = mapped_column(String(64), primary_key=True)
    image: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, server_default=DB_NOW)
