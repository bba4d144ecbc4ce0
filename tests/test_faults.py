"""Faults at start-up and during ingest, with real processes and real databases.

* the database unreachable when ``briefbot run`` starts: one line per attempt, exponential
  backoff, and the bot comes up once the database does; commands fail fast instead;
* ``briefbot ingest`` SIGKILLed halfway through a large inbox: no half-stored article, and
  the next ingest stores the rest;
* the database full (SQLite ``max_page_count``, a real SQLITE_FULL): ingest says so in one
  line and stores nothing partial, from the command line and from the bot's /ingest.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bot.pipeline.actors import Registry
from bot.pipeline.brief import brief
from bot.pipeline.load import load_bytes
from storage.db import RETRY_CAP, open_database, wait_for_database
from storage.models import Article
from tests.conftest import TOKEN
from tests.fake_bot_api import FakeBotApi
from tests.helpers import DATA, SEEDS
from tests.test_bot_restart import _environment, _start, _wait

RETRY_LINE = re.compile(r"database at (\S+) unreachable \((.+)\); retrying in (\d+) s")


@pytest.fixture(params=["sqlite", "postgresql"])
def missing_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(URL of a database that does not exist yet, SQL or path to create it with)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'not-yet' / 'briefbot.db'}", str(tmp_path / "not-yet")
        return
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL to a server to run it")
    name = f"briefbot_test_{uuid.uuid4().hex[:12]}"
    yield make_url(server).set(database=name).render_as_string(hide_password=False), name
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _create(database_url: str, what: str) -> None:
    if database_url.startswith("sqlite"):
        Path(what).mkdir()
        return
    admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{what}"'))
    admin.dispose()


def test_run_waits_for_an_unreachable_database_with_backoff_and_then_serves(
    missing_database: tuple[str, str], tmp_path: Path
) -> None:
    database_url, creation = missing_database
    log = tmp_path / "bot.log"
    with FakeBotApi() as api:
        env = _environment(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.base_url,
            DATABASE_URL=database_url,
            BRIEFBOT_INBOX=str(tmp_path / "inbox"),
        )
        bot = _start(env, tmp_path, log)
        try:
            retries = lambda: RETRY_LINE.findall(log.read_text(errors="replace"))  # noqa: E731
            _wait(lambda: len(retries()) >= 3, 30, "three attempts")
            _create(database_url, creation)
            api.wait_for_polling(timeout=30)
            bot.send_signal(signal.SIGTERM)
            assert bot.wait(timeout=20) == 0
        finally:
            if bot.poll() is None:
                bot.kill()
    output = log.read_text(errors="replace")
    attempts = RETRY_LINE.findall(output)
    assert [int(delay) for _url, _reason, delay in attempts[:3]] == [1, 2, 4]
    assert {url for url, _reason, _delay in attempts} == {
        make_url(database_url).render_as_string(hide_password=True)
    }
    reason = attempts[0][1]
    assert "unable to open database file" in reason or "does not exist" in reason
    assert "Traceback" not in output
    assert "briefbot started" in output


@pytest.mark.parametrize("command", [["ingest"], ["health"], ["who", "Trump"]])
def test_commands_fail_fast_on_an_unreachable_database(tmp_path: Path, command: list[str]) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bot", *command],
        cwd=tmp_path,
        env=_environment(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "briefbot: cannot open database postgresql+psycopg://nobody@127.0.0.1:1/none:"
    )
    assert "retrying" not in result.stderr
    assert time.monotonic() - started < 30


def test_the_backoff_doubles_up_to_its_cap(tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"
    delays: list[float] = []

    def wait(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) == 8:
            folder.mkdir()

    engine, _sessions = wait_for_database(f"sqlite:///{folder / 'briefbot.db'}", sleep=wait)
    engine.dispose()
    assert delays == [1, 2, 4, 8, 16, RETRY_CAP, RETRY_CAP, RETRY_CAP]


# --- a crash during ingest ----------------------------------------------------------------

BBC_ARTICLES = DATA / "bbc-news-summary" / "article"
KILL_AFTER = 15  # articles stored before the SIGKILL


def _stored(database_url: str) -> list[tuple[str, list[str], int]]:
    """(source, summary, statement count) of every stored article."""
    engine, sessions = open_database(database_url)
    with sessions.begin() as session:
        rows = [
            (article.source, list(article.summary), len(article.statements))
            for article in session.scalars(select(Article))
        ]
    engine.dispose()
    return rows


def test_a_killed_ingest_leaves_whole_articles_and_the_next_ingest_stores_the_rest(
    database_url: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(BBC_ARTICLES, inbox)
    shutil.copytree(SEEDS, inbox / "0-seeds")  # first: the articles with many statements
    files = sorted(path for path in inbox.rglob("*") if path.is_file())
    open_database(database_url)[0].dispose()  # the schema, so progress can be watched
    env = _environment(DATABASE_URL=database_url)
    ingest = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", "inbox"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: len(_stored(database_url)) >= KILL_AFTER, 120, "articles being stored")
        ingest.send_signal(signal.SIGKILL)
        assert ingest.wait(timeout=10) == -signal.SIGKILL
    finally:
        if ingest.poll() is None:
            ingest.kill()

    before = _stored(database_url)
    assert KILL_AFTER <= len(before) < len(files), "the kill must land mid ingest"
    assert sum(statements for _source, _summary, statements in before) > 0
    registry = Registry.load()
    for source, summary, statements in before:
        path = tmp_path / source
        expected = brief(load_bytes(path.read_bytes(), path.name), registry)
        assert summary == expected.summary, source
        assert statements == len(expected.statements), source

    again = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", "--json", "inbox"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["rejected"] == 0 and report["stopped"] is None
    assert report["added"] + report["duplicates"] == len(files)
    resumed = {f["source"] for f in report["files"] if f["status"] == "duplicate"}
    assert {source for source, _summary, _count in before} <= resumed
    assert len(_stored(database_url)) == len(before) + report["added"]
