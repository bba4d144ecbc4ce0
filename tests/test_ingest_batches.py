"""Ingest in batches: each file gets the result it would get alone, in order, and one
article the database refuses costs no other article of its batch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.pipeline.actors import Registry
from bot.pipeline.ingest import Ingestor
from storage.models import Article
from tests.helpers import SEEDS

FIRST, SECOND = SEEDS / "000_381c8fa5f7f448f3.txt", SEEDS / "002_ffeabc11d1486852.txt"


def test_repeats_inside_one_batch_get_the_results_of_files_taken_one_by_one(
    sessions: sessionmaker[Session], registry: Registry, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(FIRST, folder / "a.txt")
    shutil.copy(FIRST, folder / "b-same-bytes.txt")
    original = FIRST.read_text(encoding="utf-8")
    (folder / "c-same-text.txt").write_text(original.replace("\n", "\r\n"), encoding="utf-8")
    (folder / "d-empty.txt").write_bytes(b"")
    (folder / "e-empty-again.txt").write_bytes(b"")
    shutil.copy(SECOND, folder / "f.txt")

    report = Ingestor(sessions, registry).ingest_paths([folder])

    results = {Path(r.source).name: r for r in report.results}
    assert [Path(r.source).name for r in report.results] == sorted(results)
    assert [r.status for r in report.results] == [
        "added",
        "duplicate",
        "duplicate",
        "rejected",
        "rejected",
        "added",
    ]
    first = results["a.txt"]
    assert results["b-same-bytes.txt"].reason == f"already stored from {first.source}"
    assert results["c-same-text.txt"].reason == f"same text as {first.source}"
    assert results["b-same-bytes.txt"].article_id == first.article_id
    assert results["c-same-text.txt"].article_id == first.article_id
    assert results["d-empty.txt"].reason == results["e-empty-again.txt"].reason == "empty file"
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 2


def test_an_article_the_database_refuses_costs_no_other_article_of_its_batch(
    sessions: sessionmaker[Session], registry: Registry
) -> None:
    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("only PostgreSQL enforces the length of a source; SQLite stores it")
    too_long = "feeds/" + "x" * 3000  # articles.source is VARCHAR(2048)
    articles = [
        (FIRST.read_bytes(), "inbox/first.txt", "first.txt"),
        (SECOND.read_bytes(), too_long, "second.txt"),
        ((SEEDS / "003_aaf6f61612fcb751.txt").read_bytes(), "inbox/third.txt", "third.txt"),
    ]

    results = list(Ingestor(sessions, registry).ingest_many(articles))

    assert [r.status for r in results] == ["added", "rejected", "added"]
    assert (results[1].reason or "").startswith("database error")
    with sessions.begin() as session:
        sources = set(session.scalars(select(Article.source)))
    assert sources == {"inbox/first.txt", "inbox/third.txt"}
