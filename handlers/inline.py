"""Inline mode: ``@botname NAME`` in any chat offers that actor's latest positions to share.

Telegram sends inline queries only once inline mode is switched on with @BotFather
(/setinline). The button shown when there is nothing to offer opens a private chat with the
bot, where /start explains the rest.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, InlineQueryHandler

from bot import answers, render
from handlers.common import Context, state

log = logging.getLogger(__name__)

# Positions change with every ingest: Telegram may reuse an answer only briefly.
CACHE_TIME = timedelta(seconds=30)
START_PARAMETER = "inline"


async def inline_query(update: Update, context: Context) -> None:
    query = update.inline_query
    if query is None:
        return
    name = query.query.strip()
    results: list[InlineQueryResultArticle] = []
    hint = render.INLINE_HINT
    if name:
        with state(context).sessions.begin() as session:
            answer = answers.who(session, name, limit=render.INLINE_RESULTS)
        if answer.actor is None:
            hint = render.inline_unknown(name, answer.suggestions)
        elif not answer.positions:
            hint = render.inline_no_positions(answer.actor.name)
        else:
            results = [
                InlineQueryResultArticle(
                    id=str(number),
                    title=render.inline_title(position),
                    description=render.clip(position.evidence, 200),
                    input_message_content=InputTextMessageContent(
                        render.inline_message(answer.actor.name, position),
                        parse_mode=ParseMode.HTML,
                    ),
                )
                for number, position in enumerate(answer.positions)
            ]
    button = None if results else InlineQueryResultsButton(hint, start_parameter=START_PARAMETER)
    try:
        await query.answer(results, cache_time=CACHE_TIME, button=button)
    except BadRequest as error:  # the user typed on: this query is no longer awaited
        log.info("could not answer inline query %r: %s", name[:80], error.message)


HANDLERS: list[BaseHandler[Update, Context, None]] = [InlineQueryHandler(inline_query)]
