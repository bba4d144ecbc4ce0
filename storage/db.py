"""Engine and session factory, made once at start-up, with the schema brought up to date."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


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


def upgrade(engine: Engine) -> None:
    """Create the schema or bring it to the newest migration."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(database_url: str) -> tuple[Engine, sessionmaker[Session]]:
    """The engine and session factory for ``database_url``, schema up to date."""
    engine = make_engine(database_url)
    upgrade(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)


def safe_url(database_url: str) -> str:
    """The URL with any password hidden, fit for messages and logs."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable DATABASE_URL)"
