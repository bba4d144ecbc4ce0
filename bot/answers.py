"""The answers to /who and /latest, shared by the command line and the bot.

Each answer is plain data with a ``to_json`` in the exact shape other tools rely on; the
bot's handlers and the CLI only format it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from storage import follows, repository
from storage.clock import utcnow
from storage.models import Actor, Article, Statement


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class ArticleRef:
    title: str
    source: str
    published: datetime | None

    @classmethod
    def of(cls, article: Article) -> ArticleRef:
        return cls(article.title, article.source, article.published_at)

    def to_json(self) -> dict[str, object]:
        return {"title": self.title, "source": self.source, "published": _iso(self.published)}


@dataclass(frozen=True)
class Change:
    evidence: str
    stance: str
    article: ArticleRef

    def to_json(self) -> dict[str, object]:
        return {"evidence": self.evidence, "stance": self.stance, "article": self.article.to_json()}


@dataclass(frozen=True)
class Position:
    stance: str
    evidence: str
    hedged: bool
    reported_by: str | None
    article: ArticleRef
    date: datetime
    changes: tuple[Change, ...] = ()

    def to_json(self) -> dict[str, object]:
        result: dict[str, object] = {
            "stance": self.stance,
            "evidence": self.evidence,
            "hedged": self.hedged,
            "reported_by": self.reported_by,
            "article": self.article.to_json(),
        }
        if self.changes:
            result["changes"] = [change.to_json() for change in self.changes]
        return result


@dataclass(frozen=True)
class ActorCard:
    name: str
    kind: str
    aliases: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "kind": self.kind, "aliases": list(self.aliases)}


@dataclass(frozen=True)
class WhoAnswer:
    query: str
    actor: ActorCard | None
    positions: list[Position] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    total: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "query": self.query,
            "actor": self.actor.to_json() if self.actor else None,
            "statements": [position.to_json() for position in self.positions],
            "suggestions": self.suggestions,
        }


def _position(statement: Statement, earlier: list[Statement]) -> Position:
    article = statement.article
    return Position(
        stance=statement.stance,
        evidence=statement.evidence,
        hedged=statement.hedged,
        reported_by=statement.reported_by.name if statement.reported_by else None,
        article=ArticleRef.of(article),
        date=article.published_at or article.ingested_at,
        changes=tuple(Change(e.evidence, e.stance, ArticleRef.of(e.article)) for e in earlier),
    )


def who(session: Session, query: str, *, limit: int | None = None, offset: int = 0) -> WhoAnswer:
    """An actor's positions, newest first; suggestions when the name is unknown."""
    match = repository.find_actor(session, query)
    if match.actor is None:
        return WhoAnswer(query=query, actor=None, suggestions=match.suggestions)
    return _answer_for(session, query, match.actor, limit, offset)


def who_by_id(
    session: Session, actor_id: int, *, limit: int | None = None, offset: int = 0
) -> WhoAnswer | None:
    """The same answer for an actor known by id (a button press); None if it is gone."""
    actor = repository.actor_with_aliases(session, actor_id)
    return _answer_for(session, actor.name, actor, limit, offset) if actor else None


def _answer_for(
    session: Session, query: str, actor: Actor, limit: int | None, offset: int
) -> WhoAnswer:
    statements = repository.statements_for(session, actor.id, limit=limit, offset=offset)
    changes = repository.earlier_positions(session, [s.id for s in statements])
    aliases = tuple(a.alias for a in actor.aliases if a.alias != actor.name)
    return WhoAnswer(
        query=query,
        actor=ActorCard(actor.name, actor.kind, aliases),
        positions=[_position(s, changes.get(s.id, [])) for s in statements],
        total=repository.count_statements(session, actor.id),
    )


@dataclass(frozen=True)
class Briefing:
    id: int
    title: str
    source: str
    published: datetime | None
    ingested_at: datetime
    summary: list[str]
    actors: list[str]

    def to_json(self) -> dict[str, object]:
        return {
            "title": self.title,
            "source": self.source,
            "published": _iso(self.published),
            "ingested_at": self.ingested_at.isoformat(),
            "summary": self.summary,
            "actors": self.actors,
        }


def briefings(session: Session, articles: list[Article]) -> list[Briefing]:
    actors = repository.actor_names_by_article(session, [a.id for a in articles])
    return [
        Briefing(
            a.id, a.title, a.source, a.published_at, a.ingested_at, list(a.summary), actors[a.id]
        )
        for a in articles
    ]


def latest(session: Session, limit: int) -> list[Briefing]:
    """The newest briefings, newest first."""
    return briefings(session, list(repository.latest_articles(session, limit)))


@dataclass(frozen=True)
class AlertItem:
    actor: str
    position: Position


@dataclass(frozen=True)
class Alert:
    """New positions of followed actors in one article."""

    article: ArticleRef
    date: datetime
    items: list[AlertItem]


def alert(session: Session, statement_ids: list[int]) -> Alert | None:
    """The alert for these statements (of one article); None if they are gone."""
    statements = follows.alert_statements(session, statement_ids)
    if not statements:
        return None
    changes = repository.earlier_positions(session, [s.id for s in statements])
    # Newest earlier position first, the same on every call: a resent part renders alike.
    for earlier in changes.values():
        earlier.sort(key=lambda e: (e.article_id, e.id), reverse=True)
    article = statements[0].article
    return Alert(
        ArticleRef.of(article),
        article.published_at or article.ingested_at,
        [AlertItem(s.actor.name, _position(s, changes.get(s.id, []))) for s in statements],
    )


def latest_json(items: list[Briefing]) -> dict[str, object]:
    return {"articles": [item.to_json() for item in items]}


@dataclass(frozen=True)
class Board:
    """Who took which stance how often in the last ``days`` days, the most active first."""

    days: int
    since: datetime
    rows: list[tuple[str, dict[str, int]]]

    @property
    def positions(self) -> int:
        return sum(sum(counts.values()) for _, counts in self.rows)


def board(session: Session, days: int) -> Board:
    since = utcnow() - timedelta(days=days)
    counts: dict[str, dict[str, int]] = {}
    for name, stance, count in repository.stance_counts_since(session, since):
        counts.setdefault(name, {})[stance] = count
    rows = sorted(counts.items(), key=lambda row: (-sum(row[1].values()), row[0]))
    return Board(days, since, rows)
