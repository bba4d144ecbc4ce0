"""Who is named in a sentence: registry actors by any alias, and actors the registry lacks.

Registry aliases are matched with their capitalisation (so "US" never matches "us") and also
without accents. A match that runs on into another capitalised word is part of a longer
proper name ("Washington Times", "US Senate") and is not the actor.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path

import pycountry
import yaml

from bot.pipeline.patterns import longest_first

KINDS = ("person", "country", "organisation", "group")


def _longest_at_word_start(strings: Iterable[str], not_after: str) -> str:
    """A pattern for the longest of ``strings`` that starts where no ``not_after`` character
    stands before it; where what follows the pattern fails, the next longest is tried.

    The test of the character before goes right after the first character: a pattern that
    opens with literal characters lets re skip in C to where one of them stands, instead of
    trying the pattern at every position.
    """
    rests_by_first: dict[str, list[str]] = {}
    for string in strings:
        rests_by_first.setdefault(string[:1], []).append(string[1:])
    starts = [
        f"{re.escape(first)}(?<!{not_after}{re.escape(first)}){longest_first(rests)}"
        for first, rests in rests_by_first.items()
        if first
    ]
    if "" in rests_by_first:
        starts.append(f"(?<!{not_after})")  # the empty string, shortest of all
    return f"(?:{'|'.join(starts)})"


def _opening_with(first: str, not_after: str, rest: str) -> re.Pattern[str]:
    """``(?<!not_after)`` + ``first`` + ``rest``, where ``first`` is a character class,
    written so that re skips ahead in C to where ``first`` matches.

    re does that only for a pattern that opens with characters; one that opens with a
    look-behind is tried at every position. The look-behind goes right after ``first`` and
    spans two characters, which asks the same of the character before the match.
    """
    return re.compile(f"{first}(?<!{not_after}{first}){rest}")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words that may stand right before a name without being part of it.
TITLE_WORDS = _words(
    """
    President Presidents Prime Minister Ministers Secretary Chancellor Senator Governor Mr
    Mrs Ms Miss Dr Sir Lord Lady Baroness Professor Prof King Queen Envoy Spokesman
    Spokeswoman General Chief Leader Commissioner Ambassador Foreign Defence Defense Shadow
    Deputy Vice Special Premier Pope Chairman Chairwoman Director Mayor Speaker Judge
    Justice Colonel Minister's Secretary-General MP MPs MEP MSP AM QC
    """
)
PERSON_TITLES: dict[str, str | None] = {
    "Mr": "male", "Mrs": "female", "Ms": "female", "Miss": "female", "Lady": "female",
    "Dame": "female", "Baroness": "female", "Lord": "male", "Sir": "male", "Dr": None,
    "Professor": None, "Rabbi": None, "Rev": None, "Prince": "male", "Princess": "female",
}  # fmt: skip
# Titles that go with a first name in British usage: "Sir Digby", "Dame Judi".
_FIRST_NAME_TITLES = frozenset({"Sir", "Dame", "Lord", "Lady", "Prince", "Princess"})

# Capitalised words that start sentences or name things, never a person's first name.
_NOT_FIRST = _words(
    """
    A An The This That These Those It Its In On At By For From With Without Within Into Of
    To And But Or Nor So Yet If When While Where Which Who Whom Whose Why How What As After
    Before During Despite Although Though Because Since Until Unless However Meanwhile
    Nonetheless Furthermore Moreover Similarly Conversely Instead Also Even Such Some Many
    Most Much Other Another Each Every All Both Either Neither No Not Any One Two Three
    First Second Third Last Next New Old Recent Current Former Future Key High Low Our Their
    His Her My Your We They He She I You Mr Mrs Ms Dr Sir Lord Lady Monday Tuesday Wednesday
    Thursday Friday Saturday Sunday January February March April June July August September
    October November December European American British English Scottish Welsh Irish French
    German Russian Ukrainian Chinese Polish Italian Spanish Western Eastern Northern
    Southern Central Atlantic Pacific National International Federal Royal Labour Tory
    Conservative Liberal Democrat Democratic Republican Green General Shadow Prime Home
    Foreign Trade Industry State Education Health Defence Work Pensions Security Council
    Commons Lords House Office Party Government Parliament Budget Bank Election Article
    Secretary Minister President Chancellor Chief Deputy Downing Whitehall God Christmas
    Easter Internet Online Breaking Update Analysis Opinion Editorial Advice North South
    East West Middle Great Greater Upper Lower Ukraine Russia Kyiv Moscow Washington Paris
    London Berlin Europe Asia Africa Nato Brexit Chambers Commission Authority
    """
)
_NOT_SURNAME = _words(
    """
    Secretary Minister President Chancellor Party Government Parliament Election Council
    Office House Department Ministry Committee Commission Authority Union Association
    Service Street Day Week Year Times Post News Bank Budget Act Bill Review Plan Programme
    Program Report Summit Declaration Treaty Agreement Memorandum Formula Policy Strategy
    Fund Court Assembly Conference Forum Group Institute Institution Foundation Agency Board
    Trust Society Federation Confederation Executive Treasury Commons Lords Kingdom States
    Nations Union Europe America Ukraine Russia Sunday Monday Tuesday Wednesday Thursday
    Friday Saturday Minister's Leader Chief Army Navy Force Forces Guard Police Club League
    Cup Daily Mail Telegraph Guardian Herald Journal Independent Express Mirror Sun Today
    Tonight Live Centre Center Software Media Systems Technologies Labs Studios Records
    Pictures Entertainment Communications Networks Partners Capital Ventures Solutions
    Services Organiser Airways Airlines Motors Telecom Holdings Championships Championship
    Games Open Indoor Prix Awards Festival Trophy Series
    """
)
_COMPANY_SUFFIXES = "Group|Corporation|Corp|Company|Holdings"
_ORG_HEADS = (
    r"Authority|Council|Party|Institution|Institute|Commission|Chambers?\s+of\s+Commerce|"
    r"Association|Union|Office|Department|Ministry|Committee|Bank|Agency|Confederation|"
    r"Federation|Trust|Society|Service|Board|Court|Assembly|Foundation|Organi[sz]ation|Forum|"
    r"League|Inspectorate|Executive|Treasury|Commission|Congress|Senate|Cabinet|Watch|"
    r"International|Network|Institute|Alliance|Coalition|Movement|Campaign|Partnership|Police|"
    r"Tribunal|Parliament|Embassy|"
    # Companies and titles: "Menatep Group", "British Airways", "Financial Times".
    rf"{_COMPANY_SUFFIXES}|Airways|Airlines|Motors|Telecom|Industries|"
    r"Times|Post|Journal"
)
# A company's name without its suffix is how it is usually called: "Menatep" for
# "Menatep Group".
_COMPANY_SUFFIX = re.compile(rf"\s+(?:{_COMPANY_SUFFIXES})$")
_CAP = r"[A-Z][\w'’&.-]*"
# Words before a body's name that are not part of it: "But the", "Pearson's".
_ORG_LEAD = re.compile(r"(?:(?i:[A-Z]\w*\s+)?(?i:the)\s+)?(?:\S+['’]s\s+)*")
_LINKED = r"\s+(?:(?:of|for|and|on|the|&)\s+)*"  # "Chambers of Commerce", "Trade and Industry"
_ORG = _opening_with(
    "[A-Z]",  # of up to six capitalised words, each perhaps linked to the next
    r"[\w'’-]",
    rf"[\w'’&.-]*{_LINKED}(?:{_CAP}{_LINKED}){{0,5}}(?:{_ORG_HEADS})"
    # "Union of Journalists", "Forum for the Future", "Committee to Protect Journalists"
    rf"(?:\s+(?:of|for|to)\s+(?:the\s+)?{_CAP}(?:\s+(?:and\s+)?{_CAP}){{0,2}})?"
    r"(?![\w-]|\s+[A-Z][a-z])",  # "International Monetary Fund" does not end at "International"
)
# "Department for Trade and Industry", "Forum for the Future", "Committee to Protect
# Journalists": the head noun comes first.
_HEADS_FIRST = _words(
    """
    Department Ministry Office Committee Campaign Coalition Forum Foundation Institute Council
    Commission Society Alliance League Federation Confederation Association Union Movement
    """
)
_ORG_HEAD_FIRST = re.compile(
    _longest_at_word_start(_HEADS_FIRST, r"[\w'’-]")
    + rf"\s+(?:of|for|to)\s+(?:the\s+)?{_CAP}(?:\s+(?:(?:and|&)\s+)?(?!The\b){_CAP})*"
)
# Words that may open a two-word body's name ("Scottish Executive", "Home Office") though
# they never open a person's.
_ORG_MODIFIERS = _words(
    """
    European American British English Scottish Welsh Irish French German Russian Ukrainian
    Chinese Polish Italian Spanish National International Federal Royal Home Foreign Central
    Northern Southern Eastern Western Green Trade Industry Health Education Security Defence
    """
)
_TITLED = re.compile(
    # Of "Mr" and "Mrs" only one can be followed by a full stop or a space.
    "(?P<title>" + _longest_at_word_start(PERSON_TITLES, r"[\w'’-]") + r")\.?\s+"
    r"(?P<name>[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)(?![\w-])"
)
_PARTICLES = frozenset("von van der den de da di du le la bin al dos del".split())
# A run of capitalised words (particles allowed inside): "Shadow Home Secretary David Davis".
# An apostrophe belongs to a name only before a capital: "O'Brien", never "Brown's".
_NAME_WORD_REST = r"(?:[\w-]|['’](?=[A-Z]))*"
_NAME_WORD = rf"[A-Z]{_NAME_WORD_REST}"
_CAPITAL_RUN = _opening_with(
    "[A-Z]",
    r"[\w'’.-]",
    rf"{_NAME_WORD_REST}(?:\s+(?:(?:von|van|der|den|de|da|di|du|le|la|bin|al|dos|del)\s+)*"
    rf"{_NAME_WORD})*",
)
# "its Go Digital programme": a capitalised pair after a determiner, or before a word for a
# product or a scheme, is the thing's name, not a person's.
_THING_BEFORE = re.compile(
    r"(?<![\w'’-])(?i:the|a|an|its|their|his|her|our|this|that|new|programme|program|show|"
    r"series|magazine|brand|scheme|website)\s+$"
)
_THING_AFTER = re.compile(
    r"\s+(?:programme|program|scheme|initiative|project|campaign|service|brand|product|plan|"
    r"fund|website|site|software|system|device|phone|handset|console|award|prize|index|card|"
    r"network|range|package|model|game|channel|show|strategy|policy|bill|act|series)\b"
)
_ACRONYM = _opening_with("[A-Z]", r"[\w.-]", r"[A-Z]{1,5}(?![\w.-])")
_NAME_WORD_ALONE = _opening_with("[A-Z]", r"[\w'’.-]", rf"{_NAME_WORD_REST}(?![\w-])")
_POST_NOMINALS = _words("MP MEP MSP AM QC")
_NOT_ACRONYM = _words(
    """
    TV MP MPs PM AM GMT BST CEO OK UN EU US UK USA NATO GDP VAT NHS BBC ITV GMTV AP AFP
    """
)
# Countries by their everyday names ("Japan", "Canada"), for stories the registry never saw,
# looked up by first word (one regex of 249 names would cost more than all other discovery).
_COUNTRIES_BY_FIRST_WORD: dict[str, list[str]] = {}
for _name in sorted(
    (getattr(c, "common_name", None) or c.name for c in pycountry.countries), key=len, reverse=True
):
    if not re.search(r"[,(]", _name):
        _COUNTRIES_BY_FIRST_WORD.setdefault(_name.split()[0], []).append(_name)
_CAPITALISED_WORD = _opening_with(r"[^\W\da-z_]", r"[\w'’.-]", r"\w*")
# Where a country's first word stands as a word of its own, in one pass: most sentences
# name no country, and need not be looked at word by word.
_COUNTRY_FIRST_WORD = re.compile(
    _longest_at_word_start(_COUNTRIES_BY_FIRST_WORD, r"[\w'’.-]") + r"(?!\w)"
)
# Groups named by a plural noun and what sets them apart: "creditor countries", "opposition
# parties", "finance ministers" (a quantifier, "many countries", names no group).
_GROUP_HEADS = _words(
    """
    countries nations states governments parties groups ministers MPs MEPs MSPs peers unions
    senators lawmakers legislators authorities
    campaigners leaders officials teachers doctors employers bosses chiefs backbenchers
    rebels critics activists councils companies firms banks airlines carriers investors
    retailers manufacturers carmakers insurers lenders shareholders regulators
    """
)
# A whole word each (no head noun starts another), so their order is no matter.
_GROUP_HEAD = re.compile(r"\b(?:" + "|".join(sorted(_GROUP_HEADS)) + r")(?![\w'’-])")
_WORD = re.compile(r"\w+")
# The one or two words before a group's head noun (searched in a short window before it).
_GROUP_MODIFIERS = re.compile(r"(?:(?<![\w'’-])([a-z][\w-]+)\s+)?(?<![\w'’-])([a-z][\w-]+)\s+$")
# Elected members set apart by their nation: "Polish MEPs" (never "European nations", the
# object of a verb as often as a group that acts).
_NATION_MEMBERS = ("MEPs", "MPs", "MSPs", "senators", "lawmakers", "legislators")
_MEMBERS_OF_A_NATION = re.compile(
    rf"(?<![\w'’-])[A-Z][a-z]+(?:ish|ese|ian|ean|an)\s+(?:{'|'.join(_NATION_MEMBERS)})(?![\w'’-])"
)
_NOT_GROUP_MODIFIERS = _words(
    """
    many other some all both two three four five several most these those such their our its
    his her more few various different individual main major big biggest small smaller large
    larger the and or of in on to for with by from at as that which who whose are were is was
    have had has said says say told tells tell but yet so however meanwhile now also then when
    while if because since although though after before during an this means mean meant
    makes make gives give sees see like unlike including
    """
)
_POSSESSIVE = re.compile(r"['’]s|['’](?!\w)")


def strip_accents(text: str) -> str:
    if text.isascii():
        return text  # most sentences: nothing to strip, no per-character pass
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


@dataclass(frozen=True)
class ActorRef:
    """An actor as the pipeline knows it; ``aliases`` become lookup keys in storage.

    Two refs are the same actor when name and kind agree, whatever aliases each has seen.
    """

    name: str
    kind: str
    aliases: tuple[str, ...] = field(default=(), compare=False)
    party: bool = field(default=False, compare=False)
    gender: str | None = field(default=None, compare=False)

    @property
    def surname_only(self) -> bool:
        """Named only by title and surname ("Mr Balls"), so storage may merge by surname."""
        return self.name.split()[0] in PERSON_TITLES


@dataclass(frozen=True)
class Mention:
    actor: ActorRef
    start: int
    end: int
    possessive: bool = False


@dataclass(frozen=True)
class Registry:
    actors: tuple[ActorRef, ...]
    _pattern: re.Pattern[str] = field(repr=False, compare=False)
    _by_alias: dict[str, ActorRef] = field(repr=False, compare=False)
    single_words: frozenset[str] = field(repr=False, compare=False, default=frozenset())

    @classmethod
    def from_entries(cls, entries: Iterable[dict[str, object]]) -> Registry:
        actors: list[ActorRef] = []
        by_alias: dict[str, ActorRef] = {}
        for entry in entries:
            name = str(entry["name"])
            kind = str(entry["kind"])
            if kind not in KINDS:
                raise ValueError(f"actor {name!r}: kind must be one of {', '.join(KINDS)}")
            aliases = [str(a) for a in entry.get("aliases") or []]  # type: ignore[attr-defined]
            roles = [str(r) for r in entry.get("roles") or []]  # type: ignore[attr-defined]
            actor = ActorRef(
                name, kind, tuple(dict.fromkeys(aliases + roles)), party=bool(entry.get("party"))
            )
            actors.append(actor)
            for spelling in (name, *aliases, *roles):
                for variant in {
                    spelling,
                    strip_accents(spelling),
                    spelling[:1].upper() + spelling[1:],
                }:
                    by_alias.setdefault(variant, actor)
        pattern = re.compile(_longest_at_word_start(by_alias, r"[\w'’.-]") + r"(?![\w-]|\.\w)")
        return cls(tuple(actors), pattern, by_alias, frozenset(a for a in by_alias if " " not in a))

    @classmethod
    def load(cls, path: Path | None = None) -> Registry:
        """The registry in ``path``, or the one shipped in ``seeds/actors.yaml``."""
        if path is None:
            text = resources.files("seeds").joinpath("actors.yaml").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return cls.from_entries(yaml.safe_load(text) or [])

    def registered_mentions(self, sentence: str) -> list[Mention]:
        folded = strip_accents(sentence)
        mentions = []
        for match in self._pattern.finditer(folded):
            if _runs_into_longer_name(folded, match.start(), match.end()):
                continue
            actor = self._by_alias[match.group()]
            gender = PERSON_TITLES.get(match.group().split()[0])
            if actor.kind == "person" and gender and actor.gender is None:
                actor = replace(actor, gender=gender)  # "Mr Brown": the registry's Brown is a man
            mentions.append(_mention(actor, sentence, match.start(), match.end()))
        return mentions


_CAPITALISED_NEXT = re.compile(r"\s+([A-Z][\w-]*)")
_CAPITALISED_LAST = re.compile(r"([A-Z][\w-]*)\s+$")


def _runs_into_longer_name(text: str, start: int, end: int) -> bool:
    after = _CAPITALISED_NEXT.match(text, end)
    if after and after.group(1) not in TITLE_WORDS and not after.group(1).isupper():
        return True
    before = _CAPITALISED_LAST.search(text, 0, start)
    return bool(
        before
        and before.group(1) not in TITLE_WORDS
        and before.group(1) not in _NOT_FIRST
        and not _is_sentence_start(text, before.start(1))
    )


def _is_sentence_start(text: str, index: int) -> bool:
    before = text[:index].rstrip()
    return not before or before[-1] in '.!?"“”:;'


def _mention(actor: ActorRef, sentence: str, start: int, end: int) -> Mention:
    possessive = _POSSESSIVE.match(sentence, end)
    return Mention(actor, start, possessive.end() if possessive else end, bool(possessive))


# "Gibraltarians", "Falklanders": the people of a place, a group that can take a position.
# "The Queen will host …": a title that is the person's name where only one holds it.
_SOVEREIGN = _opening_with(
    "[Tt]", r"[\w-]", r"he\s+(Queen|King|Pope)(?![\w'’-])(?!\s+(?:of\s+)?[A-Z])"
)
_PEOPLE_OF_A_PLACE = _opening_with(
    "[A-Z]", r"[\w'’-]", r"[a-z]+(?:ians|eans|icans|landers)(?![\w'’-])"
)
_CAPITALISED_WORD_BEFORE = re.compile(r"([A-Z][\w'’.-]*)\s+$")
_ARTICLES = frozenset({"The", "A", "An"})
# Adjectives of nationality ("Indonesian", "Chinese") are capitalised but name no one.
_NATIONALITY_ENDING = re.compile(r"(?:ese|ish)$")
_DEMONYM = re.compile(r"\w+(?:ian|ians|ese|ish|ean|can|cans)$")


def proper_words(sentences: Iterable[str]) -> frozenset[str]:
    """Single capitalised words an article uses as names of their own: "Rosneft", "Ryanair".

    A word qualifies when it is capitalised somewhere other than at a sentence's start, is
    never written in lower case, never stands next to another capitalised word (then it is
    part of a longer name, "Telegraph Group", or a first name, "Frederick Barclay") and never
    stands for a noun after "the" ("Secretary of State for the Family", but "the Google
    toolbar" uses a name).
    """
    sentences = list(sentences)
    alone: set[str] = set()
    in_longer_name: set[str] = set()
    openers: set[str] = set()  # "Vextor said …", "Dunlo, the electronics firm, …"
    named_mid_sentence: set[str] = set()  # "its Vextor Office suite" names Vextor too
    for sentence in sentences:
        for run in _CAPITAL_RUN.finditer(sentence):
            words = run.group().split()
            opens_sentence = _is_sentence_start(sentence, run.start())
            if opens_sentence:
                if len(words) == 1 and _ACTS_AFTER_OPENER.match(sentence, run.end()):
                    openers.add(words[0])
            else:
                named_mid_sentence.add(words[0])
            lead = 0
            while lead < len(words) and (
                words[lead] in _NOT_FIRST
                or words[lead] in TITLE_WORDS
                or _COMPOUND_ADJECTIVE.fullmatch(words[lead])
            ):
                lead += 1
            names = words[lead:]
            if (
                len(names) > 1
                or (
                    sentence.endswith("the ", 0, run.start())
                    and not _LOWER_WORD_AFTER.match(sentence, run.end())
                )
                or _OF_NAME_BEFORE.search(sentence, max(0, run.start() - 40), run.start())
                or _OF_NAME_AFTER.match(sentence, run.end())
            ):
                in_longer_name.update(names)
            elif names and (lead or not opens_sentence):
                alone.add(names[0])
    text = "\n".join(sentences)
    # A single word opening a sentence and acting is a name if the article also writes it
    # capitalised mid-sentence, or if it is no plural (never "Analysts said"); like every
    # name, never if the article writes it in lower case.
    openers = {word for word in openers if word in named_mid_sentence or not word.endswith("s")}
    return frozenset(
        word
        for word in (alone - in_longer_name) | openers
        if len(word) > 1
        and not word.isupper()
        and not _PLURAL_ACRONYM.fullmatch(word)
        and not _DEMONYM.match(word)
        and word not in _NOT_FIRST
        and word not in _NOT_SURNAME
        and word not in TITLE_WORDS
        and word not in _COUNTRIES_BY_FIRST_WORD
        and word not in _TIME_WORDS
        and not _written_in_lower_case(word, text)
    )


_ACTS_AFTER_OPENER = re.compile(
    r"\s+(?:has\s+|have\s+|had\s+|is\s+|was\s+|will\s+|would\s+|also\s+|now\s+)*"
    r"(?:said|says|announced|announces|launched|launches|plans|planned|wants|wanted|warned|"
    r"agreed|decided|denied|rejected|refused|insisted|confirmed|unveiled|to\s+[a-z]+)\b"
    r"|,\s+(?:the|a|an)\s+(?:[\w-]+\s+){0,4}(?:firm|company|group|maker|giant|operator|"
    r"retailer|bank|carrier|airline|developer|publisher|manufacturer|chain|network|provider)\b"
)


def _written_in_lower_case(word: str, text: str) -> bool:
    """Whether ``text`` has ``word`` in lower case as a word of its own, as _LOWER_WORD
    finds words (looked for only for the few candidates, not by listing every word)."""
    lowered = word.lower()
    if not _LOWER_WORD.fullmatch(lowered):
        return False
    at = text.find(lowered)
    while at >= 0:
        end = at + len(lowered)
        if not _IN_WORD.match(text, end) and (at == 0 or not _IN_WORD.match(text, at - 1)):
            return True
        at = text.find(lowered, at + 1)
    return False


# "Memorandum of Understanding", "Lord of the Rings": one name across "of".
_OF_NAME_BEFORE = re.compile(r"[A-Z][\w'’-]*\s+(?:of|for|&)\s+(?:the\s+)?$")
_OF_NAME_AFTER = re.compile(r"\s+(?:of|for|&)\s+(?:the\s+)?[A-Z]")
_COMPOUND_ADJECTIVE = re.compile(r"[A-Z]\w*-[a-z][\w-]*")  # "State-owned Rosneft"
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")  # "GCSEs", "NVQs": things counted, not a body
_TIME_WORDS = _words("Spring Summer Autumn Winter Century Millennium")
_LOWER_WORD_AFTER = re.compile(r"\s+[a-z]")
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][\w'’-]*")
_IN_WORD = re.compile(r"[\w'’-]")


def discovered_mentions(
    sentence: str,
    taken: list[Mention],
    registered_words: frozenset[str] = frozenset(),
    names: frozenset[str] = frozenset(),
) -> list[Mention]:
    """People and bodies not in the registry, never overlapping a registry mention.

    ``registered_words`` are one-word registry aliases: "America First" is a slogan built on
    a registered name, not a person called America. ``names`` are the article's
    ``proper_words``: a company called by one word, or a person's bare surname.
    """
    spans = [(m.start, m.end) for m in taken]
    found: list[Mention] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in spans)

    def add(actor: ActorRef, start: int, end: int) -> None:
        if free(start, end):
            found.append(_mention(actor, sentence, start, end))
            spans.append((start, end))

    if any(map(sentence.__contains__, _NATION_BODIES)):  # most sentences: none of them
        for match in _AUTHORITIES_OF_A_NATION.finditer(sentence):
            if country := _country_of_demonym(match["nationality"]):
                add(ActorRef(country, "country"), match.start(), match.end())
        for match in _MEMBERS_OF_A_NATION.finditer(sentence):
            add(ActorRef(match.group(), "group"), match.start(), match.end())
    if "(" in sentence:
        for match in _NAME_WITH_ITS_INITIALS.finditer(sentence):
            initials = match["initials"]
            if name := _name_spelled_by(match["name"], initials):
                start = match.end("name") - len(name)
                add(ActorRef(name, "organisation", aliases=(initials,)), start, match.end())
    for start, end in _plural_groups(sentence):
        if any(0 < start - taken_end <= 1 for _, taken_end in spans):
            continue  # "Labour campaign chiefs", "G8 ministers" speak as Labour, the G8
        if sentence[start:end].split()[0] in names:
            continue  # "Rosneft officials" speak for Rosneft
        add(ActorRef(sentence[start:end], "group"), start, end)
    for match in _SOVEREIGN.finditer(sentence):
        title = match.group(1)
        add(ActorRef(f"the {title}", "person", aliases=(title,)), match.start(), match.end())
    for match in _PEOPLE_OF_A_PLACE.finditer(sentence):
        before = _CAPITALISED_WORD_BEFORE.search(sentence, 0, match.start())
        if before and not _is_sentence_start(sentence, before.start(1)):
            continue  # "Mr Julians", "Professor Indians": part of a name
        if match.group() not in registered_words:
            add(ActorRef(match.group(), "group"), match.start(), match.end())
    for start, end in _countries(sentence):
        if not _runs_into_longer_name(sentence, start, end):
            add(ActorRef(sentence[start:end], "country"), start, end)
    # The pattern opens with its head words, so re skips in C to where one stands.
    for match in _ORG_HEAD_FIRST.finditer(sentence):
        before = _CAPITALISED_WORD_BEFORE.search(sentence, 0, match.start())
        if before is None or before.group(1) in _ARTICLES:  # not "National Union of …"
            end = match.end() - match.group().endswith(".")  # the sentence's full stop
            add(ActorRef(sentence[match.start() : end], "organisation"), match.start(), end)
    for match in _ORG.finditer(sentence):
        # "But the Scottish Executive": the name starts after the sentence's own words.
        lead = _ORG_LEAD.match(match.group())
        start = match.start() + (lead.end() if lead and lead.end() < len(match.group()) else 0)
        for body_start, body_end in _listed_bodies(sentence, start, match.end()):
            name = sentence[body_start:body_end]
            first = name.split()[0]
            if first in _NOT_FIRST and len(name.split()) == 2 and first not in _ORG_MODIFIERS:
                continue
            short = _COMPANY_SUFFIX.sub("", name)
            everyday = (short,) if short != name and short.split()[0] not in _NOT_FIRST else ()
            add(
                ActorRef(name, "organisation", aliases=everyday, party=name.endswith("Party")),
                body_start,
                body_end,
            )
    for match in _TITLED.finditer(sentence):
        title, name = match["title"], match["name"]
        parts = name.split()
        if parts[-1] in _NOT_SURNAME or parts[0] in _NOT_FIRST:
            continue
        aliases = [f"{title} {name}", parts[-1]]
        if title in _FIRST_NAME_TITLES:
            aliases.append(f"{title} {parts[0]}")
        else:
            aliases.append(f"{title} {parts[-1]}")
        person = ActorRef(
            f"{title} {name}" if len(parts) == 1 else name,
            "person",
            aliases=tuple(dict.fromkeys(aliases)),
            gender=PERSON_TITLES.get(title),
        )
        add(person, match.start(), match.end())
    for match in _CAPITAL_RUN.finditer(sentence):
        name_span = _person_name(match.group(), registered_words)
        if name_span is None:
            continue
        first_offset, length = name_span
        start = match.start() + first_offset
        if not (
            _THING_BEFORE.search(sentence, max(0, start - 16), start)
            or _THING_AFTER.match(sentence, start + length)
        ):
            name = sentence[start : start + length]
            add(ActorRef(name, "person", aliases=(name.split()[-1],)), start, start + length)
    for match in _ACRONYM.finditer(sentence):
        if match.group() not in _NOT_ACRONYM:
            add(ActorRef(match.group(), "organisation"), match.start(), match.end())
    if any(map(sentence.__contains__, names)):  # most sentences hold none of the few names
        for match in _NAME_WORD_ALONE.finditer(sentence):
            if match.group() in names:
                add(ActorRef(match.group(), "organisation"), match.start(), match.end())
    return found


# "Chinese authorities closed 12,575 net cafes": the country acts.
_IRREGULAR_DEMONYMS = {
    "American": "United States",
    "French": "France",
    "Dutch": "Netherlands",
    "Danish": "Denmark",
    "Swiss": "Switzerland",
    "Greek": "Greece",
    "Russian": "Russia",
    "Turkish": "Turkey",
}
_NATION_AUTHORITIES = ("authorities", "government", "regime")
_AUTHORITIES_OF_A_NATION = re.compile(
    rf"(?<![\w'’-])(?P<nationality>{'|'.join(_IRREGULAR_DEMONYMS)}|[A-Z][a-z]+(?:ese|ish|ian|an|i))"
    rf"\s+(?:{'|'.join(_NATION_AUTHORITIES)})\b"
)
# The nouns that the nation patterns end with: a sentence holding none needs neither.
_NATION_BODIES = (*_NATION_AUTHORITIES, *_NATION_MEMBERS)
_COUNTRY_NAMES = sorted(name for names in _COUNTRIES_BY_FIRST_WORD.values() for name in names)


@cache
def _country_of_demonym(nationality: str) -> str | None:
    """The country whose name shares the longest opening with the adjective: "Peruvian"
    Peru, "Chinese" China, "Polish" Poland (the shorter name of a tie); None when fewer than
    four letters are shared ("Scottish"), three for an "-ish" ("Spanish")."""
    if nationality in _IRREGULAR_DEMONYMS:
        return _IRREGULAR_DEMONYMS[nationality]
    shared = {name: _shared_opening(name, nationality) for name in _COUNTRY_NAMES}
    longest = max(shared.values())
    if longest < 4 and not (longest == 3 and nationality.endswith("ish")):
        return None
    country = min((name for name, length in shared.items() if length == longest), key=len)
    return None if country.startswith(f"{nationality} ") else country  # "British Indian Ocean …"


def _shared_opening(first: str, second: str) -> int:
    """How many letters the two open with in common."""
    for at, (a, b) in enumerate(zip(first, second, strict=False)):
        if a != b:
            return at
    return min(len(first), len(second))


# "Arts Alliance Digital Cinema (AADC)": a name followed by its initials is a body's.
_NAME_WITH_ITS_INITIALS = re.compile(
    rf"(?P<name>{_CAP}(?:{_LINKED}{_CAP}){{1,7}})\s+\((?P<initials>[A-Z]{{2,6}})\)"
)


def _name_spelled_by(run: str, initials: str) -> str | None:
    """The end of ``run`` whose capitalised words ``initials`` spell: "In May Lanark Valley
    Works (LVW)" is "Lanark Valley Works"."""
    words = run.split()
    while words and words[0][0].isupper():
        if "".join(word[0] for word in words if word[0].isupper()) == initials:
            return " ".join(words)
        words.pop(0)
    return None


# "the German Embassy and the Soros Foundation": after a head noun, "and" starts another body
# ("Department of Trade and Industry" has none before it).
_HEAD_THEN_AND = re.compile(rf"\b(?:{_ORG_HEADS})(?P<link>\s+(?:and|&)\s+(?:the\s+)?)(?=[A-Z])")


def _listed_bodies(sentence: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The spans of the bodies one capitalised run from ``start`` to ``end`` names."""
    run = sentence[start:end]
    if " and " in run or " & " in run:  # most runs: one body, no search
        for link in _HEAD_THEN_AND.finditer(sentence, start, end):
            yield start, link.start("link")
            start = link.end()
    yield start, end


def _plural_groups(sentence: str) -> Iterator[tuple[int, int]]:
    """Spans of "creditor countries", "civil liberties groups": a head noun and the one or two
    words before it that set the group apart (never "many countries", "said ministers")."""
    # Lower-cased first letter: "Head teachers say …" opens a sentence with a group.
    text = sentence[:1].lower() + sentence[1:]
    if _GROUP_HEADS.isdisjoint(_WORD.findall(text)):
        return  # most sentences: no head noun, so no search for one
    for head in _GROUP_HEAD.finditer(text):
        window = max(0, head.start() - 60)
        found = _GROUP_MODIFIERS.search(text, window, head.start())
        if found is None:
            continue
        starts = [
            found.start(group)
            for group in (1, 2)
            if found.group(group) and _sets_a_group_apart(found.group(group))
        ]
        if found.group(2) and _sets_a_group_apart(found.group(2)):
            yield starts[0], head.end()


def _sets_a_group_apart(word: str) -> bool:
    return word not in _NOT_GROUP_MODIFIERS and not word.endswith("ed")


_WORD_CHARACTER = re.compile(r"[\w-]")


def _countries(sentence: str) -> Iterator[tuple[int, int]]:
    if not _COUNTRY_FIRST_WORD.search(sentence):
        return
    for word in _CAPITALISED_WORD.finditer(sentence):
        for name in _COUNTRIES_BY_FIRST_WORD.get(word.group(), ()):
            end = word.start() + len(name)
            if sentence.startswith(name, word.start()) and not _WORD_CHARACTER.match(sentence, end):
                yield word.start(), end
                break


_TOKEN = re.compile(r"\S+")
_NAME_PART = re.compile(
    r"[A-Z][a-z'’]+(?:-[A-Z][a-z]+)?|Mc[A-Z][a-z]+|Mac[A-Z][a-z]+|[A-Z]['’][A-Z][a-z]+"
)


def _person_name(run: str, registered_words: frozenset[str]) -> tuple[int, int] | None:
    """Offset and length of a "First Last" name inside a capitalised run, role words peeled off.

    "Shadow Home Secretary David Davis" gives "David Davis"; "General Election" gives nothing.
    """
    if len(run.split(maxsplit=1)) < 2:
        return None  # one word is no "First Last"
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(run)]
    # "Communications Minister Dayanidhi Maran": the name starts after the last title word.
    titles = [i for i, (_, word) in enumerate(tokens) if word in TITLE_WORDS]
    if titles and titles[-1] < len(tokens) - 2:
        tokens = tokens[titles[-1] + 1 :]
    while tokens and (
        tokens[0][1] in TITLE_WORDS
        or tokens[0][1] in _NOT_FIRST
        or tokens[0][1] in registered_words
    ):
        tokens.pop(0)
    while tokens and tokens[-1][1] in _POST_NOMINALS:
        tokens.pop()  # "Margaret Moran MP"
    last = tokens[-1][1] if tokens else ""
    if last.endswith(("'s", "’s")):
        tokens[-1] = (tokens[-1][0], last[:-2])
    names = [t for t in tokens if t[1] not in _PARTICLES]
    if not 2 <= len(names) <= 4 or names[-1][1] in _NOT_SURNAME:
        return None
    if _NATIONALITY_ENDING.search(names[-1][1]):  # "Struggling Japanese car maker"
        return None
    if not all(
        _NAME_PART.fullmatch(word) or (0 < number < len(names) - 1 and len(word) == 1)
        for number, (_, word) in enumerate(names)
    ):  # a single capital inside is a middle initial: "George W Bush"
        return None
    start = tokens[0][0]
    return start, tokens[-1][0] + len(tokens[-1][1]) - start


def find_mentions(
    registry: Registry, sentence: str, names: frozenset[str] = frozenset()
) -> list[Mention]:
    """``names``: the article's ``proper_words``."""
    registered = registry.registered_mentions(sentence)
    discovered = discovered_mentions(sentence, registered, registry.single_words, names)
    return sorted(registered + discovered, key=lambda m: m.start)
