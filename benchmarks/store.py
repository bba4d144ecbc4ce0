"""A database filled with news-like articles, quickly, for the benchmarks that need a store.

The five seed articles go through the real ingest (so the seed actors have positions and
changed positions). The news-like articles are processed once each by the real pipeline
(``brief``) and stored through ``repository.add_article``; past the distinct texts the same
briefings are stored again under new fingerprints, so actors, positions per actor and rows
per table grow in proportion, as they would with more of the same news. Filling the store
is not what the benchmarks time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from benchmarks.corpus import news_like
from bot.pipeline.actors import Registry
from bot.pipeline.brief import Briefing, brief
from bot.pipeline.ingest import Ingestor
from bot.pipeline.load import load_bytes
from storage import repository
from storage.db import open_database

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "articles"
DISTINCT = 1000  # news-like texts processed; more articles reuse their briefings
BATCH = 500  # articles per transaction while filling


def fill(database_url: str, articles: int) -> int:
    """Store ``articles`` articles (at least the five seeds); return how many are stored."""
    engine, sessions = open_database(database_url)
    try:
        registry = Registry.load()
        ingestor = Ingestor(sessions, registry)
        stored = ingestor.ingest_paths([SEEDS]).count("added")
        wanted = max(0, articles - stored)
        briefings: list[tuple[str, Briefing]] = [
            (name, brief(load_bytes(data, name), registry))
            for name, data in news_like(min(wanted, DISTINCT))
        ]
        directory = repository.ActorDirectory()
        for start in range(0, wanted, BATCH):
            with sessions.begin() as session:
                for number in range(start, min(start + BATCH, wanted)):
                    name, briefing = briefings[number % len(briefings)]
                    copy = number // len(briefings)
                    fingerprint = hashlib.sha256(
                        f"{briefing.article.fingerprint}/{copy}".encode()
                    ).hexdigest()
                    repository.add_article(
                        session,
                        source=f"benchmarks/{name}" + (f"#{copy}" if copy else ""),
                        title=briefing.title,
                        text=briefing.article.text,
                        summary=briefing.summary,
                        fingerprint=fingerprint,
                        raw_hash=fingerprint,
                        published_at=briefing.published,
                        statements=briefing.statements,
                        directory=directory,
                    )
            directory.committed()
        return stored + wanted
    finally:
        engine.dispose()
