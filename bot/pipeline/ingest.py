"""Store articles with their briefings and positions, one short transaction per article.

A file is processed (CPU work, no transaction open) and then written in a single
transaction, so a crash leaves either the whole article or nothing, and the next scan picks
the file up again. Bad files are reported with a reason and never stop the others.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.pipeline.actors import Registry
from bot.pipeline.brief import brief
from bot.pipeline.changes import change_kind, same_topic
from bot.pipeline.load import LoadedText, RejectedInput, load_bytes, read_article_bytes
from storage import repository
from storage.models import Article

log = logging.getLogger(__name__)

SEEDS_PACKAGE = Path(str(resources.files("seeds"))).resolve()

Progress = Callable[[int, int, str], None]
CHANGE_LOOKBACK = 200  # earlier statements of one actor compared with each new one


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
    """Writing failed for every article alike (disk full, read-only, server gone)."""


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
        for number, path in enumerate(files, start=1):
            if progress:
                progress(number, len(files), str(path))
            try:
                report.results.append(self.ingest_file(path))
            except DatabaseUnavailable as error:
                report.stopped = str(error)
                break
        self._record(report)
        return report

    def ingest_file(self, path: Path) -> FileResult:
        source = display_source(path)
        try:
            raw = read_article_bytes(path)
        except RejectedInput as error:
            return FileResult(source, "rejected", str(error))
        return self.ingest_bytes(raw, source, path.name)

    def ingest_bytes(
        self, raw: bytes, source: str, name: str, web: WebOrigin | None = None
    ) -> FileResult:
        """Store one article given as bytes; ``name`` (file name or URL) hints at its format.

        ``web`` is where a fetched article came from: its headline and date (a feed's) win
        over the page's own, and its address is stored so the page is never fetched twice.
        """
        raw_hash = hashlib.sha256(raw).hexdigest()
        try:
            with self.sessions.begin() as session:
                known = repository.article_with_raw_hash(session, raw_hash)
                if known is not None:
                    return FileResult(
                        source,
                        "duplicate",
                        f"already stored from {known.source}",
                        known.title,
                        known.id,
                    )
            loaded = load_bytes(raw, name)
            if web is not None:
                loaded = web.applied_to(loaded)
            briefing = brief(loaded, self.registry)
            with self.sessions.begin() as session:
                known = repository.article_with_fingerprint(session, briefing.article.fingerprint)
                if known is not None:
                    return FileResult(
                        source, "duplicate", f"same text as {known.source}", known.title, known.id
                    )
                article = repository.add_article(
                    session,
                    source=source,
                    title=briefing.title,
                    text=briefing.article.text,
                    summary=briefing.summary,
                    fingerprint=briefing.article.fingerprint,
                    raw_hash=raw_hash,
                    published_at=briefing.published,
                    statements=briefing.statements,
                    directory=self.actors,
                )
                if web is not None:
                    article.url = web.url
                _link_changes(session, article)
                added = FileResult(source, "added", None, article.title, article.id)
            self.actors.committed()
            return added
        except RejectedInput as error:
            return FileResult(source, "rejected", str(error))
        except IntegrityError:
            # Another process stored the same article between our check and our insert.
            return FileResult(source, "duplicate", "stored meanwhile by another process")
        except OperationalError as error:
            raise DatabaseUnavailable(
                f"database error: {_first_line(error.orig or error)}"
            ) from error
        except SQLAlchemyError as error:
            log.exception("storing %s failed", source)
            return FileResult(source, "rejected", f"database error: {_first_line(error)}")
        except Exception as error:  # a bug in one article must not stop the others
            log.exception("processing %s failed", source)
            return FileResult(source, "rejected", f"internal error ({type(error).__name__})")
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


def _link_changes(session: Session, article: Article) -> None:
    """Link each new statement to the actor's earlier statements on the same topic in the
    latest article that discussed it, where the stance moved (a reversal or a shift)."""
    earlier_by_actor = repository.earlier_statements(
        session, {s.actor_id for s in article.statements}, article.id, CHANGE_LOOKBACK
    )
    for statement in article.statements:
        terms = frozenset(statement.terms.split())
        earlier = earlier_by_actor.get(statement.actor_id, [])
        related = [c for c in earlier if same_topic(terms, frozenset(c.terms.split()))]
        for candidate in related:
            if candidate.article_id != related[0].article_id:
                break
            kind = change_kind(candidate.stance, statement.stance)
            if kind is not None:
                repository.add_change(session, statement.id, candidate.id, kind)


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
