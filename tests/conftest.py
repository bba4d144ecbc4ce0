"""Shared fixtures: a fresh real database per test, the Bot API fake, and the running bot.

``database_url`` gives a new SQLite file in the test's tmp_path and, when TEST_DATABASE_URL
points at a PostgreSQL server (e.g. ``postgresql+psycopg://user:pw@127.0.0.1/postgres``),
also a freshly created PostgreSQL database, so every test that uses it runs on both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.pipeline.actors import Registry
from storage import repository
from storage.db import open_database
from tests.fake_bot_api import FakeBotApi

TOKEN = "7000000001:AAHbriefbot-test-token_0123456789abcdef"
ADMIN = 1001
USER = 2002


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns about integer time periods unless the timedelta behaviour is chosen.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


# --- databases ----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'briefbot.db'}"
        return
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL to a server to run it")
    url = make_url(server)
    name = f"briefbot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[tuple[Engine, sessionmaker[Session]]]:
    engine, sessions = open_database(database_url)
    yield engine, sessions
    engine.dispose()


@pytest.fixture
def sessions(database: tuple[Engine, sessionmaker[Session]]) -> sessionmaker[Session]:
    return database[1]


# --- articles without the pipeline --------------------------------------------------------


@dataclass(frozen=True)
class FoundActor:
    name: str
    kind: str = "person"
    aliases: tuple[str, ...] = ()
    surname_only: bool = False


@dataclass(frozen=True)
class FoundStatement:
    actor: FoundActor
    stance: str
    evidence: str
    sentence_index: int
    hedged: bool = False
    reported_by: FoundActor | None = None
    terms: frozenset[str] = frozenset()


class Articles:
    """Stores articles straight through the repository, as the ingest would."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def add(
        self,
        title: str,
        summary: list[str] | None = None,
        *,
        statements: list[FoundStatement] | None = None,
        published_at: datetime | None = None,
        source: str | None = None,
    ) -> int:
        with self.sessions.begin() as session:
            article = repository.add_article(
                session,
                source=source or f"inbox/{uuid.uuid4().hex[:8]}.txt",
                title=title,
                text=" ".join(summary or [title]),
                summary=summary or [f"{title} in one sentence.", "A second sentence."],
                fingerprint=uuid.uuid4().hex,
                raw_hash=uuid.uuid4().hex,
                published_at=published_at,
                statements=statements or [],
            )
            return article.id


@pytest.fixture
def articles(sessions: sessionmaker[Session]) -> Articles:
    return Articles(sessions)


# --- the Bot API fake and the bot ---------------------------------------------------------


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str, api: FakeBotApi) -> SettingsFactory:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api.base_url,
            "DATABASE_URL": database_url,
            "BRIEFBOT_INBOX": str(tmp_path / "inbox"),
            "BRIEFBOT_ADMIN_IDS": str(ADMIN),
            "BRIEFBOT_INGEST_INTERVAL": 300,
            "BRIEFBOT_TIMEZONE": "UTC",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@asynccontextmanager
async def running_bot(settings: Settings, **build: Any) -> AsyncIterator[Any]:
    """The real Application, started the way ``briefbot run`` starts it, in this event loop."""
    from bot.app import build_application, started

    application = build_application(settings, **build)
    async with started(application, poll_timeout=timedelta(seconds=1)):
        yield application


@pytest.fixture
def bot_runner() -> Callable[..., AbstractAsyncContextManager[Any]]:
    return running_bot


@pytest.fixture
async def bot(api: FakeBotApi, make_settings: SettingsFactory) -> AsyncIterator[Any]:
    """The running bot with its inbox scan an hour away: tests drive the store or the scan
    job themselves, so they know what each scan stored."""
    async with running_bot(make_settings(), first_scan_after=3600) as application:
        await api.wait_for_polling_async()
        yield application


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The shipped actor registry (read-only: tests share one)."""
    return Registry.load()
