"""/board [DAYS]: a chart of which actors took which positions in the last DAYS days."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import answers, charts, render
from handlers.common import Context, reply, reply_photo, state


def _days(args: list[str]) -> int | None:
    """The period asked for, or None if it is not a whole number of days in range."""
    if not args:
        return render.BOARD_DEFAULT_DAYS
    if len(args) != 1 or not (args[0].isascii() and args[0].isdigit()):
        return None
    days = int(args[0])
    return days if 1 <= days <= render.BOARD_MAX_DAYS else None


async def board(update: Update, context: Context) -> None:
    days = _days(context.args or [])
    if days is None:
        await reply(update, context, render.BOARD_USAGE)
        return
    with state(context).sessions.begin() as session:
        data = answers.board(session, days)
    if not data.rows:
        await reply(update, context, render.board_empty(days))
        return
    png = await asyncio.to_thread(charts.board, data)
    await reply_photo(update, context, png, render.board_caption(data, charts.BOARD_ACTORS))


HANDLERS: list[BaseHandler[Update, Context, None]] = [CommandHandler("board", board)]
