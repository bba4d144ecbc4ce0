"""Ingest throughput against a plain pipeline, measured in one run.

The plain pipeline splits sentences, runs sumy's LexRank for 3 sentences and inserts the
article into SQLite, one transaction per article. briefbot's ingest also cleans, extracts
positions, resolves actors and links changed positions.

The two pipelines take turns on small chunks of the same articles (which one goes first
alternates), so a busy neighbour on a shared machine slows both alike. Both wall-clock and
process CPU time are summed; on a loaded machine the CPU-time ratio is the steadier one.
Run: ``python -m benchmarks.ingest --articles 1000``.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from benchmarks.corpus import news_like
from bot.pipeline.actors import Registry
from bot.pipeline.ingest import Ingestor
from bot.pipeline.sentences import OfflineTokenizer
from storage.db import open_database

Articles = Sequence[tuple[str, bytes]]


class PlainPipeline:
    """Split, LexRank 3 sentences, one SQLite insert per article: the issue's yardstick."""

    def __init__(self, database: Path) -> None:
        self.connection = sqlite3.connect(database)
        # The durability briefbot runs with (storage/db.py), so neither side is timed waiting
        # for fsync: without it the yardstick is several times slower on a busy disk.
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.execute("CREATE TABLE articles (source TEXT, text TEXT, summary TEXT)")
        self.summarizer = LexRankSummarizer(Stemmer("english"))
        self.summarizer.stop_words = get_stop_words("english")
        self.tokenizer = OfflineTokenizer()

    def run(self, articles: Articles) -> int:
        for name, data in articles:
            text = data.decode("utf-8")
            parser = PlaintextParser.from_string(text, self.tokenizer)
            summary = " ".join(str(s) for s in self.summarizer(parser.document, 3))
            with self.connection:
                self.connection.execute(
                    "INSERT INTO articles VALUES (?, ?, ?)", (name, text, summary)
                )
        return len(articles)


class BriefbotPipeline:
    """The real ingest: the ``Ingestor`` that ``briefbot ingest`` and the bot use, in the
    same batches."""

    def __init__(self, database: Path) -> None:
        _engine, sessions = open_database(f"sqlite:///{database}")
        self.ingestor = Ingestor(sessions, Registry.load())

    def run(self, articles: Articles) -> int:
        results = self.ingestor.ingest_many((data, name, name) for name, data in articles)
        return sum(result.status == "added" for result in results)


@dataclass
class Timing:
    wall: float = 0.0
    cpu: float = 0.0
    stored: int = 0

    def run(self, pipeline: PlainPipeline | BriefbotPipeline, chunk: Articles) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.stored += pipeline.run(chunk)
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu


def measure(articles: Articles, chunk_size: int) -> tuple[Timing, Timing]:
    """Time taken by the plain pipeline and by briefbot on the same articles."""
    with tempfile.TemporaryDirectory() as folder:
        plain = PlainPipeline(Path(folder) / "plain.db")
        ours = BriefbotPipeline(Path(folder) / "briefbot.db")
        plain_time, ours_time = Timing(), Timing()
        turns: list[tuple[PlainPipeline | BriefbotPipeline, Timing]] = [
            (plain, plain_time),
            (ours, ours_time),
        ]
        for number, start in enumerate(range(0, len(articles), chunk_size)):
            chunk = articles[start : start + chunk_size]
            for pipeline, timing in turns if number % 2 == 0 else reversed(turns):
                timing.run(pipeline, chunk)
        plain.connection.close()
    return plain_time, ours_time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=25, help="articles per turn")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the median ratio is shown")
    args = parser.parse_args(argv)
    articles = list(news_like(args.articles))
    print(
        f"{len(articles)} articles, turns of {args.chunk}: plain = split + LexRank 3 + SQLite "
        "insert; briefbot = clean, summarise, positions, actors, changes, store"
    )
    wall_ratios, cpu_ratios = [], []
    for run in range(1, args.repeat + 1):
        plain, ours = measure(articles, args.chunk)
        wall_ratios.append(ours.wall / plain.wall)
        cpu_ratios.append(ours.cpu / plain.cpu)
        per_article = 1000 / len(articles)
        print(
            f"run {run}: plain {plain.wall:.2f} s wall, {plain.cpu * per_article:.2f} ms CPU/article; "
            f"briefbot {ours.wall:.2f} s wall, {ours.cpu * per_article:.2f} ms CPU/article "
            f"(stored {ours.stored}); ratio {wall_ratios[-1]:.2f}x wall, {cpu_ratios[-1]:.2f}x CPU"
        )
    median = f" (median of {args.repeat} runs)" if args.repeat > 1 else ""
    print(
        f"ratio briefbot / plain: {statistics.median(wall_ratios):.2f}x wall, "
        f"{statistics.median(cpu_ratios):.2f}x CPU{median} (target <= 1.0x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
