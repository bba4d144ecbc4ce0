"""Store articles with their briefings and positions, a batch of articles per transaction.

Files are taken in batches: one query finds the ones already stored, the rest are processed
(CPU work, no transaction open) and then written together in one short transaction, so a
crash leaves whole articles or nothing, and the next scan picks the files up again. If
writing the batch fails, its articles are written again one transaction each, so a bad
article is reported with its own reason and never costs the others, and a failing database
still takes the articles that fit before the run stops.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from importlib import resources
from itertools import chain
from pathlib import Path

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.pipeline.actors import ActorRef, Registry
from bot.pipeline.brief import Briefing, brief
from bot.pipeline.changes import change_kind, same_topic
from bot.pipeline.load import LoadedText, RejectedInput, load_bytes, read_article_bytes
from storage import repository

log = logging.getLogger(__name__)

SEEDS_PACKAGE = Path(str(resources.files("seeds"))).resolve()

Progress = Callable[[int, int, str], None]
CHANGE_LOOKBACK = 200  # earlier statements of one actor compared with each new one
# Articles written per transaction: large enough that per-transaction costs vanish, small
# enough that the write lock is held for well under a second.
BATCH_SIZE = 50


@dataclass
class FileResult:
    source: str
    status: str  # added | duplicate | rejected
    reason: str | None = None
    title: str | None = None
    article_id: int | None = None


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    stopped: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def added_ids(self) -> list[int]:
        return [r.article_id for r in self.results if r.status == "added" and r.article_id]

    @property
    def ok(self) -> bool:
        return self.stopped is None and self.count("rejected") == 0

    def summary_line(self) -> str:
        line = (
            f"{len(self.results)} file(s): {self.count('added')} added, "
            f"{self.count('duplicate')} already stored, {self.count('rejected')} rejected"
        )
        return f"{line}; stopped: {self.stopped}" if self.stopped else line

    def to_json(self) -> dict[str, object]:
        return {
            "added": self.count("added"),
            "duplicates": self.count("duplicate"),
            "rejected": self.count("rejected"),
            "stopped": self.stopped,
            "files": [asdict(result) for result in self.results],
        }


@dataclass(frozen=True)
class WebOrigin:
    url: str | None  # normalised (bot.sources.urls.normalise_url); None: no address
    headline: str | None = None
    published: datetime | None = None

    def applied_to(self, loaded: LoadedText) -> LoadedText:
        return replace(
            loaded,
            headline=self.headline or loaded.headline,
            published=self.published or loaded.published,
        )


class DatabaseUnavailable(RuntimeError):
    """Writing failed for every article alike (disk full, read-only, server gone).

    ``results`` are those of the batch's files before the one that met the failure.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.results: list[FileResult] = []


def article_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under ``paths`` in a stable order, hidden files and folders left out."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if child.is_file() and not any(part.startswith(".") for part in relative):
                    yield child
        else:
            yield path


def display_source(path: Path) -> str:
    """The path as a reader should see it: relative to the working folder, or to the
    installed package for the shipped seeds, else as given."""
    resolved = path.resolve()
    for base in (Path.cwd().resolve(), SEEDS_PACKAGE.parent):
        if resolved.is_relative_to(base):
            return str(resolved.relative_to(base))
    return str(path)


@dataclass
class _Pending:
    """One file on its way through a batch."""

    source: str
    name: str
    raw: bytes
    web: WebOrigin | None = None  # where a fetched article came from
    raw_hash: str = ""
    result: FileResult | None = None
    briefing: Briefing | None = None
    repeats: _Pending | None = None  # an earlier file of the batch with the same bytes


class Ingestor:
    def __init__(self, sessions: sessionmaker[Session], registry: Registry) -> None:
        self.sessions = sessions
        self.registry = registry
        self.actors = repository.ActorDirectory()
        with sessions.begin() as session:
            repository.sync_registry(session, registry.actors)

    def ingest_paths(self, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
        files = list(article_files(paths))
        report = IngestReport()
        for start in range(0, len(files), BATCH_SIZE):
            batch = []
            for number, path in enumerate(files[start : start + BATCH_SIZE], start=start + 1):
                if progress:
                    progress(number, len(files), str(path))
                batch.append(self._read(path))
            try:
                report.results.extend(self._ingest_batch(batch))
            except DatabaseUnavailable as error:
                report.results.extend(error.results)
                report.stopped = str(error)
                break
        self._record(report)
        return report

    def ingest_file(self, path: Path) -> FileResult:
        return self._ingest_batch([self._read(path)])[0]

    def ingest_bytes(
        self, raw: bytes, source: str, name: str, web: WebOrigin | None = None
    ) -> FileResult:
        """Store one article given as bytes; ``name`` (file name or URL) hints at its format.

        ``web`` is where a fetched article came from: its headline and date (a feed's) win
        over the page's own, and its address is stored so the page is never fetched twice.
        """
        return self._ingest_batch([_Pending(source, name, raw, web)])[0]

    def ingest_many(self, articles: Iterable[tuple[bytes, str, str]]) -> Iterator[FileResult]:
        """Store (bytes, source, name) articles in batches, one result per article in order."""
        batch: list[_Pending] = []
        for raw, source, name in articles:
            batch.append(_Pending(source, name, raw))
            if len(batch) == BATCH_SIZE:
                yield from self._ingest_batch(batch)
                batch = []
        if batch:
            yield from self._ingest_batch(batch)

    @staticmethod
    def _read(path: Path) -> _Pending:
        source = display_source(path)
        try:
            return _Pending(source, path.name, read_article_bytes(path))
        except RejectedInput as error:
            return _Pending(
                source, path.name, b"", result=FileResult(source, "rejected", str(error))
            )

    def _ingest_batch(self, batch: list[_Pending]) -> list[FileResult]:
        todo = [item for item in batch if item.result is None]
        try:
            self._skip_stored_bytes(todo)
            fresh = [item for item in todo if item.result is None and item.repeats is None]
            for item in fresh:
                item.briefing, item.result = self._process(item)
            self._write([item for item in fresh if item.briefing is not None])
        except DatabaseUnavailable as error:
            error.results = _results_before_the_first_missing(batch)
            raise
        results = _results_before_the_first_missing(batch)
        assert len(results) == len(batch), "every file gets exactly one result"
        return results

    def _skip_stored_bytes(self, items: list[_Pending]) -> None:
        """Files whose exact bytes are stored already are duplicates and are not processed."""
        if not items:
            return
        first_with_hash: dict[str, _Pending] = {}
        for item in items:
            item.raw_hash = hashlib.sha256(item.raw).hexdigest()
            first = first_with_hash.setdefault(item.raw_hash, item)
            item.repeats = None if first is item else first
        try:
            with self.sessions.begin() as session:
                stored = repository.articles_with_raw_hashes(session, list(first_with_hash))
        except OperationalError as error:
            raise DatabaseUnavailable(
                f"database error: {_first_line(error.orig or error)}"
            ) from error
        except SQLAlchemyError as error:
            log.exception("looking up already stored files failed")
            for item in items:
                item.result = FileResult(
                    item.source, "rejected", f"database error: {_first_line(error)}"
                )
            return
        for item in items:
            known = stored.get(item.raw_hash)
            if known is not None and item.repeats is None:
                item.result = FileResult(
                    item.source,
                    "duplicate",
                    f"already stored from {known.source}",
                    known.title,
                    known.id,
                )

    def _process(self, item: _Pending) -> tuple[Briefing | None, FileResult | None]:
        """The briefing, or the reason there is none; no transaction is open meanwhile."""
        try:
            loaded = load_bytes(item.raw, item.name)
            if item.web is not None:
                loaded = item.web.applied_to(loaded)
            return brief(loaded, self.registry), None
        except RejectedInput as error:
            return None, FileResult(item.source, "rejected", str(error))
        except Exception as error:  # a bug in one article must not stop the others
            log.exception("processing %s failed", item.source)
            reason = f"internal error ({type(error).__name__})"
            return None, FileResult(item.source, "rejected", reason)

    def _write(self, items: list[_Pending]) -> None:
        """All items in one transaction; if that fails, each in its own for its own result."""
        if not items:
            return
        try:
            with self.sessions.begin() as session:
                known = self._stored_fingerprints(session, items)
                repository.look_up_actors(session, _actors_named(items), self.actors)
                results = self._store(session, items, known)
            self.actors.committed()
            for item, result in zip(items, results, strict=True):
                item.result = result
        except Exception:  # one article's failure must not cost the others: retry one by one
            self.actors.rolled_back()
            # A failing database (disk full) still takes the articles that fit, as before.
            for item in items:
                item.result = self._write_one(item)

    @staticmethod
    def _stored_fingerprints(
        session: Session, items: list[_Pending]
    ) -> dict[str, repository.StoredArticle]:
        return repository.articles_with_fingerprints(
            session, [item.briefing.article.fingerprint for item in items if item.briefing]
        )

    def _store(
        self, session: Session, items: list[_Pending], known: dict[str, repository.StoredArticle]
    ) -> list[FileResult]:
        """Write the processed articles whose text is not stored (nor written earlier in the
        batch), then link their changed positions, article by article."""
        fresh: dict[str, _Pending] = {}  # fingerprint: the first item with that text
        for item in items:
            assert item.briefing is not None
            fingerprint = item.briefing.article.fingerprint
            if fingerprint not in known:
                fresh.setdefault(fingerprint, item)
        stored = repository.add_articles(
            session, [_to_add(item) for item in fresh.values()], self.actors
        )
        for (fingerprint, item), article in zip(fresh.items(), stored, strict=True):
            _link_changes(session, article)
            known[fingerprint] = repository.StoredArticle(article.id, item.source, article.title)
        return [_stored_result(item, known, fresh) for item in items]

    def _write_one(self, item: _Pending) -> FileResult:
        try:
            with self.sessions.begin() as session:
                [result] = self._store(session, [item], self._stored_fingerprints(session, [item]))
            self.actors.committed()
            return result
        except IntegrityError:
            # Another process stored the same article between our check and our insert.
            return FileResult(item.source, "duplicate", "stored meanwhile by another process")
        except OperationalError as error:
            raise DatabaseUnavailable(
                f"database error: {_first_line(error.orig or error)}"
            ) from error
        except SQLAlchemyError as error:
            log.exception("storing %s failed", item.source)
            return FileResult(item.source, "rejected", f"database error: {_first_line(error)}")
        except Exception as error:  # a bug in one article must not stop the others
            log.exception("storing %s failed", item.source)
            return FileResult(item.source, "rejected", f"internal error ({type(error).__name__})")
        finally:
            self.actors.rolled_back()  # no-op after a commit; forgets ids of a rolled-back one

    def _record(self, report: IngestReport) -> None:
        try:
            with self.sessions.begin() as session:
                repository.record_ingest_run(
                    session, report.count("added"), report.count("rejected")
                )
        except SQLAlchemyError as error:
            report.stopped = report.stopped or f"database error: {_first_line(error)}"


def _to_add(item: _Pending) -> repository.ArticleToAdd:
    assert item.briefing is not None
    briefing = item.briefing
    return repository.ArticleToAdd(
        source=item.source,
        title=briefing.title,
        text=briefing.article.text,
        summary=briefing.summary,
        fingerprint=briefing.article.fingerprint,
        raw_hash=item.raw_hash,
        published_at=briefing.published,
        statements=briefing.statements,
        url=item.web.url if item.web else None,
    )


def _stored_result(
    item: _Pending, known: dict[str, repository.StoredArticle], fresh: dict[str, _Pending]
) -> FileResult:
    """Added if ``item`` was written, else a duplicate of the article with the same text."""
    assert item.briefing is not None
    fingerprint = item.briefing.article.fingerprint
    same = known[fingerprint]
    if fresh.get(fingerprint) is item:
        return FileResult(item.source, "added", None, same.title, same.id)
    return FileResult(item.source, "duplicate", f"same text as {same.source}", same.title, same.id)


def _actors_named(items: list[_Pending]) -> Iterator[ActorRef]:
    for item in items:
        for statement in item.briefing.statements if item.briefing else ():
            yield statement.actor
            if statement.reported_by is not None:
                yield statement.reported_by


def _results_before_the_first_missing(batch: list[_Pending]) -> list[FileResult]:
    """The results in file order, up to the first file that has none (the batch stopped)."""
    results: list[FileResult] = []
    for item in batch:
        if item.result is None and item.repeats is not None and item.repeats.result is not None:
            item.result = _repeat_result(item, item.repeats)
        if item.result is None:
            break
        results.append(item.result)
    return results


def _repeat_result(item: _Pending, first: _Pending) -> FileResult:
    """The same bytes twice in one batch: what the second would have met after the first."""
    assert first.result is not None
    if first.result.status == "added":
        return FileResult(
            item.source,
            "duplicate",
            f"already stored from {first.source}",
            first.result.title,
            first.result.article_id,
        )
    return replace(first.result, source=item.source)


def _link_changes(session: Session, article: repository.NewArticle) -> None:
    """Link each new statement to the actor's earlier statements on the same topic in the
    latest article that discussed it, where the stance moved (a reversal or a shift)."""
    earlier_by_actor = repository.earlier_statements(
        session, {s.actor_id for s in article.statements}, article.id, CHANGE_LOOKBACK
    )
    for statement in article.statements:
        terms = frozenset(statement.terms.split())
        earlier = earlier_by_actor.get(statement.actor_id, [])
        related = (c for c in earlier if same_topic(terms, frozenset(c.terms.split())))
        latest = next(related, None)  # newest first: read on only through its article
        if latest is None:
            continue
        for candidate in chain((latest,), related):
            if candidate.article_id != latest.article_id:
                break
            kind = change_kind(candidate.stance, statement.stance)
            if kind is not None:
                repository.add_change(session, statement.id, candidate.id, kind)


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
