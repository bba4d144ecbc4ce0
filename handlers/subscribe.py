"""/subscribe, /unsubscribe, /timezone, and following a group that became a supergroup."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import available_timezones

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot import render
from handlers.common import Context, chat_id, reply, state
from storage import subscriptions
from storage.clock import utcnow

_HHMM = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")


def parse_subscription(args: list[str], default_time: str) -> tuple[str, str | None] | None:
    """(mode, daily time) from the command's words; None if they make no sense."""
    words = [word.lower() for word in args]
    if not words or words == ["instant"]:
        return subscriptions.INSTANT, None
    if words[0] != "daily" or len(words) > 2:
        return None
    if len(words) == 1:
        return subscriptions.DAILY, default_time
    match = _HHMM.fullmatch(words[1])
    if match is None:
        return None
    return subscriptions.DAILY, f"{int(match.group(1)):02d}:{match.group(2)}"


@cache
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def resolve_zone(name: str) -> str | None:
    """The IANA zone the user means ("europe/kyiv" -> "Europe/Kyiv"); None if unknown."""
    return _zones().get(name.strip().lower())


def state_line(found: subscriptions.Subscription | None) -> str:
    if found is None or not found.active:
        return render.subscription_state(None, None, "UTC")
    return render.subscription_state(found.mode, found.daily_time, found.timezone)


async def subscribe(update: Update, context: Context) -> None:
    settings = state(context).settings
    wanted = parse_subscription(context.args or [], f"{settings.digest_time:%H:%M}")
    if wanted is None:
        await reply(update, context, render.SUBSCRIBE_USAGE)
        return
    mode, daily_time = wanted
    with state(context).sessions.begin() as session:
        before, after = subscriptions.subscribe(
            session,
            chat_id(update),
            mode=mode,
            daily_time=daily_time,
            default_timezone=settings.timezone,
            now=utcnow(),
        )
    if before is None:
        lead = "✅ Subscribed."
    elif before == after:
        lead = "You are already subscribed like that."
    else:
        lead = "✅ Subscription changed."
    await reply(update, context, f"{lead} {state_line(after)}")


async def unsubscribe(update: Update, context: Context) -> None:
    with state(context).sessions.begin() as session:
        stopped = subscriptions.unsubscribe(session, chat_id(update))
    lead = "🔕 Unsubscribed." if stopped else "You were not subscribed."
    await reply(update, context, f"{lead} {state_line(None)}")


async def timezone(update: Update, context: Context) -> None:
    settings = state(context).settings
    args = context.args or []
    if not args:
        with state(context).sessions.begin() as session:
            found = subscriptions.subscription(session, chat_id(update))
        current = found.timezone if found else settings.timezone
        await reply(
            update,
            context,
            f"Your time zone is <b>{render.esc(current)}</b>. Change it with "
            "<code>/timezone Europe/Kyiv</code> (any IANA name).",
        )
        return
    zone = resolve_zone(" ".join(args)) if len(args) == 1 else None
    if zone is None:
        await reply(
            update,
            context,
            f"I don't know the time zone “{render.esc(render.clip(' '.join(args), 60))}”. "
            "Use an IANA name such as <code>Europe/Kyiv</code> or <code>America/New_York</code>.",
        )
        return
    with state(context).sessions.begin() as session:
        found = subscriptions.set_timezone(
            session, chat_id(update), zone, default_timezone=settings.timezone, now=utcnow()
        )
    await reply(
        update, context, f"🕒 Time zone set to <b>{render.esc(zone)}</b>. {state_line(found)}"
    )


async def chat_migrated(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    with state(context).sessions.begin() as session:
        subscriptions.migrate_chat(session, old, new)


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler("subscribe", subscribe),
    CommandHandler("unsubscribe", unsubscribe),
    CommandHandler("timezone", timezone),
    MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated),
]
