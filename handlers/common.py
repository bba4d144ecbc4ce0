"""What every handler module shares: the context type, the runtime, replying, admin checks."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import Forbidden
from telegram.ext import CallbackContext, ExtBot

from bot.delivery import NO_PREVIEW
from bot.jobs import Runtime, runtime

log = logging.getLogger(__name__)

Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]


def state(context: Context) -> Runtime:
    return runtime(context)


def chat_id(update: Update) -> int:
    if update.effective_chat is None:
        raise ValueError("update without a chat")
    return update.effective_chat.id


def is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and user.id in state(context).settings.admin_ids


async def reply(
    update: Update,
    context: Context,
    messages: str | Sequence[str],
    *,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send one or more HTML messages to the update's chat; the keyboard goes on the last.

    In groups the first message quotes the command (if it still exists). A chat that has
    blocked the bot meanwhile is logged, not treated as an error.
    """
    chat = update.effective_chat
    if chat is None:
        return
    texts = [messages] if isinstance(messages, str) else list(messages)
    quote = None
    if chat.type != ChatType.PRIVATE and update.effective_message is not None:
        quote = ReplyParameters(
            update.effective_message.message_id, allow_sending_without_reply=True
        )
    for number, text in enumerate(texts, start=1):
        try:
            await context.bot.send_message(
                chat.id,
                text,
                reply_markup=markup if number == len(texts) else None,
                reply_parameters=quote if number == 1 else None,
                link_preview_options=NO_PREVIEW,
            )
        except Forbidden as error:
            log.info("chat %s no longer accepts messages: %s", chat.id, error.message)
            return


async def reply_photo(update: Update, context: Context, png: bytes, caption: str) -> None:
    """Send a PNG with an HTML caption (at most 1024 characters) to the update's chat."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await context.bot.send_photo(chat.id, png, caption=caption)
    except Forbidden as error:
        log.info("chat %s no longer accepts messages: %s", chat.id, error.message)
