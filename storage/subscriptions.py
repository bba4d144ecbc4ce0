"""Subscribers, digests and the delivery ledger: functions that take a session, never commit.

The ledger has one row per (subscriber, digest). A row moves ``pending`` -> ``sending``
(claimed by one fan-out run, atomically, with a claim token) -> ``sent``, ``failed`` or
``cancelled``; ``parts_sent`` counts the messages of the digest already out, so a restart
resumes at the next message. Claims that a crash left behind are handed back at start-up.

Which articles a digest carries is decided by article-id watermarks: an instant digest
takes every article above the newest one the previous instant digest covered, a daily
digest every article above the subscriber's own ``last_article_id``. A new subscription
starts at the newest stored article, so nobody is flooded with the archive.

A subscriber with digest preferences (``storage.preferences``) gets a digest of their own,
with only the articles they asked for, instead of the one shared by the other instant
subscribers; what it holds is fixed when it is queued, so a resent part renders alike.
Alerts to the followers of an actor (``storage.follows``) go through the same ledger; the
chat's row here exists for them even when it has no digest subscription (``active`` off).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, cast
from uuid import uuid4
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from storage import preferences
from storage.models import (
    Article,
    Delivery,
    Digest,
    DigestPreference,
    Follow,
    Subscriber,
    UTCDateTime,
)

INSTANT, DAILY, ALERT = "instant", "daily", "alert"
PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
MAX_ERROR = 500


@dataclass(frozen=True)
class Subscription:
    """What is in force for one chat."""

    chat_id: int
    active: bool
    mode: str
    daily_time: str | None
    timezone: str


@dataclass(frozen=True)
class QueuedDigest:
    digest_id: int
    articles: int
    deliveries: int


@dataclass(frozen=True)
class Claim:
    """A delivery claimed for sending by one fan-out batch (``token``)."""

    delivery_id: int
    subscriber_id: int
    chat_id: int
    digest_id: int
    parts_sent: int
    token: str


def _view(subscriber: Subscriber) -> Subscription:
    return Subscription(
        subscriber.chat_id,
        subscriber.active,
        subscriber.mode,
        subscriber.daily_time,
        subscriber.timezone,
    )


def zone(name: str) -> ZoneInfo:
    """The named zone; UTC for a name the system no longer knows."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


# --- subscribers --------------------------------------------------------------------------


def subscriber_for_chat(session: Session, chat_id: int) -> Subscriber | None:
    return session.scalars(select(Subscriber).where(Subscriber.chat_id == chat_id)).first()


def chat_subscriber(session: Session, chat_id: int, default_timezone: str) -> Subscriber:
    """The chat's row, made (without a digest subscription) if the chat has none yet."""
    subscriber = subscriber_for_chat(session, chat_id)
    if subscriber is None:
        subscriber = Subscriber(chat_id=chat_id, timezone=default_timezone, active=False)
        session.add(subscriber)
        session.flush()
    return subscriber


def subscription(session: Session, chat_id: int) -> Subscription | None:
    subscriber = subscriber_for_chat(session, chat_id)
    return _view(subscriber) if subscriber else None


def newest_article_id(session: Session) -> int:
    return session.scalar(select(func.max(Article.id))) or 0


def _settle_today(subscriber: Subscriber, now: datetime) -> None:
    """Count today as done when its digest time has already passed (no instant catch-up)."""
    if subscriber.daily_time is None:
        return
    local = now.astimezone(zone(subscriber.timezone))
    if local.time() >= parse_hhmm(subscriber.daily_time):
        today = local.date().isoformat()
        if subscriber.last_daily_on is None or subscriber.last_daily_on < today:
            subscriber.last_daily_on = today


def subscribe(
    session: Session,
    chat_id: int,
    *,
    mode: str,
    daily_time: str | None,
    default_timezone: str,
    now: datetime,
) -> tuple[Subscription | None, Subscription]:
    """Create or change the chat's subscription; (what was in force before, what is now).

    One row per chat, however often /subscribe is sent.
    """
    if mode not in (INSTANT, DAILY) or (mode == DAILY) != (daily_time is not None):
        raise ValueError(f"bad subscription mode {mode!r} / {daily_time!r}")
    found = subscriber_for_chat(session, chat_id)
    before = _view(found) if found is not None and found.active else None
    subscriber = found or chat_subscriber(session, chat_id, default_timezone)
    if not subscriber.active:
        subscriber.active = True
        subscriber.deactivated_reason = None
        subscriber.subscribed_at = now
        subscriber.last_article_id = newest_article_id(session)
        subscriber.last_daily_on = None
    elif subscriber.mode != mode:
        subscriber.subscribed_at = now
        if mode == DAILY:
            # Instant digests covered everything so far; the first daily one starts here.
            subscriber.last_article_id = max(subscriber.last_article_id, newest_article_id(session))
    subscriber.mode = mode
    subscriber.daily_time = daily_time
    _settle_today(subscriber, now)
    session.flush()
    return before, _view(subscriber)


def _cancel_open_deliveries(
    session: Session, subscriber_id: int, status: str, error: str, *, keep_alerts: bool = False
) -> None:
    scope = [Delivery.subscriber_id == subscriber_id, Delivery.status.in_((PENDING, SENDING))]
    if keep_alerts:
        scope.append(Delivery.digest_id.in_(select(Digest.id).where(Digest.kind != ALERT)))
    session.execute(
        update(Delivery)
        .where(*scope)
        .values(status=status, error=error[:MAX_ERROR], claimed_by=None)
        .execution_options(synchronize_session=False)
    )


def unsubscribe(session: Session, chat_id: int) -> bool:
    """Stop the chat's digests (its follows stay); False if it was not subscribed."""
    subscriber = subscriber_for_chat(session, chat_id)
    if subscriber is None or not subscriber.active:
        return False
    subscriber.active = False
    subscriber.deactivated_reason = "unsubscribed"
    _cancel_open_deliveries(session, subscriber.id, CANCELLED, "unsubscribed", keep_alerts=True)
    session.flush()
    return True


def set_timezone(
    session: Session, chat_id: int, timezone: str, *, default_timezone: str, now: datetime
) -> Subscription:
    """Remember the chat's zone (also before it subscribes); the daily time follows it."""
    subscriber = chat_subscriber(session, chat_id, default_timezone)
    subscriber.timezone = timezone
    if subscriber.active and subscriber.mode == DAILY:
        _settle_today(subscriber, now)
    session.flush()
    return _view(subscriber)


def deactivate(session: Session, subscriber_id: int, reason: str) -> None:
    """Never send to this subscriber again (blocked, kicked, chat gone): no digests, no alerts."""
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None:
        return
    subscriber.active = False
    subscriber.deactivated_reason = reason[:256]
    session.execute(delete(Follow).where(Follow.subscriber_id == subscriber_id))
    _cancel_open_deliveries(session, subscriber_id, FAILED, f"subscriber deactivated: {reason}")
    session.flush()


def migrate_chat(session: Session, old_chat_id: int, new_chat_id: int) -> bool:
    """Follow a group that became a supergroup; True if the subscription moved to the new id.

    If the supergroup already has its own subscription, the old one is retired instead.
    """
    if old_chat_id == new_chat_id:
        return True
    old = subscriber_for_chat(session, old_chat_id)
    if old is None:
        return False
    new = subscriber_for_chat(session, new_chat_id)
    if new is None:
        old.chat_id = new_chat_id
        session.flush()
        return True
    # The supergroup keeps following whom the group followed.
    session.execute(
        update(Follow)
        .where(
            Follow.subscriber_id == old.id,
            Follow.actor_id.not_in(select(Follow.actor_id).where(Follow.subscriber_id == new.id)),
        )
        .values(subscriber_id=new.id)
        .execution_options(synchronize_session=False)
    )
    old.active = False
    old.deactivated_reason = f"group became supergroup {new_chat_id}, already subscribed"
    _cancel_open_deliveries(session, old.id, CANCELLED, "merged into the supergroup's subscription")
    session.flush()
    return False


# --- digests ------------------------------------------------------------------------------


def _instant_watermark(session: Session) -> int | None:
    return session.scalar(select(func.max(Digest.up_to_article_id)).where(Digest.kind == INSTANT))


def ensure_instant_watermark(session: Session, now: datetime) -> None:
    """On a database that never had an instant digest, start after the articles stored so far."""
    if _instant_watermark(session) is None:
        session.add(
            Digest(
                kind=INSTANT,
                article_ids=[],
                up_to_article_id=newest_article_id(session),
                created_at=now,
            )
        )
        session.flush()


def create_instant_digest(session: Session, now: datetime) -> QueuedDigest | None:
    """A digest of the articles stored since the last one, queued for instant subscribers.

    Safe to call after every scan: articles that a crash left unannounced are picked up by
    the next call. Only subscribers who subscribed before the newest of the articles get it;
    those with preferences get their own digest of the articles they asked for, if any.
    """
    watermark = _instant_watermark(session)
    if watermark is None:
        ensure_instant_watermark(session, now)
        return None
    ids = list(
        session.scalars(select(Article.id).where(Article.id > watermark).order_by(Article.id))
    )
    if not ids:
        return None
    up_to = ids[-1]
    digest = Digest(kind=INSTANT, article_ids=ids, up_to_article_id=up_to, created_at=now)
    session.add(digest)
    session.flush()
    recipients = (
        Subscriber.active.is_(True),
        Subscriber.mode == INSTANT,
        Subscriber.last_article_id < up_to,
    )
    without_preferences = ~(
        select(DigestPreference.subscriber_id)
        .where(DigestPreference.subscriber_id == Subscriber.id)
        .exists()
    )
    session.execute(
        insert(Delivery).from_select(
            ["subscriber_id", "digest_id", "status", "parts_sent", "attempts", "updated_at"],
            select(
                Subscriber.id,
                literal(digest.id),
                literal(PENDING),
                literal(0),
                literal(0),
                literal(now, UTCDateTime()),
            )
            .where(*recipients, without_preferences)
            .order_by(Subscriber.id),
        )
    )
    # (A count, not rowcount: drivers disagree on rowcount for INSERT ... SELECT.)
    queued = session.scalar(select(func.count(Delivery.id)).where(Delivery.digest_id == digest.id))
    with_preferences = session.execute(
        select(Subscriber.id, DigestPreference)
        .join(DigestPreference, DigestPreference.subscriber_id == Subscriber.id)
        .where(*recipients)
        .order_by(Subscriber.id)
    ).all()
    for subscriber_id, preference in with_preferences:
        if _queue_own_digest(session, subscriber_id, INSTANT, ids, preference, now):
            queued = (queued or 0) + 1
    session.execute(
        update(Subscriber)
        .where(*recipients)
        .values(last_article_id=up_to)
        .execution_options(synchronize_session=False)
    )
    return QueuedDigest(digest.id, len(ids), queued or 0)


def _queue_own_digest(
    session: Session,
    subscriber_id: int,
    kind: str,
    ids: list[int],
    preference: DigestPreference | None,
    now: datetime,
) -> QueuedDigest | None:
    """One subscriber's digest of ``ids``, filtered by their preferences; None if none is left."""
    kept = preferences.matching_articles(session, preference, ids) if preference else ids
    if not kept:
        return None
    digest = Digest(
        kind=kind,
        subscriber_id=subscriber_id,
        article_ids=kept,
        up_to_article_id=ids[-1],
        max_items=preference.max_articles if preference else None,
        created_at=now,
    )
    session.add(digest)
    session.flush()
    session.add(Delivery(subscriber_id=subscriber_id, digest_id=digest.id, updated_at=now))
    return QueuedDigest(digest.id, len(kept), 1)


def is_daily_due(subscriber: Subscriber, now: datetime) -> bool:
    if subscriber.daily_time is None:
        return False
    local = now.astimezone(zone(subscriber.timezone))
    today = local.date().isoformat()
    already = subscriber.last_daily_on is not None and subscriber.last_daily_on >= today
    return not already and local.time() >= parse_hhmm(subscriber.daily_time)


def due_daily_subscribers(session: Session, now: datetime) -> list[Subscriber]:
    """Active daily subscribers whose local digest time has come today and not been served.

    A bot that was down at the time catches up on its next run, once.
    """
    candidates = session.scalars(
        select(Subscriber)
        .where(Subscriber.active.is_(True), Subscriber.mode == DAILY)
        .order_by(Subscriber.id)
    )
    return [subscriber for subscriber in candidates if is_daily_due(subscriber, now)]


def create_daily_digests(session: Session, now: datetime) -> list[QueuedDigest]:
    """Queue each due daily subscriber's digest of the articles since their last one.

    A day with no new articles (none the subscriber asked for) is marked served without a
    message.
    """
    queued = []
    for subscriber in due_daily_subscribers(session, now):
        subscriber.last_daily_on = now.astimezone(zone(subscriber.timezone)).date().isoformat()
        ids = list(
            session.scalars(
                select(Article.id)
                .where(Article.id > subscriber.last_article_id)
                .order_by(Article.id)
            )
        )
        if not ids:
            continue
        subscriber.last_article_id = ids[-1]
        preference = session.get(DigestPreference, subscriber.id)
        digest = _queue_own_digest(session, subscriber.id, DAILY, ids, preference, now)
        if digest is not None:
            queued.append(digest)
    session.flush()
    return queued


@dataclass(frozen=True)
class DigestContent:
    kind: str
    article_ids: list[int]
    max_items: int | None
    statement_ids: list[int]


def digest_content(session: Session, digest_id: int) -> DigestContent | None:
    """What a digest (or an alert) holds, as it was queued."""
    digest = session.get(Digest, digest_id)
    if digest is None:
        return None
    return DigestContent(
        digest.kind, list(digest.article_ids), digest.max_items, list(digest.statement_ids or [])
    )


# --- the ledger ---------------------------------------------------------------------------


def new_claim_token(worker: str) -> str:
    return f"{worker[:40]}/{uuid4().hex[:16]}"


def claim_deliveries(session: Session, token: str, limit: int, now: datetime) -> list[Claim]:
    """Atomically move up to ``limit`` pending deliveries to ``sending``: digests of active
    subscribers, and alerts (a follower needs no digest subscription).

    The status is re-checked in the UPDATE itself, so two claimers can never both win a row.
    """
    candidates = (
        select(Delivery.id)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .join(Digest, Digest.id == Delivery.digest_id)
        .where(Delivery.status == PENDING, or_(Subscriber.active.is_(True), Digest.kind == ALERT))
        .order_by(Delivery.id)
        .limit(limit)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(candidates.scalar_subquery()), Delivery.status == PENDING)
        .values(
            status=SENDING,
            claimed_by=token,
            claimed_at=now,
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.subscriber_id,
            Subscriber.chat_id,
            Delivery.digest_id,
            Delivery.parts_sent,
        )
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.claimed_by == token, Delivery.status == SENDING)
        .order_by(Delivery.id)
    ).all()
    return [Claim(row[0], row[1], row[2], row[3], row[4], token) for row in rows]


def _claimed(claim: Claim) -> tuple[ColumnElement[bool], ...]:
    return (
        Delivery.id == claim.delivery_id,
        Delivery.claimed_by == claim.token,
        Delivery.status == SENDING,
    )


def mark_parts_sent(
    session: Session, claim: Claim, parts_sent: int, total_parts: int, now: datetime
) -> bool:
    """Record that the first ``parts_sent`` messages are out; ``sent`` once all are.

    False if the claim was lost (the subscriber unsubscribed, or the row was taken back):
    the caller must stop sending this delivery.
    """
    done = parts_sent >= total_parts
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Delivery)
            .where(*_claimed(claim))
            .values(
                parts_sent=parts_sent,
                status=SENT if done else SENDING,
                claimed_by=None if done else claim.token,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def mark_failed(session: Session, claim: Claim, error: str, now: datetime) -> None:
    session.execute(
        update(Delivery)
        .where(*_claimed(claim))
        .values(status=FAILED, error=error[:MAX_ERROR], claimed_by=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def release(session: Session, claims: Sequence[Claim], now: datetime) -> None:
    """Hand claimed deliveries back (shutdown, or a retry later)."""
    for claim in claims:
        session.execute(
            update(Delivery)
            .where(*_claimed(claim))
            .values(status=PENDING, claimed_by=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )


def release_all_claims(session: Session) -> int:
    """Start-up: claims left by a process that died go back to pending.

    Only the one process that runs the jobs may call this: the leader (bot/leader.py).
    """
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Delivery)
            .where(Delivery.status == SENDING)
            .values(status=PENDING, claimed_by=None)
            .execution_options(synchronize_session=False)
        ),
    )
    return max(result.rowcount, 0)


def in_flight(session: Session) -> int:
    return session.scalar(select(func.count(Delivery.id)).where(Delivery.status == SENDING)) or 0


def delivery_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    return {status: count for status, count in rows}
