"""An in-process HTTP fake of the Telegram Bot API for end-to-end tests.

The fake speaks the wire protocol that python-telegram-bot (PTB) uses, so the real
``telegram.Bot`` / ``Application`` can be pointed at it with ``base_url``::

    with FakeBotApi() as api:
        app = Application.builder().token("123:ABC").base_url(api.base_url).build()
        ...
        update_id = api.send_command(chat_id=42, user_id=42, text="/start")
        call = await api.wait_for_async(method="sendMessage", chat_id=42)

It is deliberately strict where Telegram is strict (HTML markup, UTF-16 length limits,
callback data size, flood control, blocked/migrated chats), so a bot that passes against
the fake has a good chance of behaving against the real service.

Only the standard library is used: a ``ThreadingHTTPServer`` runs in a daemon thread and
all shared state is guarded by one lock, so the inspection helpers can be called from the
test thread or from an asyncio event loop.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import math
import re
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "ApiError",
    "EntityParseError",
    "FakeBotApi",
    "FloodControl",
    "FloodModel",
    "RecordedCall",
    "UploadedFile",
    "WaitTimeout",
    "parse_html",
    "utf16_len",
]

JsonDict = dict[str, Any]
ChatType = Literal["private", "group", "supergroup", "channel"]

# --------------------------------------------------------------------------------------
# Telegram limits and method groups
# --------------------------------------------------------------------------------------

MAX_TEXT_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_CHARS = 200
MAX_INLINE_RESULTS = 50
MAX_KEYBOARD_BUTTONS = 100

#: Methods that deliver or change something a user sees; these are subject to flood control.
SENDING_METHODS = frozenset(
    m.lower()
    for m in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    )
)

#: Methods whose successful result is a brand-new message in a chat.
NEW_MESSAGE_METHODS = frozenset(m.lower() for m in ("sendMessage", "sendPhoto", "sendDocument"))

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# PTB sends every parameter as a form field: strings verbatim, everything else json.dumps'ed
# (see telegram/request/_requestparameter.py::json_value). Only these keys are true strings;
# every other value is JSON-decoded, so "123" -> 123, "true" -> True, '[...]' -> list.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "url",
        "action",
        "language_code",
        "next_offset",
        "query",
        "file_id",
        "photo",
        "document",
        "description",
        "short_description",
        "name",
        "business_connection_id",
        "message_effect_id",
        "title",
        "first_name",
        "last_name",
        "emoji",
    }
)

_BUTTON_ACTION_FIELDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_BOT_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram uses for limits/offsets."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


class EntityParseError(ValueError):
    """Raised by :func:`parse_html` with a Telegram-style reason."""


class WaitTimeout(AssertionError):
    """A ``wait_for*`` helper gave up; an AssertionError so pytest shows it as a failure."""


# --------------------------------------------------------------------------------------
# HTML parse mode
# --------------------------------------------------------------------------------------

_TAG_ENTITY_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z][a-zA-Z0-9]*));")
_TAG_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
_END_TAG_RE = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")


@dataclass
class _OpenTag:
    name: str
    byte_offset: int
    utf16_offset: int
    attrs: dict[str, str]
    language: str | None = None


def _byte_offset(text: str, index: int) -> int:
    # Telegram reports positions as UTF-8 byte offsets.
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, index: int, *, strict: bool) -> tuple[str, int]:
    """Decode the character reference at ``text[index] == '&'``.

    Returns the decoded text and the index after it. In non-strict mode an unrecognised
    reference is kept as a literal ``&`` (what Telegram's parser actually does).
    """
    match = _ENTITY_RE.match(text, index)
    if match is not None:
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            if name in _NAMED_ENTITIES:
                return _NAMED_ENTITIES[name], match.end()
        else:
            code_point = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
            if 0 < code_point <= 0x10FFFF and not 0xD800 <= code_point <= 0xDFFF:
                return chr(code_point), match.end()
    if not strict:
        return "&", index + 1
    if match is not None:
        raise EntityParseError(
            f'Unsupported HTML entity "{match.group(0)}" at byte offset {_byte_offset(text, index)}'
        )
    raise EntityParseError(
        f'Character "&" must be escaped as "&amp;" at byte offset {_byte_offset(text, index)}'
    )


def _parse_attributes(
    text: str, index: int, tag: str, tag_start: int
) -> tuple[dict[str, str], int]:
    """Parse attributes from ``index`` up to and including the closing ``>``."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while index < n and text[index].isspace():
            index += 1
        if index >= n:
            raise EntityParseError(
                f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, tag_start)}'
            )
        if text[index] == ">":
            return attrs, index + 1
        name_match = _ATTR_NAME_RE.match(text, index)
        if name_match is None:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(text, index)}"
            )
        attr_name = name_match.group(0).lower()
        index = name_match.end()
        while index < n and text[index].isspace():
            index += 1
        if index < n and text[index] == "=":
            index += 1
            while index < n and text[index].isspace():
                index += 1
            if index >= n:
                raise EntityParseError(
                    f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, tag_start)}'
                )
            quote = text[index]
            if quote in "\"'":
                end = text.find(quote, index + 1)
                if end == -1:
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, tag_start)}'
                    )
                raw_value, index = text[index + 1 : end], end + 1
            else:
                end = index
                while end < n and not text[end].isspace() and text[end] != ">":
                    end += 1
                raw_value, index = text[index:end], end
            attrs[attr_name] = _decode_text(raw_value, strict=False)
        else:
            attrs[attr_name] = ""


def _decode_text(text: str, *, strict: bool) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "&":
            decoded, i = _decode_entity(text, i, strict=strict)
            out.append(decoded)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Parse Telegram's HTML parse mode the strict way the Bot API documentation demands.

    Returns the visible text (tags stripped, entities decoded) and the message entities
    with UTF-16 offsets, the way Telegram echoes them back. Raises EntityParseError with
    a Telegram-style reason for anything Telegram would reject (and, deliberately, also
    for an unescaped ``>`` or an unknown ``&entity;``, which the docs forbid even though
    Telegram's parser happens to tolerate them).
    """
    out: list[str] = []
    out_utf16 = 0
    stack: list[_OpenTag] = []
    entities: list[JsonDict] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "&":
            decoded, i = _decode_entity(text, i, strict=True)
            out.append(decoded)
            out_utf16 += utf16_len(decoded)
            continue
        if char == ">":
            raise EntityParseError(
                f'Character ">" must be escaped as "&gt;" at byte offset {_byte_offset(text, i)}'
            )
        if char != "<":
            out.append(char)
            out_utf16 += 2 if ord(char) > 0xFFFF else 1
            i += 1
            continue

        if text.startswith("</", i):
            end_match = _END_TAG_RE.match(text, i)
            if end_match is None:
                raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(text, i)}")
            name = end_match.group(1).lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
            open_tag = stack[-1]
            if open_tag.name != name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, i)}, expected "
                    f'"</{open_tag.name}>", found "</{name}>"'
                )
            stack.pop()
            entity = _close_tag(open_tag, out_utf16, parent=stack[-1] if stack else None)
            if entity is not None:
                entities.append(entity)
            i = end_match.end()
            continue

        name_match = _TAG_NAME_RE.match(text, i + 1)
        tag_name = name_match.group(0).lower() if name_match else ""
        if tag_name not in _TAG_ENTITY_TYPES:
            raise EntityParseError(
                f'Unsupported start tag "{tag_name}" at byte offset {_byte_offset(text, i)}'
            )
        assert name_match is not None
        attrs, after = _parse_attributes(text, name_match.end(), tag_name, i)
        if tag_name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, i)}'
            )
        stack.append(_OpenTag(tag_name, _byte_offset(text, i), out_utf16, attrs))
        i = after

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    # Telegram orders entities by offset, outer (longer) entities first.
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_tag(tag: _OpenTag, end_utf16: int, parent: _OpenTag | None) -> JsonDict | None:
    """Turn a closed tag into a MessageEntity dict (None when Telegram would drop it)."""
    length = end_utf16 - tag.utf16_offset
    language = tag.attrs.get("class", "")
    # <pre><code class="language-x"> becomes a single pre entity carrying the language.
    if (
        tag.name == "code"
        and parent is not None
        and parent.name == "pre"
        and language.startswith("language-")
    ):
        parent.language = language.removeprefix("language-")
        return None
    if length <= 0:
        return None
    entity: JsonDict = {
        "type": _TAG_ENTITY_TYPES[tag.name],
        "offset": tag.utf16_offset,
        "length": length,
    }
    if tag.name == "a":
        href = tag.attrs.get("href")
        if not href:
            return None
        entity["url"] = href
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    return entity


# --------------------------------------------------------------------------------------
# Recorded calls
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedCall:
    """One request the fake answered, with its decoded parameters and the answer."""

    method: str
    params: JsonDict
    token: str
    timestamp: float
    """``time.monotonic()`` when the request arrived."""
    uploads: dict[str, UploadedFile] = field(default_factory=dict)
    """Uploaded files keyed by the *parameter* they belong to (``attach://`` resolved)."""
    status: int = 0
    response: JsonDict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        """The error description, or None for a successful call."""
        return self.response.get("description")

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """The raw ``text`` parameter (markup included)."""
        return self.params.get("text")

    @property
    def caption(self) -> str | None:
        return self.params.get("caption")

    @property
    def parse_mode(self) -> str | None:
        return self.params.get("parse_mode")

    @property
    def reply_markup(self) -> JsonDict | None:
        return self.params.get("reply_markup")

    @property
    def photo(self) -> bytes | None:
        upload = self.uploads.get("photo")
        return upload.data if upload else None

    @property
    def message(self) -> JsonDict | None:
        """The Message object answered, if the result was one."""
        result = self.result
        return result if isinstance(result, dict) and "message_id" in result else None

    @property
    def message_id(self) -> int | None:
        message = self.message
        return message["message_id"] if message else self.params.get("message_id")

    @property
    def visible_text(self) -> str | None:
        """Text or caption as the user sees it (markup parsed), for successful sends."""
        message = self.message
        if message is None:
            return None
        return message.get("text", message.get("caption"))

    def button_data(self) -> list[str]:
        """All callback_data values of the inline keyboard sent with this call."""
        return _callback_data_of(self.reply_markup)


def _callback_data_of(markup: Any) -> list[str]:
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard") or []
    return [
        button["callback_data"]
        for row in rows
        if isinstance(row, list)
        for button in row
        if isinstance(button, dict) and "callback_data" in button
    ]


@dataclass
class _InjectedFault:
    status: int
    description: str
    parameters: JsonDict | None
    delay: float
    remaining: int


@dataclass
class _PendingQuery:
    kind: Literal["callback", "inline"]
    user_id: int
    answered: bool = False


# --------------------------------------------------------------------------------------
# Flood control
# --------------------------------------------------------------------------------------


FloodModel = Literal["rolling", "bucket"]


class _Limit:
    """At most ``max_calls`` per ``period`` seconds, in one of two readings of "per".

    * ``rolling``: never more than ``max_calls`` inside any window of ``period`` seconds;
    * ``bucket``: a leaky bucket of ``max_calls`` draining at ``max_calls / period`` per
      second, the model of aiolimiter and therefore of PTB's AIORateLimiter; it lets a
      full burst through and then one call every ``period / max_calls`` seconds.
    """

    def __init__(
        self, max_calls: float, period: float, model: FloodModel, tolerance: float = 0.0
    ) -> None:
        self.max_calls = max_calls
        self.period = period
        self.model = model
        # Buckets forgive calls this many seconds early: the client's limiter runs on its
        # own clock, and request latency jitter shifts arrivals by tens of milliseconds.
        self.tolerance = tolerance if model == "bucket" else 0.0
        self._window: deque[float] = deque()
        self._level = 0.0
        self._last = 0.0

    def wait_needed(self, now: float) -> float:
        """Seconds until one more call fits (0.0 when it fits now)."""
        if self.model == "rolling":
            while self._window and self._window[0] <= now - self.period:
                self._window.popleft()
            if len(self._window) < self.max_calls:
                return 0.0
            return self._window[0] + self.period - now
        rate = self.max_calls / self.period
        self._level = max(0.0, self._level - (now - self._last) * rate)
        self._last = now
        overflow = self._level + 1.0 - self.max_calls
        return max(0.0, overflow / rate - self.tolerance)

    def consume(self, now: float) -> None:
        if self.model == "rolling":
            self._window.append(now)
        else:
            self._level += 1.0


class FloodControl:
    """Telegram's flood limits, modelled closely enough to catch a missing throttle.

    * global: ``global_rate`` sending calls per second across all chats;
    * per chat: ``per_chat_rate`` messages per second sustained, after a burst of
      ``per_chat_burst`` (always a leaky bucket);
    * groups (negative chat ids, as PTB's AIORateLimiter decides): ``group_per_minute``.

    Global and group limits count calls in a rolling window, the strict reading of "30 a
    second"; ``tolerance`` is the slack in seconds granted by the per-chat bucket.
    Only accepted calls consume capacity, so a 429 does not extend the wait.
    """

    def __init__(
        self,
        *,
        global_rate: int | None,
        per_chat_rate: float | None,
        per_chat_burst: int,
        group_per_minute: int | None,
        retry_after: int,
        tolerance: float = 0.1,
    ) -> None:
        self.retry_after = max(1, retry_after)
        self._tolerance = tolerance
        self._global = _Limit(global_rate, 1.0, "rolling") if global_rate else None
        self._per_chat_burst = max(1, per_chat_burst)
        self._per_chat_rate = per_chat_rate
        self._group_per_minute = group_per_minute
        self._chats: dict[int | str, _Limit] = {}
        self._groups: dict[int | str, _Limit] = {}

    def acquire(self, chat_id: int | str | None, now: float) -> int | None:
        """Consume capacity for one call; return retry_after seconds if it must be refused."""
        limits: list[_Limit] = [self._global] if self._global else []
        if chat_id is not None and self._per_chat_rate:
            if chat_id not in self._chats:
                period = self._per_chat_burst / self._per_chat_rate
                self._chats[chat_id] = _Limit(
                    self._per_chat_burst, period, "bucket", self._tolerance
                )
            limits.append(self._chats[chat_id])
        is_group = isinstance(chat_id, str) or (chat_id is not None and chat_id < 0)
        if is_group and chat_id is not None and self._group_per_minute:
            if chat_id not in self._groups:
                self._groups[chat_id] = _Limit(self._group_per_minute, 60.0, "rolling")
            limits.append(self._groups[chat_id])

        wait = max((limit.wait_needed(now) for limit in limits), default=0.0)
        if wait > 0:
            return max(self.retry_after, math.ceil(wait))
        for limit in limits:
            limit.consume(now)
        return None


# --------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------


class FakeBotApi:
    """A Telegram Bot API server on 127.0.0.1 for driving the real PTB client in tests.

    Args:
        bot_id, bot_username, bot_first_name: the bot user answered by getMe and used as
            ``from`` of every message the bot sends.
        token: if given, any other token is answered 401 Unauthorized (PTB: InvalidToken).
        global_rate: max sending calls per second across all chats (None: off).
        per_chat_rate: sustained messages per second per chat (None: off).
        per_chat_burst: messages allowed back-to-back in one chat before the rate applies.
        group_per_minute: max messages per minute to one group/channel (None: off).
        retry_after: the ``retry_after`` (seconds, >= 1) sent with every 429; a longer
            real wait (e.g. the group minute window) is rounded up instead.
        flood_tolerance: seconds by which a call may beat the per-chat bucket, to absorb
            latency jitter.
        strict_chats: if True, sending to a chat no injected update came from answers
            400 "chat not found" (like a user who never started the bot).
        max_long_poll: optional cap (seconds) on how long getUpdates blocks.
    """

    def __init__(
        self,
        *,
        bot_id: int = 7_000_000_001,
        bot_username: str = "briefbot_test_bot",
        bot_first_name: str = "BriefBot",
        token: str | None = None,
        global_rate: int | None = 30,
        per_chat_rate: float | None = 1.0,
        per_chat_burst: int = 3,
        group_per_minute: int | None = 20,
        retry_after: int = 1,
        flood_tolerance: float = 0.1,
        strict_chats: bool = False,
        max_long_poll: float | None = None,
    ) -> None:
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.expected_token = token
        self.strict_chats = strict_chats
        self.max_long_poll = max_long_poll
        self.flood = FloodControl(
            global_rate=global_rate,
            per_chat_rate=per_chat_rate,
            per_chat_burst=per_chat_burst,
            group_per_minute=group_per_minute,
            retry_after=retry_after,
            tolerance=flood_tolerance,
        )

        self._lock = threading.RLock()
        # One condition for everything: new updates, new recorded calls, stop.
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

        self._requests: list[RecordedCall] = []
        self._tokens: list[str] = []
        self._too_many_requests = 0
        self._faults: dict[str, deque[_InjectedFault]] = {}

        self._updates: list[JsonDict] = []  # injected, not yet confirmed by offset
        self._all_updates: dict[int, JsonDict] = {}
        self._update_ids = itertools.count(100_000)
        self._delivered_up_to = 0
        self._polls_received = 0
        self._arrivals: Counter[str] = Counter()  # per method, answered or not yet
        self._poll_generation = 0

        self._chats: dict[int, JsonDict] = {}
        self._users: dict[int, JsonDict] = {}
        self._known_chats: set[int] = set()
        self._blocked: dict[int, str] = {}
        self._missing: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JsonDict] = {}
        self._queries: dict[str, _PendingQuery] = {}
        self._query_ids = itertools.count(4_100_000_000_000_000_000)
        self._files: dict[str, tuple[bytes, str]] = {}  # file_id -> (data, file_path)
        self._file_ids = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}

        self._handlers: dict[str, Callable[[RecordedCall], Any]] = {
            "getme": lambda call: dict(self.bot_user),
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getupdates": self._get_updates,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "sendphoto": lambda call: self._send_media(call, "photo"),
            "senddocument": lambda call: self._send_media(call, "document"),
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "close": lambda call: True,
            "logout": lambda call: True,
            "setmydescription": lambda call: True,
            "setmyshortdescription": lambda call: True,
            "setmyname": lambda call: True,
            "setchatmenubutton": lambda call: True,
        }

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeBotApi:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.api = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},  # stop() waits up to one poll interval
            name="fake-bot-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes any blocked getUpdates so this never hangs."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeBotApi is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """PTB-style base URL: PTB appends the token, then ``/<method>``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- configuration hooks

    def block(self, chat_id: int, description: str | None = None) -> None:
        """Make sends to ``chat_id`` answer 403 (bot blocked / kicked)."""
        with self._lock:
            if description is None:
                chat_type = self._chat(chat_id)["type"]
                description = {
                    "private": "Forbidden: bot was blocked by the user",
                    "group": "Forbidden: bot was kicked from the group chat",
                    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
                    "channel": "Forbidden: bot is not a member of the channel chat",
                }[chat_type]
            self._blocked[chat_id] = description

    def unblock(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.pop(chat_id, None)

    def make_missing(self, chat_id: int) -> None:
        """Make sends to ``chat_id`` answer 400 "chat not found"."""
        with self._lock:
            self._missing.add(chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """Upgrade group ``chat_id`` to supergroup ``new_chat_id`` (PTB: ChatMigrated)."""
        with self._lock:
            self._migrated[chat_id] = new_chat_id
            old = self._chats.get(chat_id, {})
            self._chats[new_chat_id] = {
                "id": new_chat_id,
                "type": "supergroup",
                "title": old.get("title", "Test supergroup"),
            }
            self._known_chats.add(new_chat_id)

    def fail_next(
        self,
        method: str,
        status: int = 500,
        description: str = "Internal Server Error",
        *,
        parameters: JsonDict | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any) with this error.

        ``delay`` sleeps before answering, e.g. to provoke a client-side TimedOut.
        Use status 0 with a delay to only delay the call and then answer it normally.
        """
        with self._lock:
            self._faults.setdefault(method.lower(), deque()).append(
                _InjectedFault(status, description, parameters, delay, times)
            )

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` normally, but ``seconds`` late."""
        self.fail_next(method, 0, "", times=times, delay=seconds)

    # ---------------------------------------------------------------- inspection

    @property
    def requests(self) -> list[RecordedCall]:
        """Every call answered so far (including errors and getUpdates), oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def sent(self) -> list[RecordedCall]:
        """Successful sends and edits (what users actually saw), oldest first."""
        with self._lock:
            return [c for c in self._requests if c.ok and c.method.lower() in SENDING_METHODS]

    @property
    def too_many_requests(self) -> int:
        """How many 429 answers were given (assert == 0 to prove the bot throttles)."""
        with self._lock:
            return self._too_many_requests

    @property
    def tokens(self) -> list[str]:
        """Distinct bot tokens seen in request paths, in order of first use."""
        with self._lock:
            return list(self._tokens)

    @property
    def token(self) -> str | None:
        """The first token used (usually the only one)."""
        with self._lock:
            return self._tokens[0] if self._tokens else None

    @property
    def pending_updates(self) -> int:
        """Injected updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return len(self._updates)

    def mark(self) -> int:
        """An index for ``after=`` so a wait only considers calls from now on."""
        with self._lock:
            return len(self._requests)

    def calls(self, method: str | None = None, *, ok: bool | None = None) -> list[RecordedCall]:
        """Recorded calls, optionally of one method (case-insensitive) and outcome."""
        with self._lock:
            return [c for c in self._requests if _call_matches(c, method, None, ok)]

    def messages_to(self, chat_id: int) -> list[RecordedCall]:
        """Successful calls that created a new message in ``chat_id`` (edits excluded)."""
        with self._lock:
            return [
                c
                for c in self._requests
                if c.ok and c.method.lower() in NEW_MESSAGE_METHODS and c.chat_id == chat_id
            ]

    def texts_to(self, chat_id: int) -> list[str]:
        """Visible text/caption of every new message sent to ``chat_id``."""
        return [c.visible_text or "" for c in self.messages_to(chat_id)]

    def message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """Current state of a message (after edits), or None if unknown/deleted."""
        with self._lock:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found else None

    def update(self, update_id: int) -> JsonDict:
        """The JSON of an injected update."""
        with self._lock:
            return copy.deepcopy(self._all_updates[update_id])

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands stored by setMyCommands for a scope (default scope if None)."""
        with self._lock:
            return copy.deepcopy(self._commands.get(_commands_key(scope, language_code), []))

    def wait_for(
        self,
        predicate: Callable[[RecordedCall], bool] | None = None,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        ok: bool | None = True,
        after: int = 0,
        timeout: float = 5.0,
    ) -> RecordedCall:
        """Block until a recorded call matches; return the first one.

        Filters combine: ``method`` (case-insensitive), ``chat_id``, ``ok`` (None = any
        outcome; default only successful calls), ``after`` (index from :meth:`mark`).
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._find(predicate, method, chat_id, ok, after)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(self._describe_timeout(method, chat_id, timeout, after))
                self._cond.wait(remaining)

    async def wait_for_async(
        self,
        predicate: Callable[[RecordedCall], bool] | None = None,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        ok: bool | None = True,
        after: int = 0,
        timeout: float = 5.0,
    ) -> RecordedCall:
        """Like :meth:`wait_for` but yields to the event loop (the bot may run in it)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = self._find(predicate, method, chat_id, ok, after)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                with self._lock:
                    raise WaitTimeout(self._describe_timeout(method, chat_id, timeout, after))
            await asyncio.sleep(0.01)

    def wait_for_arrival(self, method: str, timeout: float = 5.0) -> None:
        """Block until a ``method`` call has arrived, answered or not (one held back by
        :meth:`delay_next` is under way in the bot while the test waits)."""
        self._wait_until(lambda: self._arrivals[method.lower()] > 0, timeout, f"a {method} call")

    def wait_for_polling(self, count: int = 1, timeout: float = 5.0) -> None:
        """Block until at least ``count`` getUpdates requests have arrived (bot is up)."""
        self._wait_until(lambda: self._polls_received >= count, timeout, "getUpdates polling")

    async def wait_for_polling_async(self, count: int = 1, timeout: float = 5.0) -> None:
        await self._wait_until_async(
            lambda: self._polls_received >= count, timeout, "getUpdates polling"
        )

    def wait_delivered(self, update_id: int, timeout: float = 5.0) -> None:
        """Block until getUpdates has handed out ``update_id``."""
        self._wait_until(
            lambda: self._delivered_up_to >= update_id, timeout, f"delivery of {update_id}"
        )

    async def wait_delivered_async(self, update_id: int, timeout: float = 5.0) -> None:
        await self._wait_until_async(
            lambda: self._delivered_up_to >= update_id, timeout, f"delivery of {update_id}"
        )

    # ---------------------------------------------------------------- user activity

    def send_command(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        chat_type: ChatType = "private",
        first_name: str | None = None,
        username: str | None = None,
        title: str | None = None,
    ) -> int:
        """Inject a message starting with a bot command; returns the update_id.

        The leading ``/command`` (or ``/command@bot``) gets a bot_command entity whose
        offset/length are in UTF-16 code units, exactly as Telegram sends it.
        """
        match = _BOT_COMMAND_RE.match(text)
        if match is None:
            raise ValueError(f"not a bot command: {text!r}")
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}
        return self._inject_message(
            chat_id, user_id, text, [entity], chat_type, first_name, username, title
        )

    def send_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        chat_type: ChatType = "private",
        first_name: str | None = None,
        username: str | None = None,
        title: str | None = None,
        entities: list[JsonDict] | None = None,
    ) -> int:
        """Inject a plain text message from a user; returns the update_id."""
        return self._inject_message(
            chat_id, user_id, text, entities or [], chat_type, first_name, username, title
        )

    def press_button(
        self,
        chat_id: int,
        user_id: int,
        callback_data: str,
        message_id: int | None = None,
        *,
        first_name: str | None = None,
        strict: bool = True,
    ) -> int:
        """Inject a callback_query for a button of a message the bot sent; returns update_id.

        With ``message_id=None`` the newest bot message in the chat carrying a button
        with ``callback_data`` is used. With ``strict`` (default) the message must really
        have such a button, as a real client can only press existing buttons.
        """
        with self._lock:
            if message_id is None:
                candidates = [
                    mid
                    for (cid, mid), msg in self._messages.items()
                    if cid == chat_id
                    and callback_data in _callback_data_of(msg.get("reply_markup"))
                ]
                if not candidates:
                    raise ValueError(
                        f"no message in chat {chat_id} has a button with {callback_data!r}"
                    )
                message_id = max(candidates)
            message = self._messages.get((chat_id, message_id))
            if message is None:
                raise ValueError(f"unknown message {message_id} in chat {chat_id}")
            buttons = _callback_data_of(message.get("reply_markup"))
            if strict and callback_data not in buttons:
                raise ValueError(
                    f"message {message_id} has no button with callback_data "
                    f"{callback_data!r}; it has {buttons!r}"
                )
            query_id = str(next(self._query_ids))
            self._queries[query_id] = _PendingQuery("callback", user_id)
            return self._push_update(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": self._user(user_id, first_name),
                        "message": copy.deepcopy(message),
                        "chat_instance": f"{abs(chat_id) * 7919 % 10**12}",
                        "data": callback_data,
                    }
                }
            )

    def inline_query(
        self,
        user_id: int,
        query: str,
        *,
        offset: str = "",
        chat_type: str = "sender",
        first_name: str | None = None,
    ) -> int:
        """Inject an inline_query update; returns the update_id."""
        with self._lock:
            query_id = str(next(self._query_ids))
            self._queries[query_id] = _PendingQuery("inline", user_id)
            return self._push_update(
                {
                    "inline_query": {
                        "id": query_id,
                        "from": self._user(user_id, first_name),
                        "query": query,
                        "offset": offset,
                        "chat_type": chat_type,
                    }
                }
            )

    # ---------------------------------------------------------------- internals: state

    def _user(
        self, user_id: int, first_name: str | None = None, username: str | None = None
    ) -> JsonDict:
        user = self._users.setdefault(
            user_id,
            {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"},
        )
        if first_name:
            user["first_name"] = first_name
        if username:
            user["username"] = username
        return dict(user)

    def _chat(self, chat_id: int) -> JsonDict:
        """The Chat object for ``chat_id``, inventing a plausible one for unknown ids."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                chat = {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
            elif str(chat_id).startswith("-100"):
                chat = {"id": chat_id, "type": "supergroup", "title": "Test supergroup"}
            else:
                chat = {"id": chat_id, "type": "group", "title": "Test group"}
            self._chats[chat_id] = chat
        return dict(chat)

    def _new_message_id(self, chat_id: int) -> int:
        # Private chats share one id sequence between both sides, so users and the bot
        # draw from the same per-chat counter.
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _inject_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        entities: list[JsonDict],
        chat_type: ChatType,
        first_name: str | None,
        username: str | None,
        title: str | None,
    ) -> int:
        with self._lock:
            user = self._user(user_id, first_name, username)
            chat: JsonDict = {"id": chat_id, "type": chat_type}
            if chat_type == "private":
                chat["first_name"] = user["first_name"]
                if "username" in user:
                    chat["username"] = user["username"]
            else:
                previous = self._chats.get(chat_id, {})
                chat["title"] = title or previous.get("title") or f"Test {chat_type}"
            self._chats[chat_id] = chat
            self._known_chats.add(chat_id)
            message: JsonDict = {
                "message_id": self._new_message_id(chat_id),
                "date": int(time.time()),
                "chat": dict(chat),
                "from": user,
                "text": text,
            }
            if entities:
                message["entities"] = entities
            self._messages[(chat_id, message["message_id"])] = message
            return self._push_update({"message": copy.deepcopy(message)})

    def _push_update(self, payload: JsonDict) -> int:
        with self._cond:
            update_id = next(self._update_ids)
            update = {"update_id": update_id, **payload}
            self._updates.append(update)
            self._all_updates[update_id] = update
            self._cond.notify_all()
            return update_id

    # ---------------------------------------------------------------- internals: waiting

    def _find(
        self,
        predicate: Callable[[RecordedCall], bool] | None,
        method: str | None,
        chat_id: int | None,
        ok: bool | None,
        after: int,
    ) -> RecordedCall | None:
        for call in itertools.islice(self._requests, after, None):
            if _call_matches(call, method, chat_id, ok) and (predicate is None or predicate(call)):
                return call
        return None

    def _describe_timeout(
        self, method: str | None, chat_id: int | None, timeout: float, after: int
    ) -> str:
        recent = [
            f"{c.method}(chat_id={c.chat_id!r}) -> {c.status} {c.description or ''}".rstrip()
            for c in self._requests[after:]
            if c.method.lower() != "getupdates"
        ][-15:]
        return (
            f"no matching call (method={method!r}, chat_id={chat_id!r}) within {timeout}s; "
            f"recent calls: {recent}"
        )

    def _wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(f"timed out after {timeout}s waiting for {what}")
                self._cond.wait(remaining)

    async def _wait_until_async(
        self, condition: Callable[[], bool], timeout: float, what: str
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if condition():
                    return
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.01)

    # ---------------------------------------------------------------- internals: dispatch

    def _dispatch(
        self, token: str, method: str, params: JsonDict, uploads: dict[str, UploadedFile]
    ) -> tuple[int, JsonDict]:
        """Answer one API request; called from server threads."""
        call = RecordedCall(method, params, token, time.monotonic(), dict(uploads))
        key = method.lower()
        with self._cond:
            if token not in self._tokens:
                self._tokens.append(token)
            fault = self._take_fault(key)
            self._arrivals[key] += 1
            self._cond.notify_all()
        if fault is not None and fault.delay > 0:
            self._stopping.wait(fault.delay)  # interruptible by stop()
        try:
            with self._lock:
                if self.expected_token is not None and token != self.expected_token:
                    raise ApiError(401, "Unauthorized")
                if fault is not None and fault.status:
                    raise ApiError(fault.status, fault.description, fault.parameters)
                handler = self._handlers.get(key)
                if handler is None:
                    raise ApiError(404, "Not Found")
                result = handler(call)
            call.status, call.response = 200, {"ok": True, "result": result}
        except ApiError as error:
            call.status, call.response = error.status, error.payload()
        with self._cond:
            if call.status == HTTPStatus.TOO_MANY_REQUESTS:
                self._too_many_requests += 1
            self._requests.append(call)
            self._cond.notify_all()
        return call.status, call.response

    def _take_fault(self, key: str) -> _InjectedFault | None:
        for candidate in (key, "*"):
            queue = self._faults.get(candidate)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    # ---------------------------------------------------------------- internals: checks

    def _target_chat(self, call: RecordedCall, *, required: bool = True) -> int | None:
        """Resolve and vet ``chat_id``: missing/migrated/blocked chats raise like Telegram."""
        raw = call.params.get("chat_id")
        if raw is None or raw == "":
            if required:
                raise _bad_request("chat_id is empty")
            return None
        if isinstance(raw, str):
            username = raw.removeprefix("@")
            for cid, chat in self._chats.items():
                if chat.get("username") == username:
                    raw = cid
                    break
            else:
                raise _bad_request("chat not found")
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise _bad_request("chat not found")
        chat_id = raw
        if chat_id in self._missing or (self.strict_chats and chat_id not in self._known_chats):
            raise _bad_request("chat not found")
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id in self._blocked:
            raise ApiError(403, self._blocked[chat_id])
        return chat_id

    def _check_flood(self, chat_id: int | None) -> None:
        retry = self.flood.acquire(chat_id, time.monotonic())
        if retry is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _render(self, call: RecordedCall, key: str) -> tuple[str, list[JsonDict]]:
        """Visible text and entities of the ``text``/``caption`` parameter."""
        raw = call.params.get(key)
        entity_key = "entities" if key == "text" else "caption_entities"
        text = "" if raw is None else str(raw)
        parse_mode = call.params.get("parse_mode")
        if not parse_mode:
            entities = call.params.get(entity_key)
            return text, list(entities) if isinstance(entities, list) else []
        mode = str(parse_mode).lower()
        if mode == "html":
            try:
                return parse_html(text)
            except EntityParseError as error:
                raise _bad_request(f"can't parse entities: {error}") from None
        if mode in ("markdown", "markdownv2"):
            # Markdown is not validated; length is checked on the raw text (conservative).
            return text, []
        raise _bad_request("unsupported parse_mode")

    def _message_text(self, call: RecordedCall) -> tuple[str, list[JsonDict]]:
        text, entities = self._render(call, "text")
        if not text.strip():
            raise _bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT_UTF16:
            raise _bad_request("message is too long")
        return text, entities

    def _caption(self, call: RecordedCall) -> tuple[str, list[JsonDict]]:
        caption, entities = self._render(call, "caption")
        if utf16_len(caption) > MAX_CAPTION_UTF16:
            raise _bad_request("message caption is too long")
        return caption, entities

    def _reply_markup(self, call: RecordedCall) -> JsonDict | None:
        """Validate reply_markup; return it if it is an inline keyboard (echoed back)."""
        markup = call.params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            _validate_inline_keyboard(markup["inline_keyboard"])
            return markup
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
                )
        elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        return None

    def _reply_to(self, call: RecordedCall, chat_id: int) -> JsonDict | None:
        params = call.params.get("reply_parameters")
        if isinstance(params, dict):
            reply_id = params.get("message_id")
            allow_missing = bool(params.get("allow_sending_without_reply"))
        else:
            reply_id = call.params.get("reply_to_message_id")
            allow_missing = bool(call.params.get("allow_sending_without_reply"))
        if reply_id is None:
            return None
        # reply_parameters may point into another chat.
        reply_chat = params.get("chat_id", chat_id) if isinstance(params, dict) else chat_id
        original = self._messages.get((reply_chat, reply_id))
        if original is None and not allow_missing:
            raise _bad_request("message to be replied not found")
        return copy.deepcopy(original) if original else None

    def _bot_message(self, chat_id: int, reply_to: JsonDict | None, **content: Any) -> JsonDict:
        message: JsonDict = {
            "message_id": self._new_message_id(chat_id),
            "from": dict(self.bot_user),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update({k: v for k, v in content.items() if v not in (None, [], "")})
        self._messages[(chat_id, message["message_id"])] = message
        return copy.deepcopy(message)

    def _existing_message(self, call: RecordedCall, chat_id: int, *, purpose: str) -> JsonDict:
        message_id = call.params.get("message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise _bad_request(f"message to {purpose} not found")
        if purpose == "edit" and message.get("from", {}).get("id") != self.bot_user["id"]:
            raise _bad_request("message can't be edited")
        return message

    # ---------------------------------------------------------------- method handlers

    def _delete_webhook(self, call: RecordedCall) -> bool:
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, call: RecordedCall) -> JsonDict:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _get_updates(self, call: RecordedCall) -> list[JsonDict]:
        """Long polling with Telegram's offset semantics.

        Updates stay queued until a later call passes an ``offset`` above their id, so an
        update handed to a client that vanished is re-delivered, as with Telegram.
        """
        params = call.params
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if self.max_long_poll is not None:
            timeout = min(timeout, self.max_long_poll)
        allowed = params.get("allowed_updates")

        self._polls_received += 1
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()  # wakes an older poll so it can answer 409

        if isinstance(offset, int) and offset < 0:
            # Negative offset: only the last -offset updates survive.
            del self._updates[: max(len(self._updates) + offset, 0)]
        elif isinstance(offset, int):
            self._updates[:] = [u for u in self._updates if u["update_id"] >= offset]
        if isinstance(allowed, list) and allowed:
            # Telegram never stores updates of types the bot did not ask for.
            self._updates[:] = [u for u in self._updates if _update_type(u) in allowed]

        deadline = time.monotonic() + timeout
        while not self._updates and not self._stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._cond.wait(remaining)
            if self._poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
        batch = copy.deepcopy(self._updates[:limit])
        if batch:
            self._delivered_up_to = max(self._delivered_up_to, batch[-1]["update_id"])
            self._cond.notify_all()
        return batch

    def _set_my_commands(self, call: RecordedCall) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request(
                "BOT_COMMANDS_TOO_MUCH"
                if isinstance(commands, list)
                else "can't parse commands JSON object"
            )
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand JSON object")
            if not _COMMAND_NAME_RE.fullmatch(str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description.strip()) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = _commands_key(call.params.get("scope"), call.params.get("language_code") or "")
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _get_my_commands(self, call: RecordedCall) -> list[JsonDict]:
        key = _commands_key(call.params.get("scope"), call.params.get("language_code") or "")
        return copy.deepcopy(self._commands.get(key, []))

    def _delete_my_commands(self, call: RecordedCall) -> bool:
        key = _commands_key(call.params.get("scope"), call.params.get("language_code") or "")
        self._commands.pop(key, None)
        return True

    def _send_message(self, call: RecordedCall) -> JsonDict:
        chat_id = self._target_chat(call)
        assert chat_id is not None
        text, entities = self._message_text(call)
        markup = self._reply_markup(call)
        reply_to = self._reply_to(call, chat_id)
        self._check_flood(chat_id)
        return self._bot_message(
            chat_id, reply_to, text=text, entities=entities, reply_markup=markup
        )

    def _send_media(self, call: RecordedCall, kind: Literal["photo", "document"]) -> JsonDict:
        chat_id = self._target_chat(call)
        assert chat_id is not None
        upload = self._resolve_upload(call, kind)
        caption, entities = self._caption(call)
        markup = self._reply_markup(call)
        reply_to = self._reply_to(call, chat_id)
        self._check_flood(chat_id)
        media = self._store_file(upload, kind)
        content: JsonDict = {kind: media}
        return self._bot_message(
            chat_id,
            reply_to,
            caption=caption,
            caption_entities=entities,
            reply_markup=markup,
            **content,
        )

    def _resolve_upload(self, call: RecordedCall, kind: str) -> UploadedFile:
        """Find the file for ``kind``: a multipart part, attach://, or a known file_id."""
        value = call.params.get(kind)
        upload = call.uploads.get(kind)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = call.uploads.get(value.removeprefix("attach://"))
        if upload is None and isinstance(value, str) and value:
            if value in self._files:
                data, path = self._files[value]
                upload = UploadedFile(kind, path.rsplit("/", 1)[-1], None, data)
            elif value.startswith(("http://", "https://")):
                # Telegram would download it; the fake records the URL with no content.
                upload = UploadedFile(kind, value, None, b"")
                call.uploads[kind] = upload
                return upload
            else:
                raise _bad_request("wrong file identifier/HTTP URL specified")
        if upload is None:
            raise _bad_request(f"there is no {kind} in the request")
        if not upload.data:
            raise _bad_request("file must be non-empty")
        call.uploads[kind] = upload
        return upload

    def _store_file(self, upload: UploadedFile, kind: str) -> Any:
        number = next(self._file_ids)
        file_id = f"AgACAgIAAxk{kind[:3].upper()}{number:08d}"
        extension = (upload.filename or "").rsplit(".", 1)[-1] if upload.filename else "bin"
        path = f"{kind}s/file_{number}.{extension}"
        self._files[file_id] = (upload.data, path)
        common = {
            "file_id": file_id,
            "file_unique_id": f"AQAD{number:08d}",
            "file_size": len(upload.data),
        }
        if kind == "photo":
            width, height = _image_size(upload.data)
            return [{**common, "width": width, "height": height}]
        return {
            **common,
            "file_name": upload.filename or path.rsplit("/", 1)[-1],
            "mime_type": upload.content_type or "application/octet-stream",
        }

    def _edit_message_text(self, call: RecordedCall) -> JsonDict | bool:
        chat_id = self._target_chat(call, required=False)
        text, entities = self._message_text(call)
        markup = self._reply_markup(call)
        if chat_id is None:
            return self._edit_inline_message(call)
        message = self._existing_message(call, chat_id, purpose="edit")
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        if (message.get("text"), message.get("entities", []), message.get("reply_markup")) == (
            text,
            entities,
            markup,
        ):
            raise _not_modified()
        self._check_flood(chat_id)
        # markup=None removes the keyboard: Telegram drops it when an edit omits it.
        return self._apply_edit(message, text=text, entities=entities, reply_markup=markup)

    def _edit_message_caption(self, call: RecordedCall) -> JsonDict | bool:
        chat_id = self._target_chat(call, required=False)
        caption, entities = self._caption(call)
        markup = self._reply_markup(call)
        if chat_id is None:
            return self._edit_inline_message(call)
        message = self._existing_message(call, chat_id, purpose="edit")
        if "text" in message:
            raise _bad_request("there is no caption in the message to edit")
        if (
            message.get("caption", ""),
            message.get("caption_entities", []),
            message.get("reply_markup"),
        ) == (caption, entities, markup):
            raise _not_modified()
        self._check_flood(chat_id)
        return self._apply_edit(
            message, caption=caption, caption_entities=entities, reply_markup=markup
        )

    def _edit_message_reply_markup(self, call: RecordedCall) -> JsonDict | bool:
        chat_id = self._target_chat(call, required=False)
        markup = self._reply_markup(call)
        if chat_id is None:
            return self._edit_inline_message(call)
        message = self._existing_message(call, chat_id, purpose="edit")
        if message.get("reply_markup") == markup:
            raise _not_modified()
        self._check_flood(chat_id)
        return self._apply_edit(message, reply_markup=markup)

    def _edit_inline_message(self, call: RecordedCall) -> bool:
        if not call.params.get("inline_message_id"):
            raise _bad_request("chat_id is empty")
        self._check_flood(None)
        return True

    def _apply_edit(self, message: JsonDict, **changes: Any) -> JsonDict:
        for key, value in changes.items():
            if value in (None, [], ""):
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _delete_message(self, call: RecordedCall) -> bool:
        chat_id = self._target_chat(call)
        assert chat_id is not None
        message = self._existing_message(call, chat_id, purpose="delete")
        del self._messages[(chat_id, message["message_id"])]
        return True

    def _answer_callback_query(self, call: RecordedCall) -> bool:
        query = self._queries.get(str(call.params.get("callback_query_id", "")))
        if query is None or query.kind != "callback" or query.answered:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(call.params.get("text") or "")) > MAX_CALLBACK_ANSWER_CHARS:
            raise _bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        return True

    def _answer_inline_query(self, call: RecordedCall) -> bool:
        query = self._queries.get(str(call.params.get("inline_query_id", "")))
        if query is None or query.kind != "inline" or query.answered:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        results = call.params.get("results")
        if not isinstance(results, list):
            raise _bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or not result.get("type"):
                raise _bad_request("can't parse InlineQueryResult JSON object")
            result_id = str(result.get("id", ""))
            if not result_id or len(result_id.encode()) > 64:
                raise _bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            _validate_input_message_content(result.get("input_message_content"))
            _validate_article_result(result)
            if "reply_markup" in result:
                _validate_inline_keyboard(result["reply_markup"].get("inline_keyboard"))
        _validate_results_button(call.params.get("button"))
        query.answered = True
        return True

    def _send_chat_action(self, call: RecordedCall) -> bool:
        self._target_chat(call)
        if call.params.get("action") not in CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _get_file(self, call: RecordedCall) -> JsonDict:
        file_id = str(call.params.get("file_id", ""))
        if file_id not in self._files:
            raise _bad_request("invalid file_id")
        data, path = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"AQAD{file_id[-8:]}",
            "file_size": len(data),
            "file_path": path,
        }

    def _file_content(self, path: str) -> bytes | None:
        with self._lock:
            for data, file_path in self._files.values():
                if file_path == path:
                    return data
        return None


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------


def _not_modified() -> ApiError:
    return _bad_request(
        "message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message"
    )


def _validate_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    if sum(len(row) for row in rows) > MAX_KEYBOARD_BUTTONS:
        raise _bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise _bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            if not str(button.get("text", "")).strip():
                raise _bad_request("BUTTON_TEXT_INVALID")
            actions = [name for name in _BUTTON_ACTION_FIELDS if name in button]
            if len(actions) != 1:
                raise _bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if (
                    not isinstance(data, str)
                    or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise _bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                raise _bad_request("BUTTON_URL_INVALID")


def _validate_input_message_content(content: Any) -> None:
    if not isinstance(content, dict) or "message_text" not in content:
        return
    text = str(content["message_text"])
    parse_mode = str(content.get("parse_mode") or "").lower()
    if parse_mode == "html":
        try:
            text, _ = parse_html(text)
        except EntityParseError as error:
            raise _bad_request(f"can't parse entities: {error}") from None
    if not text.strip():
        raise _bad_request("MESSAGE_EMPTY")
    if utf16_len(text) > MAX_TEXT_UTF16:
        raise _bad_request("MESSAGE_TOO_LONG")


_START_PARAMETER_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _validate_article_result(result: JsonDict) -> None:
    """An InlineQueryResultArticle needs a title and the message it sends."""
    if result.get("type") != "article":
        return
    if not str(result.get("title") or "").strip():
        raise _bad_request("RESULT_TITLE_EMPTY")
    if not isinstance(result.get("input_message_content"), dict):
        raise _bad_request("can't parse InlineQueryResult JSON object")


def _validate_results_button(button: Any) -> None:
    """The button above inline results: a text and either a start parameter or a web app."""
    if button is None:
        return
    if not isinstance(button, dict) or not str(button.get("text") or "").strip():
        raise _bad_request("BUTTON_TEXT_INVALID")
    start = button.get("start_parameter")
    if start is None and "web_app" not in button:
        raise _bad_request("BUTTON_TYPE_INVALID")
    if start is not None and not _START_PARAMETER_RE.fullmatch(str(start)):
        raise _bad_request("START_PARAM_INVALID")


def _commands_key(scope: Any, language_code: str) -> tuple[str, str]:
    scope = scope if isinstance(scope, dict) else {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code


def _update_type(update: JsonDict) -> str:
    return next(key for key in update if key != "update_id")


def _image_size(data: bytes) -> tuple[int, int]:
    """Width/height of a PNG (from its IHDR chunk); a nominal size for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 320, 240


def _call_matches(
    call: RecordedCall, method: str | None, chat_id: int | None, ok: bool | None
) -> bool:
    return (
        (method is None or call.method.lower() == method.lower())
        and (chat_id is None or call.chat_id == chat_id)
        and (ok is None or call.ok == ok)
    )


# --------------------------------------------------------------------------------------
# HTTP layer
# --------------------------------------------------------------------------------------


def decode_params(pairs: Iterable[tuple[str, str]]) -> JsonDict:
    """Turn PTB's form fields back into typed values (see ``_STRING_PARAMS``)."""
    params: JsonDict = {}
    for key, value in pairs:
        if key in _STRING_PARAMS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value  # e.g. chat_id="@channelname"
    return params


def parse_multipart(
    body: bytes, content_type: str
) -> tuple[list[tuple[str, str]], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into text fields and file parts.

    Hand-rolled because the stdlib ``cgi`` module is deprecated and ``email`` mangles
    binary payloads; httpx's random boundary never occurs inside the content.
    """
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise _bad_request("multipart boundary is missing")
    delimiter = b"\r\n--" + match.group(1).encode("latin-1")
    fields: list[tuple[str, str]] = []
    files: dict[str, UploadedFile] = {}
    for part in (b"\r\n" + body).split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'(?:^|;)\s*name="([^"]*)"', headers, re.IGNORECASE | re.MULTILINE)
        if name is None:
            continue
        filename = re.search(r'filename="([^"]*)"', headers, re.IGNORECASE)
        part_type = re.search(r"^content-type:\s*(.+)$", headers, re.IGNORECASE | re.MULTILINE)
        if filename is not None:
            files[name.group(1)] = UploadedFile(
                field_name=name.group(1),
                filename=filename.group(1),
                content_type=part_type.group(1).strip() if part_type else None,
                data=content,
            )
        else:
            fields.append((name.group(1), content.decode("utf-8")))
    return fields, files


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # PTB's Application keeps up to 256 connections; a small backlog would stall them.
    request_queue_size = 256
    api: FakeBotApi


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # HTTP/1.0: one request per connection, so no handler thread outlives stop() on an
    # idle keep-alive connection.
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean

    def _handle(self) -> None:
        api = self.server.api
        url = urlsplit(self.path)
        if url.path.startswith("/file/bot"):
            self._serve_file(url.path)
            return
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z0-9_]+)", url.path)
        if match is None:
            self._reply(404, ApiError(404, "Not Found").payload())
            return
        try:
            pairs = parse_qsl(url.query, keep_blank_values=True)
            params, uploads = self._read_params(pairs)
        except ApiError as error:
            self._reply(error.status, error.payload())
            return
        status, payload = api._dispatch(match.group(1), match.group(2), params, uploads)
        self._reply(status, payload)

    def _read_params(
        self, query_pairs: list[tuple[str, str]]
    ) -> tuple[JsonDict, dict[str, UploadedFile]]:
        body = self._read_body()
        content_type = self.headers.get("Content-Type", "")
        media_type = content_type.split(";", 1)[0].strip().lower()
        uploads: dict[str, UploadedFile] = {}
        pairs = list(query_pairs)
        if media_type == "application/json" and body:
            try:
                decoded = json.loads(body)
            except ValueError:
                raise _bad_request("can't parse JSON request body") from None
            if not isinstance(decoded, dict):
                raise _bad_request("JSON request body must be an object")
            params = decode_params(pairs)
            params.update(decoded)
            return params, uploads
        if media_type == "multipart/form-data":
            fields, uploads = parse_multipart(body, content_type)
            pairs.extend(fields)
        elif body:
            pairs.extend(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return decode_params(pairs), uploads

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve_file(self, path: str) -> None:
        # /file/bot<token>/<file_path>
        _, _, file_path = path.removeprefix("/file/bot").partition("/")
        data = self.server.api._file_content(file_path)
        if data is None:
            self._reply(404, ApiError(404, "Not Found").payload())
            return
        self._send(200, data, "application/octet-stream")

    def _reply(self, status: int, payload: JsonDict) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. a cancelled long poll); nothing to answer.
            pass
