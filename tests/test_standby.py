"""Two real ``briefbot run`` processes on one database and one Bot API: one leads, one waits.

The leader polls, ingests the inbox and fans the digest out; the standby only waits for the
leadership lock. SIGKILL the leader mid fan-out and the standby takes over within seconds and
sends what was left, each digest to each subscriber once. Runs on SQLite (the lock file) and,
with TEST_DATABASE_URL, on PostgreSQL (the advisory lock).
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from benchmarks.fanout import subscribe_instant
from bot.leader import holder_known_dead
from storage.clock import utcnow
from storage.db import open_database
from storage.models import Article, Delivery
from tests.fake_bot_api import FakeBotApi, RecordedCall
from tests.helpers import SEEDS
from tests.test_bot_restart import (
    FIRST_CHAT,
    IN_FLIGHT_ALLOWANCE,
    _bot_environment,
    _digests_received,
    _environment,
    _ledger,
    _start,
    _wait,
)

SUBSCRIBERS = 150
TAKEOVER_WITHIN = 5.0  # seconds from SIGKILL of the leader to the standby's first getUpdates
LEADER_LINE = re.compile(r"leader: this process \(.+/(\d+)\) serves the bot")
STANDBY_LINE = re.compile(
    r"standby: another briefbot process \(.+/(\d+)\) is running; taking over when it stops"
)


def _host() -> str:
    return socket.gethostname()


def _subscribe(database_url: str, count: int) -> None:
    """``count`` instant subscribers on a database with the schema and no articles yet."""
    engine, sessions = open_database(database_url)
    with sessions.begin() as session:
        subscribe_instant(session, count, FIRST_CHAT, utcnow())
    engine.dispose()


def _conflicts(api: FakeBotApi) -> list[RecordedCall]:
    """getUpdates answered 409 because another getUpdates arrived while it waited."""
    return [c for c in api.calls("getUpdates") if c.status == 409]


def _last_role(log: Path) -> tuple[str, int]:
    """("leader", own pid) or ("standby", the leader's pid) from the process's last word."""
    lines = [
        (("leader" if pattern is LEADER_LINE else "standby"), int(found.group(1)))
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        for pattern in (LEADER_LINE, STANDBY_LINE)
        if (found := pattern.search(line))
    ]
    return lines[-1]


def _started(logs: list[Path]) -> int:
    return sum(log.read_text(errors="replace").count("Application started") for log in logs)


def _matching(pattern: re.Pattern[str], log: Path) -> re.Match[str] | None:
    return pattern.search(log.read_text(encoding="utf-8", errors="replace"))


def test_two_processes_serve_once_and_the_standby_takes_over_when_the_leader_dies(
    database_url: str, tmp_path: Path
) -> None:
    _subscribe(database_url, SUBSCRIBERS)
    inbox = tmp_path / "inbox"
    shutil.copytree(SEEDS, inbox)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with FakeBotApi() as api:
        env = _bot_environment(api, database_url, inbox)
        processes = [_start(env, tmp_path, log) for log in logs]
        try:
            _wait(lambda: any(_matching(LEADER_LINE, log) for log in logs), 60, "a leader")
            leading = next(i for i, log in enumerate(logs) if _matching(LEADER_LINE, log))
            leader, standby = processes[leading], processes[1 - leading]
            standby_log = logs[1 - leading]
            _wait(lambda: _matching(STANDBY_LINE, standby_log), 30, "the standby's line")
            named = _matching(STANDBY_LINE, standby_log)
            assert named is not None and int(named.group(1)) == leader.pid
            health = subprocess.run(
                [sys.executable, "-m", "bot", "health"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                timeout=60,
            )
            assert (health.returncode, health.stdout) == (0, b"ok\n")  # leader or standby

            _wait(lambda: len(_digests_received(api)) >= SUBSCRIBERS // 3, 60, "a third sent")
            leader.send_signal(signal.SIGKILL)
            leader.wait(timeout=10)
            killed_at = time.monotonic()
            assert len(api.calls("getMe")) == 1, "only the leader started the bot"
            assert _conflicts(api) == [], "two processes polled at once"
            assert len(_digests_received(api)) < SUBSCRIBERS, "the kill must land mid fan-out"

            _wait(
                lambda: any(c.timestamp > killed_at for c in api.calls("getUpdates")),
                30,
                "the standby polling",
            )
            took_over = min(c.timestamp for c in api.calls("getUpdates") if c.timestamp > killed_at)
            _wait(lambda: _ledger(database_url) == {"sent": SUBSCRIBERS}, 60, "the rest sent")
            assert standby.poll() is None
            # The dead leader's last long poll is answered 409 when the standby polls, as
            # Telegram does; the standby's own polls never are.
            assert [c.timestamp < killed_at for c in _conflicts(api)] == [True]
            standby.send_signal(signal.SIGTERM)
            assert standby.wait(timeout=20) == 0
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()

    assert took_over - killed_at < TAKEOVER_WITHIN
    assert len(api.calls("getMe")) == 2  # the leader, then the standby after the kill

    engine, sessions = open_database(database_url)
    with sessions.begin() as session:
        assert session.scalar(select(func.count(Article.id))) == len(list(SEEDS.iterdir()))
        assert session.scalar(select(func.count(func.distinct(Delivery.digest_id)))) == 1
        assert session.scalar(select(func.count(Delivery.id))) == SUBSCRIBERS
    engine.dispose()
    per_chat = _digests_received(api)
    parts = Counter(per_chat.values()).most_common(1)[0][0]
    missing = [c for c in range(FIRST_CHAT, FIRST_CHAT + SUBSCRIBERS) if per_chat[c] < parts]
    extra = sum(count - parts for count in per_chat.values() if count > parts)
    print(
        f"standby polling {took_over - killed_at:.2f} s after the leader's SIGKILL; "
        f"{len(missing)} subscriber(s) missed, {extra} message(s) sent twice"
    )
    assert missing == []
    assert extra <= IN_FLIGHT_ALLOWANCE, per_chat


def test_processes_starting_together_on_a_fresh_database_migrate_it_once(
    database_url: str, tmp_path: Path
) -> None:
    env = _environment(DATABASE_URL=database_url)
    starts = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "health"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [process.communicate(timeout=120) for process in starts]
    assert [process.returncode for process in starts] == [0, 0, 0], outcomes
    assert all(out.strip() == "ok" and "Traceback" not in err for out, err in outcomes)


def _take_the_lock_away(database_url: str, tmp_path: Path, leader_pid: int) -> None:
    """What an operator or a network fault can do to a running leader."""
    if database_url.startswith("sqlite"):
        (tmp_path / "briefbot.db.leader").unlink()  # the next locker gets a new file
        return
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        terminated = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name LIKE :name AND datname = current_database()"
            ),
            {"name": f"briefbot %/{leader_pid}"},
        ).all()
    engine.dispose()
    assert terminated == [(True,)]


def test_a_leader_that_loses_its_lock_stops_serving_and_one_process_leads_again(
    database_url: str, tmp_path: Path
) -> None:
    open_database(database_url)[0].dispose()
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with FakeBotApi() as api:
        env = _bot_environment(api, database_url, tmp_path / "inbox")
        processes = [_start(env, tmp_path, log) for log in logs]
        try:
            _wait(lambda: any(_matching(LEADER_LINE, log) for log in logs), 60, "a leader")
            leading = next(i for i, log in enumerate(logs) if _matching(LEADER_LINE, log))
            old, old_log = processes[leading], logs[leading]
            _wait(lambda: _matching(STANDBY_LINE, logs[1 - leading]), 30, "the standby's line")
            api.wait_for_polling()

            _take_the_lock_away(database_url, tmp_path, old.pid)
            _wait(lambda: "lost the leadership lock" in old_log.read_text(), 15, "the loss seen")
            # The lock is free again: one of the two (either may win) starts a new application.
            _wait(lambda: _started(logs) == 2, 15, "a new leader serving")
            roles = sorted(
                (_last_role(log), process.pid) for log, process in zip(logs, processes, strict=True)
            )
            (leader_role, leader_pid), (standby_role, _pid) = roles
            assert leader_role == ("leader", leader_pid)
            assert standby_role == ("standby", leader_pid)  # names the process that leads now
            if leader_pid != old.pid:  # the old leader lives: the new one gave it time to stop
                new_log = logs[1 - leading].read_text(encoding="utf-8")
                assert f"taking over from {_host()}/{old.pid}: serving in 4 s" in new_log
            assert len(api.calls("getMe")) == 2  # one application at a time
            assert [process.poll() for process in processes] == [None, None]

            for process in processes:
                process.send_signal(signal.SIGTERM)
            assert [process.wait(timeout=20) for process in processes] == [0, 0]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()


def test_a_dead_holder_is_told_from_a_live_one_a_zombie_and_one_elsewhere() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert not holder_known_dead(f"{_host()}/{child.pid}")
        assert not holder_known_dead(f"another-machine/{child.pid}")
        child.kill()
        _wait(lambda: holder_known_dead(f"{_host()}/{child.pid}"), 10, "the zombie seen as dead")
    finally:
        child.kill()
        child.wait()
    assert holder_known_dead(f"{_host()}/{child.pid}")
    assert not holder_known_dead("unknown")
