"""The benchmarks still run and measure what they claim, on tiny inputs (seconds, not minutes)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import ingest, store, who_latency
from benchmarks.corpus import news_like
from storage import repository
from storage.db import open_database


def test_the_ingest_benchmark_runs_both_pipelines_over_every_article() -> None:
    articles = list(news_like(12))
    plain, ours = ingest.measure(articles, chunk_size=5)
    assert plain.stored == ours.stored == 12
    assert plain.cpu > 0 and ours.cpu > 0 and plain.wall > 0 and ours.wall > 0


def test_a_filled_store_holds_the_seeds_and_copies_past_the_distinct_texts(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(store, "DISTINCT", 4)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert store.fill(url, 15) == 15
    engine, sessions = open_database(url)
    with sessions.begin() as session:
        latest = repository.latest_articles(session, 20)
        assert len(latest) == 15
        assert sum("#" in article.source for article in latest) == 6  # 10 news-like, 4 distinct
    engine.dispose()


def test_who_replies_are_timed_through_the_fake_for_each_store(tmp_path: Path) -> None:
    timings = who_latency.measure([5, 8], tmp_path, rounds=1)
    assert sorted(timings) == [5, 8]
    for replies in timings.values():
        assert len(replies) == len(who_latency.QUERIES)
        assert all(0 < ms < 30_000 for ms in replies)
