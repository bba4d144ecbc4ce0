"""Stance cues: the phrases that show an actor taking a position, one list per stance.

Kept as data in one module. Each pattern is a regular expression matched case-insensitively
on a sentence; where two cues overlap, a weak one (criticism, a reported future) loses, else
the longer one wins, which is how "did not rule out"
(open) beats "rule out" (refuse) and "shows little willingness" (refuse) beats "willingness"
(open). Cues in ``NO_POSITION`` cancel a position outright ("stopped short of offering").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.pipeline.patterns import could_match, longest_first, openings

# Deeds that are decisions taken: a firm's or a government's reported action is its position.
_ACTIONS_DONE = (
    r"released|launched|awarded|issued|unveiled|introduced|closed|shut\s+down|bought|acquired|"
    r"recalled|scrapped|axed|sued|donated|invested|appointed|hired|set\s+up|made\s+available|"
    r"contributed|pushed\s+through|banned|cancelled|canceled|withdrawn|withdrew|dropped|signed|"
    r"suspended|fined|sacked|resigned|retired|quit|stepped\s+down"
)

CUES: dict[str, list[str]] = {
    "open": [
        r"(?:did|does|do|has|have|had|would|will)\s*(?:not|n't|never)\s+(?:rule|ruled|ruling)\s+out",
        r"not\s+ruling\s+out",
        r"(?:showed|shows|show|expressed|signalled|signaled|indicated)\s+(?:(?:a|its|his|her|their|some)\s+)?willingness\s+to",
        r"(?:is|are|was|were|be)\s+(?:\w+\s+)?willing\s+to",
        r"(?:(?:might|may|could)\s+)follow\s+suit",
        r"consideration\s+of",
        r"(?:is|are|was|were)\s+considering",
        r"considers|considered",
        r"(?:is|are|was|were)\s+open\s+to",
        r"open\s+to\s+(?:the\s+idea|talks|negotiations|discussions)",
        r"propos(?:ed|es|ing)\b",
        r"(?:hopes|hoped|hoping|hope\s+(?:to|that|this|these|it|we|they|you|our|their))\b",
        r"(?:wants?|wanted|wanting)\s+(?:to\b|\w+\s+to\b)",
        r"(?:is|are|was|were)\s+(?:intending|planning|preparing)\s+to",
        r"(?:plans?|planned|intends?|intended)\s+to",
        r"(?:has|have)\s+(?:put\s+forward|drawn\s+up)\s+(?:plans|proposals)",
        r"(?:expressed|has\s+expressed)\s+(?:a\s+)?(?:desire|hope|wish)\s+to",
        r"would\s+consult\s+on|will\s+consult\s+on|to\s+consult\s+on",
        r"(?:offered|offers)\s+(?:vague|tentative|conditional)\s+assurances",
        r"(?:is|are|was)\s+set\s+to\s+meet",
        r"(?:could|might|may)\s+(?:back|support|accept|consider)",
        r"(?:is|are)\s+(?:exploring|weighing|studying)",
        r"suggested|suggests|floated",
        r"(?:is|are|was|were|am)\s+(?:\w+ly\s+)?(?:ready|prepared)\s+to\b",
        r"(?:has|have|had)\s+(?:\w+\s+)?plans\s+(?:for|to)\b",
        r"(?:is|are|was|were)\s+(?:being\s+)?(?:evaluated|reviewed|examined)\b",
        r"(?:am|is|are|was|were)\s+(?:\w+ly\s+)?looking\s+(?:at|into|to)\b",
        r"(?:aims?|aimed|aiming)\s+to\b",
        r"(?:expects?|expected)\s+to\s+(?!be\b)",
        r"(?:is|are|was|were|am)\s+(?:\w+ly\s+)?keen\s+to\b",
    ],
    "refuse": [
        r"(?:ruled|rules|rule|ruling)\s+out",
        r"red\s+lines?",
        r"(?:rejected|rejects|reject|rejecting|refused|refuses|refuse)\b",
        r"(?:opposes|opposed|oppose|opposing)\b",
        r"(?:dismissed|dismisses|dismissing)\b",
        r"(?:would|will|shall)\s+not\s+be\s+deployed|won't\s+be\s+deployed",
        r"non-deployment\s+of",
        r"(?:will|would|shall)\s+(?:not|never)\b|won't\b",
        r"(?:has|have)\s+yet\s+to\s+(?:\w+\s+)?confirm",
        r"(?:has|have|had)\s+not\s+(?:yet\s+)?confirmed",
        r"withh(?:o|e)lds?\s+(?:its\s+)?confirmation|withholding\s+confirmation",
        r"(?:shows?|showed|showing)\s+(?:little|no)\s+willingness",
        r"(?:is|are|was|were)\s+(?:un|not\s+)willing\s+to",
        r"careful\s+not\s+to\s+commit",
        r"(?:vetoed|vetoes|blocked|blocks)\b",
        r"(?:warned|warns)\s+(?:against|(?:\w+\s+){0,3}?that)",
        r"(?:cautioned|cautions)\s+against\b",
        r"(?:vote|voted|votes|voting)\s+against",
        r"(?:ruled|rules|rule|ruling)\s+against",
        r"refusal\s+to",
        r"(?:is|are|was|were|am)\s+(?:\w+ly\s+)?against\b",
        r"(?:hit|hits|hitting)\s+back\s+at\b",
        r"(?:there\s+(?:are|is|were|was)|(?:has|have|had))\s+no\s+(?:plans?|intention)\s+(?:to|for)\b",
        r"(?:refused|refuses|refuse|declined|declines)\s+to\s+(?:say|discuss|comment|confirm|reveal|name|accept)",
        r"(?:would|will)\s+not\s+(?:discuss|comment|say)",
        r"(?:denied|denies|deny|denying)\b",
        r"(?:questioned|questions)\s+(?:the|whether|why)",
        r"there\s+(?:would|will)\s+be\s+no\b",
        r"(?:there\s+(?:is|was|are|were)|(?:saw|sees|see|has|had|have))\s+no\s+need\s+(?:for|to)\b",
        r"(?:threw|thrown|throws|throw|throwing)\s+out\b",
        r"(?:is|was|are|were)\s+(?:completely\s+|totally\s+)?untrue",
        r"(?:uneasy|unhappy|concerned|worried)\s+(?:about|by)",
        r"(?:branded|brands|described|describes|called|calls|dismissed)\s+(?:\w+\s+){0,4}as\s+[\"“]",
        r"(?:ruling|ruled)\s+out\s+the\s+direct",
        # A court's finding: "ruled that the government could not sue".
        r"(?:ruled|rules|found|finds|decided|decides)\s+that\s+(?:[\w'’-]+\s+){0,6}?"
        r"(?:could|can|should|must|would)\s*(?:not|n't)\b",
    ],
    "demand": [
        r"(?:am|is|are)\s+asking",
        r"(?:asked|asks|ask|asking)\s+(?:for|that)\b",
        r"(?:pressing|pressed|presses|press)\s+for\b",
        r"(?:appealed|appeals|appealing)\s+(?:for|to)\b",
        r"(?:called|calls|call|calling)\s+(?:for|on)\b",
        r"(?:demanded|demanding)\b|demands?\b(?!\s+(?:from|of|for)\b)",  # "a demand from banks"
        # "the law requiring ink", "the period required for cuts": participles, no demand.
        r"(?:requires|required|require)\b(?!\s+(?:for|by|under)\b)",
        r"(?:insisted|insists|insist|insisting)\b",
        r"(?:urged|urges|urge|urging)\b",
        # Never the gerund: "accused him of encouraging people to drink" asks nothing.
        r"(?:advised|advises|advise|recommended|recommends|recommend|encouraged|encourages)\s+(?:\w+\s+){0,3}?(?:to\s+(?!be\b)[a-z]+|that)\b",
        r"(?:pushing|pushed|pushes|push)\s+for",
        r"(?:looking|looked|looks)\s+for",
        r"(?:seeking|sought|seeks|seek)\b",
        r"(?<!no\s)needs?\s+to\b",  # "had no need to" asks nothing
        r"(?:advocated|advocates|advocating)\s+for",
        r"necessity\s+of|needs?\s+to\s+(?:be\s+)?(?:given|provided|guaranteed)",
        r"(?:objective|aim|goal)\s+of\s+(?:obtaining|securing|getting)",
        r"(?:wants?|wanted)\b(?!\s+to\b)",
        r"(?:warned|warns|warn|told|tells|urged)\s+(?:\w+\s+){0,3}(?:not\s+to|against)\b",
        r"(?:warned|warns|warn)\s+(?:\w+\s+){1,3}?to\s+(?!be\b)[a-z]+",  # "warned the BBC to steer away"
        r"(?:it\s+(?:is|was)\s+)?(?:vital|essential|crucial|imperative|important|necessary)\s+"
        r"(?:that|to)\b(?!\s+(?:the|a|an|our|its|their|his|her|my|your)\b)",
        r"(?:has|have)\s+(?:got\s+)?to\s+change",
        r"(?:it\s+(?:is|was)\s+)?(?:high\s+)?time\s+(?:for\s+\w+\s+)?to\b",
        r"(?:must|should)\s+(?!not\b|have\b)",  # "should have acted" reproaches
    ],
    "commit": [
        r"(?:reiterated|reaffirmed|restated|underscored|underlined|affirmed|expressed)\s+(?:(?:his|her|its|their|a|the)\s+)?(?:\w+\s+)?commitment\s+to",
        r"(?:pledged|pledges|pledge|pledging)\b",
        r"(?:promised|promises|promise|promising)\b",
        r"(?:vowed|vows|vow)\b",
        r"(?:committed|commits)\s+to",
        r"(?:agreed|agrees|agree)\s+to|agreement\s+to",
        r"(?:reached|reach|reaches|signed|signs)\s+(?:an?\s+)?(?:\w+\s+)?(?:agreement|deal|accord)",
        r"(?:are|is|am|'re)\s+going\s+to",
        r"(?:assured|assures|guaranteed|guarantees)\s+(?:that|of)",
        r"(?:is|are|was|were|has\s+been|have\s+been)\s+(?:\w+\s+)?(?:providing|supplying|sending|delivering|offering)\b",
        r"(?:provided|provides|supplied|supplies|delivered)\s+(?:\w+\s+){0,3}(?:assurances|aid|support|weapons|guarantees|funding)",
        r"(?:has|have)\s+been\s+(?:a|an)\s+(?:\w+\s+)?(?:supporter|backer|ally)\s+of",
        r"(?:outlined|announced|unveiled|set\s+out)\s+(?:plans|a\s+plan|proposals)\s+(?:for|to)",
        r"(?:made|make|making)\s+a\s+(?:firm\s+)?commitment",
        r"(?:outlined|announced|unveiled|launched|set\s+out)\s+(?:(?:a|an|its|his|her|their)\s+)?"
        r"(?:new\s+)?(?:drive|scheme|initiative|campaign|strategy|package|fund)\b",
        r"(?:signed|signs|sign)\s+up\s+to",
        r"(?:has|have|had)\s+(?:begun|launched|introduced|imposed)\b",
        r"(?:gave|given|give|giving)\s+way\s+(?:on|over|to)\b",
        r"(?:backed|backs|endorsed|endorses|supported|supports|welcomed|welcomes|defended|defends)\b",
        r"(?:is|are|was|were|am|remains?)\s+(?:\w+ly\s+)?determined\s+to\b",
        r"(?:is|are|was|were|am)\s+(?:\w+ly\s+)?in\s+favour\s+of\b",
        r"(?:decided|decides|(?:has|have|had)\s+decided)\s+to\b",
        r"(?:chose|chosen|chooses|choosing)\s+to\b",
        r"(?:threatened|threatens|threaten)\s+to\b",
        r"(?:approved|approves)\b",
        r"(?:voted|votes)\s+(?:for|in\s+favour)\b",
        # An action under way is a decision taken: "is axing 90 jobs".
        r"(?:is|are)\s+(?:now\s+|also\s+)?(?:axing|cutting|shedding|closing|scrapping|"
        r"shutting|hiring|investing|spending|introducing|launching|building)\b",
    ],
}

# Cues so common in description ("will play a role") that they only count when the actor is
# their grammatical subject, right before them: "We will extend", "her party would boost".
ADJACENT_CUES: dict[str, list[str]] = {
    # "We need $20bn", never "Ukraine's need for deterrence".
    "demand": [r"(?<!['’]s\s)needs?\s+(?!to\b|for\b|of\b)(?:at\s+least\s+|more\s+)?[$£€\d\w]"],
    "commit": [
        # What the actor has done or is doing, right after it: "Microsoft has released a
        # patch", "Chinese authorities closed 12,575 net cafes", "IBM is working on". The
        # cue starts at the deed: a cue opening at every "has" would cost more.
        rf"(?:{_ACTIONS_DONE})\b",
        r"(?:is|are)\s+(?:\w+ly\s+|also\s+|now\s+|already\s+)?(?:working\s+on|developing|"
        r"investigating|testing|trialling|rolling\s+out|recalling|replacing|releasing|unveiling|"
        r"funding|expanding|setting\s+up|buying|acquiring|suing)\b",
        r"(?:will|shall|'ll)\s+(?:definitely\s+|also\s+|now\s+|still\s+|certainly\s+)?"
        r"(?!definitely\b|also\b|now\b|still\b|certainly\b|not\b|never\b|be\b|have\b|play\b|need\b|likely\b|remain\b|continue\b|depend\b|"
        r"face\b|see\b|become\b|mean\b|come\b|seem\b|appear\b|prove\b|get\b|find\b|lead\b|"
        r"result\b|determine\b|shape\b|hinge\b|influence\b|affect\b|take\b|want\b)[a-z]+",
        r"(?:is|are)\s+(?:also\s+|now\s+)?to\s+(?!be\b|have\b|face\b|blame\b|come\b)[a-z]+",
        r"would\s+(?:provide|boost|extend|introduce|cut|raise|scrap|spend|give|deploy|announce|"
        r"create|build|fund|increase|reduce|abolish|protect|restore|offer|support)\b",
    ],
}

# Criticism is a refusal, but the weakest cue: "accusing him … and calling for him to
# apologise" is first of all a demand.
CRITICISM = [
    r"(?:criticised|criticized|criticises|criticizes|condemned|condemns|attacked|slammed)\b",
    r"(?:accused|accuses|accuse|accusing)\b",
    r"(?:objected|objects|object|objecting)\s+to\b",
    r"(?:lashed|lashes|lash|lashing|hit|hits|hitting)\s+out\s+at\b",
    r"(?:blamed|blames|blaming)\b",
    r"(?:complained|complains|complaining)\s+(?:about|of|that)\b",
    r"(?:protested|protests|protesting)\s+against\b",
    r"(?:challenged|lambasted|derided|mocked|ridiculed|savaged|castigated|berated|denounced|"
    r"deplored|decried|denounces|denounce)\b",
    r"(?:rounded|rounds|turned|turns)\s+on\b",
    r"(?:resisted|resists|resisting)\b",
]

# Judgements that refuse what they judge, held by whoever speaks them, never by the actor
# they describe: 'said Jack McConnell's comment was "ill-advised"'.
JUDGEMENTS = [
    r"ill-(?:advised|judged|conceived|thought-out)",
    r"misguided|misdirected|wrong-headed|vacuous|desperate|irresponsible|unacceptable|disgraceful|shameful",
    r"(?:absurd|ludicrous|nonsense|stupid|disappointing|a\s+mistake|a\s+gimmick)\b",
    r"(?:unfair|unworkable|flawed|draconian|undemocratic|unjust|unnecessary|outrageous|ridiculous|"
    r"deplorable|appalling|fiasco|shambles|betrayal|scandalous|a\s+(?:con|sham|stunt|smokescreen))\b",
    r"(?:is|was|are|were|be)\s+(?:\w+\s+)?wrong\b",
    r"preposterous|misleads?|misleading",
    # What the speaker says was left undone: "should have acted months ago".
    r"(?:should|ought\s+to)\s*(?:not|n't)?\s+have\s+(?:been\s+)?(?!been\b)[a-z]+",
    # What a plan would harm: '"Any delay would, in our view, undermine trust," said …'.
    r"(?:would|will|could)[\w\s,]{0,26}?\s(?:compromise|undermine|damage|harm|"
    r"jeopardi[sz]e|wreck|destroy)\b",
]

# What a speaker calls necessary, held by the speaker: 'said the changes were necessary',
# '"… is also vital," he said' (with "that"/"to" after it, the subject-held demand wins).
NECESSITIES = [
    r"(?:is|are|was|were)\s+(?:also\s+|absolutely\s+|still\s+)?(?:necessary|essential|vital|"
    r"crucial|justified)\b(?!\s+(?:that|to|for)\b)",
]

# What someone says will happen, reported without a stance verb ("paid leave would be
# increased to nine months, Ms Hewitt told GMTV"): the speaker's commitment, weakest cue.
REPORTED_FUTURE = [
    r"(?:will|would)\s+be\s+(?!used\b|needed\b|seen\b)[a-z]+(?:ed|en)\b",
    r"(?:is|are)\s+to\s+(?!be\b|have\b|blame\b)[a-z]+\b",
]

# A commitment named as a noun, held by whoever follows "by": "the agreement by the G8".
COMMITMENT_BY = [r"(?:agreement|deal|pledge|commitment|decision|promise)\s+by"]

# In reported speech "would" is the speaker's "will": "He said he would resign". Only counts
# with a reporting verb in the sentence and the actor right before it.
REPORTED_WOULD = [
    r"would\s+(?:also\s+|still\s+|now\s+)?(?!be\b|have\b|like\b|love\b|prefer\b|rather\b|need\b|"
    r"seem\b|appear\b|mean\b|result\b|make\b|take\b|get\b|go\b|come\b|happen\b|lose\b|win\b|"
    r"probably\b|not\b|never\b)[a-z]+",
]

# A position the actor pointedly did not take: no statement at all.
NO_POSITION = [
    r"stopped\s+short\s+of",
    r"did\s+not\s+elaborate",
    r"declined\s+to\s+(?:comment|say|elaborate)",
    r"refused\s+to\s+(?:comment|elaborate)",
    r"(?:will|would)\s+need\s+to",
]

# A commitment that only holds once something happens.
CONDITION = re.compile(
    r"\b(?:once|only\s+if|if|provided\s+that|providing\s+that|on\s+condition\s+that|"
    r"as\s+long\s+as|unless|subject\s+to)\b",
    re.IGNORECASE,
)

# The sentence reports the position without confirmation.
HEDGE = re.compile(
    r"\b(?:reportedly|reported\s+to|according\s+to|is\s+said\s+to|are\s+said\s+to|allegedly|"
    r"purportedly|unconfirmed|yet\s+to\s+(?:\w+\s+)?confirm|not\s+yet\s+confirmed|whispers?|"
    r"rumou?rs?|sources\s+(?:say|said)|it\s+is\s+understood|apparently)\b",
    re.IGNORECASE,
)

# Verbs and nouns that introduce someone else's words: their subject is the reporter.
REPORTING = re.compile(
    r"\b(?:said|says|say|announced|announces|revealed|reveals|told|tells|reported|reports|"
    r"claimed|claims|disclosed|stated|noted|added|confirmed|indicated|according\s+to|"
    r"publicly\s+announced)\b",
    re.IGNORECASE,
)

_RANK = {"refuse": 0, "demand": 1, "conditional": 2, "commit": 3, "open": 4}


@dataclass(frozen=True, slots=True)
class Cue:
    stance: str
    start: int
    end: int
    adjacent: bool = False
    weak: bool = False  # loses to any other cue of the same holder in the sentence
    by_speaker: bool = False  # held by the sentence's speaker, never by its subject
    agent_after: bool = False  # held by the actor named right after the cue
    reported: bool = False  # only in a sentence that reports speech


def _compile(patterns: list[str]) -> re.Pattern[str]:
    """Patterns are lower case and run on the lower-cased sentence (``_folded``): matching
    case-sensitively is over twice as fast as ``re.IGNORECASE``."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{pattern})" for pattern in patterns) + r")")


def _folded(sentence: str) -> str:
    """The sentence in lower case, every character at its own offset."""
    folded = sentence.lower()
    if len(folded) == len(sentence):
        return folded
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in sentence)  # "İ" grows


# Special cues: at one start the first list that matches wins, so weak lists come last.
_SPECIAL_CUES: list[tuple[str, dict[str, bool], list[str]]] = [
    *((stance, {"adjacent": True}, patterns) for stance, patterns in ADJACENT_CUES.items()),
    ("refuse", {"by_speaker": True}, JUDGEMENTS),
    ("demand", {"by_speaker": True}, NECESSITIES),
    ("commit", {"agent_after": True}, COMMITMENT_BY),
    ("refuse", {"weak": True}, CRITICISM),
    ("commit", {"by_speaker": True, "weak": True}, REPORTED_FUTURE),
    ("commit", {"adjacent": True, "reported": True, "weak": True}, REPORTED_WOULD),
]
_SPECIAL_GROUPS = [f"special{number}" for number in range(len(_SPECIAL_CUES))]


def _either(patterns: list[str]) -> str:
    return "|".join(f"(?:{pattern})" for pattern in patterns) or "(?!)"


def _one_of_matched(groups: list[str]) -> str:
    """A condition that holds where at least one of ``groups`` matched."""
    condition = "(?!)"
    for group in reversed(groups):
        condition = f"(?({group})|{condition})"
    return condition


def _cues_pattern(can_start: Callable[[str], bool]) -> re.Pattern[str]:
    """Every cue list in one pass: at a word's start a look-ahead per stance, and one for the
    special lists, each records where it matches, if it does; the pattern matches where any
    did. Only the cue patterns that ``can_start`` keeps take part, in their order."""

    def kept(patterns: list[str]) -> str:
        return _either([pattern for pattern in patterns if can_start(pattern)])

    return re.compile(
        r"(?<![\w-])"
        + "".join(f"(?:(?=(?P<{stance}>{kept(patterns)}))|)" for stance, patterns in CUES.items())
        + "(?:(?=(?P<special>"
        + "|".join(
            f"(?P<{group}>{kept(patterns)})"
            for group, (_, _, patterns) in zip(_SPECIAL_GROUPS, _SPECIAL_CUES, strict=True)
        )
        + "))|)"
        + _one_of_matched([*CUES, "special"])
    )


# re tries a pattern's alternatives one by one, so a pattern of all cues tries some 140 of
# them at every word. Each cue pattern's literal openings are known from its parse ("will",
# "would", "won't" …): only a word start where one of them stands is looked at (one trie of
# all openings finds those), and there only the cues that can start with its first
# character are tried, still in their order, so the matches are the same.
_OPENINGS = {
    pattern: openings(pattern)
    for patterns in (*CUES.values(), *(patterns for _, _, patterns in _SPECIAL_CUES))
    for pattern in patterns
}
_ALL_OPENINGS = frozenset().union(*_OPENINGS.values())
_CUE_STARTS = re.compile(rf"(?<![\w-])(?={longest_first(_ALL_OPENINGS)})")


def _may_start_with(character: str | None) -> Callable[[str], bool]:
    """Keeps the cue patterns that may start with ``character`` (None: with any at all)."""

    def may_start(pattern: str) -> bool:
        return any(opening[:1] in ("", character) for opening in _OPENINGS[pattern])

    return may_start


_CUES_BY_FIRST_CHARACTER = {
    character: _cues_pattern(_may_start_with(character))
    for character in {opening[:1] for opening in _ALL_OPENINGS} - {""}
}
_CUES_STARTING_ANYWHERE = _cues_pattern(_may_start_with(None)) if "" in _ALL_OPENINGS else None
_NO_POSITION = _compile(NO_POSITION)
_NO_POSITION_OPENINGS = frozenset().union(*map(openings, NO_POSITION))


def find_cues(sentence: str) -> list[Cue]:
    """Every stance cue in the sentence, overlaps resolved in favour of the longer cue.

    A stance's cues are those one ``finditer`` of its list would find, which never looks
    for the next inside the last; every start of a special cue counts.
    """
    folded = _folded(sentence)
    by_stance: dict[str, list[Cue]] = {stance: [] for stance in CUES}
    special: list[Cue] = []
    for cue_start in _CUE_STARTS.finditer(folded):
        at = cue_start.start()
        here = _CUES_BY_FIRST_CHARACTER.get(folded[at : at + 1], _CUES_STARTING_ANYWHERE)
        match = here.match(folded, at) if here is not None else None
        if match is None:
            continue
        for stance, cues in by_stance.items():
            start, end = match.span(stance)
            if start >= 0 and (not cues or start >= cues[-1].end):
                cues.append(Cue(stance, start, end))
        if match.start("special") >= 0:
            number = next(n for n, group in enumerate(_SPECIAL_GROUPS) if match.start(group) >= 0)
            stance, kind, _ = _SPECIAL_CUES[number]
            special.append(Cue(stance, *match.span(_SPECIAL_GROUPS[number]), **kind))
    found = [cue for cues in by_stance.values() for cue in cues] + special
    found.sort(key=lambda cue: (cue.weak, -(cue.end - cue.start), _RANK[cue.stance]))
    kept: list[Cue] = []
    for cue in found:
        if all(cue.end <= other.start or cue.start >= other.end for other in kept):
            kept.append(cue)
    return sorted(kept, key=lambda cue: cue.start)


def cancelling_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans of phrases such as "stopped short of" that cancel the cue right after them."""
    folded = _folded(sentence)
    if not could_match(_NO_POSITION_OPENINGS, folded):
        return []  # most sentences: no such phrase can start anywhere
    return [(match.start(), match.end()) for match in _NO_POSITION.finditer(folded)]
