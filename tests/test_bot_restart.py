"""``briefbot run`` as a real process: SIGKILL in the middle of a fan-out, then a restart.

Also: a missing token is one line of advice, never a traceback, and the token never shows
up in the logs, not even at debug level where httpx logs every request URL; a stop signal
while the bot is still starting ends it as cleanly as one while it polls.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.fanout import queue_digest
from storage import subscriptions
from storage.db import open_database
from tests.conftest import TOKEN
from tests.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[1]
SUBSCRIBERS = 150
FIRST_CHAT = 20_000_000
# Messages that can be out at Telegram but not yet in the ledger at the instant of a kill.
IN_FLIGHT_ALLOWANCE = 3


def _environment(**values: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BRIEFBOT_"))}
    keep.pop("DATABASE_URL", None)
    return {**keep, "PYTHONPATH": str(ROOT), "PTB_TIMEDELTA": "true", **values}


def _bot_environment(api: FakeBotApi, database_url: str, inbox: Path) -> dict[str, str]:
    """The environment of a ``briefbot run`` child that talks to ``api``."""
    return _environment(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api.base_url,
        DATABASE_URL=database_url,
        BRIEFBOT_INBOX=str(inbox),
    )


def _start(env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "-v", "run"],
            cwd=cwd,
            env=env,
            stdout=stream,
            stderr=subprocess.STDOUT,
        )


def _ledger(database_url: str) -> dict[str, int]:
    engine, sessions = open_database(database_url)
    with sessions.begin() as session:
        counts = subscriptions.delivery_counts(session)
    engine.dispose()
    return counts


def _digests_received(api: FakeBotApi) -> Counter[int]:
    return Counter(
        c.chat_id
        for c in api.calls("sendMessage", ok=True)
        if isinstance(c.chat_id, int) and c.chat_id >= FIRST_CHAT
    )


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_no_subscriber_loses_the_digest_when_the_bot_is_killed_mid_fan_out_and_restarted(
    database_url: str, tmp_path: Path
) -> None:
    queue_digest(database_url, SUBSCRIBERS, FIRST_CHAT)
    log = tmp_path / "bot.log"
    with FakeBotApi() as api:
        env = _bot_environment(api, database_url, tmp_path / "inbox")
        first = _start(env, tmp_path, log)
        try:
            _wait(lambda: len(_digests_received(api)) >= SUBSCRIBERS // 3, 60, "a third sent")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        at_kill = len(_digests_received(api))
        assert SUBSCRIBERS // 3 <= at_kill < SUBSCRIBERS, "the kill must land mid fan-out"
        assert _ledger(database_url).get("sending", 0) > 0  # claims the dead process held

        second = _start(env, tmp_path, log)
        try:
            _wait(lambda: _ledger(database_url) == {"sent": SUBSCRIBERS}, 60, "the rest sent")
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=20) == 0
        finally:
            if second.poll() is None:
                second.kill()

    received = _digests_received(api)
    missing = [chat for chat in range(FIRST_CHAT, FIRST_CHAT + SUBSCRIBERS) if not received[chat]]
    twice = {chat: count for chat, count in received.items() if count > 1}
    assert missing == []
    assert sum(count - 1 for count in twice.values()) <= IN_FLIGHT_ALLOWANCE, twice
    output = log.read_text(encoding="utf-8", errors="replace")
    assert "HTTP Request" in output or "getUpdates" in output  # debug logging was on
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output


def test_run_without_a_token_says_how_to_get_one_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=_environment(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN is not set" in lines[0] and "@BotFather" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_a_token_telegram_rejects_is_one_line_of_advice_without_the_token(tmp_path: Path) -> None:
    wrong = "7000000001:AAHwrong-token_0123456789abcdefghijklmno"
    with FakeBotApi(token=TOKEN) as api:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=_environment(
                TELEGRAM_BOT_TOKEN=wrong,
                TELEGRAM_API_URL=api.base_url,
                DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("briefbot: Telegram rejected TELEGRAM_BOT_TOKEN")
    )
    assert "Traceback" not in result.stderr
    assert wrong.split(":")[1] not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("step", "stop"),
    [
        ("getMe", signal.SIGTERM),  # the application initialising
        ("setMyCommands", signal.SIGTERM),  # post_init
        ("deleteWebhook", signal.SIGTERM),  # the updater starting to poll
        ("deleteWebhook", signal.SIGINT),
    ],
    ids=lambda value: value.name if isinstance(value, signal.Signals) else value,
)
def test_a_stop_signal_during_start_up_ends_the_process_cleanly_in_one_line(
    tmp_path: Path, step: str, stop: signal.Signals
) -> None:
    with FakeBotApi() as api:
        api.delay_next(step, 60)  # a slow Bot API: the step is under way when the signal comes
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=_bot_environment(api, f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "inbox"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            api.wait_for_arrival(step, timeout=60)
            bot.send_signal(stop)
            _out, err = bot.communicate(timeout=30)
        finally:
            if bot.poll() is None:
                bot.kill()
    assert bot.returncode == 0, err
    lines = err.splitlines()
    assert [line for line in lines if " INFO " not in line] == [], err  # no traceback, no error
    assert lines[-1].endswith(" INFO bot.app: briefbot stopped"), err
