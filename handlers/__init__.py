"""Command handlers, one module per command family; ``all_handlers()`` for the application."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from handlers import actors, admin, board, follow, inline, latest, settings, start, subscribe, who
from handlers.common import Context


def all_handlers() -> list[BaseHandler[Update, Context, None]]:
    """Every handler, in the order they are tried; unknown commands in private chats last."""
    return [
        *start.HANDLERS,
        *subscribe.HANDLERS,
        *latest.HANDLERS,
        *who.HANDLERS,
        *actors.HANDLERS,
        *follow.HANDLERS,
        *settings.HANDLERS,
        *board.HANDLERS,
        *inline.HANDLERS,
        *admin.HANDLERS,
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, start.unknown_command),
    ]
