"""Process B of the two-process invalidation tests (``test_watch_processes``).

    python -m tests.store.watch_worker URL REF SECONDS

Scores ``REF`` in a loop through a watching loader and prints JSON lines:
``{"ready": true, "pid": <listener backend pid>}`` once listening with the
cache warm, then a status line about every 50 ms and at once whenever the
points change: events scored, SQL statements sent so far, the points, the
time (``time.monotonic``, shared by processes on one host) of the first
event scored with these points, and the listener's connection count and
backend pid. Stops after SECONDS, or when stdin closes.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

from sqlalchemy import event

from store.db import Database
from store.loader import StrategyLoader


def _emit(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main(url: str, ref: str, seconds: float) -> None:
    db = Database(url)
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    stop = threading.Event()
    # The parent closing our stdin (or dying) ends the loop.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    loader = StrategyLoader(db, watch=True)
    listener = loader.listener
    assert listener is not None, "the two-process tests run on PostgreSQL"
    if not listener.wait_connected(30):
        _emit(error="the listener did not connect within 30 s")
        return
    points = loader.load(ref).score().points
    _emit(ready=True, pid=listener.backend_pid, points=points)
    events = 0
    since = time.monotonic()
    last_report = 0.0
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        now = time.monotonic()
        if now > deadline:
            break
        current = loader.load(ref).score().points
        events += 1
        changed = current != points
        if changed:
            points, since = current, now
        if changed or now - last_report >= 0.05:
            last_report = now
            _emit(
                events=events,
                statements=statements,
                points=points,
                since=since,
                connects=listener.connects,
                pid=listener.backend_pid,
            )
    loader.close()
    db.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
