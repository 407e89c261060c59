"""Engine-side loading: a strategy id, as stored on games and tasks, to a
ready ``vm.Program``.

``custom:<uuid>`` names a stored definition; anything else is a built-in
id. The engine is served PUBLISHED programs only: the uuid may be any
version of a family (games keep the id they were configured with), and the
family's currently published version is what runs, so publishing or rolling
back takes effect without touching games. ``simulate`` serves any version,
drafts included, for the dashboard.

Images come from the bytecode cache; a miss compiles and fills it (two
processes filling the same key at once is fine: one row wins and both get
their program). An entry whose seal does not match the row being served
(``store.cache``) or that the VM refuses (say, written by a buggy compiler)
is dropped and rebuilt rather than failing the event.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache as cache_query
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Select,
    and_,
    bindparam,
    func,
    join,
    outerjoin,
    select,
)

from store import cache, definitions, notify, schemas, toolchain
from store.db import Database
from store.errors import ImageRejected, InvalidDefinition, InvalidPayload, NotFound
from store.models import (
    StrategyBytecode,
    StrategyDefinition,
    StrategySource,
    StrategyStatus,
    StrategyType,
)
from store.notify import Change
from store.service import parse_id
from store.toolchain import BuiltinStrategy, Program, Score

if TYPE_CHECKING:
    from store.watch import Listener

CUSTOM_PREFIX = "custom:"
_AUTHORED = (StrategyType.DSL_FULL, StrategyType.DSL_EXTEND)


@dataclass(frozen=True, slots=True)
class DefinitionInfo:
    """What the engine may want to log about the program it runs."""

    id: uuid.UUID
    realmId: str
    name: str
    version: int
    status: str
    type: str
    parentStrategyId: str | None


@dataclass(frozen=True, slots=True)
class LoadedStrategy:
    """A strategy ready to score events.

    For a stored definition, ``program`` is the verified ``vm.Program`` and
    ``parent`` its built-in parent (DSL_EXTEND) or None. For a built-in id,
    ``program`` is None and ``parent`` is the built-in itself.
    """

    ref: str
    kind: Literal["custom", "builtin"]
    program: Program | None
    parent: BuiltinStrategy | None
    definition: DefinitionInfo | None = None
    compiled: bool = False
    # A DSL_EXTEND parent that only GAME's engine implements (e.g.
    # ``greencrowdStrategy``): the program is loaded, but scoring it needs
    # GAME's own parent instance (``engine.game.DslStrategy``).
    game_parent: str | None = None

    def score(self, fields: object = None, data: Mapping[str, object] | None = None) -> Score:
        """Score one event (``vm.score``; a bare built-in runs on its own with
        its default variables). A failure raises ``vm.ExecutionError``."""
        if self.game_parent is not None:
            name = self.definition.name if self.definition is not None else self.ref
            raise InvalidDefinition(
                f"{name!r} extends GAME's built-in {self.game_parent!r}, which this VM does "
                "not implement: score it in GAME's engine (engine.game.DslStrategy with "
                f"GAME's own {self.game_parent} instance)"
            )
        if self.program is not None:
            return toolchain.score(self.program, fields=fields, data=data, parent=self.parent)
        assert self.parent is not None
        return toolchain.score_builtin(self.parent, fields=fields, data=data)


class StrategyLoader:
    """Resolves strategy ids to programs through the bytecode cache.

    ``memo_size`` programs are also kept in process, keyed by the full cache
    key, so a hot strategy skips even decoding; 0 turns that off (each load
    then reads the image from the database and verifies it).

    Without ``watch``, every ``load`` asks the database which version a
    family serves (one query), so a publish is seen at once. With
    ``watch=True`` a loaded ``custom:<id>`` is served from memory, with no
    query at all, until the store says its family changed:

    - PostgreSQL: a background connection LISTENs on ``store.notify.CHANNEL``
      and drops the family each notification names. While that connection is
      down the loader keeps serving what it holds (and does not keep what it
      loads meanwhile); it reconnects with backoff and then drops everything,
      since notifications may have been missed: each entry is revalidated by
      its next load (one query; its program stays in the memo if unchanged).
    - SQLite: at most once per ``ttl`` seconds a load reads the generation
      counter that every change bumps, and drops everything when it moved.

    Call ``close()`` (or use the loader as a context manager) to stop
    listening. A process that forks must create its loader after the fork.
    """

    def __init__(
        self, db: Database, *, memo_size: int = 256, watch: bool = False, ttl: float = 1.0
    ) -> None:
        self.db = db
        self.memo_size = memo_size
        self.watch = watch
        self.ttl = ttl
        self._memo: OrderedDict[cache.CacheKey, Program] = OrderedDict()
        self._lock = threading.Lock()
        # Watching: what load() served, by (ref, realm), and the families they
        # belong to. Read without the lock on the hot path (a dict lookup is
        # atomic); written under it.
        self._served: dict[tuple[str, str | None], LoadedStrategy] = {}
        # Bumped by every drop; a load keeps its result only if no drop
        # happened while it was reading (else it might keep a stale version).
        self._drops = 0
        self._generation: int | None = None
        self._checked_at = 0.0
        self.listener: Listener | None = None
        if watch and db.backend == "postgresql":
            # Imported here: psycopg's import costs start-up time that a
            # loader that does not watch (or a CLI command) need not pay.
            from store.watch import Listener

            self.listener = Listener(db.url, self._on_change, on_connect=self.drop_all).start()

    def load(self, ref: str, *, realm_id: str | None = None) -> LoadedStrategy:
        """The program behind a game's or task's strategy id (PUBLISHED only)."""
        if not isinstance(ref, str):
            raise InvalidPayload(
                f"a strategy id is a string ('custom:<uuid>' or a built-in id), "
                f"got {type(ref).__name__}"
            )
        served = self._served.get((ref, realm_id))
        if served is not None and (
            self.listener is not None or time.monotonic() - self._checked_at < self.ttl
        ):
            return served
        if realm_id is not None:
            realm_id = schemas.realm(realm_id)
        if ref.startswith(CUSTOM_PREFIX):
            if not self.watch:
                return self._load(ref, parse_id(ref), realm_id, published_only=True)
            return self._load_watched(ref, realm_id)
        return self._builtin(ref)

    def close(self) -> None:
        """Stop listening (a watching Postgres loader); loads still work."""
        if self.listener is not None:
            self.listener.stop()

    def __enter__(self) -> StrategyLoader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def drop_all(self) -> None:
        """Forget every served entry (each is reloaded on its next use)."""
        with self._lock:
            self._drops += 1
            self._served.clear()

    def drop_family(self, realm_id: str, name: str) -> None:
        """Forget the entries serving the family ``(realm_id, name)``."""
        with self._lock:
            self._drops += 1
            for key, loaded in list(self._served.items()):
                info = loaded.definition
                if info is not None and (info.realmId, info.name) == (realm_id, name):
                    del self._served[key]

    def simulate(self, realm_id: str, strategy_id: uuid.UUID | str) -> LoadedStrategy:
        """Exactly that version, whatever its status (drafts can be tried out)."""
        sid = parse_id(strategy_id)
        return self._load(f"{CUSTOM_PREFIX}{sid}", sid, realm_id, published_only=False)

    def warm(self, strategy_id: uuid.UUID) -> bool:
        """Make sure the cache holds this row's image; True when it compiled."""
        return self._load(
            f"{CUSTOM_PREFIX}{strategy_id}", strategy_id, None, published_only=False
        ).compiled

    def cache_targets(
        self, *, realm_id: str | None = None, include_drafts: bool = False
    ) -> list[uuid.UUID]:
        """Rows whose images ``build-cache`` precompiles: published ones, and
        drafts on request, across realms unless one is given."""
        statuses = [StrategyStatus.PUBLISHED.value]
        if include_drafts:
            statuses.append(StrategyStatus.DRAFT.value)
        query = select(StrategyDefinition.id).where(
            StrategyDefinition.status.in_(statuses),
            StrategyDefinition.type.in_([t.value for t in _AUTHORED]),
            # GAME's drafts may have no program yet (SQL NULL or JSON null).
            _has_program(self.db.backend),
        )
        if realm_id is not None:
            query = query.where(StrategyDefinition.realmId == realm_id)
        query = query.order_by(
            StrategyDefinition.realmId, StrategyDefinition.name, StrategyDefinition.version
        )
        with self.db.reading() as session:
            return list(session.scalars(query))

    def clear_memo(self) -> None:
        with self._lock:
            self._memo.clear()
        self.drop_all()

    # -- internals ----------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        family = change.family
        if family is None:
            self.drop_all()
        else:
            self.drop_family(*family)

    def _load_watched(self, ref: str, realm_id: str | None) -> LoadedStrategy:
        if self.listener is None:
            self._revalidate()
            served = self._served.get((ref, realm_id))
            if served is not None:  # the generation did not move: still current
                return served
        with self._lock:
            drops = self._drops
        loaded = self._load(ref, parse_id(ref), realm_id, published_only=True)
        keep = self.memo_size > 0 and (self.listener is None or self.listener.connected)
        with self._lock:
            if keep and self._drops == drops:
                while len(self._served) >= self.memo_size:
                    del self._served[next(iter(self._served))]
                self._served[(ref, realm_id)] = replace(loaded, compiled=False)
        return loaded

    def _revalidate(self) -> None:
        """SQLite: drop everything if the generation counter moved. Read
        before the load's own query, so a change committed after this read
        is caught by the next one."""
        with self.db.read_connection() as conn:
            current = notify.generation(conn)
        with self._lock:
            if current != self._generation:
                self._drops += 1
                self._served.clear()
                self._generation = current
            self._checked_at = time.monotonic()

    def _builtin(self, ref: str) -> LoadedStrategy:
        registry = toolchain.builtin_registry()
        if ref not in registry:
            raise NotFound(f"no built-in strategy {ref!r} (known: {', '.join(registry.ids())})")
        return LoadedStrategy(ref=ref, kind="builtin", program=None, parent=registry.get(ref))

    def _load(
        self, ref: str, sid: uuid.UUID, realm_id: str | None, *, published_only: bool
    ) -> LoadedStrategy:
        format_version = toolchain.format_version()
        # The hot path: one Core query (no ORM session) for the row to run
        # and its cache entries of this image format.
        with self.db.read_connection() as conn:
            query = _load_query(realm_id is not None, published_only)
            params = {"sid": sid, "realm": realm_id, "fv": format_version}
            rows = conn.execute(query, params).all()
            if not rows:
                raise _not_served(conn, sid, realm_id)
        first = rows[0]
        info = DefinitionInfo(
            id=first.id,
            realmId=first.realmId,
            name=first.name,
            version=first.version,
            status=first.status,
            type=first.type,
            parentStrategyId=first.parentStrategyId,
        )
        key = cache.key_of(
            first.id,
            first.version,
            first.type,
            first.parentStrategyId,
            first.astJson,
            first.sourceText,
        )
        if first.astJson is None:
            definitions.require_program(info.name, info.version, None)
        parent = _parent(info)
        program = self._memo_get(key)
        compiled = False
        if program is None:
            image = next((bytes(r.image) for r in rows if r.sourceHash == key.source_hash), None)
            program, compiled = self._program(key, image, info, first.astJson, first.sourceText)
            self._memo_put(key, program)
        return LoadedStrategy(
            ref=ref,
            kind="custom",
            program=program,
            parent=parent,
            definition=info,
            compiled=compiled,
            game_parent=info.parentStrategyId if parent is None and _extends(info) else None,
        )

    def _program(
        self,
        key: cache.CacheKey,
        image: bytes | None,
        info: DefinitionInfo,
        ast: dict[str, Any],
        source_text: str | None,
    ) -> tuple[Program, bool]:
        if image is not None:
            try:
                return toolchain.load_image(cache.unseal(key, image)), False
            except ImageRejected:
                # Not this row's program (swapped, stale or edited), written by
                # a faulty compiler, or damaged: rebuild, don't fail.
                with self.db.transaction() as session:
                    cache.discard(session, key)
        filename = f"{info.name}.strat" if source_text is not None else f"{info.name}.json"
        image = toolchain.compile_program(ast, source_text, filename)
        program = toolchain.load_image(image)
        with self.db.transaction() as session:
            cache.put(session, key, image)
        return program, True

    def _memo_get(self, key: cache.CacheKey) -> Program | None:
        if self.memo_size <= 0:
            return None
        with self._lock:
            program = self._memo.get(key)
            if program is not None:
                self._memo.move_to_end(key)
            return program

    def _memo_put(self, key: cache.CacheKey, program: Program) -> None:
        if self.memo_size <= 0:
            return
        with self._lock:
            self._memo[key] = program
            while len(self._memo) > self.memo_size:
                self._memo.popitem(last=False)


_SERVED_COLUMNS = ("id", "realmId", "name", "version", "status", "type", "parentStrategyId")


@cache_query
def _load_query(with_realm: bool, published_only: bool) -> Select[Any]:
    """Built once per shape, with bound parameters ``sid``, ``realm`` and
    ``fv``: constructing a statement costs more than running it."""
    table = StrategyDefinition.__table__
    asked = table.alias("asked")
    source: FromClause
    if published_only:
        # Whatever version the id names, the family's published one runs.
        served = table.alias("served")
        source = join(
            asked,
            served,
            and_(
                served.c.realmId == asked.c.realmId,
                served.c.name == asked.c.name,
                served.c.status == StrategyStatus.PUBLISHED.value,
            ),
        )
    else:
        served, source = asked, asked
    entries = StrategyBytecode.__table__
    texts = StrategySource.__table__
    query = (
        select(
            *(served.c[name] for name in _SERVED_COLUMNS),
            served.c.astJson,
            texts.c.text.label("sourceText"),
            entries.c.sourceHash,
            entries.c.image,
        )
        .select_from(
            outerjoin(
                outerjoin(source, texts, texts.c.strategyId == served.c.id),
                entries,
                and_(
                    entries.c.strategyId == served.c.id,
                    entries.c.version == served.c.version,
                    entries.c.formatVersion == bindparam("fv"),
                ),
            )
        )
        .where(asked.c.id == bindparam("sid"))
    )
    if with_realm:
        query = query.where(asked.c.realmId == bindparam("realm"))
    return query


def _not_served(conn: Connection, sid: uuid.UUID, realm_id: str | None) -> NotFound:
    """Why nothing came back: no such row, or a family with nothing published."""
    query = select(StrategyDefinition.name).where(StrategyDefinition.id == sid)
    if realm_id is not None:
        query = query.where(StrategyDefinition.realmId == realm_id)
    name = conn.scalar(query)
    if name is None:
        return NotFound(f"no stored strategy {sid}")
    return NotFound(
        f"strategy {name!r} ({sid}) has no published version; "
        "only published strategies are served (simulate a draft instead)"
    )


def _has_program(backend: str) -> ColumnElement[bool]:
    kind = func.jsonb_typeof if backend == "postgresql" else func.json_type
    return kind(StrategyDefinition.astJson) == "object"


def _extends(info: DefinitionInfo) -> bool:
    return info.type == StrategyType.DSL_EXTEND and info.parentStrategyId is not None


def _parent(info: DefinitionInfo) -> BuiltinStrategy | None:
    if not _extends(info):
        return None
    registry = toolchain.builtin_registry()
    if definitions.runs_in_game_only(info.parentStrategyId):
        return None
    assert info.parentStrategyId is not None
    if info.parentStrategyId not in registry:
        raise InvalidDefinition(
            f"{info.name!r} version {info.version} extends {info.parentStrategyId!r}, "
            "which is not a registered built-in"
        )
    return registry.get(info.parentStrategyId)
