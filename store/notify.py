"""Telling engine processes that what a family serves has changed.

Every service operation that can change the program a family serves
(publish, rollback, archive, update: in place or forking a new draft) calls
``announce`` inside its own transaction:

- on PostgreSQL it sends ``pg_notify('dslc_strategy', payload)``. Postgres
  delivers a notification only when its transaction commits, so no listener
  can hear of a change it cannot yet read, and a rolled-back operation
  notifies nobody;
- on SQLite (one host, no notifications) it bumps a generation counter, kept
  in the database header (``PRAGMA user_version``, unused otherwise), so no
  table is needed; it is written in the same transaction, hence also
  atomic with the change.

The payload is JSON: ``{"op", "realm", "name", "id", "version"}``, naming the
family whose served program may have changed. A listener that cannot parse
a payload, or a payload without a family, must drop everything it holds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

# The LISTEN/NOTIFY channel (documented in the README; ``dslc store watch``).
CHANNEL = "dslc_strategy"
# Postgres refuses payloads of 8000 bytes or more; a longer name is announced
# without its family, which makes listeners drop everything (rare and safe).
_MAX_PAYLOAD = 7000
# SQLite's user_version is a signed 32-bit integer.
_GENERATION_MODULUS = 2**31


@dataclass(frozen=True, slots=True)
class Change:
    """One announced change. ``name`` None means "anything may have changed"."""

    op: str
    realm: str | None = None
    name: str | None = None
    id: str | None = None
    version: int | None = None

    @property
    def family(self) -> tuple[str, str] | None:
        if self.realm is None or self.name is None:
            return None
        return (self.realm, self.name)

    def payload(self) -> str:
        text_ = json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False)
        if len(text_.encode("utf-8")) > _MAX_PAYLOAD:
            return json.dumps({"op": self.op}, separators=(",", ":"))
        return text_

    @classmethod
    def parse(cls, payload: str) -> Change:
        """A change from a payload; anything unexpected is "everything"."""
        try:
            data: Any = json.loads(payload)
        except ValueError:
            return cls(op="unknown")
        if not isinstance(data, dict):
            return cls(op="unknown")
        version = data.get("version")
        return cls(
            op=str(data.get("op") or "unknown"),
            realm=_text_or_none(data.get("realm")),
            name=_text_or_none(data.get("name")),
            id=_text_or_none(data.get("id")),
            version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        )

    def describe(self) -> str:
        """One line for people (``dslc store watch``)."""
        if self.family is None:
            return f"{self.op}: any strategy may have changed"
        version = f" version {self.version}" if self.version is not None else ""
        ident = f" ({self.id})" if self.id else ""
        return f"{self.op} realm={self.realm!r} name={self.name!r}{version}{ident}"


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def announce(session: Session, change: Change) -> None:
    """Record ``change`` in the current transaction (see the module doc)."""
    backend = session.get_bind().dialect.name
    if backend == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": change.payload()},
        )
    elif backend == "sqlite":
        # The service's write transactions hold SQLite's write lock from
        # their first statement (BEGIN IMMEDIATE), so read-then-write is safe.
        current = int(session.execute(text("PRAGMA user_version")).scalar() or 0)
        following = (current + 1) % _GENERATION_MODULUS
        session.execute(text(f"PRAGMA user_version = {following:d}"))


def generation(conn: Connection) -> int:
    """SQLite: the generation counter that ``announce`` bumps."""
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
