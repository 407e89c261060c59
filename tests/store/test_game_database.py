"""The store on GAME's own database (issue 12), on Postgres: a database
built from the facts of GAME's migrations (``tests.store.game_db``), with
GAME's ``alembic_version`` row, and GAME-style writes as SQL."""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner, Result
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.exc import IntegrityError

from store import adoption, migrate
from store.cli import store_group
from store.db import Database
from store.errors import InvalidPayload
from store.loader import StrategyLoader
from store.models import Base
from store.service import StrategyService
from tests.store import programs
from tests.store.conftest import new_postgres_database
from tests.store.game_db import (
    BASE,
    BASE_SQL,
    HEAD,
    REGISTERED_KEY,
    REGISTERED_USER,
    STRATEGY_REVISION,
    build_game_database,
    game_alembic,
    game_insert,
    game_scripts,
    mirror_metadata,
)

pytestmark = pytest.mark.postgres

STORE_HEAD = "dslc_0002_store_tables"


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    return game_scripts(tmp_path / "game")


@pytest.fixture
def empty() -> Iterator[Database]:
    with new_postgres_database() as url:
        database = Database(url)
        try:
            yield database
        finally:
            database.dispose()


@pytest.fixture
def game(empty: Database, scripts: Path) -> Database:
    """GAME's database at its head revision, before the store touched it."""
    build_game_database(empty, scripts)
    return empty


def _init(db: Database) -> Result:
    runner = CliRunner()
    return runner.invoke(store_group, ["init", "--db", db.url], catch_exceptions=False)


def _scalar(db: Database, sql: str) -> Any:
    with db.engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def _game_revision(db: Database) -> Any:
    return _scalar(db, "SELECT version_num FROM alembic_version")


def _store_revision(db: Database) -> Any:
    return _scalar(db, "SELECT version_num FROM dslc.dslc_alembic_version")


def _differences(db: Database, metadata: MetaData, **opts: Any) -> list[Any]:
    with db.engine.connect() as conn:
        settings = {"compare_type": True, "compare_server_default": True, **opts}
        context = MigrationContext.configure(conn, opts=settings)
        return list(compare_metadata(context, metadata))


# -- 1, 2: adoption by shape; each tool keeps its own history ----------------


@pytest.mark.parametrize("revision", [HEAD, STRATEGY_REVISION, "0123456789ab"])
def test_init_adopts_games_table_whatever_games_revision(game: Database, revision: str) -> None:
    with game.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    kept = game_insert(game, name="Kept", astJson=programs.full(3))
    result = _init(game)
    assert result.exit_code == 0, result.output
    assert (
        f"mode: adopting GAME's strategydefinition table (GAME's Alembic revision {revision})"
        in (result.stdout)
    )
    assert _game_revision(game) == revision  # GAME's history untouched
    assert _store_revision(game) == STORE_HEAD
    (row,) = StrategyService(game).list("game")
    assert row.id == kept


def test_game_alembic_and_store_init_run_in_any_order_repeatedly(
    empty: Database, scripts: Path
) -> None:
    build_game_database(empty, scripts, STRATEGY_REVISION)
    assert _init(empty).exit_code == 0
    # GAME upgrades after the store: its next revision applies on top.
    game_alembic(empty, scripts, "upgrade", "head")
    assert _game_revision(empty) == HEAD
    assert inspect(empty.engine).has_table("strategyexecutionlog")
    assert f"{HEAD} (head)" in game_alembic(empty, scripts, "current")
    again = _init(empty)
    assert again.exit_code == 0 and "is up to date" in again.stdout
    game_alembic(empty, scripts, "upgrade", "head")
    assert _init(empty).exit_code == 0
    assert (_game_revision(empty), _store_revision(empty)) == (HEAD, STORE_HEAD)
    assert migrate.current_revision(empty) == STORE_HEAD


# -- 3: GAME's autogenerate finds nothing new on GAME's tables ----------------


def test_compare_metadata_finds_no_difference_after_adoption(game: Database) -> None:
    mirror = mirror_metadata()
    assert _differences(game, mirror) == []  # the fixture is GAME's schema
    migrate.init(game)
    StrategyService(game).create("r", programs.create(sourceText=None))
    # What GAME's metadata compares (its schema): no difference at all.
    assert _differences(game, mirror) == []
    # GAME's env.py also sets include_schemas=True, which reflects every
    # schema: the store's own schema is then all that differs (its tables
    # shown as removed), never a column, index or constraint of GAME's.
    everything = _differences(game, mirror, include_schemas=True)
    assert {(op, table.schema, table.name) for op, table in everything} == {
        ("remove_table", "dslc", "strategysource"),
        ("remove_table", "dslc", "strategybytecode"),
        ("remove_table", "dslc", "dslc_alembic_version"),
    }

    def skip_store(name: str | None, type_: str, _parents: Any) -> bool:
        return not (type_ == "schema" and name == "dslc")

    assert _differences(game, mirror, include_schemas=True, include_name=skip_store) == []


# -- 4: standalone, the table is GAME's table exactly -------------------------


def test_standalone_creates_games_table_exactly(empty: Database) -> None:
    result = _init(empty)
    assert result.exit_code == 0
    assert "mode: standalone" in result.stdout
    assert _differences(empty, mirror_metadata({"strategydefinition"})) == []
    assert not inspect(empty.engine).has_table("alembic_version")


def test_standalone_beside_games_key_tables_gets_games_foreign_keys(empty: Database) -> None:
    with empty.engine.begin() as conn:
        conn.exec_driver_sql(BASE_SQL)
    migrate.init(empty)
    assert (
        _differences(empty, mirror_metadata({"strategydefinition", "apikey", "oauthusers"})) == []
    )
    keys = inspect(empty.engine).get_foreign_keys("strategydefinition")
    assert {(k["name"], k["referred_table"]) for k in keys} == {
        ("strategydefinition_apiKey_used_fkey", "apikey"),
        ("strategydefinition_oauth_user_id_fkey", "oauthusers"),
    }


# -- 8: order -----------------------------------------------------------------


def test_init_before_games_table_exists_refuses_and_changes_nothing(
    empty: Database, scripts: Path
) -> None:
    build_game_database(empty, scripts, BASE)
    result = _init(empty)
    assert result.exit_code == 1
    assert "run GAME's migrations first (alembic upgrade head)" in result.stderr
    assert "Traceback" not in result.output
    assert not inspect(empty.engine).has_table("strategydefinition")
    assert "dslc" not in inspect(empty.engine).get_schema_names()
    game_alembic(empty, scripts, "upgrade", "head")
    assert "adopting GAME's" in _init(empty).stdout


def test_a_table_of_another_shape_is_refused(empty: Database) -> None:
    with empty.engine.begin() as conn:
        conn.execute(text("CREATE TABLE strategydefinition (id UUID PRIMARY KEY, name TEXT)"))
    result = _init(empty)
    assert result.exit_code == 1
    assert "is not GAME's: it lacks the column(s) created_at" in result.stderr


# -- one PUBLISHED row per family, for GAME's writes too ------------------------


def test_games_own_writes_cannot_publish_twice(game: Database) -> None:
    migrate.init(game)
    game_insert(game, name="Twice", status="PUBLISHED", astJson=programs.full(1))
    with pytest.raises(IntegrityError, match="uq_strategydefinition_one_published"):
        game_insert(game, name="Twice", version=2, status="PUBLISHED", astJson=programs.full(2))
    # GAME's own publish: archive the sibling, then publish (any order
    # within one transaction is fine too: the check runs at commit).
    draft = game_insert(game, name="Twice", version=2, astJson=programs.full(2))
    with game.engine.begin() as conn:
        conn.execute(
            text("UPDATE strategydefinition SET status = 'PUBLISHED' WHERE id = :i"), {"i": draft}
        )
        conn.execute(
            text(
                "UPDATE strategydefinition SET status = 'ARCHIVED' "
                "WHERE name = 'Twice' AND version = 1"
            )
        )
    assert StrategyService(game).find("game", "Twice").version == 2


def test_adopting_a_family_with_two_published_rows_fails_loudly(game: Database) -> None:
    game_insert(game, name="Dup", status="PUBLISHED")
    game_insert(game, name="Dup", version=2, status="PUBLISHED")
    result = _init(game)
    assert result.exit_code == 1
    assert "more than one PUBLISHED version: 'Dup' (realm 'game')" in result.stderr
    assert _store_revision_or_none(game) is None


def _store_revision_or_none(db: Database) -> Any:
    if not inspect(db.engine).has_table("dslc_alembic_version", schema="dslc"):
        return None
    return _store_revision(db)


# -- 5: the store's writes on GAME's table ---------------------------------------


def test_store_writes_fill_timestamps_and_keep_games_keys(game: Database) -> None:
    migrate.init(game)
    service = StrategyService(game)
    payload = programs.create("Stamped", apiKey_used=REGISTERED_KEY, oauth_user_id=REGISTERED_USER)
    created = service.create("game", payload)
    published = service.publish("game", created.id)
    forked = service.update("game", published.id, {"description": "next"})
    assert forked.version == 2
    for row in (created, forked):
        stamps = _scalar(
            game,
            f"SELECT count(*) FROM strategydefinition WHERE id = '{row.id}' "
            "AND created_at IS NOT NULL AND updated_at IS NOT NULL",
        )
        assert stamps == 1
    assert forked.apiKey_used == REGISTERED_KEY


@pytest.mark.parametrize(
    ("column", "meaning"),
    [("apiKey_used", "GAME's apikey table"), ("oauth_user_id", "GAME's oauthusers table")],
)
def test_an_unknown_key_is_an_invalid_payload(game: Database, column: str, meaning: str) -> None:
    migrate.init(game)
    service = StrategyService(game)
    with pytest.raises(InvalidPayload, match=f"invalid {column}: .*{meaning}"):
        service.create("game", programs.create("Unknown", **{column: "nobody"}))
    assert service.list("game") == []
    row = service.create("game", programs.create("Known"))
    with pytest.raises(InvalidPayload, match=f"invalid {column}"):
        service.update("game", row.id, {column: "nobody"})


def test_ids_are_uuid_rows_games_reader_accepts(game: Database) -> None:
    migrate.init(game)
    row = StrategyService(game).create("game", programs.create("Read"))
    assert isinstance(row.id, uuid.UUID)
    assert _scalar(game, f"SELECT name FROM strategydefinition WHERE id = '{row.id}'") == "Read"


# -- 6: GAME's drafts without a program -----------------------------------------


def _cli(db: Database, *args: str) -> Result:
    argv = [*args, "--db", db.url, "--realm", "game"]
    return CliRunner().invoke(store_group, argv, catch_exceptions=False)


@pytest.mark.parametrize("empty_as", ["SQL NULL", "JSON null"])
def test_games_drafts_without_a_program_list_show_and_refuse_to_run(
    game: Database, empty_as: str
) -> None:
    migrate.init(game)
    draft = game_insert(game, name="Unfinished")
    if empty_as == "JSON null":  # what an ORM writes for None on a JSON column
        with game.engine.begin() as conn:
            conn.execute(text("""UPDATE strategydefinition SET "astJson" = 'null'::jsonb"""))
    game_insert(game, name="Other", realmId="elsewhere", astJson=programs.full(2))

    listed = _cli(game, "list")
    assert listed.exit_code == 0, listed.output
    assert "Unfinished" in listed.stdout
    assert _cli(game, "list", "--json").exit_code == 0
    shown = _cli(game, "show", "Unfinished")
    assert shown.exit_code == 0, shown.output
    assert "no program yet" in shown.stdout

    published = _cli(game, "publish", "Unfinished")
    assert published.exit_code == 1
    assert "'Unfinished' has no program: DSLC_STORE_PROGRAM_MISSING at /astJson" in (
        published.stderr
    )
    scored = _cli(game, "score", "Unfinished", "--draft")
    assert scored.exit_code == 1
    assert "'Unfinished' version 1 has no program" in scored.stderr
    assert StrategyLoader(game).cache_targets(realm_id="game", include_drafts=True) == []
    assert len(StrategyLoader(game).cache_targets(include_drafts=True)) == 1  # "Other"

    # Its other fields still change; once it has a program it publishes.
    service = StrategyService(game)
    described = service.update("game", draft, {"description": "soon"})
    assert (described.id, described.description, described.astJson) == (draft, "soon", None)
    finished = service.update("game", draft, {"astJson": programs.full(4)})
    assert service.publish("game", finished.id).status.value == "PUBLISHED"
    assert StrategyLoader(game).load(f"custom:{draft}").score().points == 4


def test_cli_create_publish_and_forking_update_on_games_table(
    game: Database, tmp_path: Path
) -> None:
    migrate.init(game)
    program = tmp_path / "p.json"
    program.write_text(json.dumps(programs.full(5)), encoding="utf-8")
    assert _cli(game, "create", "Cli", "--file", str(program)).exit_code == 0
    assert _cli(game, "publish", "Cli").exit_code == 0
    forked = _cli(game, "update", "Cli", "--description", "v2")
    assert forked.exit_code == 0, forked.output
    assert "created draft 'Cli' version 2" in forked.stdout
    nulls = _scalar(
        game,
        "SELECT count(*) FROM strategydefinition WHERE created_at IS NULL OR updated_at IS NULL",
    )
    assert nulls == 0


def test_two_open_transactions_publishing_one_family_cannot_both_commit(game: Database) -> None:
    migrate.init(game)
    insert = text(
        'INSERT INTO strategydefinition (id, "realmId", name, version, status, created_at, '
        "updated_at) VALUES (:i, 'game', 'Race', :v, 'PUBLISHED', now(), now())"
    )
    with game.engine.connect() as first, game.engine.connect() as second:
        first.execute(insert, {"i": uuid.uuid4(), "v": 1})
        second.execute(insert, {"i": uuid.uuid4(), "v": 2})  # neither sees the other
        first.commit()
        with pytest.raises(IntegrityError, match="uq_strategydefinition_one_published"):
            second.commit()
    assert _scalar(game, "SELECT count(*) FROM strategydefinition WHERE name = 'Race'") == 1


def test_simultaneous_commits_publishing_one_family_leave_one_published(game: Database) -> None:
    migrate.init(game)
    insert = text(
        'INSERT INTO strategydefinition (id, "realmId", name, version, status, created_at, '
        "updated_at) VALUES (:i, 'game', :n, :v, 'PUBLISHED', now(), now())"
    )
    for attempt in range(5):
        family = f"Race{attempt}"
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def publish(
            version: int,
            family: str = family,
            barrier: Any = barrier,
            outcomes: list[str] = outcomes,
        ) -> None:
            with game.engine.connect() as conn:
                conn.execute(insert, {"i": uuid.uuid4(), "n": family, "v": version})
                barrier.wait(timeout=10)
                try:
                    conn.commit()
                    outcomes.append("committed")
                except IntegrityError:
                    outcomes.append("refused")

        threads = [threading.Thread(target=publish, args=(v,)) for v in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["committed", "refused"]


def test_the_offline_sql_script_builds_the_same_schema(empty: Database) -> None:
    """``alembic upgrade head --sql`` (for a DBA to review and run) makes
    the same database as ``dslc store init``."""
    buffer = io.StringIO()
    config = migrate.alembic_config(empty)
    config.output_buffer = buffer
    command.upgrade(config, "head", sql=True)
    with empty.engine.begin() as conn:
        conn.exec_driver_sql(buffer.getvalue())
    assert migrate.current_revision(empty) == STORE_HEAD
    with empty.engine.connect() as conn:
        opts = {"compare_type": True, "include_schemas": True, **adoption.version_options(conn)}
        context = MigrationContext.configure(conn, opts=opts)
        assert compare_metadata(context, Base.metadata) == []
    with pytest.raises(IntegrityError, match="uq_strategydefinition_one_published"):
        game_insert(empty, name="Twice", status="PUBLISHED", astJson=programs.full(1))
        game_insert(empty, name="Twice", version=2, status="PUBLISHED", astJson=programs.full(1))
