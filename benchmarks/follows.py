"""Measure what follows and digest preferences cost one scan: queueing, then rendering.

    python -m benchmarks.follows --chats 1000 --articles 5 [--database-url URL]

In a fresh database, N chats subscribe to instant digests and follow one actor; every other
chat also has keyword preferences (so it gets a digest of its own). Then ``articles``
articles of about 5 KB, each with a position by that actor, are stored, and the scan's
queueing transaction runs (alerts, then the instant digests) as ``Scanner`` runs it.
Printed: deliveries queued, seconds for that transaction, and seconds to render every
distinct queued content (what the fan-out does before sending, once per digest or alert).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bot.jobs import digest_parts
from storage import follows, preferences, repository, subscriptions
from storage.clock import utcnow
from storage.db import open_database
from storage.models import Delivery

FIRST_CHAT = 30_000_000
PARAGRAPH = (
    "Negotiators met again in Geneva to discuss a ceasefire, security guarantees and the "
    "deployment of troops along the line of contact, while officials in Kyiv and Moscow "
    "traded statements about prisoners, grain corridors and energy infrastructure. "
)


@dataclass(frozen=True)
class _Actor:
    name: str = "Volodymyr Zelensky"
    kind: str = "person"
    aliases: tuple[str, ...] = ("Zelensky",)
    surname_only: bool = False


@dataclass(frozen=True)
class _Statement:
    sentence_index: int
    actor: _Actor = _Actor()
    stance: str = "commit"
    evidence: str = "Zelensky committed to the talks."
    hedged: bool = False
    reported_by: _Actor | None = None
    terms: frozenset[str] = frozenset()


def measure(database_url: str, chats: int, articles: int) -> tuple[int, int, float, float]:
    engine, sessions = open_database(database_url)
    now = utcnow()
    try:
        with sessions.begin() as session:
            subscriptions.ensure_instant_watermark(session, now)
            follows.ensure_alert_watermark(session, now)
            actor_id = repository.ensure_actor(session, _Actor())
            for number in range(chats):
                chat = FIRST_CHAT + number
                subscriptions.subscribe(
                    session, chat, mode="instant", daily_time=None, default_timezone="UTC", now=now
                )
                follows.follow(session, chat, actor_id, default_timezone="UTC")
                if number % 2:
                    subscriber = subscriptions.chat_subscriber(session, chat, "UTC")
                    preferences.set_keywords(session, subscriber, ["ceasefire", "grain", "x"])
        for number in range(articles):
            with sessions.begin() as session:
                repository.add_article(
                    session,
                    source=f"benchmarks/follows-{number}.txt",
                    title=f"Talks, day {number}",
                    text=PARAGRAPH * 20,
                    summary=[PARAGRAPH],
                    fingerprint=uuid.uuid4().hex,
                    raw_hash=uuid.uuid4().hex,
                    published_at=None,
                    statements=[_Statement(0), _Statement(5)],
                )
        started = time.perf_counter()
        with sessions.begin() as session:
            follows.queue_alerts(session, utcnow())
            subscriptions.create_instant_digest(session, utcnow())
        queueing = time.perf_counter() - started
        with sessions.begin() as session:
            digest_ids = sorted(set(session.scalars(select(Delivery.digest_id))))
            queued = len(session.scalars(select(Delivery.id)).all())
        started = time.perf_counter()
        for digest_id in digest_ids:
            with sessions.begin() as session:
                assert digest_parts(session, digest_id)
        rendering = time.perf_counter() - started
        return queued, len(digest_ids), queueing, rendering
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("BENCHMARK_DATABASE_URL"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'follows.db'}"
        queued, rendered, queueing, rendering = measure(url, args.chats, args.articles)
    print(f"chats              {args.chats} (half with keyword preferences)")
    print(f"articles           {args.articles}")
    print(f"deliveries queued  {queued}")
    print(f"queueing seconds   {queueing:.2f}  (alerts + instant digests, one transaction)")
    print(f"distinct contents  {rendered}  (the shared digest once, each alert and own digest)")
    print(
        f"rendering seconds  {rendering:.2f}  ({rendering / max(rendered, 1) * 1000:.1f} ms each)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
