"""Invalidation across OS processes on the real PostgreSQL (issue 7, section 4).

Process B (``tests.store.watch_worker``) scores a family in a loop through a
watching loader; this process (A) publishes through the service. Timeouts
are generous and every wait is bounded, since the suite shares two cores;
the one tight bound is the one the issue sets: B serves a new version
within one second of the publish.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from store.db import Database
from store.migrate import init
from store.schemas import StrategyRead
from store.service import StrategyService
from tests.store import programs

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60.0  # seconds: the bound of every wait that is not the one under test


class Worker:
    """Process B and the JSON lines it prints."""

    def __init__(self, url: str, ref: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.store.watch_worker", url, ref, str(WAIT * 3)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(json.loads(line))

    def until(self, what: str, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first line satisfying ``check``, within ``WAIT`` seconds."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            assert "error" not in line, line["error"]
            if check(line):
                return line
        stderr = ""
        if self.process.poll() is not None and self.process.stderr is not None:
            stderr = self.process.stderr.read()
        pytest.fail(f"process B never reported {what} (exit {self.process.poll()}): {stderr}")

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def pg(postgres_url: str, _databases: dict[str, Database]) -> Database:
    database = _databases.get("postgres")
    if database is None:
        database = Database(postgres_url)
        init(database)
        _databases["postgres"] = database
    return database


@pytest.fixture
def realm() -> str:
    return f"watch-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def worker_for(pg: Database) -> Iterator[Callable[[str], Worker]]:
    started: list[Worker] = []

    def start(ref: str) -> Worker:
        worker = Worker(pg.url, ref)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _publish_new_version(
    service: StrategyService, realm: str, current: StrategyRead, points: int
) -> tuple[StrategyRead, float]:
    """Fork a draft of ``points`` and publish it; the time just after commit."""
    draft = service.update(realm, current.id, {"astJson": programs.full(points)})
    published = service.publish(realm, draft.id)
    return published, time.monotonic()


def _steady(worker: Worker, points: int) -> dict[str, Any]:
    """Two status lines with ``points`` and many events between them: the
    statements count must not have moved (no per-event query)."""
    first = worker.until(
        f"points {points}", lambda line: "events" in line and line["points"] == points
    )
    second = worker.until(
        "more events",
        lambda line: line.get("events", 0) >= first.get("events", 0) + 200,
    )
    assert second["points"] == points
    assert second["statements"] == first["statements"]
    return second


def test_a_publish_reaches_another_process_within_a_second(
    pg: Database, realm: str, worker_for: Callable[[str], Worker]
) -> None:
    service = StrategyService(pg)
    v1 = service.publish(realm, service.create(realm, programs.create(points=1)).id)
    worker = worker_for(v1.strategy_ref)
    worker.until("ready", lambda line: bool(line.get("ready")))
    before = _steady(worker, 1)

    _, published_at = _publish_new_version(service, realm, v1, 2)
    switched = worker.until("the new version", lambda line: line.get("points") == 2)
    assert switched["since"] - published_at < 1.0

    after = _steady(worker, 2)
    # Reloading the family cost a handful of statements, not one per event.
    assert after["statements"] - before["statements"] <= 5
    assert after["events"] - before["events"] > after["statements"] - before["statements"]


def test_a_killed_listening_connection_reconnects_and_sees_the_next_publish(
    pg: Database, realm: str, worker_for: Callable[[str], Worker]
) -> None:
    service = StrategyService(pg)
    v1 = service.publish(realm, service.create(realm, programs.create(points=1)).id)
    worker = worker_for(v1.strategy_ref)
    ready = worker.until("ready", lambda line: bool(line.get("ready")))
    steady = _steady(worker, 1)

    with pg.engine.connect() as conn:
        killed = conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": ready["pid"]})
        assert killed.scalar() is True
    # B keeps scoring from memory while it reconnects ...
    reconnected = worker.until(
        "a reconnection", lambda line: line.get("connects", 0) >= 2 and line.get("pid")
    )
    assert reconnected["pid"] != ready["pid"] and reconnected["points"] == 1
    assert reconnected["events"] > steady["events"]
    _steady(worker, 1)

    # ... and then hears the next publish.
    _, published_at = _publish_new_version(service, realm, v1, 3)
    switched = worker.until("the new version", lambda line: line.get("points") == 3)
    assert switched["since"] - published_at < 1.0
