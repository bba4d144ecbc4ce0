"""The leadership lock: one ``briefbot run`` process per database holds it at a time.

It is dropped by the operating system or the database server the moment its process dies:

* PostgreSQL: a session-level advisory lock on a dedicated connection. The connection names
  its process (``application_name``) so a standby can say who leads, and asks the server for
  short TCP keepalives so even a leader whose machine vanished loses the lock in seconds.
* SQLite: an ``flock`` on ``<database>.leader`` beside the database file.

How the bot waits for it and watches it is ``bot.leader``'s business.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
from abc import ABC, abstractmethod
from contextlib import suppress
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from storage.db import reason_of

log = logging.getLogger(__name__)

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
