"""/follow NAME, /unfollow NAME and /following: alerts about actors' new positions.

Names resolve exactly as for /who; an unknown or ambiguous name is answered with the
closest actors as buttons (``follow:<actor id>`` or ``unfollow:<actor id>``), so one press
finishes the request. Following is independent of /subscribe: alerts come whether or not
the chat takes digests, and /unsubscribe leaves them alone.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from handlers.common import Context, chat_id, reply, show_for_button, state, suggestion_buttons
from storage import follows, repository, subscriptions

FOLLOW, UNFOLLOW = "follow", "unfollow"
BUTTON = re.compile(r"(follow|unfollow):(\d{1,12})")
USAGE = {FOLLOW: render.FOLLOW_USAGE, UNFOLLOW: render.UNFOLLOW_USAGE}


def _act(session: Session, command: str, chat: int, actor_id: int, name: str, zone: str) -> str:
    """Follow or unfollow, and the reply saying what is now in force."""
    if command == UNFOLLOW:
        return render.unfollowed(name, was_following=follows.unfollow(session, chat, actor_id))
    result = follows.follow(session, chat, actor_id, default_timezone=zone)
    if result is follows.Followed.LIMIT:
        return render.follow_limit(follows.MAX_FOLLOWS)
    found = subscriptions.subscription(session, chat)
    return render.followed(
        name,
        already=result is follows.Followed.ALREADY,
        digests=found is not None and found.active,
    )


async def _by_name(update: Update, context: Context, command: str) -> None:
    query = render.printable(" ".join(context.args or [])).strip()
    if not query:
        await reply(update, context, USAGE[command])
        return
    if len(query) > render.MAX_NAME_QUERY:
        await reply(update, context, render.name_too_long(len(query)))
        return
    runtime = state(context)
    markup: InlineKeyboardMarkup | None = None
    with runtime.sessions.begin() as session:
        match = repository.find_actor(session, query)
        if match.actor is not None:
            text = _act(
                session,
                command,
                chat_id(update),
                match.actor.id,
                match.actor.name,
                runtime.settings.timezone,
            )
        else:
            text = render.who_unknown(query, match.suggestions, command)
            markup = suggestion_buttons(
                session, match.suggestions, lambda actor_id: f"{command}:{actor_id}"
            )
    await reply(update, context, text, markup=markup)


async def follow(update: Update, context: Context) -> None:
    await _by_name(update, context, FOLLOW)


async def unfollow(update: Update, context: Context) -> None:
    await _by_name(update, context, UNFOLLOW)


async def following(update: Update, context: Context) -> None:
    with state(context).sessions.begin() as session:
        actors = follows.following(session, chat_id(update))
    await reply(update, context, render.following_messages(actors))


async def suggestion_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    match = BUTTON.fullmatch(query.data or "") if query else None
    if match is None:
        return
    runtime = state(context)
    with runtime.sessions.begin() as session:
        actor = repository.actor_with_aliases(session, int(match.group(2)))
        if actor is None:
            text = "That actor is no longer on record."
        else:
            text = _act(
                session,
                match.group(1),
                chat_id(update),
                actor.id,
                actor.name,
                runtime.settings.timezone,
            )
    await show_for_button(update, context, text, None)


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler(FOLLOW, follow),
    CommandHandler(UNFOLLOW, unfollow),
    CommandHandler("following", following),
    CallbackQueryHandler(suggestion_pressed, pattern=BUTTON.pattern),
]
