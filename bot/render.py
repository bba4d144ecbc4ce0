"""Everything the bot says, as Telegram HTML: pure functions, no Telegram types.

Every piece of stored or user-supplied text passes through :func:`esc` (or :func:`attr` for
attribute values) before it meets markup, and every message leaves here within Telegram's
4096 UTF-16 code units: :func:`split_messages` packs items into messages and splits only
between items; :func:`truncate_html` shortens a single item at a text boundary, never inside
a tag or a character reference, and closes the tags it leaves open.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bot.answers import Briefing, Position, WhoAnswer
from storage.feeds import FeedState
from storage.repository import Stats

MAX_MESSAGE = 4096
ELLIPSIS = "…"
ITEM_SEPARATOR = "\n\n"

# Lengths that keep one page of /who (header + PAGE_SIZE positions) far below MAX_MESSAGE.
WHO_PAGE_SIZE = 5
MAX_EVIDENCE = 450
MAX_TITLE = 160
MAX_SUMMARY_SENTENCES = 3
MAX_SENTENCE = 400
MAX_ACTORS_NAMED = 6
MAX_DIGEST_ITEMS = 10
LATEST_DEFAULT = 5
LATEST_MAX = 20

STANCES: dict[str, tuple[str, str]] = {
    "commit": ("✅", "commits"),
    "conditional": ("🔀", "conditional"),
    "open": ("🤔", "open to"),
    "refuse": ("⛔", "refuses"),
    "demand": ("📢", "demands"),
}


# --- escaping and measuring -------------------------------------------------------------


def esc(text: str) -> str:
    """Text for the body of an HTML message: ``&``, ``<`` and ``>`` escaped."""
    return html.escape(text, quote=False)


def attr(value: str) -> str:
    """A double-quoted attribute value, quotes included."""
    return f'"{html.escape(value, quote=True)}"'


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clip(text: str, limit: int) -> str:
    """Plain text cut to ``limit`` characters at a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + ELLIPSIS


# --- splitting ----------------------------------------------------------------------------

_TOKEN = re.compile(r"<[^>]*>|&#?[A-Za-z0-9]+;|[\s\S]")
_OPEN_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)")
_CLOSE_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")


def truncate_html(item: str, limit: int = MAX_MESSAGE) -> str:
    """``item`` shortened to at most ``limit`` UTF-16 units of raw HTML, still well formed.

    The cut falls between characters of text (preferring a space), never inside a tag or a
    character reference; an ellipsis marks it and the tags still open are closed.
    """
    if utf16_len(item) <= limit:
        return item
    kept: list[str] = []
    used = 0
    open_tags: list[str] = []
    best: tuple[int, list[str]] | None = None  # (tokens kept, tags open) at the last fit
    best_space: tuple[int, list[str]] | None = None
    for match in _TOKEN.finditer(item):
        token = match.group(0)
        closing = "".join(f"</{tag}>" for tag in reversed(open_tags))
        if used + utf16_len(ELLIPSIS + closing) <= limit:
            best = (len(kept), list(open_tags))
            if token.isspace():
                best_space = best
        else:
            break
        kept.append(token)
        used += utf16_len(token)
        if close := _CLOSE_TAG.fullmatch(token):
            if open_tags and open_tags[-1] == close.group(1).lower():
                open_tags.pop()
        elif token.startswith("<") and (opened := _OPEN_TAG.match(token)):
            open_tags.append(opened.group(1).lower())
    if best is None:
        return ELLIPSIS
    if best_space is not None and best[0] - best_space[0] < 80:
        best = best_space
    count, still_open = best
    text = "".join(kept[:count]).rstrip()
    return text + ELLIPSIS + "".join(f"</{tag}>" for tag in reversed(still_open))


def split_messages(items: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Pack HTML items into as few messages of at most ``limit`` UTF-16 units as possible.

    Messages break only between items (joined by a blank line); an item too long for a
    message on its own is truncated by :func:`truncate_html`. Lengths are taken on the raw
    HTML, an upper bound of what Telegram counts after parsing entities.
    """
    messages: list[str] = []
    current = ""
    for raw in items:
        item = truncate_html(raw.strip(), limit)
        if not item:
            continue
        if not current:
            current = item
        elif utf16_len(current) + utf16_len(ITEM_SEPARATOR) + utf16_len(item) <= limit:
            current += ITEM_SEPARATOR + item
        else:
            messages.append(current)
            current = item
    if current:
        messages.append(current)
    return messages


def fit_message(items: Sequence[str], limit: int = MAX_MESSAGE) -> str:
    """Items as exactly one message: each shortened in turn, the longest first, until it fits."""
    parts = [item.strip() for item in items if item.strip()]
    while True:
        text = ITEM_SEPARATOR.join(parts)
        excess = utf16_len(text) - limit
        if excess <= 0:
            return text
        longest = max(range(len(parts)), key=lambda i: utf16_len(parts[i]))
        target = max(utf16_len(parts[longest]) - excess, 1)
        shortened = truncate_html(parts[longest], target)
        if shortened == parts[longest] or len(parts[longest]) <= 1:
            return truncate_html(text, limit)
        parts[longest] = shortened


# --- shared pieces ------------------------------------------------------------------------


def _date(moment: datetime | None) -> str:
    return f"{moment.day} {moment:%b %Y}" if moment else "undated"


def source_html(source: str) -> str:
    """A web source as a link named by its host; a file name as plain text."""
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and parts.netloc:
        host = parts.netloc.removeprefix("www.")
        return f"<a href={attr(source)}>{esc(host)}</a>"
    return esc(clip(source, 80))


def stance_marker(stance: str) -> str:
    emoji, word = STANCES.get(stance, ("•", stance))
    return f"{emoji} <b>{esc(word.upper())}</b>"


# --- briefings ----------------------------------------------------------------------------


def briefing_item(item: Briefing) -> str:
    lines = [f"<b>{esc(clip(item.title, MAX_TITLE))}</b>"]
    lines.append(f"<i>{source_html(item.source)}</i> · {_date(item.published or item.ingested_at)}")
    sentences = [clip(s, MAX_SENTENCE) for s in item.summary[:MAX_SUMMARY_SENTENCES]]
    if sentences:
        lines.append(esc(" ".join(sentences)))
    if item.actors:
        named = item.actors[:MAX_ACTORS_NAMED]
        more = len(item.actors) - len(named)
        extra = f" +{more}" if more > 0 else ""
        lines.append(f"👥 {esc(', '.join(named))}{extra}")
    return "\n".join(lines)


def latest_messages(items: Sequence[Briefing]) -> list[str]:
    if not items:
        return ["No briefings yet. New articles appear here as soon as they are ingested."]
    header = f"📰 <b>The {len(items)} newest briefing{'s' if len(items) != 1 else ''}</b>"
    return split_messages([header, *map(briefing_item, items)])


def digest_messages(
    items: Sequence[Briefing], *, total: int | None = None, daily: bool
) -> list[str]:
    """A digest: a header and the newest MAX_DIGEST_ITEMS of its ``total`` briefings."""
    if not items:
        return []
    ordered = sorted(items, key=lambda b: (b.ingested_at, b.id), reverse=True)
    shown = ordered[:MAX_DIGEST_ITEMS]
    count = max(total or 0, len(items))
    noun = f"{count} new briefing{'s' if count != 1 else ''}"
    header = f"🗞 <b>Your daily digest: {noun}</b>" if daily else f"📰 <b>{noun.capitalize()}</b>"
    blocks = [header, *map(briefing_item, shown)]
    if count > len(shown):
        blocks.append(f"…and {count - len(shown)} more: /latest {LATEST_MAX} lists the newest.")
    return split_messages(blocks)


# --- /who ---------------------------------------------------------------------------------


def position_item(position: Position) -> str:
    flags = ""
    if position.hedged:
        by = f", reported by {esc(position.reported_by)}" if position.reported_by else ""
        flags = f" <i>(unconfirmed{by})</i>"
    lines = [
        f"{stance_marker(position.stance)}{flags}",
        f"“{esc(clip(position.evidence, MAX_EVIDENCE))}”",
        f"— <i>{esc(clip(position.article.title, MAX_TITLE))}</i>, {_date(position.date)}",
    ]
    for change in position.changes[:2]:
        emoji, word = STANCES.get(change.stance, ("•", change.stance))
        lines.append(
            f"↺ changes an earlier position ({emoji} {esc(word)}, "
            f"{_date(change.article.published)}): “{esc(clip(change.evidence, 200))}”"
        )
    return "\n".join(lines)


def page_count(total: int, page_size: int = WHO_PAGE_SIZE) -> int:
    return max(1, -(-total // page_size))


def who_page(answer: WhoAnswer, page: int, page_size: int = WHO_PAGE_SIZE) -> str:
    """One page of an actor's positions as a single message."""
    assert answer.actor is not None
    actor = answer.actor
    aliases = f"\n<i>also: {esc(clip(', '.join(actor.aliases), 200))}</i>" if actor.aliases else ""
    header = f"👤 <b>{esc(actor.name)}</b> ({esc(actor.kind)}){aliases}"
    if not answer.positions:
        return f"{header}\n\nNo positions recorded yet."
    first = page * page_size + 1
    last = page * page_size + len(answer.positions)
    header += f"\n{answer.total} position{'s' if answer.total != 1 else ''}, newest first"
    if answer.total > len(answer.positions):
        header += f" (showing {first}–{last})"
    return fit_message([header, *map(position_item, answer.positions)])


def who_unknown(query: str, suggestions: Sequence[str]) -> str:
    text = f"I know no actor called “{esc(clip(query, 100))}”."
    if suggestions:
        return text + " Did you mean one of these?"
    return text + " Try a full name or a country, e.g. /who Zelensky. /actors lists who I know."


WHO_USAGE = (
    "Usage: <code>/who NAME</code>, e.g. <code>/who Zelensky</code>: "
    "every position the actor took, newest first."
)


# --- /actors, /stats, help ----------------------------------------------------------------


def actors_message(rows: Sequence[tuple[str, str, int]]) -> str:
    if not rows:
        return "No positions recorded yet."
    lines = ["🏛 <b>Actors with the most positions</b>"]
    for number, (name, kind, count) in enumerate(rows, start=1):
        lines.append(f"{number}. <b>{esc(name)}</b> ({esc(kind)}): {count}")
    lines.append("\nAsk about one with <code>/who NAME</code>.")
    return truncate_html("\n".join(lines))


def stats_message(stats: Stats, *, in_flight: int = 0) -> str:
    last = f"{stats.last_ingest:%Y-%m-%d %H:%M} UTC" if stats.last_ingest else "never"
    pending = f"{stats.deliveries_pending}" + (f" (+{in_flight} sending)" if in_flight else "")
    return "\n".join(
        [
            "📊 <b>briefbot</b>",
            f"Articles: {stats.articles}",
            f"Actors with positions: {stats.actors}",
            f"Statements: {stats.statements}",
            f"Active subscribers: {stats.subscribers}",
            f"Last ingest: {last}",
            f"Deliveries pending: {pending}",
            f"Deliveries failed: {stats.deliveries_failed}",
        ]
    )


def feed_item(url: str, state: FeedState | None) -> str:
    """One configured feed in /stats: healthy or failing, its error counts, what's next."""
    name = f"<code>{esc(clip(url, 200))}</code>"
    if state is None:
        return f"🕓 {name}\nnot polled yet"
    success = (
        f"last success {state.last_success_at:%Y-%m-%d %H:%M} UTC"
        if state.last_success_at
        else "never succeeded"
    )
    counts = (
        f"{state.articles_added} added · errors: {state.consecutive_errors} in a row, "
        f"{state.total_errors} in all"
    )
    if not state.consecutive_errors:
        return f"✅ {name}\n{success} · {counts}"
    return (
        f"⚠️ {name}\nfailing: {esc(clip(state.last_error or '', 300))}\n{success} · {counts} · "
        f"next try {state.next_poll_at:%Y-%m-%d %H:%M} UTC"
    )


def stats_messages(
    stats: Stats,
    *,
    in_flight: int = 0,
    feeds: Sequence[str] = (),
    polled: Sequence[FeedState] = (),
) -> list[str]:
    """/stats: the figures, then each configured feed (``polled``: the states stored)."""
    states = {state.url: state for state in polled}
    items = [stats_message(stats, in_flight=in_flight)]
    if feeds:
        failing = sum(1 for url in feeds if url in states and states[url].consecutive_errors)
        items.append(f"📡 <b>Feeds</b>: {len(feeds)}, {failing} failing")
        items.extend(feed_item(url, states.get(url)) for url in feeds)
    return split_messages(items)


INGEST_USAGE = (
    "Usage: <code>/ingest</code> to scan the inbox and the feeds now, or "
    "<code>/ingest URL</code> to store one web page, e.g. "
    "<code>/ingest https://example.com/news/story</code>."
)


@dataclass(frozen=True)
class CommandHelp:
    command: str
    args: str
    description: str
    admin: bool = False


COMMANDS: tuple[CommandHelp, ...] = (
    CommandHelp("start", "", "what this bot does"),
    CommandHelp("help", "", "every command"),
    CommandHelp("latest", "[N]", "the newest briefings (default 5, at most 20)"),
    CommandHelp("who", "NAME", "an actor's positions, newest first"),
    CommandHelp("actors", "", "the actors with the most positions"),
    CommandHelp("subscribe", "[daily HH:MM]", "a digest when news arrives, or once a day"),
    CommandHelp("unsubscribe", "", "stop all digests"),
    CommandHelp("timezone", "ZONE", "your time zone for daily digests, e.g. Europe/Kyiv"),
    CommandHelp("stats", "", "counts, last ingest, deliveries (admins)", admin=True),
    CommandHelp(
        "ingest", "[URL]", "scan the inbox and feeds now, or store one page (admins)", admin=True
    ),
)


def help_message(*, admin: bool) -> str:
    lines = [
        "🗞 <b>briefbot</b> turns news articles into short briefings and keeps track of "
        "who committed to what.",
        "",
    ]
    for entry in COMMANDS:
        if entry.admin and not admin:
            continue
        args = f" {esc(entry.args)}" if entry.args else ""
        lines.append(f"/{entry.command}{args} — {esc(entry.description)}")
    return "\n".join(lines)


# --- subscriptions ------------------------------------------------------------------------


def subscription_state(mode: str | None, daily_time: str | None, timezone: str) -> str:
    """What is now in force, in one sentence."""
    if mode is None:
        return "You are not subscribed: no digests will be sent. /subscribe to start."
    if mode == "daily":
        return (
            f"You get one digest a day at <b>{esc(daily_time or '')}</b> ({esc(timezone)}), "
            "with the briefings that arrived since the last one."
        )
    return "You get a digest each time new articles arrive."


SUBSCRIBE_USAGE = (
    "Usage: <code>/subscribe</code> for a digest whenever news arrives, or "
    "<code>/subscribe daily HH:MM</code> for one a day, e.g. <code>/subscribe daily 08:00</code>."
)


# --- errors -------------------------------------------------------------------------------

USER_ERROR = (
    "Sorry, something went wrong on my side. The admins have been told; please try again later."
)


def admin_error_message(where: str, error: BaseException) -> str:
    kind = type(error).__name__
    detail = clip(str(error), 1500) or "(no message)"
    return truncate_html(
        f"⚠️ <b>briefbot error</b> in {esc(where)}\n<code>{esc(kind)}: {esc(detail)}</code>"
    )
