"""A GAME database for the store's tests, built from the facts of GAME's
Alembic migrations (fvergaracl/GAME, head ``f9d3a8c5b2e1``): the tables the
store touches or depends on, their constraints and indexes, and the
``alembic_version`` row GAME's migrations leave.

Only the part of GAME's history that matters here is reproduced, as three
revisions of a small Alembic script directory (``game_scripts``) with
GAME's revision ids, so the tests can run GAME-style ``alembic upgrade
head`` and ``alembic current`` against the same database as the store:

- ``d7a4b0e2f1c9`` (here the base): ``apikey`` (after GAME's 3a7e5c1b9d2f,
  which added ``apiKeyHash``) and ``oauthusers``;
- ``e1c8d5a4b9f7``: ``strategydefinition``;
- ``f9d3a8c5b2e1``: ``strategyexecutionlog``.

``mirror_metadata`` is a SQLAlchemy metadata that describes the same tables
the way GAME's migrations do, for Alembic's ``compare_metadata``.
"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from store.db import Database

HEAD = "f9d3a8c5b2e1"
STRATEGY_REVISION = "e1c8d5a4b9f7"
BASE = "d7a4b0e2f1c9"
REGISTERED_KEY = "gme_live_abc12345"
REGISTERED_USER = "kc-user-1"

BASE_SQL = """
CREATE TABLE apikey (
    id UUID NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE,
    updated_at TIMESTAMP WITH TIME ZONE,
    "apiKey" VARCHAR,
    client VARCHAR,
    description VARCHAR,
    active BOOLEAN,
    "createdBy" VARCHAR,
    "apiKeyHash" VARCHAR NOT NULL,
    PRIMARY KEY (id),
    UNIQUE ("apiKey"),
    CONSTRAINT "uq_apikey_apiKeyHash" UNIQUE ("apiKeyHash")
);
CREATE INDEX ix_apikey_id ON apikey (id);
CREATE INDEX "ix_apikey_apiKeyHash" ON apikey ("apiKeyHash");
CREATE INDEX "ix_apikey_apiKey_prefix" ON apikey ("apiKey");
CREATE TABLE oauthusers (
    id UUID NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE,
    updated_at TIMESTAMP WITH TIME ZONE,
    provider VARCHAR,
    provider_user_id VARCHAR,
    status VARCHAR,
    "apiKey_used" VARCHAR,
    FOREIGN KEY ("apiKey_used") REFERENCES apikey ("apiKey"),
    PRIMARY KEY (id),
    UNIQUE (provider_user_id)
);
CREATE INDEX ix_oauthusers_id ON oauthusers (id);
"""

STRATEGY_SQL = """
CREATE TABLE strategydefinition (
    id UUID NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE,
    updated_at TIMESTAMP WITH TIME ZONE,
    "apiKey_used" VARCHAR,
    oauth_user_id VARCHAR,
    "realmId" VARCHAR,
    name VARCHAR NOT NULL,
    description TEXT,
    type VARCHAR DEFAULT 'DSL_FULL' NOT NULL,
    "parentStrategyId" VARCHAR,
    "astJson" JSONB,
    "blocklyXml" TEXT,
    version INTEGER DEFAULT 1 NOT NULL,
    status VARCHAR DEFAULT 'DRAFT' NOT NULL,
    "createdBy" VARCHAR,
    "publishedAt" TIMESTAMP WITH TIME ZONE,
    "experimentTag" VARCHAR,
    FOREIGN KEY ("apiKey_used") REFERENCES apikey ("apiKey"),
    FOREIGN KEY (oauth_user_id) REFERENCES oauthusers (provider_user_id),
    PRIMARY KEY (id),
    CONSTRAINT uq_strategydefinition_realm_name_version UNIQUE ("realmId", name, version)
);
CREATE INDEX ix_strategydefinition_id ON strategydefinition (id);
CREATE INDEX "ix_strategydefinition_realmId" ON strategydefinition ("realmId");
CREATE INDEX ix_strategydefinition_status ON strategydefinition (status);
"""

EXECUTION_LOG_SQL = """
CREATE TABLE strategyexecutionlog (
    id UUID NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE,
    updated_at TIMESTAMP WITH TIME ZONE,
    "apiKey_used" VARCHAR,
    oauth_user_id VARCHAR,
    "strategyId" VARCHAR NOT NULL,
    "strategyVersion" INTEGER NOT NULL,
    "strategyType" VARCHAR NOT NULL,
    "realmId" VARCHAR,
    "externalGameId" VARCHAR,
    "externalTaskId" VARCHAR,
    "externalUserId" VARCHAR,
    status VARCHAR NOT NULL,
    "errorCode" VARCHAR,
    points NUMERIC,
    "caseName" VARCHAR,
    "durationMs" NUMERIC NOT NULL,
    "nodesExecuted" INTEGER NOT NULL,
    trace JSONB,
    sampled BOOLEAN DEFAULT false NOT NULL,
    "parentStrategyId" VARCHAR,
    notes TEXT,
    FOREIGN KEY ("apiKey_used") REFERENCES apikey ("apiKey"),
    FOREIGN KEY (oauth_user_id) REFERENCES oauthusers (provider_user_id),
    PRIMARY KEY (id)
);
CREATE INDEX ix_strategyexecutionlog_id ON strategyexecutionlog (id);
CREATE INDEX "ix_strategyexecutionlog_strategyId" ON strategyexecutionlog ("strategyId");
CREATE INDEX "ix_strategyexecutionlog_realmId" ON strategyexecutionlog ("realmId");
CREATE INDEX ix_strategyexecutionlog_status ON strategyexecutionlog (status);
CREATE INDEX ix_strategyexecutionlog_sampled ON strategyexecutionlog (sampled);
CREATE INDEX ix_strategyexecutionlog_strategy_status_created
    ON strategyexecutionlog ("strategyId", status, created_at);
"""

_ENV = """
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
"""

_REVISION = """
from alembic import op

revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None
SQL = {sql!r}


def upgrade():
    op.execute(SQL)


def downgrade():
    raise NotImplementedError
"""


def game_scripts(root: Path) -> Path:
    """A GAME-like Alembic script directory (default ``alembic_version``)."""
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (root / "env.py").write_text(_ENV, encoding="utf-8")
    chain = [
        (BASE, None, BASE_SQL),
        (STRATEGY_REVISION, BASE, STRATEGY_SQL),
        (HEAD, STRATEGY_REVISION, EXECUTION_LOG_SQL),
    ]
    for revision, down, sql in chain:
        body = _REVISION.format(revision=revision, down=down, sql=sql)
        (versions / f"{revision}.py").write_text(body, encoding="utf-8")
    return root


def game_alembic(db: Database, scripts: Path, verb: str, *args: Any) -> str:
    """Run a GAME-style Alembic command (``upgrade``, ``current``...); its output."""
    out = io.StringIO()
    config = Config(stdout=out)
    config.set_main_option("script_location", str(scripts))
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        getattr(command, verb)(config, *args)
        conn.commit()
    return out.getvalue()


def build_game_database(db: Database, scripts: Path, revision: str = HEAD) -> None:
    """GAME's migrations up to ``revision``, plus an API key and a user."""
    game_alembic(db, scripts, "upgrade", revision)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO apikey (id, "apiKey", "apiKeyHash", active) VALUES (:i, :k, :h, true)'
            ),
            {"i": uuid.uuid4(), "k": REGISTERED_KEY, "h": "0" * 64},
        )
        conn.execute(
            text("INSERT INTO oauthusers (id, provider, provider_user_id) VALUES (:i, 'kc', :u)"),
            {"i": uuid.uuid4(), "u": REGISTERED_USER},
        )


def game_insert(db: Database, **values: Any) -> uuid.UUID:
    """A row as GAME's service writes it: its own id, timestamps filled by
    the writer (GAME sets them in Python), no program unless given."""
    row = {
        "id": uuid.uuid4(),
        "realmId": "game",
        "type": "DSL_FULL",
        "version": 1,
        "status": "DRAFT",
        "parentStrategyId": None,
        **values,
    }
    ast = row.pop("astJson", None)
    columns = ", ".join(f'"{c}"' for c in row)
    params = ", ".join(f":{c}" for c in row)
    statement = text(
        f'INSERT INTO strategydefinition ({columns}, "astJson", created_at, updated_at) '
        f"VALUES ({params}, CAST(:ast AS JSONB), now(), now())"
    )
    with db.engine.begin() as conn:
        conn.execute(statement, {**row, "ast": None if ast is None else json.dumps(ast)})
    return uuid.UUID(str(row["id"]))


def mirror_metadata(only: set[str] | None = None) -> MetaData:
    """GAME's tables as GAME's migrations describe them (``only`` those
    named; strategydefinition's foreign keys only with their tables)."""
    metadata = MetaData()
    stamp = DateTime(timezone=True)
    Table(
        "apikey", metadata,
        Column("id", Uuid(), nullable=False),
        Column("created_at", stamp), Column("updated_at", stamp),
        Column("apiKey", String()), Column("client", String()),
        Column("description", String()), Column("active", Boolean()),
        Column("createdBy", String()), Column("apiKeyHash", String(), nullable=False),
        PrimaryKeyConstraint("id"),
        UniqueConstraint("apiKey", name="apikey_apiKey_key"),
        UniqueConstraint("apiKeyHash", name="uq_apikey_apiKeyHash"),
        Index("ix_apikey_id", "id"), Index("ix_apikey_apiKeyHash", "apiKeyHash"),
        Index("ix_apikey_apiKey_prefix", "apiKey"),
    )  # fmt: skip
    Table(
        "oauthusers", metadata,
        Column("id", Uuid(), nullable=False),
        Column("created_at", stamp), Column("updated_at", stamp),
        Column("provider", String()), Column("provider_user_id", String()),
        Column("status", String()), Column("apiKey_used", String()),
        ForeignKeyConstraint(["apiKey_used"], ["apikey.apiKey"]),
        PrimaryKeyConstraint("id"),
        UniqueConstraint("provider_user_id", name="oauthusers_provider_user_id_key"),
        Index("ix_oauthusers_id", "id"),
    )  # fmt: skip
    Table(
        "strategydefinition", metadata,
        Column("id", Uuid(), nullable=False),
        Column("created_at", stamp), Column("updated_at", stamp),
        Column("apiKey_used", String()), Column("oauth_user_id", String()),
        Column("realmId", String()), Column("name", String(), nullable=False),
        Column("description", Text()),
        Column("type", String(), nullable=False, server_default=text("'DSL_FULL'")),
        Column("parentStrategyId", String()),
        Column("astJson", JSON().with_variant(JSONB(astext_type=Text()), "postgresql")),
        Column("blocklyXml", Text()),
        Column("version", Integer(), nullable=False, server_default=text("1")),
        Column("status", String(), nullable=False, server_default=text("'DRAFT'")),
        Column("createdBy", String()), Column("publishedAt", stamp),
        Column("experimentTag", String()),
        *_keys_of_strategydefinition(only),
        PrimaryKeyConstraint("id"),
        UniqueConstraint(
            "realmId", "name", "version", name="uq_strategydefinition_realm_name_version"
        ),
        Index("ix_strategydefinition_id", "id"),
        Index("ix_strategydefinition_realmId", "realmId"),
        Index("ix_strategydefinition_status", "status"),
    )  # fmt: skip
    Table(
        "strategyexecutionlog", metadata,
        Column("id", Uuid(), nullable=False),
        Column("created_at", stamp), Column("updated_at", stamp),
        Column("apiKey_used", String()), Column("oauth_user_id", String()),
        Column("strategyId", String(), nullable=False),
        Column("strategyVersion", Integer(), nullable=False),
        Column("strategyType", String(), nullable=False),
        Column("realmId", String()), Column("externalGameId", String()),
        Column("externalTaskId", String()), Column("externalUserId", String()),
        Column("status", String(), nullable=False), Column("errorCode", String()),
        Column("points", Numeric()), Column("caseName", String()),
        Column("durationMs", Numeric(), nullable=False),
        Column("nodesExecuted", Integer(), nullable=False),
        Column("trace", JSONB(astext_type=Text())),
        Column("sampled", Boolean(), nullable=False, server_default=text("false")),
        Column("parentStrategyId", String()), Column("notes", Text()),
        ForeignKeyConstraint(["apiKey_used"], ["apikey.apiKey"]),
        ForeignKeyConstraint(["oauth_user_id"], ["oauthusers.provider_user_id"]),
        PrimaryKeyConstraint("id"),
        Index("ix_strategyexecutionlog_id", "id"),
        Index("ix_strategyexecutionlog_strategyId", "strategyId"),
        Index("ix_strategyexecutionlog_realmId", "realmId"),
        Index("ix_strategyexecutionlog_status", "status"),
        Index("ix_strategyexecutionlog_sampled", "sampled"),
        Index(
            "ix_strategyexecutionlog_strategy_status_created", "strategyId", "status", "created_at"
        ),
    )  # fmt: skip
    if only is not None:
        for table in list(metadata.sorted_tables):
            if table.name not in only:
                metadata.remove(table)
    return metadata


def _keys_of_strategydefinition(only: set[str] | None) -> list[ForeignKeyConstraint]:
    keys = []
    if only is None or "apikey" in only:
        keys.append(ForeignKeyConstraint(["apiKey_used"], ["apikey.apiKey"]))
    if only is None or "oauthusers" in only:
        keys.append(ForeignKeyConstraint(["oauth_user_id"], ["oauthusers.provider_user_id"]))
    return keys
