"""/who reply time through the Bot API fake as the store grows, measured in one run.

For each store size the real application (``bot.app.build_application``, started as the
tests start it) long-polls ``tests/fake_bot_api.py``; /who updates are injected one at a time
and each is timed from the moment the update is queued for the waiting getUpdates to the
moment the bot's sendMessage reaches the fake. Known names, an alias and a misspelling are
asked in turn, each from its own chat, paced below Telegram's 30 messages a second so the
bot's rate limiter never has to hold a reply back. One bot per store size runs at the same
time and they take turns request by request, so a busy neighbour on the machine slows all
sizes alike and the growth ratio stays fair.

Run: ``python -m benchmarks.who_latency --articles 5 1000 10000``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import tempfile
import time
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import store
from bot import charts
from bot.config import Settings
from storage import repository
from storage.db import open_database
from tests.conftest import running_bot
from tests.fake_bot_api import FakeBotApi

QUERIES = ("Trump", "Zelenskyy", "Tony Blair", "Labour", "Kremlin", "Zelenksy")
ROUNDS = 40
WARM_UP = len(QUERIES)  # first answers load code and fill caches; not counted
REQUEST_INTERVAL = 0.05  # s between requests: 20 a second, under the 30 a second pacing
FIRST_CHAT = 20_000_000
TOKEN = "7000000002:AAHbenchmark-token_0123456789abcdefghij"
P95_TARGET_MS = 100.0
GROWTH_TARGET = 1.2


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class _Store:
    settings: Settings
    api: FakeBotApi
    charted: frozenset[str]  # queries whose reply is followed by a timeline chart


def _charted_queries(database_url: str) -> frozenset[str]:
    """The names for which /who sends a chart after its reply (enough positions)."""
    engine, sessions = open_database(database_url)
    try:
        with sessions.begin() as session:
            charted = set()
            for query in QUERIES:
                actor = repository.find_actor(session, query).actor
                positions = repository.count_statements(session, actor.id) if actor else 0
                if positions >= charts.MIN_TIMELINE_POSITIONS:
                    charted.add(query)
            return frozenset(charted)
    finally:
        engine.dispose()


async def _latencies(stores: dict[int, _Store], rounds: int) -> dict[int, list[float]]:
    """Reply times per store size; the bots take turns, so load on the machine hits all.

    After a reply that comes with a chart, the next request waits for the chart: the chart
    is drawn in a worker thread after the reply, and the next reply should be timed on an
    idle bot (``python -m benchmarks.charts`` times the charts).
    """
    timings: dict[int, list[float]] = {size: [] for size in stores}
    async with AsyncExitStack() as bots:
        for store_ in stores.values():
            await bots.enter_async_context(running_bot(store_.settings, first_scan_after=3600))
            await store_.api.wait_for_polling_async()
        for number in range(WARM_UP + rounds * len(QUERIES)):
            name = QUERIES[number % len(QUERIES)]
            chat = FIRST_CHAT + number
            for size, store_ in stores.items():
                api = store_.api
                started = time.monotonic()
                api.send_command(chat_id=chat, user_id=chat, text=f"/who {name}")
                reply = await api.wait_for_async(method="sendMessage", chat_id=chat, timeout=30)
                if number >= WARM_UP:
                    timings[size].append(1000 * (reply.timestamp - started))
                if name in store_.charted:
                    await api.wait_for_async(method="sendPhoto", chat_id=chat, timeout=60)
                await asyncio.sleep(max(0.0, started + REQUEST_INTERVAL - time.monotonic()))
    return timings


def measure(sizes: list[int], folder: Path, rounds: int = ROUNDS) -> dict[int, list[float]]:
    """Reply times in ms for a fresh store of each size (articles actually stored)."""
    with ExitStack() as fakes:
        stores: dict[int, _Store] = {}
        for size in sizes:
            url = f"sqlite:///{folder / f'who-{size}.db'}"
            stored = store.fill(url, size)
            api = fakes.enter_context(FakeBotApi())
            values: dict[str, Any] = {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": api.base_url,
                "DATABASE_URL": url,
                "BRIEFBOT_INBOX": str(folder / f"inbox-{size}"),
            }
            settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
            stores[stored] = _Store(settings, api, _charted_queries(url))
        return asyncio.run(_latencies(stores, rounds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, nargs="+", default=[5, 1000, 10000])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="times each name is asked")
    args = parser.parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    with tempfile.TemporaryDirectory() as folder:
        results = measure(args.articles, Path(folder), args.rounds)
    p95: dict[int, float] = {}
    for count, timings in results.items():
        p95[count] = percentile(timings, 0.95)
        print(
            f"{count:>6} articles: {len(timings)} replies, "
            f"p50 {statistics.median(timings):6.1f} ms  p95 {p95[count]:6.1f} ms  "
            f"max {max(timings):6.1f} ms"
        )
    smallest = min(p95)
    for count in sorted(p95):
        if count != smallest:
            print(
                f"p95 growth {smallest} -> {count} articles: {p95[count] / p95[smallest]:.2f}x "
                f"(target <= {GROWTH_TARGET}x)"
            )
    worst = max(p95.values())
    print(f"worst p95 {worst:.1f} ms (target < {P95_TARGET_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
