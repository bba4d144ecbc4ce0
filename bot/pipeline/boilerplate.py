"""What is never article text: page furniture, reading lists, leaked generator instructions.

Kept as data in one place so a new kind of junk is one line here, not a new branch in code.
All patterns are matched case-insensitively against a whole line or sentence; one that
starts with ``^`` is anchored at the start as a whole (no top-level ``|``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.pipeline.patterns import openings_finder


def _union(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class PatternSet:
    """Patterns tested as one: does any of them occur in a text?

    Patterns anchored at the start (``^…``) are tried there only; in one alternation with
    the others the regular expression engine would retry them at every position, which made
    them most of the cost of cleaning an article. The others are searched for only in text
    where one of their openings stands (in ASCII text; most lines hold none): ignoring case,
    re tries each of them at every position.
    """

    at_start: re.Pattern[str] | None
    anywhere: re.Pattern[str] | None
    anywhere_openings: re.Pattern[str] | None = None

    def search(self, text: str) -> bool:
        return bool(
            (self.at_start and self.at_start.match(text))
            or (self.anywhere and self._may_be_anywhere(text) and self.anywhere.search(text))
        )

    def _may_be_anywhere(self, text: str) -> bool:
        if self.anywhere_openings is None or not text.isascii():
            return True
        return self.anywhere_openings.search(text.lower()) is not None


def _compile(patterns: list[str]) -> PatternSet:
    anywhere = [pattern for pattern in patterns if not pattern.startswith("^")]
    return PatternSet(
        at_start=_union([pattern for pattern in patterns if pattern.startswith("^")]),
        anywhere=_union(anywhere),
        anywhere_openings=openings_finder(anywhere) if anywhere else None,
    )


# A line matching one of these is page furniture: comment forms, newsletters, sharing.
FURNITURE_LINE = _compile(
    [
        r"^leave a (reply|comment)\b",
        r"^you must be (logged|signed) in to post a comment",
        r"^[\"“”*\s]*indicates required fields?",
        r"\bindicates required fields?\b",
        r"^(sign up|subscribe) (to|for) (our|the) (newsletter|daily|weekly)",
        r"^(share|share this|share on|follow us)\b.{0,40}$",
        r"^(related|read more|more on this story|advertisement|cookie)\b.{0,60}$",
        r"^(comments?|reply|cancel reply|post comment|submit)$",
        r"^(name|email|website)\s*\*?$",
        r"^save my name, email",
        r"^this site uses akismet",
    ]
)

# Instructions that leaked from whatever generated the page. Everything from such a line on
# is the generator talking, not the article, so cleaning stops there.
GENERATOR_LEAK = _compile(
    [
        r"^(…|\.\.\.)\s*and so on\b",
        r"\band so on to make (it )?long\b",
        r"\bto reach \d[\d,]* words\b",
        r"\binclude lists\s*:",
        r"\b(elaborate|expand) on (the )?(history|implications)\b.*\betc\b",
    ]
)

# Sentences in which the generator talks about its own task instead of the news.
META_SENTENCE = _compile(
    [
        r"\bthe provided (summary|text|article|source)\b",
        r"\bthe summary (notes|states|says|mentions)\b",
        r"\btrigger words\b",
        r"\bselective omission\b",
        r"\bthis phrasing suggests\b",
    ]
)

# Section headings whose whole section is not news: calls to action, reading lists, links.
BOILERPLATE_SECTION = _compile(
    [
        r"^call to action$",
        r"^advice and alerts$",
        r"^annotations\b",
        r"^(further|recommended|suggested) reading\b",
        r"^(references|sources|related links|useful links|links|resources|see also)$",
        r"^(about the author|comments|share this( article)?)$",
    ]
)

# A reading-list entry: "Publisher: Title – This resource offers …" or "Body: For official …".
READING_LIST_LINE = _compile(
    [
        r"\s[–—-]\s+(this|these) (type of )?(analysis|analyses|resource|resources|report|article|piece|paper|site|page)s?\b",
        r"^[^:!?]{2,80}:\s+for (official|more|further|updates|information|the latest)\b",
    ]
)

# "Label: text" where the label is a short title-cased phrase glued to a sentence.
LABEL_PREFIX = re.compile(r"^(?P<label>[A-Z][^:.!?\"“”]{0,80}?):\s+(?P<rest>\S.*)$")

BULLET = re.compile(r"^\s*(?:[-–—•●▪◦*·‣⁃]|\d{1,3}[.)])\s*")
