"""/latest [N]: the newest briefings."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import answers, render
from handlers.common import Context, reply, state

USAGE = (
    f"Usage: <code>/latest</code> or <code>/latest N</code> with N from 1 to {render.LATEST_MAX}."
)


async def latest(update: Update, context: Context) -> None:
    args = context.args or []
    count = render.LATEST_DEFAULT
    if args:
        if len(args) != 1 or not args[0].isdigit() or int(args[0]) < 1:
            await reply(update, context, USAGE)
            return
        count = min(int(args[0]), render.LATEST_MAX)
    with state(context).sessions.begin() as session:
        items = answers.latest(session, count)
    await reply(update, context, render.latest_messages(items))


HANDLERS: list[BaseHandler[Update, Context, None]] = [CommandHandler("latest", latest)]
