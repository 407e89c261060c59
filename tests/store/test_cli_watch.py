"""``dslc store watch``: one line per change, on both backends, in a real
process (it runs until Ctrl-C or ``--count`` lines)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from store.cli import store_group
from store.db import Database
from store.service import StrategyService
from tests.store import programs

ROOT = Path(__file__).resolve().parents[2]
REALM = "cli-watch"
WAIT = 60.0


class WatchProcess:
    def __init__(self, url: str, *args: str) -> None:
        command = "from dslc.cli import main; main()"
        self.process = subprocess.Popen(
            [sys.executable, "-c", command, "store", "watch", "--db", url, *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stderr: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            if line.startswith(("listening on", "watching")):
                self._ready.set()

    def wait_ready(self) -> None:
        if not self._ready.wait(WAIT):
            self.process.kill()
            pytest.fail(f"watch never said it was ready: {''.join(self.stderr)}")

    def finish(self) -> tuple[int, list[str]]:
        try:
            out, _ = self.process.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
            pytest.fail(f"watch did not stop; stdout so far: {out!r}")
        return self.process.returncode, out.splitlines()


def test_help_says_what_it_does_on_each_backend() -> None:
    result = CliRunner().invoke(store_group, ["watch", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for words in ("dslc_strategy", "LISTEN/NOTIFY", "SQLite has no notifications", "Ctrl-C"):
        assert words in text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///:memory:", "an in-memory SQLite database has nothing to watch"),
        ("sqlite:////nonexistent-dir/none.db", "no SQLite database at /nonexistent-dir/none.db"),
        ("mysql://user@host/db", "watch supports PostgreSQL and SQLite databases, not mysql"),
    ],
)
def test_what_cannot_be_watched_is_a_one_line_error(url: str, message: str) -> None:
    result = CliRunner().invoke(store_group, ["watch", "--db", url])
    assert result.exit_code == 1
    # dslc's one error style: error[CODE]: message
    assert re.fullmatch(r"error\[DSLC_[A-Z_]+\]: " + re.escape(message), result.stderr.strip())


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_prints_a_line_when_the_generation_moves(db: Database, db_url: str) -> None:
    service = StrategyService(db)
    draft = service.create(REALM, programs.create(points=1))
    watch = WatchProcess(db_url, "--json", "--interval", "0.1", "--count", "2")
    watch.wait_ready()
    v1 = service.publish(REALM, draft.id)
    time.sleep(0.5)  # past a few polls: two lines, not one for both changes
    service.archive(REALM, v1.id)
    code, lines = watch.finish()
    assert code == 0
    changes = [json.loads(line) for line in lines]
    assert [c["op"] for c in changes] == ["changed", "changed"]
    assert changes[1]["generation"] == changes[0]["generation"] + 1


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_postgres_prints_one_line_per_notification(db: Database, db_url: str) -> None:
    service = StrategyService(db)
    draft = service.create(REALM, programs.create("Watched", points=1))
    watch = WatchProcess(db_url, "--count", "2")
    watch.wait_ready()
    v1 = service.publish(REALM, draft.id)
    service.archive(REALM, v1.id)
    code, lines = watch.finish()
    assert code == 0
    assert len(lines) == 2
    assert lines[0].endswith(f"publish realm='{REALM}' name='Watched' version 1 ({v1.id})")
    assert lines[1].endswith(f"archive realm='{REALM}' name='Watched' version 1 ({v1.id})")


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_ctrl_c_stops_it_cleanly(db: Database, db_url: str) -> None:
    watch = WatchProcess(db_url)
    watch.wait_ready()
    watch.process.send_signal(signal.SIGINT)
    code, lines = watch.finish()
    assert (code, lines) == (0, [])
    assert "Traceback" not in "".join(watch.stderr)


def test_an_unreachable_server_is_an_error_not_an_endless_retry() -> None:
    result = CliRunner().invoke(
        store_group, ["watch", "--db", "postgresql://nobody@127.0.0.1:1/none"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error[DSLC_STORE_DATABASE]: cannot listen on dslc_strategy: ")
