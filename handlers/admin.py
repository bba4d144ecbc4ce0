"""Admin commands: /stats and /ingest; anyone else gets a polite refusal."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import render
from handlers.common import Context, is_admin, reply, state
from storage import repository, subscriptions


async def _refuse(update: Update, context: Context, command: str) -> None:
    await reply(update, context, f"Sorry, /{command} is only for the administrators of this bot.")


async def stats(update: Update, context: Context) -> None:
    if not is_admin(update, context):
        await _refuse(update, context, "stats")
        return
    with state(context).sessions.begin() as session:
        figures = repository.stats(session)
        sending = subscriptions.in_flight(session)
    await reply(update, context, render.stats_message(figures, in_flight=sending))


async def ingest(update: Update, context: Context) -> None:
    if not is_admin(update, context):
        await _refuse(update, context, "ingest")
        return
    runtime = state(context)
    await reply(update, context, "🔎 Scanning the inbox…")
    result = await runtime.scanner.scan()
    if result.queued:
        runtime.fanout.kick()
    await reply(update, context, render.esc(result.summary()))


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler("stats", stats),
    CommandHandler("ingest", ingest),
]
