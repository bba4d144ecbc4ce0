"""Data access: functions that take a session, read or write, and never commit.

The caller owns the transaction (``with sessions.begin() as session:``), so one update or
one job is one short transaction. All queries are parameterised; user text never becomes SQL.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy import Select, bindparam, func, insert, select
from sqlalchemy.orm import Session, joinedload, selectinload

from storage.models import (
    Actor,
    ActorAlias,
    Article,
    Delivery,
    IngestRun,
    Statement,
    StatementChange,
    Subscriber,
)
from storage.names import name_key, sound_key

# A misspelling this close to one alias is taken as that actor ("Zelenksy").
AUTO_MATCH_RATIO = 0.86
SUGGESTION_RATIO = 0.6
MIN_AUTO_MATCH_LENGTH = 5  # "Bush" must never quietly become "Busch"
MAX_NAME_LENGTH = 256  # the longest stored name: a longer query can name no one
# "Mr Trump" or "President Trump" finds "Trump" when no alias has the title.
_TITLE = re.compile(
    r"^(?:mr|mrs|ms|miss|dr|sir|dame|lord|lady|professor|president|prime minister) "
)


class NewActor(Protocol):
    """An actor as the pipeline found it, before storage gives it an identity."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...
    @property
    def surname_only(self) -> bool: ...


class NewStatement(Protocol):
    @property
    def actor(self) -> NewActor: ...
    @property
    def stance(self) -> str: ...
    @property
    def evidence(self) -> str: ...
    @property
    def sentence_index(self) -> int: ...
    @property
    def hedged(self) -> bool: ...
    @property
    def reported_by(self) -> NewActor | None: ...
    @property
    def terms(self) -> frozenset[str]: ...


# --- articles -----------------------------------------------------------------------------


class StoredArticle(NamedTuple):
    """Enough of a stored article to name it as the original of a duplicate."""

    id: int
    source: str
    title: str


def articles_with_raw_hashes(
    session: Session, raw_hashes: Sequence[str]
) -> dict[str, StoredArticle]:
    rows = session.execute(
        select(Article.raw_hash, Article.id, Article.source, Article.title).where(
            Article.raw_hash.in_(raw_hashes)
        )
    )
    return {raw_hash: StoredArticle(id_, source, title) for raw_hash, id_, source, title in rows}


def articles_with_fingerprints(
    session: Session, fingerprints: Sequence[str]
) -> dict[str, StoredArticle]:
    rows = session.execute(
        select(Article.fingerprint, Article.id, Article.source, Article.title).where(
            Article.fingerprint.in_(fingerprints)
        )
    )
    return {key: StoredArticle(id_, source, title) for key, id_, source, title in rows}


@dataclass(frozen=True)
class StoredStatement:
    id: int
    actor_id: int
    stance: str
    terms: str


@dataclass(frozen=True)
class NewArticle:
    """What the caller of ``add_articles`` needs of an article it stored."""

    id: int
    title: str
    statements: list[StoredStatement]


# Plain INSERTs on the tables, built once and run on the session's connection: through the
# ORM (unit of work, or even ORM-enabled INSERT) they cost three times the inserts themselves.
_ARTICLES = Article.metadata.tables[Article.__tablename__]
_STATEMENTS = Statement.metadata.tables[Statement.__tablename__]
_INSERT_ARTICLES = insert(_ARTICLES).returning(_ARTICLES.c.id, sort_by_parameter_order=True)
_INSERT_STATEMENTS = insert(_STATEMENTS).returning(_STATEMENTS.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class ArticleToAdd:
    source: str
    title: str
    text: str
    summary: list[str]
    fingerprint: str
    raw_hash: str
    published_at: datetime | None
    statements: Iterable[NewStatement]
    url: str | None = None


def add_article(
    session: Session,
    *,
    source: str,
    title: str,
    text: str,
    summary: list[str],
    fingerprint: str,
    raw_hash: str,
    published_at: datetime | None,
    statements: Iterable[NewStatement],
    directory: ActorDirectory | None = None,
    url: str | None = None,
) -> NewArticle:
    article = ArticleToAdd(
        source, title, text, summary, fingerprint, raw_hash, published_at, statements, url
    )
    return add_articles(session, [article], directory)[0]


def add_articles(
    session: Session, articles: Sequence[ArticleToAdd], directory: ActorDirectory | None = None
) -> list[NewArticle]:
    """Store articles with their statements, in order: one INSERT for all the articles and
    one for all their statements (each INSERT costs more than its rows)."""
    if not articles:
        return []
    statements = [_statement_rows(session, article.statements, directory) for article in articles]
    connection = session.connection()
    article_ids = (
        connection.execute(
            _INSERT_ARTICLES,
            [
                {
                    "source": article.source,
                    "title": article.title,
                    "text": article.text,
                    "summary": article.summary,
                    "fingerprint": article.fingerprint,
                    "raw_hash": article.raw_hash,
                    "published_at": article.published_at,
                    "url": article.url,
                }
                for article in articles
            ],
        )
        .scalars()
        .all()
    )
    rows = [
        {**row, "article_id": article_id}
        for article_id, (article_rows, _) in zip(article_ids, statements, strict=True)
        for row in article_rows
    ]
    ids = iter(connection.execute(_INSERT_STATEMENTS, rows).scalars().all() if rows else ())
    return [
        NewArticle(article_id, article.title, [StoredStatement(next(ids), *row) for row in kept])
        for article_id, article, (_, kept) in zip(article_ids, articles, statements, strict=True)
    ]


def _statement_rows(
    session: Session, statements: Iterable[NewStatement], directory: ActorDirectory | None
) -> tuple[list[dict[str, object]], list[tuple[int, str, str]]]:
    """The rows to insert (one per actor and sentence) and their actor id, stance, terms."""
    seen: set[tuple[int, int]] = set()
    rows: list[dict[str, object]] = []
    kept: list[tuple[int, str, str]] = []
    for found in statements:
        actor_id = ensure_actor(session, found.actor, directory)
        if (actor_id, found.sentence_index) in seen:
            continue
        seen.add((actor_id, found.sentence_index))
        reporter_id = (
            ensure_actor(session, found.reported_by, directory) if found.reported_by else None
        )
        terms = " ".join(sorted(found.terms))
        kept.append((actor_id, found.stance, terms))
        rows.append(
            {
                "actor_id": actor_id,
                "sentence_index": found.sentence_index,
                "stance": found.stance,
                "evidence": found.evidence,
                "terms": terms,
                "hedged": found.hedged,
                "reported_by_id": reporter_id if reporter_id != actor_id else None,
            }
        )
    return rows, kept


def latest_articles(session: Session, limit: int) -> Sequence[Article]:
    return session.scalars(
        select(Article).order_by(Article.ingested_at.desc(), Article.id.desc()).limit(limit)
    ).all()


def articles_by_id(session: Session, ids: Iterable[int]) -> Sequence[Article]:
    return session.scalars(
        select(Article).where(Article.id.in_(list(ids))).order_by(Article.id)
    ).all()


def actor_names_by_article(session: Session, article_ids: Sequence[int]) -> dict[int, list[str]]:
    """Actor names per article, the most often stated first."""
    rows = session.execute(
        select(Statement.article_id, Actor.name, func.count())
        .join(Actor, Actor.id == Statement.actor_id)
        .where(Statement.article_id.in_(article_ids))
        .group_by(Statement.article_id, Actor.name)
        .order_by(Statement.article_id, func.count().desc(), Actor.name)
    ).all()
    names: dict[int, list[str]] = {article_id: [] for article_id in article_ids}
    for article_id, name, _count in rows:
        names[article_id].append(name)
    return names


# --- actors -------------------------------------------------------------------------------


class ActorDirectory:
    """Alias keys already known to name an actor, so repeat actors cost no query.

    Keys learnt inside a transaction count only once it commits (``committed``); a rollback
    forgets them (``rolled_back``). A miss still asks the database, so actors that another
    process created are found, never duplicated; ``look_up`` asks it about the keys of a
    whole batch at once, and its answers hold until the transaction ends.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._pending: dict[str, int] = {}
        self._stored: dict[str, int | None] = {}  # this transaction's answers; None: no actor

    def get(self, key: str) -> int | None:
        return self._pending.get(key) or self._ids.get(key)

    def learn(self, key: str, actor_id: int) -> None:
        self._pending[key] = actor_id

    def look_up(self, session: Session, keys: Iterable[str]) -> None:
        """Ask the database in one query which of ``keys`` name a stored actor."""
        unknown = list({key for key in keys if self.get(key) is None} - self._stored.keys())
        if not unknown:
            return
        stored = dict(
            session.execute(
                select(ActorAlias.key, ActorAlias.actor_id).where(ActorAlias.key.in_(unknown))
            ).all()
        )
        for key in unknown:
            self._stored[key] = stored.get(key)

    def stored(self, session: Session, key: str) -> int | None:
        """The stored actor that ``key`` names, asked of the database unless looked up."""
        if key not in self._stored:
            self.look_up(session, [key])
        return self._stored[key]

    def committed(self) -> None:
        self._ids.update(self._pending)
        self._pending.clear()
        self._stored.clear()

    def rolled_back(self) -> None:
        self._pending.clear()
        self._stored.clear()


def _actor_keys(found: NewActor) -> list[str]:
    """The keys ``ensure_actor`` merges ``found`` by, in the order it tries them."""
    keys = [name_key(found.name)]
    if found.surname_only:
        keys += [name_key(alias) for alias in found.aliases]
    return keys


def look_up_actors(session: Session, actors: Iterable[NewActor], directory: ActorDirectory) -> None:
    """One query for every key by which ``ensure_actor`` will look for these actors."""
    directory.look_up(
        session, (name_key(name) for found in actors for name in (found.name, *found.aliases))
    )


_ACTORS = Actor.metadata.tables[Actor.__tablename__]
_INSERT_ACTOR = insert(_ACTORS).returning(_ACTORS.c.id)


def _actor_by_key(session: Session, key: str) -> Actor | None:
    return session.scalars(
        select(Actor).join(ActorAlias).where(ActorAlias.key == key).limit(1)
    ).first()


def ensure_actor(session: Session, found: NewActor, directory: ActorDirectory | None = None) -> int:
    """The id of the stored actor for ``found``, created if new; unseen aliases are added.

    A full name is only ever merged by its full name, never by a shared surname; a bare
    "Mr Balls" is merged into the one actor who has "Balls" as an alias.
    """
    directory = directory or ActorDirectory()
    keys = _actor_keys(found)
    actor_id = next((i for i in map(directory.get, keys) if i is not None), None)
    if actor_id is None:
        stored = (directory.stored(session, key) for key in keys)
        actor_id = next((i for i in stored if i is not None), None)
    if actor_id is None:
        actor_id = (
            session.connection()
            .execute(_INSERT_ACTOR, {"name": found.name, "kind": found.kind})
            .scalar_one()
        )
    add_aliases(session, actor_id, (found.name, *found.aliases), directory)
    return actor_id


def add_aliases(
    session: Session,
    actor_id: int,
    aliases: Iterable[str],
    directory: ActorDirectory | None = None,
) -> None:
    """Register spellings for an actor; a spelling that already names someone else is skipped."""
    wanted: dict[str, str] = {}
    for alias in aliases:
        key = name_key(alias)
        if key and (directory is None or directory.get(key) is None):
            wanted.setdefault(key, alias)
    if not wanted:
        return
    if directory is None:
        taken = dict(
            session.execute(
                select(ActorAlias.key, ActorAlias.actor_id).where(ActorAlias.key.in_(list(wanted)))
            ).all()
        )
    else:
        directory.look_up(session, wanted)
        taken = {key: i for key in wanted if (i := directory.stored(session, key)) is not None}
    for key, alias in wanted.items():
        if key not in taken:
            session.add(ActorAlias(actor_id=actor_id, alias=alias, key=key))
            taken[key] = actor_id
        if directory is not None:
            directory.learn(key, taken[key])


def sync_registry(session: Session, entries: Iterable[NewActor]) -> None:
    """Make every registry actor exist with its kind and aliases (idempotent)."""
    for entry in entries:
        actor = session.scalars(select(Actor).where(Actor.name == entry.name)).first()
        if actor is None:
            actor = _actor_by_key(session, name_key(entry.name))
        if actor is None:
            actor = Actor(name=entry.name, kind=entry.kind)
            session.add(actor)
            session.flush()
        actor.kind = entry.kind
        add_aliases(session, actor.id, (entry.name, *entry.aliases))


@dataclass(frozen=True)
class ActorMatch:
    actor: Actor | None
    suggestions: list[str]


def find_actor(session: Session, query: str) -> ActorMatch:
    """The actor a user means by ``query``.

    In order: an exact alias; the one actor whose alias sounds the same in another spelling
    or script ("Selenskyj", "Зеленский"); a close misspelling. Several actors sounding alike
    give suggestions, never a guess.
    """
    key = name_key(query)
    if not key or len(key) > MAX_NAME_LENGTH:
        return ActorMatch(None, [])
    untitled = _TITLE.sub("", key)
    actor = _actor_by_key(session, key) or (_actor_by_key(session, untitled) if untitled else None)
    if actor is not None:
        return ActorMatch(actor_with_aliases(session, actor.id), [])
    actor_by_key: dict[str, int] = {
        alias_key: actor_id
        for alias_key, actor_id in session.execute(select(ActorAlias.key, ActorAlias.actor_id))
    }
    sounds = {sound_key(key), sound_key(untitled)} - {""}
    sounding_alike = {i for alias_key, i in actor_by_key.items() if sound_key(alias_key) in sounds}
    if len(sounding_alike) == 1:
        return ActorMatch(actor_with_aliases(session, sounding_alike.pop()), [])
    # Actors sounding alike tie as perfect matches: offered as suggestions, none picked.
    best: dict[int, float] = dict.fromkeys(sounding_alike, 1.0)
    for alias_key in difflib.get_close_matches(key, actor_by_key, n=20, cutoff=SUGGESTION_RATIO):
        ratio = difflib.SequenceMatcher(None, key, alias_key).ratio()
        actor_id = actor_by_key[alias_key]
        best[actor_id] = max(ratio, best.get(actor_id, 0.0))
    ranked = sorted(((ratio, actor_id) for actor_id, ratio in best.items()), reverse=True)
    if (
        ranked
        and ranked[0][0] >= AUTO_MATCH_RATIO
        and len(key) >= MIN_AUTO_MATCH_LENGTH
        and (len(ranked) == 1 or ranked[1][0] < ranked[0][0])
    ):
        return ActorMatch(actor_with_aliases(session, ranked[0][1]), [])
    suggestion_ids = [actor_id for ratio, actor_id in ranked[:5] if ratio >= SUGGESTION_RATIO]
    names = {
        a.id: a.name for a in session.scalars(select(Actor).where(Actor.id.in_(suggestion_ids)))
    }
    return ActorMatch(None, [names[i] for i in suggestion_ids])


def actor_ids_by_name(session: Session, names: Iterable[str]) -> dict[str, int]:
    rows = session.execute(select(Actor.name, Actor.id).where(Actor.name.in_(list(names))))
    return {name: actor_id for name, actor_id in rows}


def actor_with_aliases(session: Session, actor_id: int) -> Actor | None:
    return session.scalars(
        select(Actor).options(selectinload(Actor.aliases)).where(Actor.id == actor_id)
    ).first()


def _newest_first(actor_id: int) -> Select[int]:
    """The ids of an actor's statements, newest article first, in reading order within an
    article."""
    newest = func.coalesce(Article.published_at, Article.ingested_at)
    return (
        select(Statement.id)
        .join(Article, Article.id == Statement.article_id)
        .where(Statement.actor_id == actor_id)
        .order_by(newest.desc(), Article.id.desc(), Statement.sentence_index)
    )


def statements_for(
    session: Session, actor_id: int, *, limit: int | None = None, offset: int = 0
) -> Sequence[Statement]:
    """An actor's statements, newest article first, in reading order within an article.

    The page is picked on ids first: sorting whole rows would carry every article's text
    through the sort, and a talkative actor has thousands.
    """
    page = _newest_first(actor_id).offset(offset)
    if limit is not None:
        page = page.limit(limit)
    ids = list(session.scalars(page))
    loaded = session.scalars(
        select(Statement)
        .where(Statement.id.in_(ids))
        .options(joinedload(Statement.article), joinedload(Statement.reported_by))
    ).all()
    by_id = {statement.id: statement for statement in loaded}
    return [by_id[statement_id] for statement_id in ids]


def count_statements(session: Session, actor_id: int) -> int:
    return session.scalar(select(func.count()).where(Statement.actor_id == actor_id)) or 0


class EarlierStatement(Protocol):
    """The columns of a statement that change detection compares."""

    @property
    def id(self) -> int: ...
    @property
    def actor_id(self) -> int: ...
    @property
    def article_id(self) -> int: ...
    @property
    def stance(self) -> str: ...
    @property
    def terms(self) -> str: ...


def _earlier_statements_query() -> Select[tuple[int, int, int, str, str]]:
    ranked = (
        select(
            Statement.id,
            Statement.actor_id,
            Statement.article_id,
            Statement.sentence_index,
            Statement.stance,
            Statement.terms,
            func.row_number()
            .over(
                partition_by=Statement.actor_id,
                order_by=(Statement.article_id.desc(), Statement.sentence_index.desc()),
            )
            .label("rank"),
        )
        .where(
            Statement.actor_id.in_(bindparam("actor_ids", expanding=True)),
            Statement.article_id < bindparam("before_article_id"),
        )
        .subquery()
    )
    return (
        select(ranked.c.id, ranked.c.actor_id, ranked.c.article_id, ranked.c.stance, ranked.c.terms)
        .where(ranked.c.rank <= bindparam("limit"))
        .order_by(ranked.c.article_id.desc(), ranked.c.sentence_index.desc())
    )


# Built once: building this window query anew for every article cost ten times running it.
_EARLIER_STATEMENTS = _earlier_statements_query()


def earlier_statements(
    session: Session, actor_ids: Iterable[int], before_article_id: int, limit: int
) -> dict[int, list[EarlierStatement]]:
    """Per actor, up to ``limit`` statements in articles stored before this one, newest first.

    Plain rows, not ORM objects: ingest reads hundreds of them per article and changes none.
    """
    wanted = list(actor_ids)
    if not wanted:
        return {}
    rows = session.connection().execute(
        _EARLIER_STATEMENTS,
        {"actor_ids": wanted, "before_article_id": before_article_id, "limit": limit},
    )
    grouped: dict[int, list[EarlierStatement]] = {}
    for row in rows:
        grouped.setdefault(row.actor_id, []).append(row)
    return grouped


def add_change(session: Session, statement_id: int, earlier_id: int, kind: str) -> None:
    session.add(StatementChange(statement_id=statement_id, earlier_id=earlier_id, kind=kind))


def earlier_positions(session: Session, statement_ids: Sequence[int]) -> dict[int, list[Statement]]:
    """For each statement, the earlier statements it changes."""
    rows = session.execute(
        select(StatementChange.statement_id, Statement)
        .join(Statement, Statement.id == StatementChange.earlier_id)
        .where(StatementChange.statement_id.in_(statement_ids))
        .options(joinedload(Statement.article))
    ).all()
    changes: dict[int, list[Statement]] = {}
    for statement_id, earlier in rows:
        changes.setdefault(statement_id, []).append(earlier)
    return changes


def top_actors(session: Session, limit: int) -> list[tuple[str, str, int]]:
    """(name, kind, statement count) of the actors with the most positions."""
    rows = session.execute(
        select(Actor.name, Actor.kind, func.count(Statement.id))
        .join(Statement, Statement.actor_id == Actor.id)
        .group_by(Actor.id, Actor.name, Actor.kind)
        .order_by(func.count(Statement.id).desc(), Actor.name)
        .limit(limit)
    ).all()
    return [(name, kind, count) for name, kind, count in rows]


# --- ingest runs and stats ----------------------------------------------------------------


def record_ingest_run(session: Session, added: int, rejected: int) -> None:
    session.add(IngestRun(added=added, rejected=rejected))


@dataclass(frozen=True)
class Stats:
    articles: int
    actors: int
    statements: int
    subscribers: int
    last_ingest: datetime | None
    deliveries_pending: int
    deliveries_failed: int


def stats(session: Session) -> Stats:
    def count(query: Select[int]) -> int:
        return session.scalar(query) or 0

    return Stats(
        articles=count(select(func.count(Article.id))),
        actors=count(select(func.count(func.distinct(Statement.actor_id)))),
        statements=count(select(func.count(Statement.id))),
        subscribers=count(select(func.count(Subscriber.id)).where(Subscriber.active.is_(True))),
        last_ingest=session.scalar(select(func.max(IngestRun.finished_at))),
        deliveries_pending=count(
            select(func.count(Delivery.id)).where(Delivery.status == "pending")
        ),
        deliveries_failed=count(select(func.count(Delivery.id)).where(Delivery.status == "failed")),
    )


def stance_counts_since(session: Session, since: datetime) -> list[tuple[str, str, int]]:
    """(actor name, stance, count) of the positions in articles dated ``since`` or later."""
    dated = func.coalesce(Article.published_at, Article.ingested_at)
    rows = session.execute(
        select(Actor.name, Statement.stance, func.count(Statement.id))
        .join(Statement, Statement.actor_id == Actor.id)
        .join(Article, Article.id == Statement.article_id)
        .where(dated >= since)
        .group_by(Actor.name, Statement.stance)
    ).all()
    return [(name, stance, count) for name, stance, count in rows]
