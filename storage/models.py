"""Database models (SQLAlchemy 2.0 declarative style).

Every column a command filters or joins on has an index; names and aliases are also stored
as folded lookup keys (see ``storage.names.fold``) so that matching is case- and
accent-insensitive without database-specific collations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.clock import UTC, utcnow

STANCES = ("commit", "conditional", "open", "refuse", "demand")
ACTOR_KINDS = ("person", "country", "organisation", "group")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(2048), index=True)
    title: Mapped[str] = mapped_column(String(512))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    raw_hash: Mapped[str] = mapped_column(String(64), index=True)
    # The normalised web address (bot.sources.urls) of an article fetched from the web;
    # NULL for files. Unique, so a page from a feed and from /ingest URL is stored once.
    url: Mapped[str | None] = mapped_column(String(2048), unique=True, index=True)
    text: Mapped[str] = mapped_column(Text)
    summary: Mapped[list[str]] = mapped_column(JSON, default=list)

    statements: Mapped[list[Statement]] = relationship(
        back_populates="article", cascade="all, delete-orphan"
    )


class Actor(Base):
    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(256), unique=True)
    kind: Mapped[str] = mapped_column(String(32))

    aliases: Mapped[list[ActorAlias]] = relationship(
        back_populates="actor", cascade="all, delete-orphan", order_by="ActorAlias.id"
    )


class ActorAlias(Base):
    """Every spelling that names an actor, its canonical name included."""

    __tablename__ = "actor_aliases"
    __table_args__ = (UniqueConstraint("key", name="uq_actor_aliases_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(256))
    key: Mapped[str] = mapped_column(String(256))

    actor: Mapped[Actor] = relationship(back_populates="aliases")


class Statement(Base):
    """One position an actor took, with the sentence that shows it."""

    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("actor_id", "article_id", "sentence_index", name="uq_statement_sentence"),
        Index("ix_statements_actor_article", "actor_id", "article_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    sentence_index: Mapped[int] = mapped_column(Integer)
    stance: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text)
    # Stemmed topic words of the evidence, space-separated, for finding changed positions.
    terms: Mapped[str] = mapped_column(Text, default="")
    hedged: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), index=True
    )

    actor: Mapped[Actor] = relationship(foreign_keys=[actor_id])
    reported_by: Mapped[Actor | None] = relationship(foreign_keys=[reported_by_id])
    article: Mapped[Article] = relationship(back_populates="statements")


class StatementChange(Base):
    """A later statement that reverses or shifts an earlier one by the same actor."""

    __tablename__ = "statement_changes"
    __table_args__ = (UniqueConstraint("statement_id", "earlier_id", name="uq_statement_change"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    earlier_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    mode: Mapped[str] = mapped_column(String(16), default="instant")
    daily_time: Mapped[str | None] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    subscribed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_daily_on: Mapped[str | None] = mapped_column(String(10))
    deactivated_reason: Mapped[str | None] = mapped_column(String(256))
    # Newest article already offered to (or older than) this subscription: a new subscriber
    # starts at the newest stored article, so the archive never floods them.
    last_article_id: Mapped[int] = mapped_column(Integer, default=0)


class Digest(Base):
    """A batch of articles announced together: after one scan, or one subscriber's day."""

    __tablename__ = "digests"

    __table_args__ = (Index("ix_digests_kind_up_to", "kind", "up_to_article_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    article_ids: Mapped[list[int]] = mapped_column(JSON)
    # "instant" (after a scan, one digest for all such subscribers) or "daily" (one subscriber's).
    kind: Mapped[str] = mapped_column(String(16), default="instant")
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    # The newest article this digest covers: the watermark the next digest starts after.
    up_to_article_id: Mapped[int] = mapped_column(Integer, default=0)
    # The subscriber's "max articles" preference when queued, so every resend renders alike.
    max_items: Mapped[int | None] = mapped_column(Integer)
    # An alert ("alert" kind): the followed actors' statements of its one article.
    statement_ids: Mapped[list[int] | None] = mapped_column(JSON)


class Delivery(Base):
    """The ledger row that makes each (subscriber, digest) go out exactly once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "digest_id", name="uq_delivery"),
        Index("ix_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"), index=True)
    # pending -> sending (claimed) -> sent | failed | cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(512))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    subscriber: Mapped[Subscriber] = relationship()
    digest: Mapped[Digest] = relationship()


class Follow(Base):
    """A chat follows an actor: alerted when an ingested article adds a position by them."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("subscriber_id", "actor_id", name="uq_follow"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DigestPreference(Base):
    """What one chat wants in its digests; no row means every article, the usual length."""

    __tablename__ = "digest_preferences"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    actor_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_articles: Mapped[int | None] = mapped_column(Integer)


class IngestRun(Base):
    """One scan of the sources, for /stats."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    added: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class Feed(Base):
    """An RSS or Atom feed polled by the scan: conditional-GET validators and health."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    total_errors: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(512))
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    articles_added: Mapped[int] = mapped_column(Integer, default=0)
