"""Ingest throughput against a plain pipeline, measured in one run.

The plain pipeline splits sentences, runs sumy's LexRank for 3 sentences and inserts the
article into SQLite. briefbot's ingest also cleans, extracts positions, resolves actors and
links changed positions. Run: ``python -m benchmarks.ingest --articles 1000``.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
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


def plain_pipeline(articles: list[tuple[str, bytes]], database: Path) -> float:
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE articles (source TEXT, text TEXT, summary TEXT)")
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = OfflineTokenizer()
    started = time.perf_counter()
    for name, data in articles:
        text = data.decode("utf-8")
        parser = PlaintextParser.from_string(text, tokenizer)
        summary = " ".join(str(s) for s in summarizer(parser.document, 3))
        with connection:
            connection.execute("INSERT INTO articles VALUES (?, ?, ?)", (name, text, summary))
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def briefbot_pipeline(articles: list[tuple[str, bytes]], database: Path) -> tuple[float, int]:
    _engine, sessions = open_database(f"sqlite:///{database}")
    ingestor = Ingestor(sessions, Registry.load())
    started = time.perf_counter()
    added = sum(
        ingestor.ingest_bytes(data, name, name).status == "added" for name, data in articles
    )
    return time.perf_counter() - started, added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args(argv)
    articles = list(news_like(args.articles))
    with tempfile.TemporaryDirectory() as folder:
        plain = plain_pipeline(articles, Path(folder) / "plain.db")
        ours, added = briefbot_pipeline(articles, Path(folder) / "briefbot.db")
    print(f"articles: {len(articles)} (briefbot stored {added})")
    print(
        f"plain split + LexRank + SQLite insert: {plain:.2f} s ({1000 * plain / len(articles):.1f} ms/article)"
    )
    print(
        f"briefbot ingest (clean, summarise, positions, actors, changes): {ours:.2f} s ({1000 * ours / len(articles):.1f} ms/article)"
    )
    print(f"ratio briefbot / plain: {ours / plain:.2f}x (target <= 1.0x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
