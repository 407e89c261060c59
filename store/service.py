"""The versioning service: the reference engine's rules for strategy versions.

A *family* is every row with the same ``(realmId, name)``. Rules:

- create: version 1, DRAFT; a name already used in the realm is a conflict.
- update: a DRAFT is patched in place; a PUBLISHED row is never overwritten
  (a new DRAFT at the family's max version + 1 is created); ARCHIVED rows
  are immutable.
- publish: DRAFT -> PUBLISHED and the family's previously published row is
  archived (a version whose cost certificate exceeds the service's
  ``CostLimits`` is refused, ``store.limits``); republishing is a no-op; an
  ARCHIVED row cannot be published.
- archive: any row -> ARCHIVED (idempotent).
- rollback: publish an earlier version again, archiving the current one.

Every call is scoped by ``realmId``: another realm's row is "not found".
Every call is one transaction; on any error nothing is written. Create,
update, publish and rollback compile the program and refuse one that does
not compile; the image goes to the bytecode cache in the same transaction.
Update, publish, rollback and archive also announce the change to engine
processes in that transaction (``store.notify``: NOTIFY on Postgres, a
generation counter on SQLite), so watching loaders drop what they hold.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from store import cache, definitions, notify, schemas, toolchain
from store.db import Database
from store.errors import Conflict, ImmutableVersion, InvalidPayload, NotFound
from store.limits import CostLimits, check_cost
from store.models import DB_NOW, StrategyDefinition, StrategyStatus, StrategyType
from store.schemas import StrategyCreate, StrategyRead, StrategyUpdate

DRAFT = StrategyStatus.DRAFT.value
PUBLISHED = StrategyStatus.PUBLISHED.value
ARCHIVED = StrategyStatus.ARCHIVED.value

StrategyId = uuid.UUID | str


class StrategyService:
    def __init__(self, db: Database, cost_limits: CostLimits | None = None) -> None:
        self.db = db
        # What a published version may cost per event (store.limits).
        self.cost_limits = cost_limits or CostLimits()

    # -- writes -------------------------------------------------------------

    def create(self, realm_id: str, payload: StrategyCreate | Mapping[str, Any]) -> StrategyRead:
        realm = schemas.realm(realm_id)
        body = schemas.parse(StrategyCreate, _as_dict(payload))
        # Compiled before the transaction opens: a bad program costs no SQL.
        prepared = definitions.prepare(
            body.name, body.type, body.parentStrategyId, body.astJson, body.sourceText
        )
        with self.db.transaction() as session:
            if session.scalar(_family(realm, body.name).with_only_columns(func.count())):
                raise Conflict(
                    f"a strategy named {body.name!r} already exists in realm {realm!r}; "
                    "update it instead"
                )
            row = StrategyDefinition(
                id=uuid.uuid4(),
                realmId=realm,
                name=body.name,
                description=body.description,
                type=prepared.type,
                parentStrategyId=prepared.parentStrategyId,
                astJson=prepared.astJson,
                sourceText=prepared.sourceText,
                blocklyXml=_blocks(body.blocklyXml, prepared),
                version=1,
                status=DRAFT,
                createdBy=body.createdBy,
                experimentTag=body.experimentTag,
                apiKey_used=body.apiKey_used,
                oauth_user_id=body.oauth_user_id,
            )
            session.add(row)
            return self._store_image(session, row, prepared)

    def update(
        self,
        realm_id: str,
        strategy_id: StrategyId,
        payload: StrategyUpdate | Mapping[str, Any],
    ) -> StrategyRead:
        realm = schemas.realm(realm_id)
        sid = parse_id(strategy_id)
        patch = schemas.parse(StrategyUpdate, _as_dict(payload))
        changes = patch.changes()
        with self.db.transaction() as session:
            row = _get(session, realm, sid, lock=True)
            if row.status == ARCHIVED:
                raise ImmutableVersion(
                    f"{_label(row)} is archived and cannot change; "
                    "update the published or a draft version instead"
                )
            merged = _merged_program(row, changes)
            plain = {
                key: value
                for key, value in changes.items()
                if key not in {"type", "parentStrategyId", "astJson", "sourceText"}
            }
            if merged[2] is None and merged[3] is None:
                # A GAME row saved without a program: its other fields can
                # still change; there is nothing to compile or cache yet.
                target = _without_program(session, row, merged, plain)
                session.flush()
                return StrategyRead.model_validate(target)
            prepared = definitions.prepare(row.name, *merged)
            touched = {"astJson", "sourceText", "blocklyXml"} & changes.keys()
            if touched and changes.get("blocklyXml") is None:
                # A new program without its workspace (the old one is stale),
                # or a workspace cleared: written from the program.
                plain["blocklyXml"] = _blocks(None, prepared)
            if row.status == DRAFT:
                _apply(row, prepared, plain)
                cache.invalidate(session, row.id)
                target = row
            else:
                target = _next_draft(session, row, prepared, plain)
                session.add(target)
            stored = self._store_image(session, target, prepared)
            _announce(session, "update", target)
            return stored

    def publish(self, realm_id: str, strategy_id: StrategyId) -> StrategyRead:
        realm = schemas.realm(realm_id)
        sid = parse_id(strategy_id)
        with self.db.transaction() as session:
            row = _get(session, realm, sid, lock=True)
            if row.status == PUBLISHED:
                return StrategyRead.model_validate(row)
            if row.status == ARCHIVED:
                raise ImmutableVersion(
                    f"{_label(row)} is archived and cannot be published; "
                    f"roll back to it instead (rollback {row.name!r} {row.version})"
                )
            return self._make_published(session, row, "publish")

    def rollback(self, realm_id: str, name: str, version: int) -> StrategyRead:
        """Publish ``version`` of the family again; the published one is archived."""
        realm = schemas.realm(realm_id)
        _check_name(name)
        if not _version_exists(version):
            raise NotFound(f"strategy {name!r} has no version {version} in realm {realm!r}")
        with self.db.transaction() as session:
            row = session.scalar(
                _family(realm, name).where(StrategyDefinition.version == version).with_for_update()
            )
            if row is None:
                raise NotFound(f"strategy {name!r} has no version {version} in realm {realm!r}")
            if row.status == PUBLISHED:
                return StrategyRead.model_validate(row)
            return self._make_published(session, row, "rollback")

    def archive(self, realm_id: str, strategy_id: StrategyId) -> StrategyRead:
        realm = schemas.realm(realm_id)
        sid = parse_id(strategy_id)
        with self.db.transaction() as session:
            row = _get(session, realm, sid, lock=True)
            if row.status != ARCHIVED:
                row.status = ARCHIVED
                session.flush()
                _announce(session, "archive", row)
            return StrategyRead.model_validate(row)

    # -- reads --------------------------------------------------------------

    def get(self, realm_id: str, strategy_id: StrategyId) -> StrategyRead:
        realm = schemas.realm(realm_id)
        sid = parse_id(strategy_id)
        with self.db.reading() as session:
            return StrategyRead.model_validate(_get(session, realm, sid))

    def find(self, realm_id: str, name: str, version: int | None = None) -> StrategyRead:
        """A version of the family ``name``: the given one, else the newest."""
        realm = schemas.realm(realm_id)
        _check_name(name)
        if version is not None and not _version_exists(version):
            raise NotFound(f"no strategy {name!r} version {version} in realm {realm!r}")
        query = _family(realm, name).order_by(StrategyDefinition.version.desc()).limit(1)
        if version is not None:
            query = query.where(StrategyDefinition.version == version)
        with self.db.reading() as session:
            row = session.scalar(query)
            if row is None:
                which = f" version {version}" if version is not None else ""
                raise NotFound(f"no strategy {name!r}{which} in realm {realm!r}")
            return StrategyRead.model_validate(row)

    def list(
        self,
        realm_id: str,
        *,
        status: str | None = None,
        name: str | None = None,
    ) -> list[StrategyRead]:
        """Rows of the realm, by name then newest version first."""
        realm = schemas.realm(realm_id)
        query = select(StrategyDefinition).where(StrategyDefinition.realmId == realm)
        if status is not None:
            query = query.where(StrategyDefinition.status == _status(status))
        if name is not None:
            _check_name(name)
            query = query.where(StrategyDefinition.name == name)
        query = query.order_by(StrategyDefinition.name, StrategyDefinition.version.desc())
        with self.db.reading() as session:
            return [StrategyRead.model_validate(row) for row in session.scalars(query)]

    def versions(self, realm_id: str, name: str) -> builtins.list[StrategyRead]:
        """Every version of a family, newest first."""
        realm = schemas.realm(realm_id)
        _check_name(name)
        query = _family(realm, name).order_by(StrategyDefinition.version.desc())
        with self.db.reading() as session:
            rows = [StrategyRead.model_validate(row) for row in session.scalars(query)]
        if not rows:
            raise NotFound(f"no strategy {name!r} in realm {realm!r}")
        return rows

    # -- helpers ------------------------------------------------------------

    def _make_published(self, session: Session, row: StrategyDefinition, op: str) -> StrategyRead:
        # The compiler may have changed since the draft was saved: check again.
        prepared = definitions.prepare(
            row.name, row.type, row.parentStrategyId, row.astJson, row.sourceText
        )
        check_cost(row.name, prepared.image, self.cost_limits)
        # Archive the sibling first, so the partial unique index sees at most
        # one PUBLISHED row at every statement. A concurrent publish of another
        # draft makes one of the two transactions fail on that index.
        session.execute(
            update(StrategyDefinition)
            .where(
                StrategyDefinition.realmId == row.realmId,
                StrategyDefinition.name == row.name,
                StrategyDefinition.status == PUBLISHED,
                StrategyDefinition.id != row.id,
            )
            .values(status=ARCHIVED)
            .execution_options(synchronize_session=False)
        )
        row.status = PUBLISHED
        row.publishedAt = DB_NOW  # type: ignore[assignment]
        stored = self._store_image(session, row, prepared)
        _announce(session, op, row)
        return stored

    @staticmethod
    def _store_image(
        session: Session, row: StrategyDefinition, prepared: definitions.Prepared
    ) -> StrategyRead:
        session.flush()
        key = cache.key_for(row)
        cache.put(session, key, prepared.image)
        return StrategyRead.model_validate(row)


# -- module helpers ----------------------------------------------------------


def parse_id(value: StrategyId) -> uuid.UUID:
    """A definition id: a UUID, its string, or ``custom:<uuid>``."""
    if isinstance(value, uuid.UUID):
        return value
    text = str(value).strip()
    text = text.removeprefix("custom:")
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidPayload(f"invalid strategy id {value!r}: a UUID is needed") from None


def _announce(session: Session, op: str, row: StrategyDefinition) -> None:
    """Tell engine processes, on commit, that this family's program may have
    changed (``store.notify``)."""
    change = notify.Change(
        op=op, realm=row.realmId, name=row.name, id=str(row.id), version=row.version
    )
    notify.announce(session, change)


def _as_dict(payload: Any) -> Any:
    return dict(payload) if isinstance(payload, Mapping) else payload


def _status(value: object) -> str:
    known = ", ".join(s.value for s in StrategyStatus)
    if not isinstance(value, str):
        raise InvalidPayload(f"invalid status {value!r}: a string, one of {known}")
    try:
        return StrategyStatus(value.upper()).value
    except ValueError:
        raise InvalidPayload(f"invalid status {value!r} (one of {known})") from None


# Versions are stored in a 32-bit integer column: a larger one cannot exist
# (and would overflow the database driver before the query ran).
MAX_VERSION = 2**31 - 1


def _version_exists(version: object) -> bool:
    """False for a version no row can have; InvalidPayload for a non-integer."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidPayload(f"invalid version {version!r}: a positive integer is needed")
    if version < 1:
        raise InvalidPayload(f"invalid version {version}: a positive integer is needed")
    return version <= MAX_VERSION


def _check_name(name: object) -> None:
    if not isinstance(name, str):
        raise InvalidPayload(f"a strategy name is a string, got {type(name).__name__}")


def _family(realm: str, name: str) -> Select[StrategyDefinition]:
    return select(StrategyDefinition).where(
        StrategyDefinition.realmId == realm, StrategyDefinition.name == name
    )


def _get(session: Session, realm: str, sid: uuid.UUID, *, lock: bool = False) -> StrategyDefinition:
    query = select(StrategyDefinition).where(
        StrategyDefinition.id == sid, StrategyDefinition.realmId == realm
    )
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        # Same answer whether the id does not exist or belongs to another realm.
        raise NotFound(f"no strategy {sid} in realm {realm!r}")
    return row


def _blocks(given: str | None, prepared: definitions.Prepared) -> str | None:
    """The workspace to store: the one given, else the program written as
    blocks so that the dashboard can open it (None when GAME's blocks
    cannot carry it; ``dslc store show`` says why)."""
    if given is not None:
        return given
    return toolchain.blockly_of(prepared.astJson)[0]


def _label(row: StrategyDefinition) -> str:
    return f"{row.name!r} version {row.version}"


def _merged_program(
    row: StrategyDefinition, changes: dict[str, Any]
) -> tuple[str | None, str | None, dict[str, Any] | None, str | None]:
    """The program a patch leads to: (type, parent, astJson, sourceText).

    New text re-derives ``astJson``; new ``astJson`` alone (an edit in the
    block editor) makes the old text stale, so it is dropped.
    """
    type_ = changes.get("type", row.type)
    parent = changes.get("parentStrategyId", row.parentStrategyId)
    ast: dict[str, Any] | None = row.astJson
    text = row.sourceText
    if changes.get("sourceText") is not None:
        text = changes["sourceText"]
        ast = changes.get("astJson")
        # New text says its own type and parent (``extends``) unless the
        # patch gives them; ``definitions.prepare`` derives them.
        type_ = changes.get("type")
        parent = changes.get("parentStrategyId")
    elif "astJson" in changes:
        ast, text = changes["astJson"], None
    elif "sourceText" in changes:
        text = None
    return type_, parent, ast, text


def _apply(row: StrategyDefinition, prepared: definitions.Prepared, plain: dict[str, Any]) -> None:
    row.type = prepared.type
    row.parentStrategyId = prepared.parentStrategyId
    row.astJson = prepared.astJson
    row.sourceText = prepared.sourceText
    for key, value in plain.items():
        setattr(row, key, value)


def _without_program(
    session: Session,
    row: StrategyDefinition,
    merged: tuple[str | None, str | None, dict[str, Any] | None, str | None],
    plain: dict[str, Any],
) -> StrategyDefinition:
    type_, parent, _ast, _text = merged
    if row.status == DRAFT:
        target = row
    else:
        top = session.scalar(
            select(func.max(StrategyDefinition.version)).where(
                StrategyDefinition.realmId == row.realmId, StrategyDefinition.name == row.name
            )
        )
        target = _copy_of(row, int(top or row.version) + 1)
        session.add(target)
    target.type = type_ or row.type
    target.parentStrategyId = definitions.canonical_parent(parent)
    if target.type in (StrategyType.DSL_FULL, StrategyType.DSL_EXTEND):
        definitions.check_parent(row.name, target.type, target.parentStrategyId, {})
    for key, value in plain.items():
        setattr(target, key, value)
    return target


def _copy_of(row: StrategyDefinition, version: int) -> StrategyDefinition:
    """A new DRAFT of ``row``'s family carrying its descriptive fields."""
    return StrategyDefinition(
        id=uuid.uuid4(),
        realmId=row.realmId,
        name=row.name,
        description=row.description,
        blocklyXml=row.blocklyXml,
        createdBy=row.createdBy,
        experimentTag=row.experimentTag,
        apiKey_used=row.apiKey_used,
        oauth_user_id=row.oauth_user_id,
        version=version,
        status=DRAFT,
    )


def _next_draft(
    session: Session,
    published: StrategyDefinition,
    prepared: definitions.Prepared,
    plain: dict[str, Any],
) -> StrategyDefinition:
    top = session.scalar(
        select(func.max(StrategyDefinition.version)).where(
            StrategyDefinition.realmId == published.realmId,
            StrategyDefinition.name == published.name,
        )
    )
    draft = _copy_of(published, int(top or published.version) + 1)
    _apply(draft, prepared, plain)
    return draft
