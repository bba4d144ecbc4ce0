"""`who` answer latency as the store grows, measured in one run.

Ingests news-like articles (BBC-derived plus the seeds) and times the answer the bot's /who
handler builds (actor lookup, one page of positions, change links), for known names and a
misspelling. Run: ``python -m benchmarks.who_latency --articles 5 1000``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import news_like
from bot import answers
from bot.pipeline.actors import Registry
from bot.pipeline.ingest import Ingestor
from storage.db import open_database

QUERIES = ("Trump", "Zelenskyy", "Tony Blair", "Labour", "Kremlin", "Zelenksy")
PAGE = 5
ROUNDS = 40


def measure(articles: int, folder: Path) -> tuple[float, float]:
    _engine, sessions = open_database(f"sqlite:///{folder / f'who-{articles}.db'}")
    ingestor = Ingestor(sessions, Registry.load())
    ingestor.ingest_paths([Path(__file__).resolve().parents[1] / "seeds" / "articles"])
    for name, data in news_like(max(0, articles - 5)):
        ingestor.ingest_bytes(data, name, name)
    timings = []
    for _ in range(ROUNDS):
        for query in QUERIES:
            started = time.perf_counter()
            with sessions.begin() as session:
                answers.who(session, query, limit=PAGE)
            timings.append(1000 * (time.perf_counter() - started))
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * len(timings)) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, nargs="+", default=[5, 1000])
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for count in args.articles:
            results[count] = measure(count, Path(folder))
            print(
                f"{count:>6} articles: p50 {results[count][0]:6.1f} ms  p95 {results[count][1]:6.1f} ms"
            )
    smallest, largest = min(results), max(results)
    print(
        f"p95 growth {smallest} -> {largest} articles: {results[largest][1] / results[smallest][1]:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
