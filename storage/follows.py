"""Chats following actors, and the alerts their new positions queue in the delivery ledger.

Following needs no digest subscription: the chat's ``subscribers`` row is made without one.
An alert is a digest of kind ``alert`` for one follower and one article, holding the ids of
that article's statements by the actors the chat follows, and goes out through the same
ledger (exactly once, throttled, a blocked chat deactivated and its follows dropped).

Which articles still need alerts is an article-id watermark, like the instant digests':
each run covers the articles above the newest one an earlier run covered, and records how
far it got with an empty alert digest, so a restart neither repeats nor skips an article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, selectinload

from storage.models import Actor, Article, Delivery, Digest, Follow, Statement
from storage.subscriptions import ALERT, chat_subscriber, newest_article_id, subscriber_for_chat

MAX_FOLLOWS = 50


class Followed(Enum):
    NOW = "now"
    ALREADY = "already"
    LIMIT = "limit"


@dataclass(frozen=True)
class FollowedActor:
    name: str
    kind: str
    latest: datetime | None  # the date of the actor's newest position


def follow(session: Session, chat_id: int, actor_id: int, *, default_timezone: str) -> Followed:
    subscriber = chat_subscriber(session, chat_id, default_timezone)
    count = session.scalar(
        select(func.count(Follow.id)).where(Follow.subscriber_id == subscriber.id)
    )
    exists = session.scalar(
        select(Follow.id).where(Follow.subscriber_id == subscriber.id, Follow.actor_id == actor_id)
    )
    if exists is not None:
        return Followed.ALREADY
    if (count or 0) >= MAX_FOLLOWS:
        return Followed.LIMIT
    session.add(Follow(subscriber_id=subscriber.id, actor_id=actor_id))
    session.flush()
    return Followed.NOW


def unfollow(session: Session, chat_id: int, actor_id: int) -> bool:
    """False if the chat did not follow the actor."""
    subscriber = subscriber_for_chat(session, chat_id)
    if subscriber is None:
        return False
    follow_id = session.scalar(
        select(Follow.id).where(Follow.subscriber_id == subscriber.id, Follow.actor_id == actor_id)
    )
    if follow_id is None:
        return False
    session.execute(delete(Follow).where(Follow.id == follow_id))
    return True


def following(session: Session, chat_id: int) -> list[FollowedActor]:
    """The actors the chat follows, by name, each with the date of their newest position."""
    subscriber = subscriber_for_chat(session, chat_id)
    if subscriber is None:
        return []
    latest = (
        select(
            Statement.actor_id,
            func.max(func.coalesce(Article.published_at, Article.ingested_at)).label("latest"),
        )
        .join(Article, Article.id == Statement.article_id)
        .group_by(Statement.actor_id)
        .subquery()
    )
    rows = session.execute(
        select(Actor.name, Actor.kind, latest.c.latest)
        .join(Follow, Follow.actor_id == Actor.id)
        .outerjoin(latest, latest.c.actor_id == Actor.id)
        .where(Follow.subscriber_id == subscriber.id)
        .order_by(Actor.name)
    ).all()
    return [FollowedActor(name, kind, moment) for name, kind, moment in rows]


# --- alerts -------------------------------------------------------------------------------


def _alert_watermark(session: Session) -> int | None:
    return session.scalar(select(func.max(Digest.up_to_article_id)).where(Digest.kind == ALERT))


def _mark_alerted_up_to(session: Session, article_id: int, now: datetime) -> None:
    session.add(Digest(kind=ALERT, article_ids=[], up_to_article_id=article_id, created_at=now))
    session.flush()


def ensure_alert_watermark(session: Session, now: datetime) -> None:
    """On a database that never queued alerts, start after the articles stored so far."""
    if _alert_watermark(session) is None:
        _mark_alerted_up_to(session, newest_article_id(session), now)


def queue_alerts(session: Session, now: datetime) -> int:
    """Queue an alert per (follower, article) for the articles stored since the last run.

    Each holds that article's statements by the actors the chat follows; the number of
    alerts queued is returned.
    """
    watermark = _alert_watermark(session)
    newest = newest_article_id(session)
    if watermark is None:
        _mark_alerted_up_to(session, newest, now)
        return 0
    if newest <= watermark:
        return 0
    rows = session.execute(
        select(Follow.subscriber_id, Statement.article_id, Statement.id)
        .join(Statement, Statement.actor_id == Follow.actor_id)
        .where(Statement.article_id > watermark, Statement.article_id <= newest)
        .order_by(
            Statement.article_id, Follow.subscriber_id, Statement.sentence_index, Statement.id
        )
    ).all()
    alerts: dict[tuple[int, int], list[int]] = {}
    for subscriber_id, article_id, statement_id in rows:
        alerts.setdefault((subscriber_id, article_id), []).append(statement_id)
    if alerts:
        # In bulk: one scan can alert thousands of chats, and this transaction holds the ledger.
        digests = session.execute(
            insert(Digest).returning(Digest.id, Digest.subscriber_id, sort_by_parameter_order=True),
            [
                {
                    "kind": ALERT,
                    "subscriber_id": subscriber_id,
                    "article_ids": [article_id],
                    "statement_ids": statement_ids,
                    "up_to_article_id": article_id,
                    "created_at": now,
                }
                for (subscriber_id, article_id), statement_ids in alerts.items()
            ],
        ).all()
        session.execute(
            insert(Delivery),
            [
                {"subscriber_id": subscriber_id, "digest_id": digest_id, "updated_at": now}
                for digest_id, subscriber_id in digests
            ],
        )
    _mark_alerted_up_to(session, newest, now)
    return len(alerts)


def alert_statements(session: Session, statement_ids: Sequence[int]) -> list[Statement]:
    """The statements of an alert, in reading order, with what rendering them needs."""
    return list(
        session.scalars(
            select(Statement)
            .where(Statement.id.in_(statement_ids))
            .options(
                selectinload(Statement.article),
                selectinload(Statement.actor),
                selectinload(Statement.reported_by),
            )
            .order_by(Statement.sentence_index, Statement.id)
        )
    )
