"""When a new statement changes an actor's earlier position on the same thing.

Two statements are about the same thing when their evidence shares at least two topic terms
(stemmed content words, actor names left out, a few synonyms folded: peacekeepers, soldiers
and forces are all troops). A change is a reversal when the stance flips between taking a
position and refusing it ("did not rule out deploying" → "would not be deployed"), and a
shift when it moves within one side (open → commit, commit → conditional).
"""

from __future__ import annotations

from sumy.utils import get_stop_words

from bot.pipeline.sentences import stem, words

MIN_SHARED_TERMS = 2
MIN_OVERLAP = 0.12  # shared terms over all terms: story-wide words alone are not a topic

_STOP = frozenset(get_stop_words("english")) | frozenset(
    """said says would could also still however president government country minister
    reiterated reaffirmed announced stated noted added told emphasized emphasised stressed
    insisted repeated made clear""".split()
)
# Words for the same thing, folded onto the first word of each group.
_SAME_THING = (
    "troops peacekeepers soldiers forces boots",
    "deploy send station",
    "guarantees assurances",
)
_NEGATIVE = {"refuse"}
_OWN_ACTION = {"commit", "conditional", "open"}
_SYNONYMS = {stem(word): stem(group.split()[0]) for group in _SAME_THING for word in group.split()}


def _term(word: str) -> str:
    stemmed = stem(word)
    return _SYNONYMS.get(stemmed, stemmed)


def topic_terms(evidence: str, names: tuple[str, ...] = ()) -> frozenset[str]:
    """The stemmed content words of a statement, without the actors' own names."""
    named = {word.lower() for name in names for word in words(name)}
    lowered = (word.lower() for word in words(evidence) if len(word) > 2)
    return frozenset(_term(word) for word in lowered if word not in _STOP and word not in named)


def change_kind(earlier: str, later: str) -> str | None:
    """ "reversal", "shift", or None when the position did not move.

    A demand is about what others should do, so only the actor's own stance on acting
    (commit, conditional, open) can shift; any stance can reverse into or out of refuse.
    """
    if earlier == later:
        return None
    if (earlier in _NEGATIVE) != (later in _NEGATIVE):
        return "reversal"
    return "shift" if {earlier, later} <= _OWN_ACTION else None


def same_topic(first: frozenset[str], second: frozenset[str]) -> bool:
    shared = len(first & second)
    return shared >= MIN_SHARED_TERMS and shared / len(first | second) >= MIN_OVERLAP
