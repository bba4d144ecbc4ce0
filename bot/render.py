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
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bot.answers import Alert, Board, Briefing, Position, WhoAnswer
from storage.feeds import FeedState
from storage.follows import FollowedActor
from storage.preferences import Preferences
from storage.repository import Stats

MAX_MESSAGE = 4096
MAX_CAPTION = 1024
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
BOARD_DEFAULT_DAYS = 7
BOARD_MAX_DAYS = 365
INLINE_RESULTS = 20

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


def printable(text: str) -> str:
    """User input fit to be echoed: control and invisible format characters dropped."""
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))


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


def split_messages(
    items: Sequence[str], limit: int = MAX_MESSAGE, separator: str = ITEM_SEPARATOR
) -> list[str]:
    """Pack HTML items into as few messages of at most ``limit`` UTF-16 units as possible.

    Messages break only between items (joined by a blank line, or ``separator``); an item too long for a
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
        elif utf16_len(current) + utf16_len(separator) + utf16_len(item) <= limit:
            current += separator + item
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
    if len(source) > 80:  # a file's name says more than the folders it sits in
        return esc(ELLIPSIS + source[-79:])
    return esc(source)


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
    items: Sequence[Briefing],
    *,
    total: int | None = None,
    daily: bool,
    shown: int = MAX_DIGEST_ITEMS,
) -> list[str]:
    """A digest: a header and the newest ``shown`` (at most MAX_DIGEST_ITEMS) of its
    ``total`` briefings."""
    if not items:
        return []
    ordered = sorted(items, key=lambda b: (b.ingested_at, b.id), reverse=True)
    shown_items = ordered[: min(shown, MAX_DIGEST_ITEMS)]
    count = max(total or 0, len(items))
    noun = f"{count} new briefing{'s' if count != 1 else ''}"
    header = f"🗞 <b>Your daily digest: {noun}</b>" if daily else f"📰 <b>{noun.capitalize()}</b>"
    blocks = [header, *map(briefing_item, shown_items)]
    if count > len(shown_items):
        more = count - len(shown_items)
        blocks.append(f"…and {more} more: /latest {LATEST_MAX} lists the newest.")
    return split_messages(blocks)


# --- /who ---------------------------------------------------------------------------------


def _unconfirmed(position: Position) -> str:
    """The mark of a position reported without confirmation, or nothing."""
    if not position.hedged:
        return ""
    by = f", reported by {esc(position.reported_by)}" if position.reported_by else ""
    return f" <i>(unconfirmed{by})</i>"


def position_item(position: Position) -> str:
    lines = [
        f"{stance_marker(position.stance)}{_unconfirmed(position)}",
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


def who_unknown(query: str, suggestions: Sequence[str], command: str = "who") -> str:
    """An unknown or ambiguous name (for /who, /follow…); the suggestions come as buttons."""
    text = f"I know no actor called “{esc(clip(printable(query), 100))}”."
    if suggestions:
        return text + " Did you mean one of these?"
    return (
        text + f" Try a full name or a country, e.g. /{command} Zelensky. /actors lists who I know."
    )


WHO_USAGE = (
    "Usage: <code>/who NAME</code>, e.g. <code>/who Zelensky</code>: "
    "every position the actor took, newest first."
)


# --- charts ------------------------------------------------------------------------------


def who_chart_caption(actor: str, articles: int) -> str:
    """The caption of the timeline of an actor's positions in their newest ``articles``."""
    noun = f"newest {articles} articles" if articles != 1 else "newest article"
    return truncate_html(
        f"📈 <b>{esc(actor)}</b>: positions by date and stance in the {noun}. "
        "The numbers are the articles listed beside the chart.",
        MAX_CAPTION,
    )


WHO_NO_CHART = "📈 <i>One position so far: a chart over time comes with the second.</i>"


def board_caption(board: Board, shown: int) -> str:
    actors = len(board.rows)
    top = f", the {shown} most active shown" if actors > shown else ""
    return truncate_html(
        f"📊 <b>Who took which position</b> since {_date(board.since)}: {board.positions} "
        f"position{'s' if board.positions != 1 else ''} by {actors} "
        f"actor{'s' if actors != 1 else ''}{top}. /who NAME for one actor's story.",
        MAX_CAPTION,
    )


def board_empty(days: int) -> str:
    return (
        f"No positions recorded in the last {days} day{'s' if days != 1 else ''}. "
        f"Try a longer period, e.g. <code>/board {BOARD_MAX_DAYS}</code>."
    )


BOARD_USAGE = (
    "Usage: <code>/board</code> or <code>/board DAYS</code> with DAYS from 1 to "
    f"{BOARD_MAX_DAYS}: a chart of which actors took which positions in that period "
    f"(default {BOARD_DEFAULT_DAYS} days)."
)


# --- inline mode --------------------------------------------------------------------------


def inline_title(position: Position) -> str:
    _emoji, word = STANCES.get(position.stance, ("•", position.stance))
    return clip(f"{word.capitalize()}: {position.article.title}", 100)


def inline_message(actor: str, position: Position) -> str:
    """One position as a message anyone can share: who, which stance, the words, the source."""
    return fit_message(
        [
            f"👤 <b>{esc(actor)}</b> {stance_marker(position.stance)}",
            f"“{esc(clip(position.evidence, MAX_EVIDENCE))}”",
            f"— <i>{esc(clip(position.article.title, MAX_TITLE))}</i>, {_date(position.date)}, "
            f"{source_html(position.article.source)}",
        ]
    )


INLINE_HELP = (
    "In any chat, type my @username, a space and a name to share that actor's latest "
    "positions (inline mode)."
)
INLINE_HINT = "Type an actor's name, e.g. Zelensky"


def inline_unknown(query: str, suggestions: Sequence[str]) -> str:
    if suggestions:
        return clip(f"Not found. Did you mean {suggestions[0]}?", 64)
    return clip(f"No actor called {query}", 64)


def inline_no_positions(actor: str) -> str:
    return clip(f"No positions of {actor} yet", 64)


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
    CommandHelp("board", "[DAYS]", "a chart of who took which position lately (default 7 days)"),
    CommandHelp("subscribe", "[daily HH:MM]", "a digest when news arrives, or once a day"),
    CommandHelp("unsubscribe", "", "stop all digests"),
    CommandHelp("timezone", "ZONE", "your time zone for daily digests, e.g. Europe/Kyiv"),
    CommandHelp("follow", "NAME", "an alert as soon as an actor takes a new position"),
    CommandHelp("unfollow", "NAME", "stop the alerts about an actor"),
    CommandHelp("following", "", "whom you follow, with their latest position's date"),
    CommandHelp(
        "settings",
        "[actors A, B | keywords W W | max N | clear]",
        "only chosen actors or keywords, and at most N articles per digest",
    ),
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
    lines += ["", INLINE_HELP]
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


# --- following actors ---------------------------------------------------------------------

MAX_NAME_QUERY = 100
FOLLOW_USAGE = (
    "Usage: <code>/follow NAME</code>, e.g. <code>/follow Zelensky</code>: an alert as soon "
    "as a new article has a position by them. <code>/unfollow NAME</code> stops it, "
    "<code>/following</code> lists whom you follow."
)
UNFOLLOW_USAGE = "Usage: <code>/unfollow NAME</code>, e.g. <code>/unfollow Zelensky</code>."


def name_too_long(length: int) -> str:
    return (
        f"That name is {length} characters long; names have at most {MAX_NAME_QUERY}. "
        "Try the actor's surname, e.g. <code>/follow Zelensky</code>."
    )


def followed(name: str, *, already: bool, digests: bool) -> str:
    if already:
        return f"You already follow <b>{esc(name)}</b>."
    note = "" if digests else " Alerts come whether or not you /subscribe to digests."
    return (
        f"👁 Following <b>{esc(name)}</b>: you get an alert as soon as a new article has a "
        f"position by them.{note}"
    )


def follow_limit(limit: int) -> str:
    return (
        f"You already follow {limit} actors, the most one chat can. "
        "/unfollow one first; /following lists them."
    )


def unfollowed(name: str, *, was_following: bool) -> str:
    if not was_following:
        return f"You don't follow <b>{esc(name)}</b>. /following lists whom you follow."
    return f"🔕 No more alerts about <b>{esc(name)}</b>."


def following_messages(actors: Sequence[FollowedActor]) -> list[str]:
    if not actors:
        return ["You follow nobody yet. <code>/follow NAME</code> starts alerts about an actor."]
    items = [f"👁 <b>You follow {len(actors)} actor{'s' if len(actors) != 1 else ''}</b>"]
    for actor in actors:
        latest = f"latest position {_date(actor.latest)}" if actor.latest else "no positions yet"
        items.append(f"• <b>{esc(actor.name)}</b> ({esc(actor.kind)}) — {latest}")
    return split_messages(items, separator="\n")


def alert_item(actor: str, position: Position) -> str:
    lines = [
        f"👤 <b>{esc(actor)}</b>: {stance_marker(position.stance)}{_unconfirmed(position)}",
        f"“{esc(clip(position.evidence, MAX_EVIDENCE))}”",
    ]
    for change in position.changes[:2]:
        lines += [
            f"↺ <b>This changes an earlier position:</b> {stance_marker(change.stance)}, "
            f"{_date(change.article.published)}, in <i>{esc(clip(change.article.title, MAX_TITLE))}"
            f"</i> ({source_html(change.article.source)})",
            f"“{esc(clip(change.evidence, MAX_EVIDENCE))}”",
        ]
    return "\n".join(lines)


def alert_messages(alert: Alert) -> list[str]:
    """An alert: the article, then each new position by a followed actor in it."""
    article = alert.article
    header = (
        "🔔 <b>New position"
        + ("s" if len(alert.items) != 1 else "")
        + f" by {esc(clip(', '.join(dict.fromkeys(i.actor for i in alert.items)), 200))}</b>\n"
        + f"in <b>{esc(clip(article.title, MAX_TITLE))}</b>\n"
        + f"<i>{source_html(article.source)}</i> · {_date(alert.date)}"
    )
    return split_messages([header, *(alert_item(i.actor, i.position) for i in alert.items)])


# --- digest preferences -------------------------------------------------------------------

SETTINGS_USAGE = (
    "Change them with:\n"
    "<code>/settings actors Trump, Zelensky</code> — only articles with their positions\n"
    "<code>/settings keywords ceasefire troops</code> — only articles with one of these words\n"
    "<code>/settings max 5</code> — at most 5 articles per digest (<code>max all</code>: "
    f"up to {MAX_DIGEST_ITEMS}, the rest counted)\n"
    "<code>/settings clear</code> — no actor or keyword filter"
)


def settings_actor_unknown(query: str, suggestions: Sequence[str]) -> str:
    text = f"I know no actor called “{esc(clip(printable(query), MAX_NAME_QUERY))}”"
    if suggestions:
        text += f" (did you mean {esc(' or '.join(suggestions[:3]))}?)"
    return text + ". Nothing was changed. /actors lists who I know."


def settings_rejected(reason: str) -> str:
    return f"{reason} Nothing was changed.\n\n{SETTINGS_USAGE}"


def settings_message(preferences: Preferences, subscription_line: str) -> str:
    actors = esc(", ".join(preferences.actors)) if preferences.actors else "any"
    keywords = esc(", ".join(preferences.keywords)) if preferences.keywords else "any"
    most = (
        f"at most {preferences.max_articles}"
        if preferences.max_articles
        else f"up to {MAX_DIGEST_ITEMS}, the rest counted"
    )
    lines = [
        "⚙️ <b>Your digest settings</b>",
        subscription_line,
        f"Actors: <b>{actors}</b>",
        f"Keywords: <b>{keywords}</b>",
        f"Articles per digest: <b>{most}</b>",
    ]
    if preferences.filtered:
        lines.append(
            "<i>A digest keeps an article with a position by one of these actors "
            "or one of these words.</i>"
        )
    return truncate_html("\n".join([*lines, "", SETTINGS_USAGE]))


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
