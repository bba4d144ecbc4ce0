"""What a regular expression's matches must start with, read from its parse.

re tries a pattern at every position of a text; a text that holds none of a pattern's
openings cannot match it and need not be searched. The openings come from the parser
re.compile itself uses (it has no stubs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from re import _constants as _op  # type: ignore[attr-defined]
from re import _parser as _regex_parser  # type: ignore[attr-defined]
from typing import Any

_LONGEST = 16  # characters of an opening worth knowing
_MOST = 64  # openings worth telling apart


def openings(pattern: str) -> frozenset[str]:
    """Texts one of which every match of ``pattern`` starts with: its literal opening,
    through alternatives and optional parts, up to its first part that is not a literal
    ("" when it may start with anything)."""
    parsed = _regex_parser.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return frozenset({""})
    return frozenset(text for text, _ in _followed_by({("", True)}, parsed))


def _followed_by(
    openings: set[tuple[str, bool]], items: Iterable[tuple[Any, Any]]
) -> set[tuple[str, bool]]:
    """``openings`` (text, whether all read so far was literal) followed by parsed ``items``.

    Look-arounds and anchors take no character; a part that is not literal (a class such as
    "\\w", a repeat after its first round) ends an opening where it stands.
    """
    for op, argument in items:
        if not any(literal_so_far for _, literal_so_far in openings):
            break
        if op in (_op.ASSERT, _op.ASSERT_NOT, _op.AT):
            continue
        if op is _op.LITERAL:
            following = {(chr(argument), True)}
        elif op is _op.IN and all(kind is _op.LITERAL for kind, _ in argument):
            following = {(chr(value), True) for _, value in argument}
        elif op is _op.SUBPATTERN and not argument[1] & re.IGNORECASE:
            following = _followed_by({("", True)}, argument[-1])
        elif op is _op.BRANCH:
            following = set().union(*(_followed_by({("", True)}, b) for b in argument[1]))
        elif op in (_op.MAX_REPEAT, _op.MIN_REPEAT):
            least, most, repeated = argument
            once = _followed_by({("", True)}, repeated)
            if most != 1:
                once = {(text, False) for text, _ in once}  # how often is not known
            following = once | ({("", True)} if least == 0 else set())
        else:
            following = {("", False)}
        openings = {
            (text + more, more_literal) if literal_so_far else (text, False)
            for text, literal_so_far in openings
            for more, more_literal in following
        }
        if len(openings) > _MOST or any(len(text) >= _LONGEST for text, _ in openings):
            openings = {(text, False) for text, _ in openings}
    return openings


def longest_match(pattern: re.Pattern[str]) -> int:
    """The most characters a match of ``pattern`` can span (huge when it is unbounded)."""
    return int(_regex_parser.parse(pattern.pattern, pattern.flags).getwidth()[1])


def could_match(openings: frozenset[str], text: str) -> bool:
    """Whether ``text`` holds one of a case-sensitive pattern's ``openings``."""
    return any(map(text.__contains__, openings))


def longest_first(strings: Iterable[str]) -> str:
    """A pattern for the longest of ``strings`` that fits; where what follows it fails, the
    next longest is tried.

    The strings form a trie, so at each character only the strings sharing what was read so
    far are tried (an alternation of hundreds of strings tries each of them in turn).
    """
    trie: dict[str, dict] = {}
    for string in strings:
        node = trie
        for character in string:
            node = node.setdefault(character, {})
        node[""] = {}
    return _longest_first(trie)


def _longest_first(node: dict[str, dict]) -> str:
    branches = [re.escape(c) + _longest_first(child) for c, child in node.items() if c]
    if not branches:
        return ""
    either = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{either})?" if "" in node else either  # greedy: the longer string first


def openings_finder(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern that finds, in lower-cased text, where one of the openings of ``patterns``
    stands, for patterns matched ignoring case; None if their openings say nothing (one
    may start anywhere) or are not all ASCII.

    Only in ASCII text does lower case stand for ignoring case: elsewhere re also equates
    letters that lower-casing does not ("ı" and "i", "ſ" and "s").
    """
    found = frozenset().union(*map(openings, patterns))
    if "" in found or not all(opening.isascii() for opening in found):
        return None
    return re.compile(longest_first({opening.lower() for opening in found}))
