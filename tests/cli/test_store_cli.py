"""The store's commands as a new user meets them (SQLite in a temporary
directory): which version is served after a rollback, tables that keep ids
whole when piped, and read-only commands that create no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.support import dslc

ROOT = Path(__file__).resolve().parents[2]
FIELDS = json.dumps(
    {
        "user.avg_time": 3,
        "all.avg_time": 5,
        "task.measurements_count": 4,
        "user.measurements_count": 5,
    }
)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    code, _, err = dslc("store", "init", "--db", url)
    assert code == 0, err
    return url


def _ok(*args: str) -> str:
    code, out, err = dslc(*args)
    assert code == 0, err
    return out


def _two_versions(db: str, tmp_path: Path) -> tuple[str, str]:
    """weekend v1 (published, then archived by v2) and v2; then rolled back to v1.
    Returns the ids of v1 and v2."""
    source = (ROOT / "examples" / "weekend_bonus.strat").read_text(encoding="utf-8")
    first = tmp_path / "w1.strat"
    first.write_text(source, encoding="utf-8")
    second = tmp_path / "w2.strat"
    second.write_text(source.replace("1.5", "2"), encoding="utf-8")
    _ok("store", "create", "weekend", "--file", str(first), "--db", db)
    _ok("store", "publish", "weekend", "--db", db)
    _ok("store", "update", "weekend", "--file", str(second), "--db", db)
    _ok("store", "publish", "weekend", "--db", db)
    rows = json.loads(_ok("store", "versions", "weekend", "--json", "--db", db))
    ids = {row["version"]: row["id"] for row in rows}
    _ok("store", "rollback", "weekend", "1", "--db", db)
    return ids[1], ids[2]


def test_score_after_a_rollback_names_the_version_served(db: str, tmp_path: Path) -> None:
    v1, v2 = _two_versions(db, tmp_path)
    args = ("--fields", FIELDS, "--data", '{"is_weekend": true}', "--db", db)
    out = json.loads(_ok("store", "score", "weekend", *args))
    assert out["version"] == 1 and out["status"] == "PUBLISHED"
    assert out["points"] == 16.5  # version 1 multiplies by 1.5, version 2 by 2
    assert out["strategy"] == f"custom:{v1}" != f"custom:{v2}"
    # the batch form says the same
    events = tmp_path / "events.json"
    events.write_text(
        json.dumps([{"strategy": "weekend", "fields": json.loads(FIELDS)}]), encoding="utf-8"
    )
    [line] = _ok("store", "score", "--events", str(events), "--db", db).splitlines()
    assert json.loads(line)["strategy"] == f"custom:{v1}"


def test_show_a_name_shows_the_served_version_and_says_so(db: str, tmp_path: Path) -> None:
    v1, v2 = _two_versions(db, tmp_path)
    out = _ok("store", "show", "weekend", "--db", db)
    assert out.splitlines()[0] == "weekend — version 1, PUBLISHED"
    assert f"custom:{v1}" in out and "served       yes" in out
    older = _ok("store", "show", "weekend@2", "--db", db)
    assert older.splitlines()[0] == "weekend — version 2, ARCHIVED"
    assert f"served       no: version 1 is served (custom:{v1})" in older
    assert v2 in older


def test_tables_keep_ids_whole_when_piped(db: str, tmp_path: Path) -> None:
    v1, v2 = _two_versions(db, tmp_path)
    for args in (("list",), ("versions", "weekend")):
        lines = _ok("store", *args, "--db", db).splitlines()
        assert lines[0].split("\t") == [
            "name",
            "version",
            "status",
            "type",
            "parent",
            "updated",
            "id",
        ]
        rows = [line.split("\t") for line in lines[1:]]
        assert sorted((r[0], r[1], r[2], r[6]) for r in rows) == [
            ("weekend", "1", "PUBLISHED", v1),
            ("weekend", "2", "ARCHIVED", v2),
        ]


@pytest.mark.parametrize(
    "args",
    [("list",), ("versions", "weekend"), ("show", "weekend"), ("score", "weekend")],
)
def test_a_read_only_command_creates_no_database(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = tmp_path / "missing.db"
    code, out, err = dslc("store", *args, "--db", f"sqlite:///{path}")
    assert code == 1 and out == ""
    assert f"no database at {path}" in err and "dslc store init" in err
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []
