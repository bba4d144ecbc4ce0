"""/who NAME: an actor's positions, paged with inline buttons, then a chart of them over time;
suggestions for unknown names.

Buttons carry ``who:<actor id>:<page>`` (a few bytes, far below Telegram's 64), so a page
is rebuilt from the database whenever it is asked for.
"""

from __future__ import annotations

import asyncio
import re

from sqlalchemy.orm import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import answers, charts, render
from handlers.common import Context, reply, reply_photo, show_for_button, state, suggestion_buttons
from storage import repository

PAGE = render.WHO_PAGE_SIZE
BUTTON = re.compile(r"who:(\d{1,12}):(\d{1,6})")


def button_data(actor_id: int, page: int) -> str:
    return f"who:{actor_id}:{page}"


def page_of(
    session: Session, actor_id: int, page: int
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The text and paging keyboard of one page of an actor's positions; None if unknown."""
    total = repository.count_statements(session, actor_id)
    page = max(0, min(page, render.page_count(total) - 1))
    answer = answers.who_by_id(session, actor_id, limit=PAGE, offset=page * PAGE)
    if answer is None:
        return None
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton("◀ Newer", callback_data=button_data(actor_id, page - 1))
        )
    if (page + 1) * PAGE < answer.total:
        buttons.append(
            InlineKeyboardButton("Older ▶", callback_data=button_data(actor_id, page + 1))
        )
    text = render.who_page(answer, page)
    if len(buttons) or page:
        text = render.fit_message(
            [text, f"<i>Page {page + 1} of {render.page_count(answer.total)}</i>"]
        )
    return text, InlineKeyboardMarkup([buttons]) if buttons else None


async def who(update: Update, context: Context) -> None:
    query = " ".join(context.args or []).strip()
    if not query:
        await reply(update, context, render.WHO_USAGE)
        return
    markup: InlineKeyboardMarkup | None
    timeline: answers.WhoAnswer | None = None
    with state(context).sessions.begin() as session:
        match = repository.find_actor(session, query)
        page = page_of(session, match.actor.id, 0) if match.actor else None
        if match.actor is not None and page is not None:
            text, markup = page
            timeline = answers.who_by_id(session, match.actor.id, limit=charts.TIMELINE_POSITIONS)
        else:
            text = render.who_unknown(query, match.suggestions)
            markup = suggestion_buttons(
                session, match.suggestions, lambda actor_id: button_data(actor_id, 0)
            )
    if timeline is not None and timeline.total == 1:
        text = render.fit_message([text, render.WHO_NO_CHART])
    await reply(update, context, text, markup=markup)
    if timeline is not None and timeline.total >= charts.MIN_TIMELINE_POSITIONS:
        await _send_timeline(update, context, timeline)


async def _send_timeline(update: Update, context: Context, answer: answers.WhoAnswer) -> None:
    assert answer.actor is not None
    png = await asyncio.to_thread(charts.timeline, answer.actor.name, answer.positions)
    articles = len(charts.timeline_articles(answer.positions))
    await reply_photo(update, context, png, render.who_chart_caption(answer.actor.name, articles))


async def who_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    match = BUTTON.fullmatch(query.data)
    if match is None:
        await query.answer("This button has expired.")
        return
    with state(context).sessions.begin() as session:
        page = page_of(session, int(match.group(1)), int(match.group(2)))
    if page is None:
        text, markup = "That actor is no longer on record.", None
    else:
        text, markup = page
    await show_for_button(update, context, text, markup)


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler("who", who),
    CallbackQueryHandler(who_button, pattern=BUTTON.pattern),
]
