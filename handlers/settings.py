"""/settings: what this chat's digests include, shown with buttons and changed by command.

``/settings actors A, B`` · ``/settings keywords W W`` · ``/settings max N`` ·
``/settings clear`` (``any`` instead of names or words drops that filter; ``max all`` the
limit). A button carries the same words (``settings:max 5``), so a press and a command
take the one path through :func:`_apply`. Bad input changes nothing and says what was wrong.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from handlers.common import Context, chat_id, reply, show_for_button, state
from handlers.subscribe import state_line
from storage import preferences, repository, subscriptions

BUTTON = re.compile(r"settings:([a-z0-9 ]{1,40})")
MAX_CHOICES = (3, 5)
ANY = "any"


def _data(*words: str) -> str:
    return "settings:" + " ".join(words)


def _keyboard(current: preferences.Preferences) -> InlineKeyboardMarkup:
    limits = [
        InlineKeyboardButton(
            f"{'• ' if current.max_articles == n else ''}Max {n}",
            callback_data=_data("max", str(n)),
        )
        for n in MAX_CHOICES
    ]
    usual = "• " if current.max_articles is None else ""
    limits.append(
        InlineKeyboardButton(
            f"{usual}Max {render.MAX_DIGEST_ITEMS}", callback_data=_data("max", "all")
        )
    )
    rows = [limits]
    clearing = []
    if current.actors:
        clearing.append(InlineKeyboardButton("Any actor", callback_data=_data("actors", ANY)))
    if current.keywords:
        clearing.append(InlineKeyboardButton("Any keyword", callback_data=_data("keywords", ANY)))
    if clearing:
        rows.append(clearing)
    return InlineKeyboardMarkup(rows)


def _current(session: Session, chat: int) -> tuple[str, InlineKeyboardMarkup]:
    subscriber = subscriptions.subscriber_for_chat(session, chat)
    current = preferences.preferences_of(session, subscriber)
    line = state_line(subscriptions.subscription(session, chat))
    return render.settings_message(current, line), _keyboard(current)


def _actor_ids(session: Session, text: str) -> list[int] | str:
    """The actors named (comma-separated), or what was wrong."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if len(names) > preferences.MAX_ACTORS:
        return f"That is {len(names)} actors; at most {preferences.MAX_ACTORS} can be chosen."
    ids = []
    for name in names:
        if len(name) > render.MAX_NAME_QUERY:
            return render.name_too_long(len(name))
        match = repository.find_actor(session, name)
        if match.actor is None:
            return render.settings_actor_unknown(name, match.suggestions)
        ids.append(match.actor.id)
    return ids


def _keywords(words: list[str]) -> list[str] | str:
    """The keywords given, or what was wrong."""
    if len(words) > preferences.MAX_KEYWORDS:
        return f"That is {len(words)} keywords; at most {preferences.MAX_KEYWORDS} can be chosen."
    for word in words:
        if len(word) > preferences.MAX_KEYWORD_LENGTH or not preferences.KEYWORD.fullmatch(word):
            shown = render.esc(render.clip(word, preferences.MAX_KEYWORD_LENGTH))
            return (
                f"“{shown}” is not a plain word: keywords are letters and digits (with "
                f"inner - or '), at most {preferences.MAX_KEYWORD_LENGTH} characters each."
            )
    return words


def _apply(session: Session, chat: int, text: str, zone: str) -> str | None:
    """Carry out ``/settings <text>``; what was wrong, or None once it is done."""
    what, _, rest = text.strip().partition(" ")
    what, rest = what.lower(), rest.strip()
    if what == "clear" and not rest:
        preferences.clear_filters(session, subscriptions.chat_subscriber(session, chat, zone))
        return None
    if what == "max":
        limit: int | None = None
        if rest.lower() != "all":
            if not rest.isdigit() or not 1 <= int(rest) <= render.MAX_DIGEST_ITEMS:
                return render.settings_rejected(
                    f"The maximum is a number from 1 to {render.MAX_DIGEST_ITEMS}, or “all”."
                )
            limit = int(rest)
        subscriber = subscriptions.chat_subscriber(session, chat, zone)
        preferences.set_max_articles(session, subscriber, limit)
        return None
    if what == "actors" and rest:
        ids = [] if rest.lower() == ANY else _actor_ids(session, rest)
        if isinstance(ids, str):
            return ids
        preferences.set_actors(session, subscriptions.chat_subscriber(session, chat, zone), ids)
        return None
    if what == "keywords" and rest:
        words = re.split(r"[\s,]+", rest)
        found = [] if [w.lower() for w in words] == [ANY] else _keywords(words)
        if isinstance(found, str):
            return render.settings_rejected(found)
        subscriber = subscriptions.chat_subscriber(session, chat, zone)
        preferences.set_keywords(session, subscriber, found)
        return None
    return render.settings_rejected("I don't understand those settings.")


async def settings(update: Update, context: Context) -> None:
    wanted = render.printable(" ".join(context.args or []))
    runtime = state(context)
    chat = chat_id(update)
    with runtime.sessions.begin() as session:
        problem = _apply(session, chat, wanted, runtime.settings.timezone) if wanted else None
        text, markup = _current(session, chat)
    if problem is not None:
        await reply(update, context, problem)
        return
    await reply(update, context, ("✅ Saved.\n\n" if wanted else "") + text, markup=markup)


async def settings_button(update: Update, context: Context) -> None:
    query = update.callback_query
    match = BUTTON.fullmatch(query.data or "") if query else None
    if match is None:
        return
    runtime = state(context)
    chat = chat_id(update)
    with runtime.sessions.begin() as session:
        problem = _apply(session, chat, match.group(1), runtime.settings.timezone)
        text, markup = _current(session, chat)
    await show_for_button(update, context, problem or text, None if problem else markup)


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler("settings", settings),
    CallbackQueryHandler(settings_button, pattern=BUTTON.pattern),
]
