"""What every handler module shares: the context type, the runtime, replying, admin checks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackContext, ExtBot

from bot.jobs import Runtime, runtime
from handlers.telegram_delivery import NO_PREVIEW
from storage import repository

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


async def show_for_button(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Answer a button press by showing ``text`` in place of the message that had the button."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()
    except BadRequest as error:  # pressed long ago: the spinner is gone anyway
        log.info("could not answer button %s: %s", query.data, error.message)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return  # pressed twice: the text is already shown
        # The message can no longer be edited (too old, deleted): answer with a new one.
        log.info("could not edit for button %s (%s): sending anew", query.data, error.message)
        await reply(update, context, text, markup=markup)


def suggestion_buttons(
    session: Session, names: Sequence[str], data_for: Callable[[int], str]
) -> InlineKeyboardMarkup | None:
    """One button per suggested actor name, its data made from the actor's id."""
    ids = repository.actor_ids_by_name(session, names)
    rows = [
        [InlineKeyboardButton(name, callback_data=data_for(ids[name]))]
        for name in names
        if name in ids
    ]
    return InlineKeyboardMarkup(rows) if rows else None


async def reply_photo(update: Update, context: Context, png: bytes, caption: str) -> None:
    """Send a PNG with an HTML caption (at most 1024 characters) to the update's chat."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await context.bot.send_photo(chat.id, png, caption=caption)
    except Forbidden as error:
        log.info("chat %s no longer accepts messages: %s", chat.id, error.message)
