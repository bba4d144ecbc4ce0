"""Find who took which position in an article.

For every stance cue in a sentence the holder is the actor that is the cue's subject: the
nearest actor named before it in the same clause that is not the object of a preposition
("talks with Putin"), unless a relative clause makes it the subject ("Putin, who reportedly
showed willingness"). Pronouns, "the party" and first-person quotes are resolved from what
came before: the speaker named before a run of quoted lines, a byline under a pull quote,
the person last in focus. Someone who only reports another's position ("the White House
announced that Putin agreed") is recorded as ``reported_by``, never as the holder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import pairwise

from bot.pipeline import stances
from bot.pipeline.actors import ActorRef, Mention, Registry, find_mentions, proper_words
from bot.pipeline.article import CleanArticle
from bot.pipeline.changes import topic_terms
from bot.pipeline.patterns import longest_first

LEAD_SENTENCES = 1  # sentences 0 and 1 may name a role whose holder the next one names
SCARE_QUOTE_WORDS = 4  # a quoted phrase this short inside a sentence is not a quotation
MAX_SUBJECT_DISTANCE = 220  # characters between a subject and its cue, roughly 35 words


def _either_phrase(phrases: list[str]) -> str:
    """An alternation of ``phrases``, in their order, any white space between their words."""
    return "|".join(phrase.replace(" ", r"\s+") for phrase in phrases)


def _first_words(phrases: list[str]) -> tuple[str, ...]:
    """What a text holding one of ``phrases`` certainly holds: a phrase's first word."""
    return tuple(dict.fromkeys(phrase.split()[0] for phrase in phrases))


# Only the preposition ignores case: "on Thursday night after Japan" leaves Japan free.
_PREPOSITION = re.compile(
    r"\b(?i:with|from|to|of|for|against|between|by|on|about|toward|towards|into|like|including|"
    r"among|alongside|under|over|at|in|than|and\s+between)\s+(?i:the\s+)?(?:[A-Z][\w.'’-]*\s+){0,3}$"
)
# "including Sir Trevor McDonald, actor Hugh Grant and writer ": names, each perhaps after a
# word or two saying what they are, up to the one in question.
_LIST_ITEM = r"(?:the\s+)?(?:[a-z]+\s+){0,2}[A-Z][\w.'’&-]*(?:\s+[A-Z][\w.'’&-]*)*"
_IN_LIST = re.compile(
    rf"\b(?:including|such\s+as|among\s+them|notably)\s+(?:{_LIST_ITEM}\s*(?:,\s*|(?:and|or)\s+))*"
    r"(?:the\s+)?(?:[a-z]+\s+){0,2}$"
)
_AFTER_CONJUNCT = re.compile(r"(?<=[A-Za-z])\s+(?:and|or)\s+(?:the\s+)?$")
_PREPOSITION_BEFORE_NOUN = re.compile(
    r"\b(?:of|for|with|from|to|by|among|between|against|on|in|at|like|including)\s+"
    r"(?:the\s+)?(?:[a-z]+\s+){0,3}$"
)
_ANNOUNCING = "announced|unveiled|proposed|outlined|set out|published".split("|")
_ANY_ANNOUNCING_WORD = re.compile(longest_first(_first_words(_ANNOUNCING)))
_ANNOUNCED_BY = re.compile(
    rf"\b(?:{_either_phrase(_ANNOUNCING)})\s+by\s+(?:the\s+)?(?:[\w-]+\s+){{0,5}}$",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"[A-Z]{2,6}")
_NAME_AFTER = re.compile(r"\s+[A-Z]")
_NAME_LINKS = frozenset({"of", "and", "for", "the", "&", "on"})
_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|been|being|be|is|are)\s+(?:\w+ly\s+)?$")
_PARTICIPLE = re.compile(
    r"\w+(?:ed|en|wn)\b|(?:sought|held|made|shut|set|bought|sold|cut|done|begun|brought)\b",
    re.IGNORECASE,
)
_INDEFINITE_ARTICLE = re.compile(r"\b(?:a|an)\s+$", re.IGNORECASE)
_RELATIVE = re.compile(r"^\)?\s*,?\s*(?:who|which)\b", re.IGNORECASE)
_RELATIVE_ASIDE = re.compile(r",\s+(?:who|which)\s[^,]{1,120},\s*")
_CLAUSE_BREAK = re.compile(
    r";|:\s|\s[–—]\s|,\s+(?:but|whereas|although|though)\s|,\s+while\s+(?!\w+ing\b)",
    re.IGNORECASE,
)
# Between an actor and an adjacent cue: "Microsoft will", "Microsoft has quietly released".
_ADJACENT = re.compile(
    r"^(?:['’]s)?\s*(?:(?:has|have)\s+(?:\w+ly\s+|already\s+|just\s+|all\s+)?)?"
    r"(?:(?:also|now|still|definitely|soon|then|certainly)\s+)?$"
)
# "they will vote against": a pronoun is the subject only with nothing but auxiliaries between.
_AUXILIARIES_ONLY = re.compile(
    r"^(?:['’]s)?\s*(?:(?:will|would|shall|has|have|had|is|are|was|were|do|does|did|also|now|"
    r"still|definitely|soon|then|certainly|\w+ly)\s+)*$",
    re.IGNORECASE,
)
# "Mr Straw and his Spanish counterpart Miguel Moratinos": a role may stand between.
_LINK_AND = re.compile(
    r"^\s*,?\s+(?:and|or)\s+(?:the\s+|(?:his|her|their|its)\s+(?:[A-Z][\w-]*\s+)?[a-z][\w-]*\s+)?$"
)
_LINK_COMMA = re.compile(r"^\s*,\s*(?:the\s+)?$")
_PASSIVE_AGENT = re.compile(r"^\s+by\s+(?:the\s+)?$", re.IGNORECASE)
_APPOSITIVE = re.compile(r"^,\s+[^,]{0,80}\bof\s+(?:the\s+)?$")
_QUOTE_MARKS = ('"', "“", "”")
_QUOTE = re.compile(r"[\"“”]")
_SPEECH_VERBS = (
    "said|says|told|added|stated|noted|warned|insisted|argued|explained|wrote|declared|"
    "responded|replied|continued|went on"
).split("|")
_SPEECH_VERB = f"(?:{_either_phrase(_SPEECH_VERBS)})"
_ANY_SPEECH_VERB = re.compile(longest_first(_first_words(_SPEECH_VERBS)))
# "Ms Hewitt said", "Theresa May, said", "Mr Balls, a prospective Labour MP, said", never
# across a quotation mark ('India," said Bhanu Baweja').
_SPEECH_VERB_AFTER_SPEAKER = re.compile(
    rf"^\s*(?:spokes(?:man|woman|person)\s+)?(?:,[^,\"“”]{{0,100}},\s*|,\s*)?(?:(?:has|have|had)\s+)?"
    rf"(?:(?:also|later|recently|then|previously|earlier|again)\s+)?{_SPEECH_VERB}\b"
    # '…", Rabbi Marvin Hier, founder of the Simon Wiesenthal Center said.': the closing comma
    # dropped, the role runs up to the verb that ends the sentence.
    r"|^,\s+(?!(?:who|whose|which|where|when|but|and|as)\b)[a-z][^,\"“”]{0,90}?\s+(?:said|says)\s*[.!]?$"
)
_SPEECH = re.compile(rf"\b{_SPEECH_VERB}\b", re.IGNORECASE)
_PRONOUN_SPEAKS = re.compile(rf"(?<![\w'’])(he|she|it|they)\s+{_SPEECH_VERB}\b", re.IGNORECASE)
_FIRST_PERSON_OPENING = re.compile(r"(?:I|We)\b")
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+", re.IGNORECASE)
_RELATIVE_CLAUSE = re.compile(r"\b(?:that|which|whom|whose)\s+(?!\w+ly\b)(\w+)", re.IGNORECASE)
_AGENT_AFTER_CUE = re.compile(r"\s+(?:the\s+)?")
_COMMA = re.compile(r",\s*")
_SPACES = re.compile(r"\s+")
_PERSON_OF_BODY = re.compile(r"\s+(?:of|at|from)\s+(?:the\s+)?")
# "…, said Mr Blair" names the speaker after the verb; "told Ms Sturgeon" names the listener.
_SPEECH_VERB_BEFORE_SPEAKER = re.compile(
    r"(?:^|[,\"”’]\s*)(?:said|says|added|stated|noted|warned|insisted|argued|explained|declared|responded|"
    r"replied|continued)\s+(?:(?:its|their|the)\s+[a-z][a-z\s-]{0,40}?,\s+)?$",  # "said its chairman, Sir …"
    re.IGNORECASE,
)
_PRONOUN_WORDS = (
    r"(?<![\w'’])(?P<word>the\s+party|her\s+party|his\s+party|their\s+party|he|she|they|it|i|we|"
    r"his|her|their|its)(?!\w)"
)
_PRONOUN = re.compile(_PRONOUN_WORDS, re.IGNORECASE)
# The same in lower case, for lower-cased ASCII text: ignoring case, re tries every one of
# the words at every position; in lower case it skips those that cannot start there.
_PRONOUN_IN_LOWER_CASE = re.compile(_PRONOUN_WORDS)
_REPORTING_BEFORE_THAT = re.compile(
    rf"(?:{stances.REPORTING.pattern}|\b(?:whispers?|assured|assures|clear|reiterated|reaffirmed|"
    r"hopes?|believes?|thinks?|fears?|signalled|suggested|warned|insisted|admitted|acknowledged|"
    r"conceded|stressed|emphasi[sz]ed|argued|explained|promised|vowed|pledged|agreed|denied|"
    r"repeated|maintained|accepted|recogni[sz]ed|predicted|expects?|expected))\s*$",
    re.IGNORECASE,
)
_FIRST_PERSON = frozenset({"i", "we"})
_SAYS_BEFORE_PRONOUN = re.compile(
    r"\b(?:say|says|said|insist|insists|insisted|believe|believes|claim|claims|argue|argues|"
    r"warn|warns|warned|added|stressed|confirmed|confirms|announced|announces|indicated|"
    r"stated|revealed|admitted)\s+(?:(?:last|this|on)\s+\w+\s+)?(?:that\s+)?$",
    re.IGNORECASE,
)
# "It is vital that …": an opening "it" that stands for nothing.
_DUMMY_IT = re.compile(
    r"it\s+(?:is|was|['’]s|seems|seemed|appears|appeared|would\s+be|will\s+be|has\s+been|"
    r"had\s+been|may|might|could|remains)\b",
    re.IGNORECASE,
)
# "It outlined plans" names the declaration's authors; "it could also provide …" rarely does.
_THING_PRONOUNS = frozenset({"it", "its", "they", "their"})


# In the order the patterns try them: "director general" before "director".
_ROLE_WORDS = (
    "secretary|minister|chancellor|co-chairman|chairman|chairwoman|chair|leader|spokesman|"
    "spokeswoman|spokesperson|president|commissioner|adviser|advisor|chief|governor|mayor|"
    "envoy|ambassador|director general|director|inspector|treasurer|candidate|premier"
).split("|")
_ROLE_NOUNS = _either_phrase(_ROLE_WORDS)
# Any role word (in lower case), for finding the first in a sentence.
_ANY_ROLE_WORD = re.compile(longest_first(_first_words(_ROLE_WORDS)))
# The role words right before a name: "Shadow Home Secretary " or "Lib Dem home affairs spokesman ".
_ROLE_BEFORE_NAME = re.compile(
    rf"(?:^|[^\w'’-])(?P<role>(?:[\w-]+\s+){{0,4}}(?:{_ROLE_NOUNS}))\s+$", re.IGNORECASE
)
_PREPOSITION_ROLE = re.compile(
    rf"\b(?i:of|for|with|from|to|by|against)\s+(?i:its|his|her|their|the)\s+(?:[a-z][\w-]*\s+)?"
    rf"(?:founder|owner|boss|head|capital|city|firm|company|group|maker|rival|partner|unit|"
    rf"subsidiary|{_ROLE_NOUNS})\s+$"
)
_THE_ROLE = re.compile(
    rf"\b[Tt]he\s+(?P<role>(?:[\w-]+\s+){{0,4}}?(?:{_ROLE_NOUNS}))\b", re.IGNORECASE
)
# "India's finance minister": a place's office holder, named before or after.
_PLACE_ROLE = re.compile(
    rf"(?<![\w'’-])(?P<place>[A-Z][a-z]+)['’]s\s+(?P<role>(?:[a-z][\w-]*\s+){{0,3}}?"
    rf"(?!spokes)(?:{_ROLE_NOUNS}))\b"
)
_CAPITALISED_BEFORE = re.compile(r"[A-Z][\w'’-]*\s+$")
# "Palaniappan Chidambaram, India's finance minister, argued": the role after the name.
_ROLE_AFTER_NAME = re.compile(
    rf",\s+(?:the\s+|[A-Z][a-z]+['’]s\s+)?(?P<role>(?:[\w-]+\s+){{0,3}}?(?:{_ROLE_NOUNS})),",
    re.IGNORECASE,
)
_ROLE_AFTER_BODY = re.compile(
    rf"^\s*(?:[\w-]+\s+){{0,3}}?(?:{_ROLE_NOUNS}),\s*(?:\w+ly\s+)?$", re.IGNORECASE
)
_SPOUSE_NAMED = re.compile(
    r"\s*(?:[\w-]+\s+){0,2}?(?P<relation>wife|husband|son|daughter|brother|sister),\s+"
    r"(?P<first>[A-Z][a-z]+),"
)
_FEMALE_RELATIONS = frozenset({"wife", "daughter", "sister"})
_OTHER_GENDER = {"female": "male", "male": "female"}
# Words before a title that are not part of it: "But the former", "said".
_ROLE_LEAD = re.compile(
    r"^(?:(?:The|A|An|But|And|Or|So|Yet|However|Meanwhile|Former|[a-z][\w-]*)\s+)*"
)
# Between a party and the person it labels: "'s", or lower-case role words ("home affairs
# spokesman for women"), or a capitalised role ("Holyrood leader") — never a verb's comma.
_PARTY_TO_PERSON = re.compile(r"(?:['’]s)?\s+(?:[\w-]+\s+){0,5}?")
_AMBIGUOUS = ActorRef("(ambiguous role)", "person")

# Bodies named by a common noun: "the government", "the law lords", "a committee of MPs",
# "the Commons science and technology committee" (a capitalised word makes it a name).
_COMMON_BODY = re.compile(
    r"(?<![\w'’-])(?:[Tt]he\s+(?P<body>(?P<named>[A-Z][\w-]*\s+(?:(?:[a-z]+|and)\s+){0,3})?"
    r"(?P<head>government|executive|committee|council|cabinet|commission|inquiry|law\s+lords|"
    r"Lords|Commons)"
    r"(?:\s+of\s+(?:MPs|peers))?)|[Aa]\s+(?P<indefinite>(?P<indefinite_head>committee|council|"
    r"commission|panel)\s+of\s+(?:MPs|peers)))(?![\w'’-])"
)
# Every match holds one of these words: a sentence without them needs no search.
_COMMON_BODY_WORDS = (
    "government executive committee council cabinet commission inquiry lords Lords Commons panel"
).split()
_GROUP_BODIES = frozenset({"law lords"})
# "the company", "the bank": the company named last ("the bank" only a bank).
# The start-of-word test follows the "T": a pattern opening with a character lets re skip
# in C to where one stands.
_COMPANY_REFERENCE = re.compile(
    r"[Tt](?<![\w'’-][Tt])he\s+(?P<head>company|firm|group|bank|airline|carrier|business|"
    r"retailer|carmaker|operator|publisher|insurer|lender|union|association|federation|"
    r"confederation|institute|foundation|authority|agency|regulator|watchdog|department|"
    r"ministry|society)(?![\w'’-]|\s+[A-Z])"
)
# "the union", "the watchdog": a body whose name says what it is, named before.
_BODY_NAMED_BY = {
    "union": ("Union",),
    "association": ("Association",),
    "federation": ("Federation",),
    "confederation": ("Confederation",),
    "institute": ("Institute",),
    "foundation": ("Foundation",),
    "authority": ("Authority",),
    "agency": ("Agency",),
    "department": ("Department",),
    "ministry": ("Ministry",),
    "society": ("Society",),
    "bank": ("Bank",),
    "regulator": ("Authority", "Commission", "Office", "Agency", "Regulator"),
    "watchdog": ("Authority", "Commission", "Office", "Agency", "Regulator", "Watch"),
}
# Bodies that are no company, whatever "the company" in the next sentence means.
_NOT_A_COMPANY = re.compile(
    r"\b(?:Union|Association|Party|Council|Commission|Committee|Authority|Court|Ministry|"
    r"Department|Office|Federation|Confederation|Parliament|Assembly|Government|government|"
    r"Executive|Congress|Senate|Cabinet|Tribunal|Police|Society|Institute|Organi[sz]ation|"
    r"League|Forum|Agency|Lords|Commons)\b"
)
# "Menatep Group's managing director Tim Osborne", "Jeremy Dear, NUJ general secretary": the
# head speaks for the body (a deputy or an "executive" does not).
_HEAD_ROLE = (
    r"(?:(?!deputy\b|vice\b|assistant\b|former\b|acting\b)[\w-]+\s+){0,2}?"
    r"(?:chief\s+executive|chairman|chairwoman|managing\s+director|director[\s-]+general|"
    r"general\s+secretary|secretary[\s-]+general|president|governor|boss|founder|head)"
)
_HEAD_BEFORE_PERSON = re.compile(rf"\s*{_HEAD_ROLE}\s+", re.IGNORECASE)
_HEAD_AFTER_BODY = re.compile(rf"(?:['’]s)?\s+{_HEAD_ROLE}\b", re.IGNORECASE)
# What someone says another must or should do is the sayer's demand.
_MODAL_DEMAND = re.compile(r"(?:must|should|ought\s+to)\b", re.IGNORECASE)
_SAID_BEFORE_SUBJECT = re.compile(
    rf"\b{_SPEECH_VERB}\s+(?:that\s+)?(?:the\s+)?(?:[a-z]+\s+)?$", re.IGNORECASE
)
# "… should go, the minister said." / "…, said Mr Blair.": the speaker is named after the words.
_TRAILING_SPEECH = re.compile(
    rf"(?:\b{_SPEECH_VERB}\s*[.!]?|[,\"”’]\s*{_SPEECH_VERB}\s+[^\"“”]{{1,120}})$", re.IGNORECASE
)
_APPOSITION_BEFORE_CUE = re.compile(
    r",\s+(?!who\b|which\b)[^,\"“”]{1,100},\s*(?:\w+ly\s+|also\s+)?"
)
_HAVING_CLAUSE = re.compile(r",\s+having\s+(?:\w+ly\s+|earlier\s+|already\s+)?$", re.IGNORECASE)
_COMMA_THE = re.compile(r",\s*(?:the\s+)?")
# "Tim Osborne, managing director of Menatep": a formal title ("head of" is looser).
_HEAD_OF_BODY = re.compile(
    r",\s+(?:the\s+)?(?:chief\s+executive|chairman|chairwoman|managing\s+director|"
    r"director[\s-]+general|general\s+secretary|secretary[\s-]+general|president|governor)"
    r"\s+(?:of|at)\s+(?:the\s+)?",
    re.IGNORECASE,
)
_HOUSES = {"Lords": "House of Lords", "Commons": "House of Commons"}
_PLACE_MINISTERS = re.compile(r"(?<![\w'’-])(?P<place>[A-Z][a-z]+)\s+ministers(?![\w'’-])")

# "Gordon Brown's closest ally denied …": the possessor is not the one speaking.
_PERSON_NOUN_AFTER_POSSESSIVE = re.compile(
    r"^\s*(?:\w+\s+){0,2}?(?:ally|allies|aide|aides|adviser|advisers|advisor|spokesman|"
    r"spokeswoman|spokesperson|envoy|wife|husband|son|daughter|lawyer|lawyers|official|"
    r"officials|deputy|successor|predecessor|critics|supporters|opponents|rival|rivals|"
    r"friend|friends|colleague|colleagues|staff)\b",
    re.IGNORECASE,
)
_SPOKESPERSON_FOR = re.compile(r"spokes(?:man|woman|person)\s+for\s+(?:the\s+)?$", re.IGNORECASE)
_RELATIVE_RIGHT_BEFORE_CUE = re.compile(r"\b(?:which|that|who)\s+(?:\w+ly\s+)?$", re.IGNORECASE)
# "… Trump's administration … for how it intends to": the cue has its own pronoun subject.
_PRONOUN_RIGHT_BEFORE_CUE = re.compile(
    r"\b(?:it|they|he|she|we|i)\s+(?:(?:\w+ly|has|have|had|is|are|was|were|will|would|did|does|do|"
    r"also|still|now)\s+)*$",
    re.IGNORECASE,
)
# Cue verbs that are also nouns ("pledges", "demands"): after a determiner they name a thing.
_NOUN_LIKE_CUE = re.compile(
    r"(?:pledges?|promises?|demands?|vows?|calls?|plans?|supports?|backs?|requests?)\b",
    re.IGNORECASE,
)
_DETERMINER_BEFORE_CUE = re.compile(
    r"\b(?:the|a|an|his|her|its|their|our|these|those)\s+(?:(?:new|latest|fresh|own|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+)?$",
    re.IGNORECASE,
)
_INSIST = re.compile(r"insist(?:ed|s|ing)?", re.IGNORECASE)
# A clause stating what is or was so, with no modal asking or promising anything.
_STATED_FACT = re.compile(
    r"^\s+(?:that\s+)?(?:(?!should|must|will|would|shall|need|have\s+to)[^,;:.!?])*?"
    r"\b(?:was|were|is|are|had\s+been|has\s+been)\b(?!\s+to\b)",
    re.IGNORECASE,
)
_NEGATION_BEFORE_CUE = re.compile(
    r"(?:\bnot|n['’]t|\bnever|\bno\s+longer)\s+(?:\w+ly\s+)?$", re.IGNORECASE
)


@dataclass(frozen=True)
class ExtractedStatement:
    actor: ActorRef
    stance: str
    evidence: str
    sentence_index: int
    hedged: bool = False
    reported_by: ActorRef | None = None
    terms: frozenset[str] = frozenset()


@dataclass
class _Candidate:
    actor: ActorRef
    start: int
    end: int
    possessive: bool = False
    pronoun: str | None = None


@dataclass
class _Focus:
    """What earlier sentences put in focus, for resolving pronouns and quotes."""

    people: list[ActorRef] = field(default_factory=list)
    others: list[ActorRef] = field(default_factory=list)
    parties: list[ActorRef] = field(default_factory=list)
    speaker: ActorRef | None = None
    by_surname: dict[str, list[ActorRef]] = field(default_factory=dict)
    roles: dict[str, ActorRef] = field(default_factory=dict)
    # Stored aliases the article teaches: "Shadow Home Secretary" for David Davis (a title
    # of two words or more; single words are too vague), "QCA" for its body.
    learned_aliases: dict[str, list[str]] = field(default_factory=dict)
    bodies_by_initials: dict[str, ActorRef] = field(default_factory=dict)
    parties_of: dict[str, ActorRef] = field(default_factory=dict)
    # Roles a lead sentence names without a person, and the person the next one names.
    lead_roles: list[tuple[str, ActorRef, int]] = field(default_factory=list)
    named_roles: dict[str, ActorRef] = field(default_factory=dict)
    place_ministers: dict[str, ActorRef] = field(default_factory=dict)
    heads_of: dict[str, ActorRef] = field(default_factory=dict)
    times_named: dict[ActorRef, int] = field(default_factory=dict)
    # The body the previous sentence was about: the only one a sentence-opening "It" means.
    previous_body: ActorRef | None = None
    # "a committee of MPs" before "the Commons science and technology committee" is named.
    unnamed_bodies: dict[str, ActorRef] = field(default_factory=dict)
    named_bodies: dict[str, list[ActorRef]] = field(default_factory=dict)

    def person_called(self, surname: str, gender: str | None) -> ActorRef | None:
        """The person most recently named with this surname whose gender does not clash."""
        for person in reversed(self.by_surname.get(surname, [])):
            if gender is None or person.gender in (None, gender):
                return person
        return None

    def remember(self, surname: str, person: ActorRef) -> None:
        people = [p for p in self.by_surname.get(surname, []) if p != person]
        self.by_surname[surname] = [*people, person]
        # What "Ms Sturgeon" taught (her gender) holds for the "Nicola Sturgeon" in focus too.
        self.people = [person if p == person else p for p in self.people]

    def learn_roles(self, sentence: str, mentions: list[Mention], first_role_word: int) -> None:
        """ "Tory co-chairman Liam Fox" lets a later "the Tory co-chairman" mean Liam Fox.

        ``first_role_word``: from ``_first_role_word``; a role before a name starts after it.
        """
        for mention in mentions:
            if mention.actor.kind != "person":
                continue
            role = (
                first_role_word < mention.start
                and _ROLE_BEFORE_NAME.search(sentence[: mention.start])
            ) or _ROLE_AFTER_NAME.match(sentence, mention.end)
            if role is None:
                continue
            self.learn_role(role.group("role"), mention.actor)

    def learn_role(self, role: str, person: ActorRef) -> None:
        phrase = role.lower()
        head = phrase.split()[-1]
        # A secretary of state or the chancellor is also "the minister".
        keys = (phrase, head, *(("minister",) if head in {"secretary", "chancellor"} else ()))
        for key in keys:
            if self.roles.setdefault(key, person) != person and key != phrase:
                self.roles[key] = _AMBIGUOUS
        self.roles[phrase] = person
        for pending, placeholder, _ in self.lead_roles:
            if pending.lower() == phrase and placeholder.name not in self.named_roles:
                self.named_roles[placeholder.name] = person  # named sentences after the lead
        title = _ROLE_LEAD.sub("", role)
        if len(title.split()) >= 2 and not person.surname_only:
            self.learned_aliases.setdefault(person.name, []).append(title)

    def name_lead_role(self, index: int, mentions: list[Mention]) -> None:
        """ "…, the Trade and Industry Secretary has said. Patricia Hewitt said …": a lead
        sentence gives the role, the next one the name."""
        pending = [(role, actor) for role, actor, at in self.lead_roles if at == index - 1]
        people = [m.actor for m in mentions if m.actor.kind == "person" and not m.possessive]
        for role, placeholder in pending:
            if people and placeholder.name not in self.named_roles:
                self.named_roles[placeholder.name] = people[0]
                self.learn_role(role, people[0])

    def learn_parties(self, sentence: str, mentions: list[Mention]) -> None:
        """ "Liberal Democrat spokeswoman for women Sandra Gidley" speaks for her party."""
        for party, person in pairwise(mentions):
            if (
                party.actor.party
                and person.actor.kind == "person"
                and _PARTY_TO_PERSON.fullmatch(sentence[party.end : person.start])
            ):
                self.parties_of[person.actor.name] = party.actor

    def learn_heads(self, sentence: str, mentions: list[Mention]) -> None:
        for first, second in pairwise(mentions):
            between = sentence[first.end : second.start]
            if (
                first.actor.kind == "organisation"
                and second.actor.kind == "person"
                and _HEAD_BEFORE_PERSON.fullmatch(between)
            ):
                self.heads_of[second.actor.name] = first.actor
            elif (
                first.actor.kind == "person"
                and second.actor.kind == "organisation"
                and (
                    (_COMMA_THE.fullmatch(between) and _HEAD_AFTER_BODY.match(sentence, second.end))
                    or _HEAD_OF_BODY.fullmatch(between)
                )
            ):
                self.heads_of[first.actor.name] = second.actor

    def company_mentions(self, sentence: str, named: list[Mention]) -> list[Mention]:
        """ "the company": the company named earlier in the sentence ("Google said the company
        welcomed …"), else the one named most so far (the latest of equals), as a story's own
        company outlasts a rival named in passing."""
        found = []
        for match in _COMPANY_REFERENCE.finditer(sentence):
            head = match["head"]
            here = [m.actor for m in named if m.end <= match.start()]
            companies = [a for a in here if _is_company(a, head)]
            if companies:
                found.append(Mention(companies[-1], match.start(), match.end()))
                continue
            earlier = [o for o in self.others if _is_company(o, head)]
            company = max(reversed(earlier), key=lambda o: self.times_named.get(o, 0), default=None)
            if company is not None:
                found.append(Mention(company, match.start(), match.end()))
        return found

    def party_of(self, person: ActorRef) -> ActorRef | None:
        return self.parties_of.get(person.name)

    def family_mentions(self, sentence: str, mentions: list[Mention]) -> list[Mention]:
        """ "Michael Howard's ex-model wife, Sandra, is to …": Sandra Howard, a woman, is the
        subject; he is a man. So a later "Mrs Howard" is Sandra and "she" never means him.
        """
        found = []
        for mention in mentions:
            if mention.actor.kind != "person" or not mention.possessive:
                continue
            match = _SPOUSE_NAMED.match(sentence, mention.end)
            if match is None:
                continue
            owner = mention.actor
            surname = owner.name.split()[-1]
            gender = "female" if match["relation"] in _FEMALE_RELATIONS else "male"
            if match["relation"] in {"wife", "husband"} and owner.gender is None:
                self.remember(surname, replace(owner, gender=_OTHER_GENDER[gender]))
            relative = ActorRef(
                f"{match['first']} {surname}",
                "person",
                aliases=(f"{match['first']} {surname}", surname),
                gender=gender,
            )
            self.remember(surname, relative)
            # The span runs over the closing comma: "Sandra, is to play" has her as subject.
            found.append(Mention(relative, match.start("first"), match.end()))
        return found

    def role_mentions(self, index: int, sentence: str, first_role_word: int) -> list[Mention]:
        """``first_role_word``: from ``_first_role_word``; without one no role is named."""
        if first_role_word == len(sentence):
            return []
        found = []
        place_roles = [
            match
            for match in _PLACE_ROLE.finditer(sentence)
            # "Blair's chief of staff" is his aide; "Quorvane Group's chief" heads a company.
            if match["place"] not in self.by_surname
            and not _CAPITALISED_BEFORE.search(sentence, max(0, match.start() - 40), match.start())
        ]
        for match in [*_THE_ROLE.finditer(sentence), *place_roles]:
            actor = self.roles.get(match.group("role").lower())
            possessive = sentence.startswith(("'s", "’s"), match.end())
            named = _NAME_AFTER.match(sentence, match.end())  # "the … President Volodymyr Zelensky"
            if actor is None and index <= LEAD_SENTENCES and not (possessive or named):
                actor = ActorRef(f"({match.group('role')})", "person")
                self.lead_roles.append((match.group("role"), actor, index))
            if actor is not None and actor is not _AMBIGUOUS:
                found.append(Mention(actor, match.start(), match.end()))
        return found

    def government_of(self, place: str) -> ActorRef | None:
        names = {f"{place} Executive", f"{place} Government", f"{place} government"}
        return next((o for o in reversed(self.others) if o.name in names), None)

    def body_mentions(self, sentence: str, registered: frozenset[str]) -> list[Mention]:
        """ "the executive" is the Scottish Executive named before; else a body of its own.

        "Scottish ministers" are the Scottish Executive, named before or after.
        """
        found: list[Mention] = []
        if "ministers" in sentence:
            found += self._place_ministers(sentence, registered)
        if any(map(sentence.__contains__, _COMMON_BODY_WORDS)):
            found += self._common_bodies(sentence)
        return found

    def _place_ministers(self, sentence: str, registered: frozenset[str]) -> list[Mention]:
        found = []
        for match in _PLACE_MINISTERS.finditer(sentence):
            place = match["place"]
            if place in registered:
                continue  # "Labour ministers" speak as Labour
            actor = self.government_of(place) or self.place_ministers.setdefault(
                place, ActorRef(match.group(), "group")
            )
            found.append(Mention(actor, match.start(), match.end()))
        return found

    def _common_bodies(self, sentence: str) -> list[Mention]:
        found = []
        for match in _COMMON_BODY.finditer(sentence):
            head = _SPACES.sub(" ", match["head"] or match["indefinite_head"])
            body = match["body"] or match["indefinite"]
            if head in _HOUSES:
                actor = ActorRef(_HOUSES[head], "organisation")  # "the Lords"
            elif match["named"]:
                actor = ActorRef(body, "organisation")
                known = self.named_bodies.setdefault(head, [])
                if actor not in known:
                    known.append(actor)
            else:
                actor = next(
                    (o for o in reversed(self.others) if o.name.lower().endswith(head)), None
                ) or ActorRef(body, "group" if head in _GROUP_BODIES else "organisation")
                if actor.name == body:
                    self.unnamed_bodies.setdefault(head, actor)
            found.append(Mention(actor, match.start(), match.end()))
        return found

    def as_finally_known(self, actor: ActorRef) -> ActorRef:
        """The actor with all the article taught: the named body an unnamed one turned out
        to be, the titles a person was introduced with, a body's acronym."""
        for head, unnamed in self.unnamed_bodies.items():
            named = self.named_bodies.get(head, [])
            if unnamed == actor and len(named) == 1:
                actor = replace(named[0], aliases=(*named[0].aliases, actor.name))
        actor = self.named_roles.get(actor.name, actor)
        for place, ministers in self.place_ministers.items():
            government = self.government_of(place)
            if actor == ministers and government is not None:
                actor = replace(government, aliases=(*government.aliases, ministers.name))
        learned = self.learned_aliases.get(actor.name, [])
        return _with_aliases(actor, (*actor.aliases, *learned))

    def note(self, actor: ActorRef) -> None:
        self.times_named[actor] = self.times_named.get(actor, 0) + 1
        queue = self.people if actor.kind == "person" else self.others
        if actor in queue:
            queue.remove(actor)
        queue.append(actor)
        if actor.party:
            if actor in self.parties:
                self.parties.remove(actor)
            self.parties.append(actor)

    def resolve_pronoun(self, word: str, besides: Iterable[ActorRef] = ()) -> ActorRef | None:
        """``besides``: people the pronoun's own clause names ("He told Ms Sturgeon")."""
        word = word.lower()
        if word in {"he", "she", "his", "her"}:
            wanted = "male" if word in {"he", "his"} else "female"
            for person in reversed(self.people):
                if person.gender in (None, wanted) and person not in besides:
                    return person
            return None
        if word.endswith("party"):
            return self.parties[-1] if self.parties else None
        if word in {"they", "their", "it", "its"}:
            return self.others[-1] if self.others else None
        return None


def _is_company(actor: ActorRef, head: str) -> bool:
    """Whether "the <head>" can mean this actor: a company, or a body of that kind."""
    if actor.kind != "organisation" or actor.party:
        return False
    if head in _BODY_NAMED_BY:
        return any(word in actor.name.split() for word in _BODY_NAMED_BY[head])
    return not _NOT_A_COMPANY.search(actor.name)


def extract_statements(article: CleanArticle, registry: Registry) -> list[ExtractedStatement]:
    """Every position taken in the article, one per actor and sentence, in reading order."""
    focus = _Focus()
    for actor in registry.actors:
        if actor.kind == "person":
            for alias in actor.aliases:
                if " " not in alias:
                    focus.remember(alias, actor)
    bylines = {index: text for index, text in article.bylines}
    names = proper_words(article.sentences)
    statements: list[ExtractedStatement] = []
    for index, sentence in enumerate(article.sentences):
        statements.extend(_sentence_statements(index, sentence, registry, focus, bylines, names))
    unnamed_roles = {placeholder.name for _, placeholder, _ in focus.lead_roles}
    kept = [
        s
        for s in statements
        if s.actor.name not in unnamed_roles or s.actor.name in focus.named_roles
    ]
    return [_with_actor(s, focus.as_finally_known(s.actor)) for s in kept]


def _with_actor(statement: ExtractedStatement, actor: ActorRef) -> ExtractedStatement:
    return statement if actor is statement.actor else replace(statement, actor=actor)


def _with_aliases(actor: ActorRef, aliases: Iterable[str]) -> ActorRef:
    """``actor`` with ``aliases``, each once: the same actor if they are its own already,
    as for most mentions (a copy by ``dataclasses.replace`` is slow)."""
    unique = tuple(dict.fromkeys(aliases))
    return actor if unique == actor.aliases else replace(actor, aliases=unique)


def _first_role_word(sentence: str) -> int:
    """Where the first role word starts in ``sentence``, in any case; its length if none.

    Outside ASCII it is 0: ignoring case, re also reads some other letters as these.
    """
    if not sentence.isascii():
        return 0
    first = _ANY_ROLE_WORD.search(sentence.lower())
    return first.start() if first else len(sentence)


def _canonical(mention: Mention, focus: _Focus) -> Mention:
    """Merge "Ms Hewitt" into the "Patricia Hewitt" named before (or in the registry).

    The merged actor keeps every spelling seen, so "Ms Hewitt" becomes a stored alias.
    """
    actor = mention.actor
    if actor.kind == "organisation" and " " not in actor.name:
        person = focus.person_called(actor.name, None)
        if person is not None:
            return replace(mention, actor=person)  # "Firestone said": Jamie Firestone
    if actor.kind == "organisation":
        return _expanded_acronym(mention, focus)
    if actor.kind != "person":
        return mention
    surname = actor.name.split()[-1]
    if actor.surname_only:
        known = focus.person_called(surname, actor.gender)
    else:
        # The bare surname is an alias too, for a registry person named in full ("Brown").
        actor = _with_aliases(actor, (*actor.aliases, surname))
        if actor is not mention.actor:
            mention = replace(mention, actor=actor)
        known = next((p for p in focus.by_surname.get(surname, []) if p == actor), None)
    if known is None:
        focus.remember(surname, actor)
        return mention
    merged = _with_aliases(known, (*known.aliases, *actor.aliases))
    if (gender := known.gender or actor.gender) != merged.gender:
        merged = replace(merged, gender=gender)
    focus.remember(surname, merged)
    return mention if merged is mention.actor else replace(mention, actor=merged)


def _expanded_acronym(mention: Mention, focus: _Focus) -> Mention:
    """ "the QCA" is the Qualifications and Curriculum Authority named before: the body whose
    initials it spells; the acronym becomes its alias."""
    name = mention.actor.name
    if _ACRONYM.fullmatch(name):
        body = focus.bodies_by_initials.get(name)
        if body is None:
            return mention
        focus.learned_aliases.setdefault(body.name, []).append(name)
        return replace(mention, actor=body)
    initials = "".join(w[0] for w in name.split() if w.lower() not in _NAME_LINKS)
    if len(initials) >= 2 and initials.isupper():
        focus.bodies_by_initials.setdefault(initials, mention.actor)
    return mention


def _sentence_statements(
    index: int,
    sentence: str,
    registry: Registry,
    focus: _Focus,
    bylines: dict[int, str],
    names: frozenset[str],
) -> Iterator[ExtractedStatement]:
    # "The Tory co-chairman" is one person, not the Tory party: role phrases win overlaps.
    first_role_word = _first_role_word(sentence)
    roles = focus.role_mentions(index, sentence, first_role_word) + focus.body_mentions(
        sentence, registry.single_words
    )
    found = [
        _canonical(m, focus)
        for m in find_mentions(registry, sentence, names)
        if all(m.end <= r.start or m.start >= r.end for r in roles)
    ]
    mentions = sorted(found + roles, key=lambda m: m.start)
    if companies := focus.company_mentions(sentence, mentions):
        mentions = sorted(mentions + companies, key=lambda m: m.start)
    if relatives := focus.family_mentions(sentence, mentions):
        mentions = sorted(mentions + relatives, key=lambda m: m.start)
    focus.learn_parties(sentence, mentions)
    focus.learn_heads(sentence, mentions)
    focus.name_lead_role(index, mentions)
    may_speak = _may_hold(_ANY_SPEECH_VERB, sentence)
    speaker = _speaker(index, sentence, mentions, focus, bylines, registry, may_speak)
    is_question = sentence.rstrip(" \"”’'").endswith("?")
    quotes = _quote_spans(sentence)
    # Quoted words, or a speech verb: the sentence reports what someone says.
    reports_speech = bool(quotes) or (may_speak and bool(_SPEECH.search(sentence)))
    cues = [] if is_question else stances.find_cues(sentence)
    if cues:
        candidates = _candidates(sentence, mentions, speaker, focus)
        subject = next((c for c in candidates if not c.possessive), None)
        yield from _cue_statements(
            index, sentence, cues, mentions, candidates, speaker, quotes, reports_speech, focus
        )
    else:
        subject = _subject(sentence, mentions, speaker, focus)
    # Noted last = most salient: the sentence's subject (its first plain mention) and its
    # speaker win over people it merely mentions later ("Dr Fox accused Mr Blair …").
    plain = [m for m in mentions if not m.possessive]
    for mention in reversed(plain or mentions):
        focus.note(mention.actor)
    focus.previous_body = subject.actor if subject and subject.actor.kind != "person" else None
    focus.learn_roles(sentence, mentions, first_role_word)
    focus.speaker = speaker if reports_speech else None
    if speaker is not None:
        focus.note(speaker)


def _cue_statements(
    index: int,
    sentence: str,
    cues: list[stances.Cue],
    mentions: list[Mention],
    candidates: list[_Candidate],
    speaker: ActorRef | None,
    quotes: list[tuple[int, int]],
    reports_speech: bool,
    focus: _Focus,
) -> Iterator[ExtractedStatement]:
    """The positions the cues of a sentence show, one per actor."""
    announcer = _announcer(sentence, mentions) if speaker is None else None
    cancelled = stances.cancelling_spans(sentence)
    named_here = {m.actor for m in mentions}
    taken: set[str] = set()
    for cue in sorted(cues, key=lambda c: c.weak):
        if any(start <= cue.start <= end + 3 for start, end in cancelled):
            continue
        if cue.reported and not reports_speech:
            continue
        if _NOUN_LIKE_CUE.match(sentence, cue.start) and _DETERMINER_BEFORE_CUE.search(
            sentence[: cue.start]
        ):
            continue  # "attacked the new pledges": the cue word is a noun here
        holders = (
            ([(speaker, None)] if speaker is not None and reports_speech else [])
            if cue.by_speaker
            else _holders(sentence, cue, candidates, quotes, speaker)
        ) or ([(announcer, None)] if announcer is not None else [])
        holders += [
            (reporter, None)
            for holder, reporter in holders
            if reporter is not None and holder.party and focus.party_of(reporter) == holder
        ]  # "Lib Dem spokeswoman Sandra Gidley said: '… the Liberal Democrats feel …'"
        holders += [
            (body, reporter)
            for holder, reporter in holders
            if (body := focus.heads_of.get(holder.name)) in named_here
        ]
        for holder, reporter in holders:
            if holder.name in taken:
                continue
            taken.add(holder.name)
            yield ExtractedStatement(
                actor=holder,
                stance=_stance(sentence, cue),
                evidence=sentence,
                sentence_index=index,
                hedged=reporter is not None or _hedged(sentence, cue),
                reported_by=reporter,
                terms=topic_terms(sentence, (holder.name, *holder.aliases)),
            )


def _speaks(sentence: str) -> bool:
    return _may_hold(_ANY_SPEECH_VERB, sentence) and bool(_SPEECH.search(sentence))


def _may_hold(any_word: re.Pattern[str], sentence: str) -> bool:
    """Whether ``sentence`` may hold one of the lower-case words ``any_word`` finds, in any
    case, as a pattern ignoring case finds them; outside ASCII always (ignoring case, re
    also reads letters such as "ı" as "i")."""
    return not sentence.isascii() or any_word.search(sentence.lower()) is not None


def _announcer(sentence: str, mentions: list[Mention]) -> ActorRef | None:
    """ "… as part of new proposals announced by the Trade and Industry Secretary Patricia
    Hewitt": whoever announced what the sentence reports."""
    if not _may_hold(_ANY_ANNOUNCING_WORD, sentence):
        return None
    return next(
        (m.actor for m in mentions if _ANNOUNCED_BY.search(sentence, 0, m.start)),
        None,
    )


def _quote_spans(sentence: str) -> list[tuple[int, int]]:
    if not any(map(sentence.__contains__, _QUOTE_MARKS)):
        return []  # most sentences quote no one
    marks = [m.start() for m in _QUOTE.finditer(sentence)]
    spans = [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]
    if len(marks) % 2 == 1:
        spans.append(
            (marks[-1], len(sentence)) if marks[-1] < len(sentence) // 2 else (0, marks[-1])
        )
    return spans


def _speaker(
    index: int,
    sentence: str,
    mentions: list[Mention],
    focus: _Focus,
    bylines: dict[int, str],
    registry: Registry,
    may_speak: bool,
) -> ActorRef | None:
    """Who speaks the quoted or first-person words of this sentence, if anyone does.

    ``may_speak``: a speech verb may stand in it (``_may_hold``); without one none names
    its speaker."""
    if may_speak:
        named = _speaker_named(sentence, mentions, focus)
        if named is not None:
            return named
    if index in bylines:
        people = [m.actor for m in find_mentions(registry, bylines[index])]
        if people:
            return people[0]
    if speaks_in_first_person(sentence):
        return focus.speaker
    return None


def speaks_in_first_person(sentence: str) -> bool:
    """A quotation or words in the first person: someone's own words, not the writer's."""
    return sentence.startswith(('"', "“")) or bool(_FIRST_PERSON_OPENING.match(sentence))


def _speaker_named(sentence: str, mentions: list[Mention], focus: _Focus) -> ActorRef | None:
    """The speaker a speech verb names: "Ms Hewitt said", "said Mr Blair", "he told"."""
    for number, mention in enumerate(mentions):
        before = sentence[: mention.start]
        after = sentence[mention.end :]
        if _SPEECH_VERB_AFTER_SPEAKER.match(after) or _SPEECH_VERB_BEFORE_SPEAKER.search(before):
            previous = mentions[number - 1] if number else None
            if (
                previous is not None
                and previous.actor.kind == "person"
                and _PERSON_OF_BODY.fullmatch(sentence[previous.end : mention.start])
            ):
                return previous.actor  # "Mike Powell of Dresdner Kleinwort Wasserstein says"
            return mention.actor
    pronoun = _PRONOUN_SPEAKS.search(sentence)
    if pronoun:
        named_before = [m.actor for m in mentions if m.end <= pronoun.start()]
        named_after = [m.actor for m in mentions if m.start > pronoun.start()]
        word = pronoun.group(1)
        if word.lower() in _THING_PRONOUNS and not named_before:
            return focus.previous_body  # "It said: …" as an opening "It" anywhere else
        return _resolve_within(word, named_before) or focus.resolve_pronoun(
            word, besides=named_after
        )
    return None


def _candidates(
    sentence: str, mentions: list[Mention], speaker: ActorRef | None, focus: _Focus
) -> list[_Candidate]:
    """The actors named or referred to in the sentence, in reading order."""
    named = [_Candidate(m.actor, m.start, m.end, m.possessive) for m in mentions]
    # A pronoun never starts inside a mention, so no two candidates start together.
    return sorted(
        [*named, *_pronoun_candidates(sentence, mentions, speaker, focus)], key=lambda c: c.start
    )


def _subject(
    sentence: str, mentions: list[Mention], speaker: ActorRef | None, focus: _Focus
) -> _Candidate | None:
    """The first candidate that is not a possessive, as ``_candidates`` would list it,
    resolving only the pronouns before the first plain mention."""
    plain = next((m for m in mentions if not m.possessive), None)
    for candidate in _pronoun_candidates(sentence, mentions, speaker, focus):
        if plain is not None and candidate.start > plain.start:
            break
        if not candidate.possessive:
            return candidate
    return None if plain is None else _Candidate(plain.actor, plain.start, plain.end, False)


def _pronoun_candidates(
    sentence: str, mentions: list[Mention], speaker: ActorRef | None, focus: _Focus
) -> Iterator[_Candidate]:
    """The actors that pronouns in the sentence refer to, in reading order."""
    spans = [(m.start, m.end) for m in mentions]
    # In ASCII, lower-casing keeps every offset and is all that ignoring case does.
    pronouns = (
        _PRONOUN_IN_LOWER_CASE.finditer(sentence.lower())
        if sentence.isascii()
        else _PRONOUN.finditer(sentence)
    )
    for match in pronouns:
        if any(s <= match.start() < e for s, e in spans):
            continue
        word = match["word"].lower()
        if word in _FIRST_PERSON:
            actor = speaker
        elif word in {"it", "they"} and _SAYS_BEFORE_PRONOUN.search(sentence[: match.start()]):
            # "The Tories say they will vote against it": the body that speaks of itself.
            bodies = [
                m.actor for m in mentions if m.end <= match.start() and m.actor.kind != "person"
            ]
            if not bodies and speaker is not None and speaker.kind != "person":
                bodies = [speaker]  # "It said it would …": the body "It" continues
            actor = bodies[-1] if bodies else None
        elif word in _THING_PRONOUNS and (match.start() > 0 or _DUMMY_IT.match(sentence)):
            actor = None  # mid-sentence "it" is too often the thing, not an actor
        elif word in _THING_PRONOUNS:
            # "It said …" continues the previous sentence's body; any earlier one is too far
            # back to be sure "It" is not a product or a plan.
            actor = focus.previous_body
        else:
            earlier = [m.actor for m in mentions if m.end <= match.start()]
            actor = _resolve_within(word, earlier) or focus.resolve_pronoun(word)
        if actor is not None:
            possessive = word in {"his", "her", "their", "its"}
            yield _Candidate(actor, match.start(), match.end(), possessive, word)


def _resolve_within(word: str, earlier: list[ActorRef]) -> ActorRef | None:
    """A pronoun whose antecedent sits earlier in the same sentence."""
    if word in {"he", "she", "his", "her"}:
        people = [a for a in earlier if a.kind == "person"]
        return people[-1] if people else None
    if word.endswith("party"):
        parties = [a for a in earlier if a.party]
        return parties[-1] if parties else None
    if word in {"it", "they"}:
        bodies = [a for a in earlier if a.kind != "person"]
        return bodies[-1] if bodies else None
    return None


def _eligible_subject(sentence: str, candidate: _Candidate, cue: stances.Cue) -> bool:
    between = sentence[candidate.end : cue.start]
    if cue.adjacent and (aside := _RELATIVE_ASIDE.match(between)):
        between = between[aside.end() :]  # "Sony, who have worked on it for years, will unveil"
    if cue.adjacent and not _ADJACENT.match(between):
        return False
    if _RELATIVE.match(between):
        return True
    if _CLAUSE_BREAK.search(between) or len(between) > MAX_SUBJECT_DISTANCE:
        return False
    if _owned_by_other_clause(between):
        return False
    if candidate.pronoun in _THING_PRONOUNS and not _AUXILIARIES_ONLY.match(between):
        return False
    if _RELATIVE_RIGHT_BEFORE_CUE.search(between) or (
        candidate.pronoun is None and _PRONOUN_RIGHT_BEFORE_CUE.search(between)
    ):
        return False
    if candidate.possessive and _PERSON_NOUN_AFTER_POSSESSIVE.match(between):
        return False
    before = sentence[: candidate.start]
    if candidate.pronoun is None and _IN_LIST.search(before):
        return False  # "firms including Tesco, Asda and Sainsbury's": an example, not the subject
    if sentence[candidate.start].islower() and _PREPOSITION_BEFORE_NOUN.search(before):
        return False  # "one of the biggest creditor nations"
    if _INDEFINITE_ARTICLE.search(before):
        return False  # "a Labour candidate": the name only describes a noun
    # "markets like Korea and Thailand": a conjunct shares the first one's preposition.
    if _PREPOSITION_ROLE.search(before):
        return False  # "the ambitions of its founder Mikhail Khodorkovsky", "of the capital Lima"
    first_conjunct = _AFTER_CONJUNCT.sub(" ", before)
    return not _PREPOSITION.search(first_conjunct) or bool(_SPOKESPERSON_FOR.search(before))


def _owned_by_other_clause(between: str) -> bool:
    """ "Ukraine … deterrents that such assurances would provide": the cue has its own subject."""
    for match in _RELATIVE_CLAUSE.finditer(between):
        if not _REPORTING_BEFORE_THAT.search(between[: match.start()]):
            return True
    return False


def _holders(
    sentence: str,
    cue: stances.Cue,
    candidates: list[_Candidate],
    quotes: list[tuple[int, int]],
    speaker: ActorRef | None,
) -> list[tuple[ActorRef, ActorRef | None]]:
    """The actors holding this cue's position, each with whoever reported it."""
    if cue.agent_after:
        return [
            (c.actor, None)
            for c in candidates
            if c.start >= cue.end and _AGENT_AFTER_CUE.fullmatch(sentence, cue.end, c.start)
        ]
    if _PARTICIPLE.match(sentence, cue.start):
        # "It was widely criticised by net users", "claims denied by Labour": the subject is
        # what the cue is about, the agent holds the position.
        agent = _passive_agent(sentence, cue, candidates)
        if agent is not None:
            return [(agent.actor, None)]
        if _PASSIVE_BEFORE.search(sentence, 0, cue.start):
            return []
    quote = next(((s, e) for s, e in quotes if s < cue.start < e), None)
    if quote is not None and len(sentence[quote[0] : quote[1]].split()) <= SCARE_QUOTE_WORDS:
        quote = None  # 'Mr Thomas "totally condemned" the deletion': the writer's sentence
    before = [c for c in candidates if c.end <= cue.start and (quote is None or c.start > quote[0])]
    if _HAVING_CLAUSE.search(sentence, 0, cue.start):
        # "The Tories said …, having earlier criticised the decision": the sentence's subject.
        subject = next((c for c in before if not c.possessive), None)
        return [(subject.actor, None)] if subject is not None else []
    eligible = [c for c in before if _eligible_subject(sentence, c, cue)]
    if not eligible:
        if cue.adjacent:
            return []  # "people will use it": the cue's own subject is no actor
        if speaker is not None and (
            quote is not None or _FIRST_PERSON_OPENING.match(sentence) or _speaks(sentence)
        ):
            return [(speaker, None)]
        return []
    subject = eligible[-1]
    if (
        speaker is not None
        and subject.actor != speaker
        and subject.pronoun not in _FIRST_PERSON
        and _MODAL_DEMAND.match(sentence, cue.start)
        and (
            quote is not None
            or _SAID_BEFORE_SUBJECT.search(sentence, max(0, subject.start - 60), subject.start)
            or _TRAILING_SPEECH.search(sentence, cue.end)
        )
    ):
        return [(speaker, None)]  # "Mr Doctorow said Google should not be penalised"
    apposed = _apposed_person(sentence, subject, cue, before)
    if apposed is not None and _person_heading(sentence, subject, cue, before) is None:
        subject = apposed
    partners = _coordinated(sentence, subject, before)
    # Only the last conjunct stands right before an adjacent cue: "The Queen and Prince
    # Philip will lead".
    if partners and not _eligible_subject(sentence, partners[-1], replace(cue, adjacent=False)):
        return []
    head = _person_heading(sentence, subject, cue, before)
    group = [
        *([head] if head else []),
        subject,
        *partners,
        *_appositive(sentence, subject, cue, candidates),
    ]
    reporter = _reporter(sentence, subject, candidates, quote, speaker)
    return [(c.actor, reporter if reporter != c.actor else None) for c in group]


def _apposed_person(
    sentence: str, subject: _Candidate, cue: stances.Cue, before: list[_Candidate]
) -> _Candidate | None:
    """ "Peter Mandelson, former Labour minister and now a European Commissioner, warned …":
    the person the phrase between commas describes, not the party named inside it."""
    return next(
        (
            c
            for c in before
            if c.actor.kind == "person"
            and not c.possessive
            and c.end <= subject.start
            and _APPOSITION_BEFORE_CUE.fullmatch(sentence, c.end, cue.start)
        ),
        None,
    )


def _person_heading(
    sentence: str, body: _Candidate, cue: stances.Cue, before: list[_Candidate]
) -> _Candidate | None:
    """ "Sir Digby Jones, CBI director general, warned …": the person the body's role follows."""
    if body.actor.kind != "organisation" or not _ROLE_AFTER_BODY.match(
        sentence[body.end : cue.start]
    ):
        return None
    return next(
        (
            c
            for c in before
            if c.actor.kind == "person" and _COMMA.fullmatch(sentence, c.end, body.start)
        ),
        None,
    )


def _passive_agent(
    sentence: str, cue: stances.Cue, candidates: list[_Candidate]
) -> _Candidate | None:
    for candidate in candidates:
        if candidate.start > cue.end and _PASSIVE_AGENT.match(sentence[cue.end : candidate.start]):
            return candidate
    return None


def _coordinated(sentence: str, subject: _Candidate, before: list[_Candidate]) -> list[_Candidate]:
    """ "France and the UK reached …": every actor in the list shares the position.

    Walking left from the subject, the first link must be "and"/"or"; further ones commas.
    """
    if subject.pronoun is not None:
        return []
    group: list[_Candidate] = []
    current = subject
    # A possessive pronoun is part of a link ("and his counterpart"), never a member.
    members = [c for c in before if c.end <= subject.start and not (c.pronoun and c.possessive)]
    for candidate in reversed(members):
        link = sentence[candidate.end : current.start]
        if (_LINK_AND if not group else _LINK_COMMA).match(link) or (
            group and _LINK_AND.match(link)
        ):
            group.append(candidate)
            current = candidate
        else:
            break
    return group


def _appositive(
    sentence: str, subject: _Candidate, cue: stances.Cue, candidates: list[_Candidate]
) -> list[_Candidate]:
    """ "David Frost, director general of the British Chambers of Commerce, warned …"."""
    return [
        c
        for c in candidates
        if subject.end < c.start
        and c.end <= cue.start
        and c.actor.kind == "organisation"
        and _APPOSITIVE.match(sentence[subject.end : c.start])
        and sentence[c.end : cue.start].lstrip().startswith(",")
    ]


def _reporter(
    sentence: str,
    subject: _Candidate,
    candidates: list[_Candidate],
    quote: tuple[int, int] | None,
    speaker: ActorRef | None,
) -> ActorRef | None:
    if quote is not None and speaker is not None and subject.pronoun not in _FIRST_PERSON:
        return speaker if speaker != subject.actor else None
    according = _ACCORDING_TO.search(sentence)
    if according:
        for candidate in candidates:
            if candidate.start >= according.end() and candidate.actor != subject.actor:
                return candidate.actor
    for candidate in reversed([c for c in candidates if c.end <= subject.start]):
        between = sentence[candidate.end : subject.start]
        if _CLAUSE_BREAK.search(between) or candidate.actor == subject.actor:
            return None  # "Menatep says it will …": the subject reports its own position
        if candidate.actor != subject.actor and stances.REPORTING.search(between):
            return candidate.actor
    trailing = next((c for c in candidates if c.start > subject.end and c.actor == speaker), None)
    if trailing is not None and speaker != subject.actor:
        return speaker  # "Russia had agreed, Mr Peskov told the BBC"
    return None


def _stance(sentence: str, cue: stances.Cue) -> str:
    if _INSIST.fullmatch(sentence[cue.start : cue.end]) and _STATED_FACT.match(sentence[cue.end :]):
        return "refuse"  # "insisted Mr McConnell was speaking about adults" rebuts, demands nothing
    if cue.stance in {"commit", "open", "demand"} and _NEGATION_BEFORE_CUE.search(
        sentence[: cue.start]
    ):
        return "refuse"  # "doesn't want to", "did not agree to"
    if cue.stance == "commit" and stances.CONDITION.search(sentence[cue.end :]):
        return "conditional"
    clause_start = max(sentence.rfind(mark, 0, cue.start) for mark in '"“;:') + 1
    if cue.stance == "commit" and stances.CONDITION.search(sentence, clause_start, cue.start):
        return "conditional"  # "If they default, we will fight them"
    return cue.stance


def _hedged(sentence: str, cue: stances.Cue) -> bool:
    return any(
        not (match.start() < cue.end and cue.start < match.end())
        for match in stances.HEDGE.finditer(sentence)
    )
