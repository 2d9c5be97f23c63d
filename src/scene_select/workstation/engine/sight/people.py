"""Which people a sentence names: women, men, children, old people (``face_traits.TRAITS``).

Why: a face says someone is there; dlib's networks (:mod:`...face_traits`) also say whether a woman, a man, a
child or an old person shows, and a sentence that says "a woman in a striped headscarf" or 一位中年男子
should be witnessed by her face, not by his. This module reads the sentence side.

Only the words that already name people count (:meth:`Lexicon.people`: nouns whose most frequent sense is a
person, and the personal pronouns), each read by the first rule that knows it:

* English: a closed list of gendered nouns and pronouns (woman, mother, actress, she; man, king, monk, he),
  compounds in -woman and -man (a policewoman, fishermen), then WordNet: a person noun under *female
  person*, *male person*, *child* or *old person* (a widow, a schoolboy, a toddler, an old man). "They",
  "people", "friends" name no one in particular.
* English modifiers right before a person word: old, elderly, grey-haired (an old couple: old people),
  little (a little girl: a child as well as a girl).
* Chinese: the characters that carry gender in person words (女 妇 妈 姐 婆…; 男 爸 哥 爷…), those of
  children (孩 童 婴 娃, but 男孩 and 女孩 say only boy and girl) and the words for old people (老人 老太太
  爷爷 奶奶…); a word these do not settle goes through its CC-CEDICT glosses and the English rules, all
  alternatives agreeing (老人: "old man or woman" is old, neither man nor woman). 他们 names no one in
  particular: Chinese says it of men and women together. An age word anywhere (白发, 年迈) makes the
  people it describes old.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

__all__ = ["named_traits", "names_close_up", "word_traits"]

WOMEN = frozenset(
    [
        "woman",
        "women",
        "girl",
        "girls",
        "lady",
        "ladies",
        "female",
        "females",
        "mother",
        "mothers",
        "mom",
        "moms",
        "mum",
        "mums",
        "grandmother",
        "grandmothers",
        "grandma",
        "granny",
        "daughter",
        "daughters",
        "sister",
        "sisters",
        "wife",
        "wives",
        "bride",
        "brides",
        "widow",
        "widows",
        "queen",
        "queens",
        "princess",
        "actress",
        "actresses",
        "waitress",
        "waitresses",
        "nun",
        "nuns",
        "aunt",
        "aunts",
        "niece",
        "nieces",
        "girlfriend",
        "girlfriends",
        "housewife",
        "housewives",
        "maid",
        "maids",
        "ballerina",
        "ballerinas",
        "heroine",
        "schoolgirl",
        "schoolgirls",
        "she",
        "her",
        "hers",
        "herself",
    ]
)
MEN = frozenset(
    [
        "man",
        "men",
        "boy",
        "boys",
        "gentleman",
        "gentlemen",
        "male",
        "males",
        "father",
        "fathers",
        "dad",
        "dads",
        "grandfather",
        "grandfathers",
        "grandpa",
        "son",
        "sons",
        "brother",
        "brothers",
        "husband",
        "husbands",
        "groom",
        "grooms",
        "bridegroom",
        "widower",
        "king",
        "kings",
        "prince",
        "princes",
        "monk",
        "monks",
        "uncle",
        "uncles",
        "nephew",
        "nephews",
        "boyfriend",
        "boyfriends",
        "guy",
        "guys",
        "lad",
        "lads",
        "schoolboy",
        "schoolboys",
        "he",
        "him",
        "his",
        "himself",
    ]
)
CHILDREN = frozenset(["child", "children", "kid", "kids", "baby", "babies", "infant", "infants", "toddler", "toddlers"])
ELDERS = frozenset(
    [
        "elderly",
        "grandmother",
        "grandmothers",
        "grandfather",
        "grandfathers",
        "grandma",
        "grandpa",
        "granny",
        "grandparent",
        "grandparents",
        "pensioner",
        "pensioners",
        "retiree",
        "retirees",
    ]
)
#: Person words in -man that say nothing of a man.
_NOT_MEN = frozenset(
    ["human", "humans", "superhuman", "shaman", "shamans", "german", "germans", "roman", "romans", "ottoman"]
)
#: An English modifier right before a person word (at most one word between): old people, or children.
_OLD_BEFORE = re.compile(
    r"\b(?:old|elderly|aged|ageing|aging|(?:grey|gray|white|silver)[- ]haired)\s+([a-z]+)(?:\s+([a-z]+))?"
)
_LITTLE_BEFORE = re.compile(r"\b(?:little|baby)\s+([a-z]+)(?:\s+([a-z]+))?")

_WOMEN_CHARACTERS = frozenset("女妇母妈娘姐妹婆奶姑嫂姨她")
_MEN_CHARACTERS = frozenset("男父爸爷哥弟叔伯")
_CHILD_CHARACTERS = frozenset("孩童婴娃")
#: 男孩 and 女孩 are a boy and a girl, who may be teenagers: they say a child only with 小 (小女孩).
_BOY_OR_GIRL = ("男孩", "女孩")
_OLD_WORDS = (
    "老人",
    "老太",
    "老奶",
    "老爷",
    "老头",
    "老大爷",
    "老大娘",
    "老妇",
    "老汉",
    "老翁",
    "老者",
    "老年",
    "长者",
)
_OLD_KIN = frozenset({"爷爷", "奶奶", "外婆", "外公", "姥姥", "姥爷", "祖母", "祖父"})
#: Age words anywhere in a Chinese sentence about people: white hair, advanced years.
_OLD_ANYWHERE = ("白发", "年迈", "年老", "苍老", "上了年纪", "银发", "花白")


#: A sentence that says its shot is a close-up (of the people it names): "close-up", "closeup", "a close up
#: of", "headshot", 特写 (大特写, 面部特写), 大头照. "They close up the shop" is no shot.
_CLOSE_UP = re.compile(r"close-?ups?\b|\bclose ups? (?:of|on|shot)\b|\bheadshots?\b|特写|大头照", re.IGNORECASE)


def names_close_up(sentence: str) -> bool:
    """Whether the sentence says its shot is a close-up."""
    return bool(_CLOSE_UP.search(sentence))


def word_traits(
    word: str, wordnet: Callable[[str], frozenset[str]] | None = None, glosses: Callable[[str], list[str]] | None = None
) -> frozenset[str]:
    """Which people one person word names (empty: no one in particular). ``wordnet`` reads an English noun
    through WordNet (:meth:`Backoff.traits`), ``glosses`` gives a Chinese word's CC-CEDICT glosses."""
    if word.isascii():
        return _english(word, wordnet)
    if word in ("他们", "它们"):
        return frozenset()
    found: set[str] = set()
    if word == "他":
        found.add("men")
    if _WOMEN_CHARACTERS & set(word):
        found.add("women")
    if _MEN_CHARACTERS & set(word):
        found.add("men")
    child = _CHILD_CHARACTERS & set(word) and not (word.endswith(_BOY_OR_GIRL) or word.endswith(("男孩子", "女孩子")))
    if child or (word.startswith("小") and word[1:].startswith(_BOY_OR_GIRL)) or word in ("小朋友", "宝宝"):
        found.add("children")
    if any(old in word for old in _OLD_WORDS) or word in _OLD_KIN:
        found.add("elders")
    if found or glosses is None:
        return frozenset(found)
    # Its first gloss only: 年轻人 is "young people" first and a "youngster" (a child, to WordNet) second.
    # Every alternative must agree: "old man or woman" says old, neither man nor woman.
    first = next(iter(glosses(word)), "")
    readings = [_phrase(alternative, wordnet) for alternative in re.split(r",| or ", first) if alternative.strip()]
    return frozenset.intersection(*readings) if readings else frozenset()


def named_traits(
    sentence: str,
    person_words: Sequence[str],
    wordnet: Callable[[str], frozenset[str]] | None = None,
    glosses: Callable[[str], list[str]] | None = None,
) -> tuple[str, ...]:
    """Which people a sentence names, among ``women``, ``men``, ``children`` and ``elders`` (in that order),
    from the person words :meth:`Lexicon.people` found in it."""
    found: set[str] = set()
    for word in person_words:
        found |= word_traits(word, wordnet, glosses)
    if person_words:
        lower = sentence.lower()
        people = {word.lower() for word in person_words}
        if any(people & set(match.groups()) for match in _OLD_BEFORE.finditer(lower)):
            found.add("elders")
        if any(people & set(match.groups()) for match in _LITTLE_BEFORE.finditer(lower)):
            found.add("children")
        if any(old in sentence for old in _OLD_ANYWHERE):
            found.add("elders")
    return tuple(trait for trait in ("women", "men", "children", "elders") if trait in found)


def _english(word: str, wordnet: Callable[[str], frozenset[str]] | None) -> frozenset[str]:
    found: set[str] = set()
    if word in WOMEN or word.endswith(("woman", "women")):
        found.add("women")
    elif word in MEN or (word.endswith(("man", "men")) and word not in _NOT_MEN):
        found.add("men")
    if word in CHILDREN:
        found.add("children")
    if word in ELDERS:
        found.add("elders")
    if wordnet is not None and word.isalpha():
        found |= wordnet(word)
    return frozenset(found)


def _phrase(phrase: str, wordnet: Callable[[str], frozenset[str]] | None) -> frozenset[str]:
    """The people an English gloss names: its head noun (the last word before a preposition), and "old"
    before it; WordNet reads the whole phrase too ("old woman")."""
    core = re.split(r" (?:on|of|in|at|for|with|from|by|to)\b", phrase.strip().lower())[0]
    words = re.findall(r"[a-z]+", core)
    if not words:
        return frozenset()
    found = set(_english(words[-1], wordnet))
    if wordnet is not None and len(words) > 1:
        found |= wordnet(" ".join(words))
    if "old" in words[:-1] or "elderly" in words:
        found.add("elders")
    return frozenset(found)
