"""Peak memory of the bot process with a large store, measured on a real ``briefbot run``.

For each store size a fresh SQLite store is filled (``benchmarks/store.py``) and given
instant subscribers; then ``python -m bot run`` starts as a child process against the Bot API
fake. While it runs it answers /latest, /latest 10, /actors and /who for several names, scans
its inbox (one new article waiting there) and sends the resulting digest to every
subscriber. It is then stopped with SIGINT and its peak resident set size is read from the
kernel's accounting for that child (``wait4`` → ``ru_maxrss``).

Run: ``python -m benchmarks.memory --articles 5 10000``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import store
from benchmarks.corpus import news_like
from storage import subscriptions
from storage.clock import utcnow
from storage.db import open_database
from tests.fake_bot_api import FakeBotApi

SUBSCRIBERS = 30
FIRST_CHAT = 30_000_000
ASKER = 29_999_999
TOKEN = "7000000003:AAHbenchmark-token_0123456789abcdefghij"
COMMANDS = (
    "/latest",
    "/latest 10",
    "/actors",
    "/who Trump",
    "/who Tony Blair",
    "/who Labour",
    "/who Zelenksy",
)


def _subscribe(database_url: str, count: int) -> None:
    engine, sessions = open_database(database_url)
    now = utcnow()
    try:
        with sessions.begin() as session:
            subscriptions.ensure_instant_watermark(session, now)
            for chat in range(FIRST_CHAT, FIRST_CHAT + count):
                subscriptions.subscribe(
                    session,
                    chat,
                    mode=subscriptions.INSTANT,
                    daily_time=None,
                    default_timezone="UTC",
                    now=now,
                )
    finally:
        engine.dispose()


def _drop_new_article(inbox: Path) -> None:
    """One article the store does not hold yet, for the bot's first inbox scan."""
    name, data = list(news_like(store.DISTINCT + 1))[-1]
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(data)


def _wait_digest_sent(api: FakeBotApi, timeout: float) -> None:
    chats = set(range(FIRST_CHAT, FIRST_CHAT + SUBSCRIBERS))
    deadline = time.monotonic() + timeout
    while {c.chat_id for c in api.calls("sendMessage", ok=True)} & chats != chats:
        if time.monotonic() > deadline:
            raise TimeoutError("the digest did not reach every subscriber")
        time.sleep(0.1)


def peak_rss(articles: int, folder: Path) -> tuple[int, float]:
    """(articles stored, peak RSS of the bot process in MiB)."""
    url = f"sqlite:///{folder / f'memory-{articles}.db'}"
    stored = store.fill(url, articles)
    _subscribe(url, SUBSCRIBERS)
    inbox = folder / f"inbox-{articles}"
    _drop_new_article(inbox)
    with FakeBotApi() as api:
        environment = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api.base_url,
            "DATABASE_URL": url,
            "BRIEFBOT_INBOX": str(inbox),
        }
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=folder,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            api.wait_for_polling(timeout=60)
            for command in COMMANDS:
                mark = api.mark()
                api.send_command(chat_id=ASKER, user_id=ASKER, text=command)
                api.wait_for(method="sendMessage", chat_id=ASKER, after=mark, timeout=30)
            _wait_digest_sent(api, timeout=60)
        finally:
            bot.send_signal(signal.SIGINT)
            # wait4, not Popen.wait: it also returns the child's resource usage.
            _pid, status, usage = os.wait4(bot.pid, 0)
            bot.returncode = os.waitstatus_to_exitcode(status)
    return stored, usage.ru_maxrss / 1024  # Linux reports kilobytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, nargs="+", default=[5, 10000])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        for count in args.articles:
            stored, mib = peak_rss(count, Path(folder))
            print(f"{stored:>6} articles stored: bot peak RSS {mib:6.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
