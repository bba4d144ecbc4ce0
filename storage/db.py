"""Engine and session factory, made once at start-up, with the schema brought up to date."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock key ("migr"): processes starting together migrate one after another.
MIGRATION_LOCK = 0x6D696772
RETRY_FIRST, RETRY_CAP = 1.0, 30.0  # seconds between attempts while the database is down


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the bot read while the ingest job writes; foreign keys are off by default in
    # SQLite; the busy timeout turns a short lock into a wait rather than an error.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL keeps every committed transaction across an application crash and
    # skips an fsync per commit; only a power cut can lose the last few.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _enable_sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def _serialise_migrations(connection: Connection) -> None:
    """Hold a database-wide lock until the migration commits, so two processes starting on a
    fresh database do not both create the tables: the second finds the schema current."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif connection.dialect.name == "sqlite":
        # pysqlite leaves DDL outside any transaction; take the write lock for all of it.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade(engine: Engine) -> None:
    """Create the schema or bring it to the newest migration."""
    with engine.begin() as connection:
        _serialise_migrations(connection)
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(database_url: str) -> tuple[Engine, sessionmaker[Session]]:
    """The engine and session factory for ``database_url``, schema up to date."""
    engine = make_engine(database_url)
    upgrade(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)


def wait_for_database(
    database_url: str,
    *,
    first_delay: float = RETRY_FIRST,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Engine, sessionmaker[Session]]:
    """:func:`open_database`, trying again with exponential backoff (capped at RETRY_CAP)
    while the database is unreachable, with one log line per failed attempt. For the
    long-running bot, which may start before its database server; commands fail fast."""
    engine = make_engine(database_url)
    delay = first_delay
    while True:
        try:
            upgrade(engine)
            return engine, sessionmaker(engine, expire_on_commit=False)
        except OperationalError as error:
            report_unreachable(database_url, error, delay)
        sleep(delay)
        delay = min(delay * 2, RETRY_CAP)


def report_unreachable(database_url: str, error: BaseException, retry_in: float) -> None:
    """The one log line for each failed attempt to reach the database."""
    log.warning(
        "database at %s unreachable (%s); retrying in %.0f s",
        safe_url(database_url),
        reason_of(error),
        retry_in,
    )


def ping(sessions: sessionmaker[Session]) -> None:
    """A round trip to the database; raises if it does not answer."""
    with sessions.begin() as session:
        session.execute(text("SELECT 1"))


def reason_of(error: BaseException) -> str:
    """The driver's own first line of an error, without SQLAlchemy's wrapping."""
    reason = str(getattr(error, "orig", None) or error).strip()
    return reason.splitlines()[0] if reason else type(error).__name__


def safe_url(database_url: str) -> str:
    """The URL with any password hidden, fit for messages and logs."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable DATABASE_URL)"
