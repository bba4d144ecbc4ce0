"""Measure the digest fan-out against the Bot API fake and Telegram's 30 messages/s floor.

    python -m benchmarks.fanout --subscribers 300 [--database-url URL]

One digest is queued for N subscribers in a fresh database; the real application starts
against the fake (which answers 429 above 30 messages a second, as Telegram does) and
resumes the pending fan-out. Printed: messages, seconds from the first to the last message,
the floor (N / 30 s), their ratio, 429 answers, duplicates and chats missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.config import Settings
from storage import repository, subscriptions
from storage.clock import utcnow
from storage.db import open_database
from tests.fake_bot_api import FakeBotApi

TELEGRAM_RATE = 30.0
FIRST_CHAT = 10_000_000
TOKEN = "7000000001:AAHbenchmark-token_0123456789abcdefghij"


@dataclass(frozen=True)
class FanOutFigures:
    subscribers: int
    messages: int
    seconds: float
    floor: float
    ratio: float
    too_many_requests: int
    duplicates: int
    missing: int

    def report(self) -> str:
        return (
            f"subscribers        {self.subscribers}\n"
            f"messages           {self.messages}\n"
            f"seconds            {self.seconds:.2f}  (first to last message)\n"
            f"floor              {self.floor:.2f}  ({self.subscribers} / 30 msg/s)\n"
            f"ratio              {self.ratio:.3f}\n"
            f"429 answers        {self.too_many_requests}\n"
            f"duplicates         {self.duplicates}\n"
            f"missing            {self.missing}"
        )


def subscribe_instant(session: Session, count: int, first_chat: int, now: datetime) -> None:
    """``count`` chats from ``first_chat`` on, subscribed to instant digests from ``now``."""
    subscriptions.ensure_instant_watermark(session, now)
    for number in range(count):
        subscriptions.subscribe(
            session,
            first_chat + number,
            mode=subscriptions.INSTANT,
            daily_time=None,
            default_timezone="UTC",
            now=now,
        )


def queue_digest(database_url: str, subscribers: int, first_chat: int = FIRST_CHAT) -> None:
    """``subscribers`` instant subscribers and one stored article, queued as one digest."""
    engine, sessions = open_database(database_url)
    now = utcnow()
    try:
        with sessions.begin() as session:
            subscribe_instant(session, subscribers, first_chat, now)
            repository.add_article(
                session,
                source="benchmarks/fanout.txt",
                title="Fan-out benchmark",
                text="A story for everyone.",
                summary=["A story for everyone.", "Delivered once to each subscriber."],
                fingerprint=uuid.uuid4().hex,
                raw_hash=uuid.uuid4().hex,
                published_at=None,
                statements=[],
            )
        with sessions.begin() as session:
            queued = subscriptions.create_instant_digest(session, now)
            assert queued is not None and queued.deliveries == subscribers
    finally:
        engine.dispose()


async def _wait_settled(database_url: str, timeout: float) -> None:
    engine, sessions = open_database(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with sessions.begin() as session:
                counts = subscriptions.delivery_counts(session)
            if not counts.get("pending") and not counts.get("sending"):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"fan-out did not finish within {timeout:.0f} s: {counts}")
            await asyncio.sleep(0.1)
    finally:
        engine.dispose()


async def measure(
    subscribers: int,
    *,
    database_url: str | None = None,
    workdir: Path | None = None,
) -> FanOutFigures:
    """Run one fan-out of one digest to ``subscribers`` chats and measure it."""
    from bot.app import build_application

    os.environ.setdefault("PTB_TIMEDELTA", "true")
    with tempfile.TemporaryDirectory() as scratch, FakeBotApi() as api:
        folder = workdir or Path(scratch)
        url = database_url or f"sqlite:///{folder / 'fanout.db'}"
        queue_digest(url, subscribers)
        values: dict[str, Any] = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api.base_url,
            "DATABASE_URL": url,
            "BRIEFBOT_INBOX": str(folder / "inbox"),
        }
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        application: Any = build_application(settings, first_scan_after=3600)
        await application.initialize()
        try:
            await application.post_init(application)
            await application.start()  # the start-up fan-out job resumes the pending digest
            await _wait_settled(url, timeout=subscribers / TELEGRAM_RATE * 3 + 30)
        finally:
            if application.running:
                await application.stop()
                await application.post_stop(application)
            await application.shutdown()
            await application.post_shutdown(application)

        chats = range(FIRST_CHAT, FIRST_CHAT + subscribers)
        sends = [c for c in api.calls("sendMessage", ok=True) if c.chat_id in chats]
        per_chat = Counter(c.chat_id for c in sends)
        seconds = sends[-1].timestamp - sends[0].timestamp if sends else 0.0
        floor = subscribers / TELEGRAM_RATE
        return FanOutFigures(
            subscribers=subscribers,
            messages=len(sends),
            seconds=seconds,
            floor=floor,
            ratio=seconds / floor if floor else 0.0,
            too_many_requests=api.too_many_requests,
            duplicates=sum(count - 1 for count in per_chat.values() if count > 1),
            missing=subscribers - len(per_chat),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fanout", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.subscribers, database_url=args.database_url))
    print(json.dumps(asdict(figures)) if args.json else figures.report())
    ok = figures.missing == 0 and figures.duplicates == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
