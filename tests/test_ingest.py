"""Ingest: idempotence, duplicates under other names, and every kind of bad file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.pipeline.ingest import Ingestor
from storage import repository
from storage.db import open_database
from storage.models import Article, Statement
from tests.helpers import SEEDS, normalise


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_seeds_ingest_once_and_a_second_run_adds_nothing(sessions, registry) -> None:
    first = Ingestor(sessions, registry).ingest_paths([SEEDS])
    assert (first.count("added"), first.count("rejected")) == (5, 0)
    statements = _count(sessions, Statement)
    second = Ingestor(sessions, registry).ingest_paths([SEEDS])
    assert (second.count("added"), second.count("duplicate")) == (0, 5)
    assert _count(sessions, Article) == 5
    assert _count(sessions, Statement) == statements > 0


def test_same_content_under_another_name_is_a_duplicate(sessions, registry, tmp_path) -> None:
    copy = tmp_path / "renamed.txt"
    shutil.copy(SEEDS / "003_aaf6f61612fcb751.txt", copy)
    ingestor = Ingestor(sessions, registry)
    ingestor.ingest_paths([SEEDS / "003_aaf6f61612fcb751.txt"])
    result = ingestor.ingest_file(copy)
    assert result.status == "duplicate"


def test_same_text_with_different_white_space_is_a_duplicate(sessions, registry, tmp_path) -> None:
    original = (SEEDS / "002_ffeabc11d1486852.txt").read_text(encoding="utf-8")
    variant = tmp_path / "variant.txt"
    variant.write_text(original.replace("\n", "\r\n") + "\n\n\n", encoding="utf-8")
    ingestor = Ingestor(sessions, registry)
    assert ingestor.ingest_file(SEEDS / "002_ffeabc11d1486852.txt").status == "added"
    assert ingestor.ingest_file(variant).status == "duplicate"


def test_repeated_text_is_stored_once_with_unique_summary(sessions, registry) -> None:
    result = Ingestor(sessions, registry).ingest_file(SEEDS / "004_6d8013877af51541.txt")
    with sessions.begin() as session:
        article = session.get(Article, result.article_id)
        assert article is not None
        folded = [normalise(s) for s in article.summary]
        assert len(folded) == len(set(folded)) == 3
        assert article.text.count("35 countries") == 1


def _bad_files(folder: Path) -> dict[str, str]:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_text("   \n\n\t\n")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (folder / "boilerplate.txt").write_text(
        'Leave a Reply\nYou must be logged in to post a comment.\n"*" indicates required fields\n'
    )
    (folder / "huge.txt").write_bytes(b"word " * (1_100_000))
    unreadable = folder / "locked.txt"
    unreadable.write_text("A real sentence that nobody may read.")
    unreadable.chmod(0)
    return {
        "empty.txt": "empty file",
        "blank.txt": "only white space",
        "image.png": "binary",
        "boilerplate.txt": "no article text left",
        "huge.txt": "too large",
        "locked.txt": "cannot be read",
    }


def test_each_bad_file_is_reported_by_name_and_the_good_ones_still_go_in(
    sessions, registry, tmp_path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    expected = _bad_files(bad)
    if os.geteuid() == 0:  # root reads any file, so an unreadable file cannot be made here
        expected.pop("locked.txt")
        (bad / "locked.txt").unlink()
    shutil.copy(SEEDS / "000_381c8fa5f7f448f3.txt", bad / "good.txt")
    report = Ingestor(sessions, registry).ingest_paths([bad, tmp_path / "missing.txt"])
    reasons = {Path(r.source).name: r.reason for r in report.results if r.status == "rejected"}
    for name, reason in expected.items():
        assert reason in (reasons.get(name) or ""), (name, reasons.get(name))
    assert "no such file" in (reasons.get("missing.txt") or "")
    assert report.count("added") == 1
    assert not report.ok


def test_a_read_only_database_stops_ingest_and_stores_nothing(registry, tmp_path) -> None:
    database = tmp_path / "briefbot.db"
    engine, writable = open_database(f"sqlite:///{database}")
    Ingestor(writable, registry)  # schema and registry in place
    engine.dispose()
    # SQLite enforces mode=ro even for root, unlike file permissions.
    _engine, readonly = open_database(f"sqlite:///file:{database}?mode=ro&uri=true")
    report = Ingestor(readonly, registry).ingest_paths([SEEDS])
    assert report.stopped is not None and "database error" in report.stopped
    assert "readonly" in report.stopped.replace("-", "").replace(" ", "")
    assert _count(readonly, Article) == 0


def test_an_actors_pages_run_newest_article_first_in_reading_order(sessions, registry) -> None:
    Ingestor(sessions, registry).ingest_paths([SEEDS])
    with sessions.begin() as session:
        trump = repository.find_actor(session, "Trump").actor
        assert trump is not None
        everything = repository.statements_for(session, trump.id)
        pages = [
            statement
            for offset in range(0, len(everything), 3)
            for statement in repository.statements_for(session, trump.id, limit=3, offset=offset)
        ]
        order = [
            (s.article.published_at or s.article.ingested_at, s.article_id, -s.sentence_index)
            for s in everything
        ]
        assert [s.id for s in pages] == [s.id for s in everything]
        assert len(everything) == repository.count_statements(session, trump.id) > 3
        assert order == sorted(order, reverse=True)
