"""Listening for ``store.notify`` changes on PostgreSQL, in a background thread.

One dedicated connection (psycopg, autocommit, outside the engine's pool)
runs ``LISTEN dslc_strategy`` and hands each notification to a callback. If
the connection is lost (server restart, ``pg_terminate_backend``, network),
the listener reconnects with exponential backoff; after every (re)connection
it calls ``on_connect``, because notifications sent while it was away are
lost for good and the holder must revalidate what it kept. A connection
that stays silent is probed now and then, so a dead peer is noticed even
without a TCP reset.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from store.notify import CHANNEL, Change

log = logging.getLogger(__name__)

APPLICATION_NAME = "dslc-watch"


def conninfo(url: str) -> str:
    """A libpq connection string for a SQLAlchemy Postgres URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"LISTEN needs a PostgreSQL database, not {parsed.get_backend_name()}")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """Calls ``on_change(Change)`` for every notification on ``channel``.

    Callbacks run on the listener's thread and must not block for long; an
    exception in one is logged and the listener goes on.
    """

    def __init__(
        self,
        url: str,
        on_change: Callable[[Change], None],
        *,
        on_connect: Callable[[], None] | None = None,
        on_disconnect: Callable[[BaseException, float], None] | None = None,
        channel: str = CHANNEL,
        backoff: tuple[float, float] = (0.1, 5.0),
        poll: float = 0.5,
        probe_every: float = 15.0,
    ) -> None:
        self.conninfo = conninfo(url)
        self.channel = channel
        self.on_change = on_change
        self.on_connect = on_connect
        self.on_disconnect = on_disconnect
        self.backoff = backoff
        self.poll = poll
        self.probe_every = probe_every
        self.connects = 0  # successful (re)connections so far
        self.backend_pid: int | None = None  # of the current listening connection
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dslc-store-listener", daemon=True)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def start(self) -> Listener:
        self._thread.start()
        return self

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until the listener is listening (True) or ``timeout`` passes."""
        return self._connected.wait(timeout)

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # -- the thread ----------------------------------------------------------

    def _run(self) -> None:
        delay = self.backoff[0]
        while not self._stop.is_set():
            try:
                self._listen()
                delay = self.backoff[0]
            except Exception as exc:  # psycopg.Error, or anything the socket raises
                if self._stop.is_set():
                    break
                was_connected = self._connected.is_set()
                self._connected.clear()
                self.backend_pid = None
                if was_connected:
                    delay = self.backoff[0]
                self._call(self.on_disconnect, exc, delay)
                log.warning("listener connection lost (%s); retrying in %.1fs", exc, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, self.backoff[1])
        self._connected.clear()

    def _listen(self) -> None:
        with psycopg.connect(
            self.conninfo,
            autocommit=True,
            application_name=APPLICATION_NAME,
            connect_timeout=10,
            # Let the kernel notice a vanished server too.
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        ) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            self.backend_pid = conn.info.backend_pid
            self.connects += 1
            # Only now: a change committed from here on will be heard, so the
            # holder can safely revalidate what it kept while it was away;
            # then it may keep what it loads (``connected``).
            self._call(self.on_connect)
            self._connected.set()
            quiet_since = time.monotonic()
            while not self._stop.is_set():
                heard = False
                for note in conn.notifies(timeout=self.poll):
                    heard = True
                    self._call(self.on_change, Change.parse(note.payload))
                    if self._stop.is_set():
                        return
                now = time.monotonic()
                if heard:
                    quiet_since = now
                elif now - quiet_since >= self.probe_every:
                    conn.execute("SELECT 1")
                    quiet_since = now

    @staticmethod
    def _call(callback: Callable[..., None] | None, *args: object) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:  # a holder's bug must not stop the listener
            log.exception("store listener callback failed")
