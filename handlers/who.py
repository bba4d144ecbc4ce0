"""/who NAME: an actor's positions, paged with inline buttons, then a chart of them over time;
suggestions for unknown names.

Buttons carry ``who:<actor id>:<page>`` (a few bytes, far below Telegram's 64), so a page
is rebuilt from the database whenever it is asked for.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import answers, charts, render
from bot.jobs import CHART_SLOTS
from handlers.common import Context, reply, reply_photo, show_for_button, state, suggestion_buttons
from storage import repository

log = logging.getLogger(__name__)

PAGE = render.WHO_PAGE_SIZE
BUTTON = re.compile(r"who:(\d{1,12}):(\d{1,6})")


def button_data(actor_id: int, page: int) -> str:
    return f"who:{actor_id}:{page}"


@dataclass(frozen=True)
class Page:
    text: str
    markup: InlineKeyboardMarkup | None
    total: int  # the actor's positions in all


def page_of(session: Session, actor_id: int, page: int) -> Page | None:
    """One page of an actor's positions with its paging keyboard; None if the actor is gone."""
    answer = answers.who_by_id(session, actor_id, limit=PAGE, offset=page * PAGE)
    if answer is None:
        return None
    last = render.page_count(answer.total) - 1
    if page > last:  # a button from before positions were removed
        page = last
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
    return Page(text, InlineKeyboardMarkup([buttons]) if buttons else None, answer.total)


async def who(update: Update, context: Context) -> None:
    query = " ".join(context.args or []).strip()
    if not query:
        await reply(update, context, render.WHO_USAGE)
        return
    markup: InlineKeyboardMarkup | None
    with state(context).sessions.begin() as session:
        match = repository.find_actor(session, query)
        page = page_of(session, match.actor.id, 0) if match.actor else None
        if page is None:
            text = render.who_unknown(query, match.suggestions)
            markup = suggestion_buttons(
                session, match.suggestions, lambda actor_id: button_data(actor_id, 0)
            )
    if page is None:
        await reply(update, context, text, markup=markup)
        return
    text = page.text
    if page.total == 1:
        text = render.fit_message([text, render.WHO_NO_CHART])
    await reply(update, context, text, markup=page.markup)
    if page.total >= charts.MIN_TIMELINE_POSITIONS and match.actor is not None:
        # Drawing takes a few hundred milliseconds: the next update need not wait for it.
        context.application.create_task(
            _send_timeline(update, context, match.actor.id), update=update, name="who-chart"
        )


async def _send_timeline(update: Update, context: Context, actor_id: int) -> None:
    runtime = state(context)
    if runtime.chart_slots.locked():
        log.info("chart for actor %s skipped: %d charts already waiting", actor_id, CHART_SLOTS)
        return
    async with runtime.chart_slots:
        with runtime.sessions.begin() as session:
            answer = answers.who_by_id(session, actor_id, limit=charts.TIMELINE_POSITIONS)
        if answer is None or answer.actor is None:
            return
        png = await asyncio.to_thread(charts.timeline, answer.actor.name, answer.positions)
        articles = len(charts.timeline_articles(answer.positions))
        caption = render.who_chart_caption(answer.actor.name, articles)
        await reply_photo(update, context, png, caption)


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
        await show_for_button(update, context, "That actor is no longer on record.", None)
    else:
        await show_for_button(update, context, page.text, page.markup)


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler("who", who),
    CallbackQueryHandler(who_button, pattern=BUTTON.pattern),
]
