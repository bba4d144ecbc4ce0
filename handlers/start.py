"""/start and /help: what the bot does and every command."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import render
from handlers.common import Context, is_admin, reply


async def help_command(update: Update, context: Context) -> None:
    await reply(update, context, render.help_message(admin=is_admin(update, context)))


async def unknown_command(update: Update, context: Context) -> None:
    await reply(update, context, "I don't know that command. /help lists what I can do.")


HANDLERS: list[BaseHandler[Update, Context, None]] = [
    CommandHandler(["start", "help"], help_command),
]
