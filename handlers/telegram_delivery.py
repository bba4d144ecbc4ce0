"""The Telegram side of ``bot.delivery``: its throttle as PTB's rate limiter, and the sender
through which the fan-out reaches the Bot API.

Here Telegram's answers become ``bot.delivery``'s terms (a 429 is :class:`FloodControl`, each
error of a digest message a :data:`SendResult`); what to do about them is decided there.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.delivery import (
    BULK,
    ChatGone,
    FloodControl,
    Migrated,
    NetworkFailure,
    Refused,
    RetryLater,
    SendResult,
    Sent,
    Throttle,
)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

ApiResult = bool | dict[str, Any] | list[dict[str, Any]]


def retry_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, whichever way PTB is set to report it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ThrottleRateLimiter(BaseRateLimiter[int]):
    """PTB rate limiter: every request the bot makes goes through the :class:`Throttle`."""

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiResult:
        async def request() -> ApiResult:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                raise FloodControl(retry_seconds(error)) from error

        return await self.throttle.run(
            request, endpoint=endpoint, chat=data.get("chat_id"), priority=rate_limit_args
        )


class BotSender:
    """The fan-out's :class:`~bot.delivery.Sender`: sendMessage, HTML, no link preview, bulk."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, html: str) -> SendResult:
        try:
            await self.bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                rate_limit_args=BULK,  # type: ignore[call-arg]
            )
        except RetryAfter as error:
            return RetryLater(retry_seconds(error))
        except ChatMigrated as error:
            return Migrated(error.new_chat_id)
        except Forbidden as error:
            return ChatGone(error.message)
        except BadRequest as error:
            return Refused(error.message)
        except NetworkError as error:  # TimedOut included: the message may be out or not
            return NetworkFailure(str(error))
        return Sent()
