"""Admin commands: /stats and /ingest [URL]; anyone else gets a polite refusal."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import render
from bot.jobs import PageIngest, ScanResult
from handlers.common import Context, is_admin, reply, state
from storage import feeds, repository, subscriptions


async def _refuse(update: Update, context: Context, command: str) -> None:
    await reply(update, context, f"Sorry, /{command} is only for the administrators of this bot.")


async def stats(update: Update, context: Context) -> None:
    if not is_admin(update, context):
        await _refuse(update, context, "stats")
        return
    runtime = state(context)
    with runtime.sessions.begin() as session:
        figures = repository.stats(session)
        sending = subscriptions.in_flight(session)
        polled = feeds.feed_states(session, runtime.settings.feeds)
    await reply(
        update,
        context,
        render.stats_messages(
            figures, in_flight=sending, feeds=runtime.settings.feeds, polled=polled
        ),
    )


async def ingest(update: Update, context: Context) -> None:
    if not is_admin(update, context):
        await _refuse(update, context, "ingest")
        return
    runtime = state(context)
    if len(context.args or []) > 1:
        await reply(update, context, render.INGEST_USAGE)
        return
    if context.args:
        url = context.args[0]
        await reply(update, context, render.truncate_html(f"🔎 Fetching {render.esc(url)}…"))
        result: ScanResult | PageIngest = await runtime.scanner.ingest_url(url)
    else:
        await reply(update, context, "🔎 Scanning the inbox…")
        result = await runtime.scanner.scan()
    if result.queued:
        runtime.fanout.kick()
    await reply(update, context, render.truncate_html(render.esc(result.summary())))


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler("stats", stats),
    CommandHandler("ingest", ingest),
]
