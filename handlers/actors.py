"""/actors: the actors with the most positions."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import render
from handlers.common import Context, reply, state
from storage import repository

TOP = 20


async def actors(update: Update, context: Context) -> None:
    with state(context).sessions.begin() as session:
        rows = repository.top_actors(session, TOP)
    await reply(update, context, render.actors_message(rows))


HANDLERS: list[BaseHandler[Update, Context, None]] = [CommandHandler("actors", actors)]
