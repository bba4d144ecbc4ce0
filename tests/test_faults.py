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
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url

from bot.cli import main
from bot.config import Settings
from bot.jobs import runtime
from bot.pipeline.actors import Registry
from bot.pipeline.brief import brief
from bot.pipeline.ingest import Ingestor
from bot.pipeline.load import load_bytes
from storage.db import RETRY_CAP, open_database, wait_for_database
from storage.models import Article
from tests.conftest import ADMIN, TOKEN
from tests.fake_bot_api import FakeBotApi
from tests.helpers import DATA, SEEDS
from tests.test_bot_restart import _bot_environment, _environment, _start, _wait

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
        env = _bot_environment(api, database_url, tmp_path / "inbox")
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


def test_run_waiting_for_a_closed_port_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    env = _environment(
        TELEGRAM_BOT_TOKEN=TOKEN,
        DATABASE_URL="postgresql+psycopg://briefbot:secret@127.0.0.1:1/briefbot",
        BRIEFBOT_INBOX=str(tmp_path / "inbox"),
    )
    bot = _start(env, tmp_path, log)
    try:
        _wait(lambda: len(RETRY_LINE.findall(log.read_text(errors="replace"))) >= 2, 30, "retries")
        bot.send_signal(signal.SIGTERM)  # `docker compose stop` while the database is down
        assert bot.wait(timeout=20) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
    output = log.read_text(errors="replace")
    [(url, reason, _delay), *_] = RETRY_LINE.findall(output)
    assert url == "postgresql+psycopg://briefbot:***@127.0.0.1:1/briefbot"
    assert "Connection refused" in reason
    assert "secret" not in output and "Traceback" not in output


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


def _assert_whole(stored: list[tuple[str, list[str], int]], base: Path) -> None:
    """Each stored article has the summary and the statements its file gives: none is half
    stored."""
    assert sum(statements for _source, _summary, statements in stored) > 0
    registry = Registry.load()
    for source, summary, statements in stored:
        path = base / source
        expected = brief(load_bytes(path.read_bytes(), path.name), registry)
        assert summary == expected.summary, source
        assert statements == len(expected.statements), source


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
    _assert_whole(before, tmp_path)

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


# --- a full disk --------------------------------------------------------------------------

HEADROOM = 60  # pages (of 4 KiB) the database may still grow by: a few articles' worth


def _inbox(base: Path) -> list[Path]:
    inbox = base / "inbox"
    shutil.copytree(SEEDS, inbox / "0-seeds")
    shutil.copytree(BBC_ARTICLES, inbox, dirs_exist_ok=True)
    return sorted(path for path in inbox.rglob("*") if path.is_file())


def _fill_up(engine: Engine) -> None:
    """From now on the database file cannot grow past HEADROOM more pages: SQLITE_FULL, as
    on a full disk. (max_page_count is per connection, so set on each new one.)"""
    with engine.connect() as connection:
        limit = connection.exec_driver_sql("PRAGMA page_count").scalar_one() + HEADROOM

    def limit_pages(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {limit}")

    event.listen(engine, "connect", limit_pages)
    engine.dispose()  # connections made before the limit go


def test_a_full_database_stops_ingest_in_one_line_and_leaves_nothing_partial(
    tmp_path: Path,
) -> None:
    files = _inbox(tmp_path)
    database_url = f"sqlite:///{tmp_path / 'briefbot.db'}"
    engine, sessions = open_database(database_url)
    ingestor = Ingestor(sessions, Registry.load())
    _fill_up(engine)
    report = ingestor.ingest_paths([tmp_path / "inbox"])
    engine.dispose()

    assert report.stopped == "database error: database or disk is full"
    assert f"stopped: {report.stopped}" in report.summary_line()
    stored = _stored(database_url)
    assert 0 < len(stored) == report.count("added") < len(files)
    _assert_whole(stored, Path.cwd())


def test_ingest_on_a_full_database_says_so_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _inbox(tmp_path)
    database_url = f"sqlite:///{tmp_path / 'briefbot.db'}"
    engine, sessions = open_database(database_url)
    Ingestor(sessions, Registry.load())  # the actors are stored before the disk fills up
    with engine.connect() as connection:
        limit = connection.exec_driver_sql("PRAGMA page_count").scalar_one() + HEADROOM
    engine.dispose()

    def limit_pages(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {limit}")

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    event.listen(Engine, "connect", limit_pages)  # the engine the command itself makes
    try:
        assert main(["ingest", "inbox"]) == 2
    finally:
        event.remove(Engine, "connect", limit_pages)
    output = capsys.readouterr()
    [line] = output.out.strip().splitlines()
    assert line.startswith("Ingested ") and line.endswith(
        "; stopped: database error: database or disk is full."
    )
    _assert_whole(_stored(database_url), tmp_path)


async def test_the_bots_ingest_on_a_full_database_says_so(
    tmp_path: Path, api: FakeBotApi, bot_runner: Any
) -> None:
    database_url = f"sqlite:///{tmp_path / 'briefbot.db'}"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api.base_url,
        DATABASE_URL=database_url,
        BRIEFBOT_INBOX=str(tmp_path / "inbox"),
        BRIEFBOT_ADMIN_IDS=str(ADMIN),
    )
    async with bot_runner(settings, first_scan_after=3600) as application:
        await api.wait_for_polling_async()
        await runtime(application).scanner.scan()  # the actors are stored first
        _fill_up(runtime(application).engine)
        _inbox(tmp_path)
        mark = api.mark()
        api.send_command(ADMIN, ADMIN, "/ingest")
        reply = await api.wait_for_async(
            lambda c: (c.visible_text or "").startswith("Scan:"),
            method="sendMessage",
            chat_id=ADMIN,
            after=mark,
            timeout=60,
        )
    text_seen = reply.visible_text or ""
    assert "stopped: database error: database or disk is full" in text_seen
    assert "Traceback" not in text_seen
    _assert_whole(_stored(database_url), Path.cwd())
