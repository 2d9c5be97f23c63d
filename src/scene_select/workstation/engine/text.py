"""Sentences and words, Chinese and English, and BM25 relevance between them.

Clip "documents" are noisy: OCR drops spaces between English words ("Aredfoxjumps…") and misreads
single characters; file names use underscores; sidecar subtitles are clean. The tokeniser is built to
survive that:

* Chinese: jieba words **and** character bigrams (bigrams match even where jieba segments the OCR text
  differently from the script, and tolerate one wrong character in three);
* English and other Latin text: lower-cased words with light suffix stripping ("jumps" → "jump",
  "racing" → "rac"), **and** letter trigrams inside each word at a lower weight, so a squashed OCR line
  still shares most trigrams with the spaced script;
* digits are kept as words.

BM25 (k1=1.2, b=0.75) scores a query against each document with per-token weights.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

#: Sentence-ending punctuation, Chinese and Western. A newline also ends a sentence.
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…])|(?<=[.](?=\s|$))|\n+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PAUSE_MARKS = re.compile(r"[，,、：:；;—–]")
_STOP_MARKS = re.compile(r"[。！？!?…]|[.](?=\s|$)")

ENGLISH_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "they",
        "them",
        "their",
        "there",
        "here",
        "we",
        "you",
        "he",
        "she",
        "his",
        "her",
        "our",
        "your",
        "my",
        "me",
        "i",
        "not",
        "no",
        "so",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "into",
        "onto",
        "over",
        "under",
        "up",
        "down",
        "out",
        "about",
        "than",
        "too",
        "very",
        "just",
        "also",
        "all",
        "any",
        "some",
        "each",
        "such",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
    ]
)
CHINESE_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "也",
        "就",
        "都",
        "而",
        "又",
        "被",
        "把",
        "让",
        "给",
        "一个",
        "这",
        "那",
        "这个",
        "那个",
        "我们",
        "你们",
        "他们",
        "它们",
        "着",
        "吧",
        "呢",
        "啊",
        "吗",
        "之",
        "其",
        "中",
    ]
)

#: Weighted tokens of a text: token ("w:商场", "b:商场", "e:fox", "t:fox") -> weight.
Tokens = dict[str, float]

BIGRAM_WEIGHT = 0.7
TRIGRAM_WEIGHT = 0.25


def split_sentences(script: str) -> list[str]:
    """Split a voiceover script at sentence ends (。！？!?；; … and '.' before a space), keep non-empty parts.

    A part without any letter, digit or Han character (stray punctuation) is merged into its neighbour.
    """
    parts = [p.strip() for p in _SENTENCE_END.split(script) if p and p.strip()]
    sentences: list[str] = []
    for part in parts:
        if not re.search(r"[\w\u3400-\u9fff]", part) and sentences:
            sentences[-1] += part
        else:
            sentences.append(part)
    return sentences


def stem(word: str) -> str:
    """Light English suffix stripping: enough to match "jumps/jumped/jumping" without a dictionary."""
    if word.endswith(("ches", "shes", "sses", "xes", "zes")) and len(word) >= 5:
        return word[:-2]
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + keep
    return word


def _jieba_words(text: str) -> list[str]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.lcut(text, HMM=False) if w.strip()]


def tokenize(text: str) -> Tokens:
    """Weighted tokens of ``text`` (see the module docstring for the scheme)."""
    weights: Tokens = defaultdict(float)
    lowered = text.lower()
    for run in _HAN_RUN.findall(lowered):
        for word in _jieba_words(run):
            if word not in CHINESE_STOPWORDS and (len(word) > 1 or _HAN.match(word)):
                weights["w:" + word] += 1.0
        for a, b in itertools.pairwise(run):
            weights["b:" + a + b] += BIGRAM_WEIGHT
    for raw_word in _LATIN_WORD.findall(_HAN_RUN.sub(" ", lowered)):
        word = raw_word.replace("'", "")
        if word in ENGLISH_STOPWORDS or len(word) < 2:
            continue
        stemmed = stem(word)
        weights["e:" + stemmed] += 1.0
        for i in range(len(stemmed) - 2):
            weights["t:" + stemmed[i : i + 3]] += TRIGRAM_WEIGHT
    return weights


def readable(token: str) -> str:
    """A token without its kind prefix, for explanations."""
    return token.split(":", 1)[1]


@dataclass(frozen=True)
class Match:
    score: float
    terms: tuple[str, ...]


class Bm25Index:
    """BM25 over a fixed list of documents given as weighted token counters."""

    def __init__(self, documents: Sequence[Tokens], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.documents = list(documents)
        self.k1, self.b = k1, b
        self.lengths = [sum(d.values()) for d in self.documents]
        # Over the documents that have text: windows without any (most of an uncaptioned library) would
        # otherwise shrink the average and make every captioned window look overlong.
        filled = [length for length in self.lengths if length > 0]
        self.average_length = (sum(filled) / len(filled)) if filled else 0.0
        frequency: dict[str, int] = defaultdict(int)
        for document in self.documents:
            for token in document:
                frequency[token] += 1
        count = len(self.documents)
        self.idf = {token: math.log(1.0 + (count - df + 0.5) / (df + 0.5)) for token, df in frequency.items()}
        average = max(self.average_length, 1e-9)
        self.norms = [self.k1 * (1 - self.b + self.b * length / average) for length in self.lengths]

    def score(self, query: Tokens, index: int) -> Match:
        document = self.documents[index]
        if not document:
            return Match(0.0, ())
        norm = self.norms[index]
        total = 0.0
        terms: list[tuple[float, str]] = []
        for token, query_weight in query.items():
            tf = document.get(token, 0.0)
            if tf <= 0:
                continue
            gain = self.idf.get(token, 0.0) * tf * (self.k1 + 1) / (tf + norm) * query_weight
            total += gain
            if not token.startswith("t:"):
                terms.append((gain, token))
        terms.sort(key=lambda item: (-item[0], item[1]))
        words = [readable(token) for _, token in terms if not token.startswith("b:")]
        bigrams = [readable(token) for _, token in terms if token.startswith("b:")]
        # Whole words explain a match best; bigrams only when no word matched (e.g. OCR split a word).
        shown = words or bigrams
        return Match(total, tuple(dict.fromkeys(shown))[:8])

    def max_score(self, query: Tokens) -> float:
        """The score a document made of exactly the query would get (used to normalise to 0..1)."""
        total = 0.0
        for token, weight in query.items():
            idf = self.idf.get(token)
            if idf is None:
                idf = math.log(1.0 + (len(self.documents) + 0.5) / 0.5)
            total += idf * weight
        return total


def letters(text: str) -> int:
    """How much there is to read in ``text``: its Han characters, Latin letters and digits."""
    return len(_HAN.findall(text)) + sum(len(word) for word in _LATIN_WORD.findall(text.lower()))


def shared_letters(query: Tokens, document: Tokens) -> int:
    """How much of ``document`` its match with ``query`` covers, in letters: the shared whole words (or, for
    Chinese that segmentation split differently, the shared character bigrams, each one character more)."""
    words = sum(len(readable(t)) for t in document if t.startswith(("w:", "e:")) and t in query)
    bigrams = sum(1 for t in document if t.startswith("b:") and t in query)
    return max(words, bigrams + 1 if bigrams else 0)


def count_pauses(sentence: str) -> tuple[int, int]:
    """(commas and similar short pauses, full stops) in a sentence."""
    return len(_PAUSE_MARKS.findall(sentence)), len(_STOP_MARKS.findall(sentence))


def count_units(sentence: str) -> tuple[int, int]:
    """(Han characters, Latin words incl. numbers) — what a reader voices."""
    han = len(_HAN.findall(sentence))
    latin = len(_LATIN_WORD.findall(_HAN_RUN.sub(" ", sentence.lower())))
    return han, latin
