"""One serving process per database: the leader polls Telegram, every other ``run`` waits.

Two processes polling getUpdates for one bot is a Telegram conflict, and two fan-out workers
would both resume the same unfinished deliveries. So ``briefbot run`` first becomes the
leader, with a lock the operating system or the database server drops the moment the
process dies, so a standby takes over within about a second of polling:

* PostgreSQL: a session-level advisory lock on a dedicated connection. The connection names
  its process (``application_name``) so a standby can say who leads, and asks the server for
  short TCP keepalives so even a leader whose machine vanished loses the lock in seconds.
* SQLite: an ``flock`` on ``<database>.leader`` beside the database file.

A leader keeps checking that it still holds the lock (:func:`still_held` every second); when
the lock is gone it stops serving before anyone else can have started (no split brain).
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from storage.db import RETRY_CAP, reason_of, safe_url

log = logging.getLogger(__name__)

STANDBY_POLL = 1.0  # seconds between a standby's attempts to take the lock
CHECK_EVERY = 1.0  # seconds between a leader's checks that it still holds the lock
CHECK_TIMEOUT = 3.0  # a check that hangs this long counts as a lost lock
# A standby that gets the lock while the old leader may still live (it lost its lock but not
# its life, or it runs on another machine) waits this long before serving: by then the old
# leader's own check has found the lock gone and it has stopped polling.
TAKEOVER_GRACE = CHECK_EVERY + CHECK_TIMEOUT
# pg_try_advisory_lock key: "brie" in ASCII. Advisory locks are per database, so two
# briefbot databases on one server have a leader each.
ADVISORY_KEY = 0x62726965
# Server-side keepalives on the lock connection (seconds): a leader whose machine disappears
# without closing its socket still loses the lock after about idle + interval * count.
SERVER_KEEPALIVE = {
    "tcp_keepalives_idle": 5,
    "tcp_keepalives_interval": 1,
    "tcp_keepalives_count": 3,
}


def this_process() -> str:
    return f"{socket.gethostname()}/{os.getpid()}"


class Leadership(ABC):
    """The lock that makes one ``briefbot run`` process the leader."""

    @abstractmethod
    def try_acquire(self) -> bool:
        """Take the lock if it is free; raises SQLAlchemyError when the database is unreachable."""

    @abstractmethod
    def holder(self) -> str:
        """Who holds the lock now (``host/pid``), as far as can be told."""

    @abstractmethod
    def still_held(self) -> bool:
        """True while this process holds the lock; never raises."""

    @abstractmethod
    def release(self) -> None:
        """Give the lock up (also what the death of the process does)."""


class AdvisoryLock(Leadership):
    """PostgreSQL: ``pg_try_advisory_lock`` held by a connection kept open for it."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine = create_engine(
            database_url,
            poolclass=NullPool,
            connect_args={
                "application_name": f"briefbot {this_process()}",
                "connect_timeout": 5,
                # Client-side keepalives: a check on a dead connection fails in seconds.
                "keepalives": 1,
                "keepalives_idle": 5,
                "keepalives_interval": 1,
                "keepalives_count": 3,
            },
        )
        self.connection: Connection | None = None

    def _connected(self) -> Connection:
        if self.connection is None:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            for setting, seconds in SERVER_KEEPALIVE.items():
                connection.execute(text(f"SET {setting} = {seconds}"))
            self.connection = connection
        return self.connection

    def try_acquire(self) -> bool:
        try:
            return bool(
                self._connected()
                .execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
                .scalar()
            )
        except SQLAlchemyError:
            self._drop_connection()
            raise

    def holder(self) -> str:
        found = (
            self._connected()
            .execute(
                text(
                    "SELECT a.application_name, a.pid FROM pg_locks l"
                    " JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0"
                    " AND l.objid = :key AND l.database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"key": ADVISORY_KEY},
            )
            .first()
        )
        if found is None:
            return "unknown"
        name, server_pid = found
        return str(name).removeprefix("briefbot ") if name else f"server pid {server_pid}"

    def still_held(self) -> bool:
        if self.connection is None:
            return False
        try:
            return bool(
                self.connection.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND pid = pg_backend_pid() AND classid = 0 AND objid = :key"
                    ),
                    {"key": ADVISORY_KEY},
                ).scalar()
            )
        except SQLAlchemyError as error:
            log.error("the leadership connection failed: %s", reason_of(error))
            return False

    def release(self) -> None:
        self._drop_connection()  # closing the session releases its advisory locks

    def _drop_connection(self) -> None:
        if self.connection is not None:
            # A failing close means the connection is already gone, and with it the lock.
            with suppress(SQLAlchemyError):
                self.connection.close()
            self.connection = None


class LockFile(Leadership):
    """SQLite: ``flock`` on a file beside the database, released by the kernel at exit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.descriptor: int | None = None

    def try_acquire(self) -> bool:
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        os.ftruncate(descriptor, 0)
        os.write(descriptor, this_process().encode())
        self.descriptor = descriptor
        return True

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    def still_held(self) -> bool:
        # A lock file deleted (or replaced) under the leader lets another process lock a
        # new file at the same path: the leader must notice and step down.
        if self.descriptor is None:
            return False
        try:
            on_disk, held = os.stat(self.path), os.fstat(self.descriptor)
        except OSError:
            return False
        return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)

    def release(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None


def leadership_for(database_url: str) -> Leadership:
    """The leadership lock that fits the database; ValueError when none can."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "postgresql":
        return AdvisoryLock(database_url)
    if backend == "sqlite":
        database = (url.database or "").removeprefix("file:")
        if database in ("", ":memory:"):
            raise ValueError(
                "briefbot run needs a database file or server, not an in-memory SQLite database"
            )
        return LockFile(Path(database).with_name(Path(database).name + ".leader"))
    raise ValueError(f"briefbot run supports PostgreSQL and SQLite databases, not {backend}")


def become_leader(
    leadership: Leadership,
    database_url: str,
    *,
    poll: float = STANDBY_POLL,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Block until this process holds the lock, as a standby while another process leads."""
    announced: str | None = None
    delay = poll
    while True:
        try:
            if leadership.try_acquire():
                if announced is not None and not holder_known_dead(announced):
                    log.info(
                        "taking over from %s: serving in %.0f s, once it has stopped",
                        announced,
                        TAKEOVER_GRACE,
                    )
                    sleep(TAKEOVER_GRACE)
                log.info("leader: this process (%s) serves the bot", this_process())
                return
            holder = leadership.holder()
        except SQLAlchemyError as error:
            log.warning(
                "database at %s unreachable (%s); retrying in %.0f s",
                safe_url(database_url),
                reason_of(error),
                delay,
            )
            sleep(delay)
            delay = min(delay * 2, RETRY_CAP)
            continue
        delay = poll
        if holder != announced:
            log.info(
                "standby: another briefbot process (%s) is running; taking over when it stops",
                holder,
            )
            announced = holder
        sleep(poll)


def holder_known_dead(holder: str) -> bool:
    """True when ``holder`` (host/pid) is a process on this machine that no longer exists."""
    host, _, pid = holder.rpartition("/")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    try:  # a killed process its parent has not reaped yet is a zombie: dead all the same
        status = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return False
    return status.rpartition(")")[2].split()[:1] == ["Z"]
