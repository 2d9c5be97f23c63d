"""Smart mix: give every voiceover sentence clips that are about it and cover its duration.

Steps, per output:

1. **Relevance** of each sentence to each candidate window (windows.py): BM25 of the sentence against
   the window's own text (OCR, subtitles) plus, at a lower weight, against its media's name, folder and
   tags; a small visual prior from words that name colours, light, people or movement; what sight sees
   in the window (:mod:`.sight`), weighted by how little the sentence's words are found as text anywhere
   (see :class:`RelevanceModel`); optionally an image-text (CLIP-style) similarity. Black windows are
   penalised (dropped with EnableClipDetection).
2. **Primary window per sentence**, one-to-one: the Hungarian algorithm (scipy's
   ``linear_sum_assignment``) on the relevance matrix, or — when ProcessConfig.EnableTemporalOpt asks
   for story order — a monotonic dynamic programme that keeps windows in source order.
3. **Covering the duration**: a clip is cut from the primary window, starting at its start (a cut or a
   pause) or just before the matched text appears. If the window is shorter than the sentence, the
   clip continues into the following free footage when the shortfall is small, else the next most
   relevant free window is added. No footage is used twice within an output; SingleShotDuration caps
   each clip.
4. **Distinct outputs**: windows used as primaries by earlier outputs are penalised, and an output
   identical to an earlier one is changed at the sentence where switching costs least.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scene_select.workstation.engine.text import Bm25Index, Match, Tokens, letters, shared_letters, tokenize
from scene_select.workstation.engine.windows import Window

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from scene_select.workstation.engine.sight.model import SightScores

NAME_WEIGHT = 0.6
SIGHT_WEIGHT = 0.8  # sight's say for a sentence no text names; it shrinks as text names the sentence …
SIGHT_FLOOR = 0.02  # … down to a tie-breaker where some clip's own text or name names it (see ``named``)
MIN_VISUALNESS = 0.2  # a sentence naming nothing sight knows (max label affinity below this) gets no sight term
PRIOR_WEIGHT = 0.12  # the visual prior's weight where no text names the sentence …
PRIOR_FLOOR = 0.25  # … and the share of it that stays where some clip's text or name names it (``named``)
IMAGE_TEXT_WEIGHT = 0.5
BLACK_PENALTY = 0.3
REUSE_PENALTY = 0.35
SHORT_PENALTY = 0.1
CONTINUITY_BONUS = 0.15  # preference for the footage right after the previous clip
MIN_PIECE = 0.5  # seconds: the shortest filler clip
CONTINUE_LIMIT = 1.5  # seconds of shortfall covered by simply running on past the window's end

#: A window's text (or a media's name) is *about* a sentence when what they share makes up at least this share
#: of all there is to read in it: a caption, a title, a subtitle line, a file name. A page of text, a slide or
#: a shop front that holds a word or two of the sentence among hundreds of letters names it in proportion.
FOCUS_FULL = 0.15
#: Words that hint at what a picture looks like → the window signal that should be high (or low). The colour
#: and light words name a look measured on every thumbnail (signals.scene_looks, analysis.LOOKS): a colour
#: ("green", 绿), the things that are that colour in a landscape (grass, forest, sea, snow), the light of a
#: time of day (sunset, dusk, 夕阳, 黄昏: warm; night: dark) or of the weather (fog, mist, 雾: grey), and
#: the sky itself (sky, cloud, 天空, 云). Water is not a colour (a drop, a stream, a splash are clear or
#: white); seas and lakes are, by the sky they reflect. Plant cover that is green (grass, meadow, forest)
#: counts, a part of a plant does not (a tree may be bare, a leaf or a trunk brown), nor "wood" (wooden).
#: Each concept is listed in English and Chinese; an English word also matches its plural and its common
#: adjective or suffix forms (cloud → clouds, cloudy; gold → golden).
VISUAL_HINTS: dict[str, tuple[str, float]] = {
    **{w: ("hue_red", 1.0) for w in ("red", "红", "火", "fire", "血")},
    **{w: ("hue_yellow", 1.0) for w in ("yellow", "黄", "沙漠", "desert")},
    **{
        w: ("look_warm", 1.0)
        for w in (
            *("orange", "gold", "amber", "sunset", "sunrise", "dusk", "dawn", "twilight", "autumn"),
            *("橙", "金", "夕阳", "日落", "落日", "晚霞", "朝霞", "黄昏", "日出", "暮色", "秋"),
        )
    },
    **{
        w: ("look_green", 1.0)
        for w in (
            *("green", "grass", "meadow", "lawn", "pasture", "forest", "woods", "woodland", "jungle", "foliage"),
            *("绿", "草", "森林", "林"),
        )
    },
    **{w: ("look_blue", 1.0) for w in ("blue", "sea", "ocean", "lake", "蓝", "海", "湖")},
    **{w: ("look_sky", 1.0) for w in ("sky", "skies", "cloud", "天空", "蓝天", "晴空", "云")},
    **{
        w: ("look_grey", 1.0)
        for w in ("fog", "mist", "haze", "overcast", "grey", "gray", "雾", "霧", "霾", "阴天", "灰")
    },
    **{w: ("look_white", 1.0) for w in ("snow", "white", "ice", "frost", "雪", "白", "冰", "霜")},
    **{w: ("look_purple", 1.0) for w in ("purple", "violet", "lavender", "pink", "magenta", "紫", "粉")},
    **{
        w: ("dark", 1.0)
        for w in ("night", "dark", "black", "silhouette", "shadow", "夜", "夜晚", "黑", "黑暗", "晚上", "剪影", "暗")
    },
    **{w: ("bright", 1.0) for w in ("bright", "sunny", "sunshine", "阳光", "明亮", "白天")},
    **{
        w: ("faces", 1.0) for w in ("people", "person", "man", "woman", "face", "interview", "人", "人们", "采访", "脸")
    },
    **{
        w: ("motion", 1.0)
        for w in ("run", "race", "dance", "fast", "speed", "action", "跑", "赛", "舞", "运动", "速度")
    },
    **{w: ("calm", 1.0) for w in ("calm", "still", "quiet", "static", "安静", "平静", "宁静")},
}
#: Words that say the picture itself has no colour — a black-and-white photograph, footage shot in black and
#: white, monochrome, 黑白照片 — not that its subject is black and white (a black and white rabbit, 黑白相间的
#: 兔子, whose colours the dark and white looks read). Their look is ``mono``: the window's mean chroma near 0.
MONO_WORDS = re.compile(
    r"black[- ]and[- ]white (?:photo|photograph|picture|image|shot|footage|film|movie|video|frame)s?"
    r"|in black[- ]and[- ]white|monochrome|gr[ae]yscale"
    r"|黑白(?:照片|相片|照|画面|影像|电影|片|镜头|图片|图像|视频)|单色"
)
#: Mean chroma (0..1) at or below which a window counts as colourless in full, and above which not at all
#: (a greyscale picture decodes to ~0; the most washed-out colour photographs measure ~0.07).
MONO_FULL, MONO_NONE = 0.015, 0.05
#: The share of a picture's pixels at which a look counts in full; the sky look (a share of the top third)
#: counts beyond the 0.3 that a bright or blue top has without an open sky, in full from 0.65.
LOOK_FULL = 0.4
SKY_BASE, SKY_FULL = 0.3, 0.35
#: Where no looks were measured (an analysis without them), the nearest hue share stands in.
LOOK_FALLBACK = {"look_green": "hue_green", "look_blue": "hue_blue", "look_sky": "hue_blue", "look_warm": "hue_red"}
#: English endings that keep a hint word's meaning (clouds, cloudy, golden, misty, darkness, reddish).
_ENDINGS = ("", "s", "es", "y", "ey", "gy", "ly", "en", "ish", "ness", "ed")


@dataclass(frozen=True)
class Sentence:
    text: str
    text_id: str
    duration: float
    duration_source: str


@dataclass
class Evidence:
    """Why a window suits a sentence: its parts, for the score and the explanation."""

    total: float
    text: float
    name: float
    prior: float
    image_text: float
    terms: tuple[str, ...]
    sight: float = 0.0  # sight's relevance scaled by its confidence (0.5..1 ×), before the sentence's weight
    sight_weight: float = 0.0  # the sentence's sight weight (0 when sight is off or the sentence names nothing seen)
    sight_confidence: float = 0.0
    sees: tuple[tuple[str, float], ...] = ()  # filled for chosen clips: the labels seen, with probabilities


@dataclass
class ClipChoice:
    window: Window
    start: float
    end: float
    role: str  # "primary" (the sentence's best window) | "filler" (extra footage to cover its duration)
    evidence: Evidence

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class SentencePlan:
    sentence: Sentence
    clips: list[ClipChoice] = field(default_factory=list)


ImageTextSimilarity = Callable[[int, int], float]  # (sentence index, window index) -> cosine


class RelevanceModel:
    """Relevance of sentences to windows (step 1 of the module docstring).

    The fusion rule for sight: ``named_i`` is how clearly some window's own text (OCR, subtitles) or its
    media's name and tags name sentence ``i``: 1 when they share a whole word with it (a jieba word, an
    English stem) or two character bigrams, ½ for one bigram, else 0 (:meth:`named`). Sight's weight for
    the sentence is ``SIGHT_WEIGHT·(1 − named_i)``, at least ``SIGHT_FLOOR``: where a clip's own text,
    subtitles or name name the sentence, text wins and sight only breaks ties; where nothing is written,
    sight decides. Its term for
    a window is ``relevance·(0.5 + 0.5·confidence)`` (where sight is unsure it counts half), plus half of
    how surely a face shows for a sentence about people (:meth:`SightScores.term`). A sentence
    that names nothing sight knows (visualness below ``MIN_VISUALNESS``) gets no sight term at all.
    The visual prior (colour, light, sky, fog, faces, motion words) keeps its weight beside sight: it
    measures what ImageNet labels cannot say (an open sky, the warm light of a sunset, fog, a meadow's
    green), so it is the witness that tells apart the scenery sight sees as one and the same valley. Like
    sight, it gives way to text: its weight is ``PRIOR_WEIGHT·(1 − named_i)``, at least a quarter of it.
    """

    def __init__(
        self,
        sentences: Sequence[Sentence],
        windows: Sequence[Window],
        *,
        image_text: ImageTextSimilarity | None = None,
        sight: SightScores | None = None,
        drop_black: bool = False,
    ) -> None:
        self.sentences = list(sentences)
        self.windows = list(windows)
        self.queries = [tokenize(s.text) for s in self.sentences]
        vocabulary = {t for q in self.queries for t in q if t.startswith("e:") and len(t) >= 5}
        self.window_index = Bm25Index([split_run_together(tokenize(w.text), vocabulary) for w in self.windows])
        media = sorted({id(w.media): w.media for w in self.windows}.values(), key=lambda m: m.index)
        self.media_slot = {id(m): k for k, m in enumerate(media)}
        self.media_index = Bm25Index([split_run_together(tokenize(m.name_text()), vocabulary) for m in media])
        # All there is to read in each window's text and each media's name (see ``_focus``).
        self._window_letters = [letters(w.text) for w in self.windows]
        self._media_letters = [letters(m.name_text()) for m in media]
        self.image_text = image_text
        self.drop_black = drop_black
        # Per-sentence parts that do not depend on the window, computed once (n × m pairs add up).
        self._top = [max(self.window_index.max_score(q), 1e-9) for q in self.queries]
        self._name_top = [max(self.media_index.max_score(q), 1e-9) for q in self.queries]
        self._names = [[self.media_index.score(q, k) for k in range(len(media))] for q in self.queries]
        self._hints = [visual_hints(s.text) for s in self.sentences]
        self._named = [self.named(i) for i in range(len(self.sentences))]
        # The look of a picture gives way to text that names the sentence, as sight does (class docstring).
        self._prior_weight = [PRIOR_WEIGHT * max(PRIOR_FLOOR, 1.0 - named) for named in self._named]
        self.sight = sight
        self.evidence: list[list[Evidence]] = [
            [self._evidence(i, j) for j in range(len(self.windows))] for i in range(len(self.sentences))
        ]
        if sight is not None:
            self._add_sight(sight)

    def matrix(self) -> npt.NDArray[np.float64]:
        import numpy as np

        return np.array([[e.total for e in row] for row in self.evidence], dtype=np.float64).reshape(
            len(self.sentences), len(self.windows)
        )

    def _evidence(self, i: int, j: int) -> Evidence:
        window = self.windows[j]
        own: Match = self.window_index.score(self.queries[i], j)
        slot = self.media_slot[id(window.media)]
        name: Match = self._names[i][slot]
        text_score = self._focused(i, own, self._top[i], self.window_index.documents[j], self._window_letters[j])
        name_score = self._focused(
            i, name, self._name_top[i], self.media_index.documents[slot], self._media_letters[slot]
        )
        prior = hinted_prior(self._hints[i], window.signals)
        image_text = self.image_text(i, j) if self.image_text is not None else 0.0
        total = text_score + NAME_WEIGHT * name_score + self._prior_weight[i] * prior + IMAGE_TEXT_WEIGHT * image_text
        if not window.flexible and window.signals.get("brightness", 1.0) < 0.06:
            total -= 10.0 if self.drop_black else BLACK_PENALTY
        terms = tuple(dict.fromkeys(own.terms + name.terms))
        return Evidence(
            total=total,
            text=round(text_score, 4),
            name=round(name_score, 4),
            prior=round(prior, 4),
            image_text=round(image_text, 4),
            terms=terms,
        )

    def _add_sight(self, sight: SightScores) -> None:
        """Add each sentence's weighted sight term to its evidence (the fusion rule of the class docstring)."""
        for i, row in enumerate(self.evidence):
            if float(sight.visualness[i]) < MIN_VISUALNESS:
                continue
            weight = max(SIGHT_FLOOR, SIGHT_WEIGHT * (1.0 - self._named[i]))
            values, confidence = sight.term(i), sight.confidence[i]
            for j, evidence in enumerate(row):
                value = float(values[j])
                evidence.sight = round(value, 4)
                evidence.sight_weight = round(weight, 4)
                evidence.sight_confidence = round(float(confidence[j]), 4)
                evidence.total += weight * value

    def named(self, i: int) -> float:
        """How clearly some window's own text, or some media's name or tags, names sentence ``i``, 0..1: 1 when
        they share a whole word (or two character bigrams), ½ for one bigram, times how much of that text
        the match makes up (:meth:`_focus`).

        Only words that tell windows (or media) apart count: a folder name every media shares, or a
        watermark on every window, names nothing in particular.
        """
        query = self.queries[i]
        words = [t for t in query if t.startswith(("w:", "e:"))]
        bigrams = [t for t in query if t.startswith("b:")]
        best = 0.0
        for index, sizes in ((self.window_index, self._window_letters), (self.media_index, self._media_letters)):
            count = len(index.documents)
            frequency = {t: sum(1 for d in index.documents if t in d) for t in (*words, *bigrams)}
            telling_words = [t for t in words if 0 < frequency[t] < count]
            telling_bigrams = [t for t in bigrams if 0 < frequency[t] < count]
            for k, document in enumerate(index.documents):
                shared = sum(1 for t in telling_bigrams if t in document)
                clearly = 1.0 if any(t in document for t in telling_words) or shared >= 2 else 0.5 * shared
                if clearly:
                    best = max(best, clearly * self._focus(i, document, sizes[k]))
        return best

    def _focused(self, i: int, match: Match, top: float, document: Tokens, total: int) -> float:
        """A text match's score against the best one for sentence ``i`` (``top``), in 0..1, times how much of
        that text (``document``, ``total`` letters) the match makes up (:meth:`_focus`)."""
        if not match.score:
            return 0.0
        return min(1.0, match.score / top) * self._focus(i, document, total)

    def _focus(self, i: int, document: Tokens, total: int) -> float:
        """0..1: how much of a text (its tokens ``document``, ``total`` letters to read) its match with
        sentence ``i`` makes up, in full from ``FOCUS_FULL`` of its letters: a caption naming the sentence is
        about it, a page of text sharing "man" and "talk" with it is not (and would otherwise silence sight
        for that sentence)."""
        if total <= 0:
            return 1.0  # no readable text to weigh it against (the match itself then scores 0)
        return min(1.0, shared_letters(self.queries[i], document) / (FOCUS_FULL * total))

    def explained(self, i: int, j: int) -> Evidence:
        """The evidence of sentence ``i`` for window ``j``, with what sight saw there filled in."""
        evidence = self.evidence[i][j]
        if self.sight is not None and evidence.sight_weight > 0 and not evidence.sees:
            evidence.sees = self.sight.sees(i, j)
        return evidence

    def evidence_time(self, i: int, j: int) -> float | None:
        """When the first OCR line carrying a matched term shows up inside window ``j`` (None: unknown)."""
        terms = self.evidence[i][j].terms
        window = self.windows[j]
        if not terms or window.flexible:
            return None
        for line in window.media.ocr_between(window.start, window.end):
            if any(term in line.text.lower() for term in terms):
                return line.t
        return None


def split_run_together(document: Tokens, vocabulary: set[str]) -> Tokens:
    """Recover script words from run-together OCR text ("aredfoxjumps" contains "fox" and "jump").

    OCR often drops the spaces between English words; a long letter run that contains a word of the
    script (3+ letters) counts as containing that word once.
    """
    runs = [token[2:] for token in document if token.startswith("e:") and len(token) > 12]
    if not runs:
        return document
    for word in sorted(vocabulary):
        if word not in document and any(word[2:] in run for run in runs):
            document[word] = document.get(word, 0.0) + 1.0
    return document


def visual_hints(sentence: str) -> list[str]:
    """The looks a sentence names ("hue_blue", "dark", "mono", "faces", "motion" …), sorted. A phrase that
    says the picture has no colour counts as that alone: the "black" and "white" in it name no look."""
    lowered = sentence.lower()
    mono = {"mono"} if MONO_WORDS.search(lowered) else set()
    lowered = MONO_WORDS.sub(" ", lowered)
    return sorted(mono | {target for word, (target, _) in VISUAL_HINTS.items() if _mentions(lowered, word)})


def visual_prior(sentence: str, signals: dict[str, float]) -> float:
    """0..1: how well a window's look fits words in the sentence that describe looks (0 if none do)."""
    return hinted_prior(visual_hints(sentence), signals)


def hinted_prior(hints: list[str], signals: dict[str, float]) -> float:
    """0..1: how well ``signals`` fit the looks in ``hints`` (0 when there are none)."""
    if not hints:
        return 0.0
    values: list[float] = []
    for hint in hints:
        if hint.startswith("look_") and hint in signals:
            share = signals[hint]
            full = LOOK_FULL
            if hint == "look_sky":
                share, full = max(0.0, share - SKY_BASE), SKY_FULL
            values.append(min(1.0, share / full))
        elif hint.startswith(("hue_", "look_")):
            hue = LOOK_FALLBACK.get(hint, hint)
            values.append(min(1.0, 2.0 * signals.get(hue, 0.0) * min(1.0, 3 * signals.get("saturation", 0.0))))
        elif hint == "dark":
            dim = max(0.0, 1.0 - signals.get("brightness", 0.5) / 0.35)
            values.append(max(dim, min(1.0, signals.get("look_dark", 0.0) / LOOK_FULL)))
        elif hint == "bright":
            values.append(min(1.0, max(0.0, (signals.get("brightness", 0.0) - 0.45) / 0.4)))
        elif hint == "mono":
            chroma = signals.get("saturation", 1.0)
            values.append(min(1.0, max(0.0, (MONO_NONE - chroma) / (MONO_NONE - MONO_FULL))))
        elif hint == "faces":
            values.append(min(1.0, signals.get("faces", 0.0)))
        elif hint == "motion":
            values.append(min(1.0, signals.get("motion", 0.0) / 20.0))
        elif hint == "calm":
            values.append(max(0.0, 1.0 - signals.get("motion", 0.0) / 5.0))
    return sum(values) / len(values)


def _mentions(text: str, word: str) -> bool:
    if word.isascii():
        tokens = "".join(c if c.isalnum() else " " for c in text).split()
        return any(token.startswith(word) and token[len(word) :] in _ENDINGS for token in tokens)
    return word in text


class Occupancy:
    """Footage already used in one output, per media, as sorted disjoint intervals."""

    def __init__(self) -> None:
        self._used: dict[int, list[tuple[float, float]]] = {}

    def take(self, media_index: int, start: float, end: float) -> None:
        spans = self._used.setdefault(media_index, [])
        spans.append((start, end))
        spans.sort()

    def free_spans(self, media_index: int, start: float, end: float) -> list[tuple[float, float]]:
        spans = [(start, end)]
        for a, b in self._used.get(media_index, []):
            next_spans: list[tuple[float, float]] = []
            for s, e in spans:
                if b <= s or a >= e:
                    next_spans.append((s, e))
                    continue
                if a > s:
                    next_spans.append((s, a))
                if b < e:
                    next_spans.append((b, e))
            spans = next_spans
        return [(s, e) for s, e in spans if e - s > 0.05]

    def is_free(self, media_index: int, start: float, end: float) -> bool:
        return self.free_spans(media_index, start, end) == [(start, end)]


def assign_primaries(score: npt.NDArray[np.float64], *, temporal: bool) -> list[int | None]:
    """The primary window of each sentence (None when the material runs out), one window per sentence."""
    import numpy as np

    n, m = score.shape
    if n == 0 or m == 0:
        return [None] * n
    if not temporal:
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(-score)
        chosen: list[int | None] = [None] * n
        for r, c in zip(rows, cols, strict=True):
            chosen[int(r)] = int(c)
        return chosen
    skip = -1.0  # leaving a sentence without a primary costs more than any poor match
    dp = np.full((n + 1, m + 1), -np.inf)
    dp[0, :] = 0.0
    for i in range(1, n + 1):
        assign = np.full(m + 1, -np.inf)
        assign[1:] = dp[i - 1, :-1] + score[i - 1]
        candidate = np.maximum(assign, dp[i - 1] + skip)
        dp[i] = np.maximum.accumulate(candidate)
    result: list[int | None] = [None] * n
    i, j = n, m
    while i > 0:
        if j > 0 and dp[i, j] == dp[i, j - 1]:
            j -= 1
        elif j > 0 and dp[i, j] == dp[i - 1, j - 1] + score[i - 1, j - 1]:
            result[i - 1] = j - 1
            i, j = i - 1, j - 1
        else:
            i -= 1
    return result


def plan_output(
    model: RelevanceModel,
    score: npt.NDArray[np.float64],
    *,
    temporal: bool,
    single_shot: float | None,
) -> list[SentencePlan]:
    """Steps 2 and 3 of the module docstring for one output (``score`` already carries penalties)."""
    return _OutputBuilder(model, score, temporal=temporal, single_shot=single_shot).build()


class _OutputBuilder:
    """Builds one output: primaries first (reserved), then each sentence's clips in script order."""

    def __init__(
        self, model: RelevanceModel, score: npt.NDArray[np.float64], *, temporal: bool, single_shot: float | None
    ) -> None:
        self.model = model
        self.windows = model.windows
        self.order = sorted(range(len(self.windows)), key=lambda j: self.windows[j].order_key)
        self.rank_of = {j: r for r, j in enumerate(self.order)}
        self.temporal = temporal
        self.cap = single_shot or math.inf
        ordered = score[:, self.order] if temporal else score
        local = assign_primaries(ordered, temporal=temporal)
        self.primaries = [self.order[p] if (temporal and p is not None) else p for p in local]
        # Primaries of sentences not processed yet: nobody else may take footage from them. Once a
        # sentence's clip is cut, the rest of its window becomes free footage for later sentences.
        self.pending = {j for j in self.primaries if j is not None}
        self.occupancy = Occupancy()
        self.used_stills: set[int] = set()  # images already shown in this output

    def build(self) -> list[SentencePlan]:
        plans = [SentencePlan(sentence) for sentence in self.model.sentences]
        for i, j in enumerate(self.primaries):
            plan = plans[i]
            remaining = plan.sentence.duration
            if j is not None:
                self.pending.discard(j)
                remaining = self._cut_primary(i, j, plan, remaining)
            if remaining > 0.05:
                remaining = self._continue_last(plan, remaining)
            if remaining > 0.05:
                self._add_fillers(i, plan, remaining)
            for clip in plan.clips:
                if clip.window.flexible:
                    self.used_stills.add(clip.window.media.index)
                else:
                    self.occupancy.take(clip.window.media.index, clip.start, clip.end)
        return plans

    def _story_bounds(self, i: int) -> tuple[int, int]:
        """Ranks (in source order) between which sentence ``i``'s extra footage must lie to keep story order."""
        if not self.temporal:
            return -1, len(self.order)
        before = [self.rank_of[j] for j in self.primaries[:i] if j is not None]
        after = [self.rank_of[j] for j in self.primaries[i + 1 :] if j is not None]
        return (before[-1] if before else -1), (after[0] if after else len(self.order))

    def _cut_primary(self, i: int, j: int, plan: SentencePlan, needed: float) -> float:
        window = self.windows[j]
        evidence = self.model.explained(i, j)
        if window.flexible:  # a still image lasts as long as needed (in pieces of at most SingleShotDuration)
            length = min(needed, self.cap)
            plan.clips.append(ClipChoice(window, 0.0, round(length, 3), "primary", evidence))
            return needed - length
        length = min(needed, window.length, self.cap)
        start = window.start
        seen_at = self.model.evidence_time(i, j) if window.length > length else None
        if seen_at is not None:
            # Start just before the matched text appears, but keep the clip inside the window.
            start = min(max(window.start, seen_at - 0.5), window.end - length)
            start = _snap_back(window, start)
        end = start + length
        if needed - length <= 0.05 and window.end - end > 0:
            end = _snap_forward(window, end)
        plan.clips.append(ClipChoice(window, round(start, 3), round(end, 3), "primary", evidence))
        return needed - (end - start)

    def _continue_last(self, plan: SentencePlan, remaining: float) -> float:
        """Cover a small shortfall by letting the last clip run on into free footage right after it."""
        if not plan.clips or remaining > CONTINUE_LIMIT or plan.clips[-1].window.flexible:
            return remaining
        last = plan.clips[-1]
        media = last.window.media
        limit = media.analysis.info.duration
        for range_start, range_end in media.ranges:
            if range_start <= last.end < range_end:
                limit = min(limit, range_end)
        extra = min(remaining, limit - last.end, max(0.0, self.cap - last.duration))
        if extra <= 0.05 or not self._is_free(media.index, last.end, last.end + extra):
            return remaining
        last.end = round(last.end + extra, 3)
        return remaining - extra

    def _is_free(self, media_index: int, start: float, end: float) -> bool:
        """Unused in this output and not inside the window of a sentence still waiting for its clip."""
        for j in self.pending:
            window = self.windows[j]
            if window.media.index == media_index and not window.flexible and window.start < end and window.end > start:
                return False
        return self.occupancy.is_free(media_index, start, end)

    def _add_fillers(self, i: int, plan: SentencePlan, remaining: float) -> float:
        """Add the most relevant free footage until the sentence is covered (within story bounds if asked)."""
        used_in_plan = {id(c.window) for c in plan.clips}
        lower, upper = self._story_bounds(i)
        candidates = [j for rank, j in enumerate(self.order) if lower < rank < upper] or list(self.order)
        last = plan.clips[-1] if plan.clips else None
        for _ in range(64):
            if remaining <= 0.05:
                break
            best = self._best_filler(i, candidates, used_in_plan, last)
            if best is None:
                break
            j, span_start, span_end = best
            window = self.windows[j]
            # A sliver of a clip is worse than slightly more footage than the voiceover needs.
            length = min(max(remaining, MIN_PIECE), span_end - span_start, self.cap)
            start = 0.0 if window.flexible else span_start
            clip = ClipChoice(window, round(start, 3), round(start + length, 3), "filler", self.model.explained(i, j))
            plan.clips.append(clip)
            used_in_plan.add(id(window))
            if window.flexible:
                self.used_stills.add(window.media.index)
            else:
                self.occupancy.take(window.media.index, clip.start, clip.end)
            remaining -= length
            last = clip
        return remaining

    def _best_filler(
        self, i: int, candidates: list[int], used_in_plan: set[int], last: ClipChoice | None
    ) -> tuple[int, float, float] | None:
        """The most relevant usable free span; footage right after the last clip gets a continuity bonus.

        Candidates are visited best first and the search stops as soon as no later one can win, so a
        2-hour source with thousands of windows costs a few span look-ups per filler, not thousands.
        """
        evidence = self.model.evidence[i]
        best: tuple[float, int, float, float] | None = None
        for j in sorted(candidates, key=lambda k: (-evidence[k].total, k)):
            value = evidence[j].total
            if best is not None and value + CONTINUITY_BONUS < best[0]:
                break
            window = self.windows[j]
            if j in self.pending or id(window) in used_in_plan:
                continue
            if window.flexible and window.media.index in self.used_stills:
                continue
            if window.flexible:
                spans = [(0.0, math.inf)]
            else:
                free = self.occupancy.free_spans(window.media.index, window.start, window.end)
                spans = [s for s in free if s[1] - s[0] >= 0.4]
            if not spans:
                continue
            span = max(spans, key=lambda s: (s[1] - s[0], -s[0]))
            if last is not None and window.media is last.window.media and abs(span[0] - last.end) < 0.05:
                value += CONTINUITY_BONUS
            key = (value, -j, span[0], span[1])
            if best is None or key > best:
                best = key
        return None if best is None else (-best[1], best[2], best[3])


def _snap_back(window: Window, start: float) -> float:
    """Move an in-point back to a pause or the window start when one is within a second."""
    if start - window.start <= 1.0:
        return window.start
    pauses = [p for p in window.media.analysis.pauses if window.start < p <= start and start - p <= 1.0]
    return max(pauses) if pauses else start


def _snap_forward(window: Window, end: float) -> float:
    """Move an out-point forward to a pause (≤ 0.6 s later) or the window end (≤ 0.6 s later)."""
    if window.end - end <= 0.6:
        return window.end
    pauses = [p for p in window.media.analysis.pauses if end <= p <= min(window.end, end + 0.6)]
    return min(pauses) if pauses else end


def primary_signature(plans: list[SentencePlan]) -> tuple[tuple[int, float, float], ...]:
    return tuple((c.window.media.index, c.start, c.end) for plan in plans for c in plan.clips)


def plan_outputs(
    model: RelevanceModel,
    count: int,
    *,
    temporal: bool,
    single_shot: float | None,
) -> list[list[SentencePlan]]:
    """``count`` outputs for the same sentences, each different from the ones before when possible."""
    import numpy as np

    base = model.matrix()
    usage = np.zeros(len(model.windows))
    outputs: list[list[SentencePlan]] = []
    seen: set[tuple[tuple[int, float, float], ...]] = set()
    for _ in range(count):
        score = base - REUSE_PENALTY * usage[np.newaxis, :]
        plans = plan_output(model, score, temporal=temporal, single_shot=single_shot)
        signature = primary_signature(plans)
        if signature in seen:
            plans = _force_difference(model, score, plans, temporal=temporal, single_shot=single_shot, seen=seen)
            signature = primary_signature(plans)
        seen.add(signature)
        for plan in plans:
            for clip in plan.clips:
                usage[model.windows.index(clip.window)] += 1.0
        outputs.append(plans)
    return outputs


def _force_difference(
    model: RelevanceModel,
    score: npt.NDArray[np.float64],
    plans: list[SentencePlan],
    *,
    temporal: bool,
    single_shot: float | None,
    seen: set[tuple[tuple[int, float, float], ...]],
) -> list[SentencePlan]:
    """Forbid, one at a time, the primary window whose loss hurts least, until the output is new."""
    import numpy as np

    primaries = [(i, model.windows.index(plan.clips[0].window)) for i, plan in enumerate(plans) if plan.clips]
    costs = sorted(
        primaries, key=lambda p: (float(score[p[0], p[1]] - np.delete(score[p[0]], p[1]).max(initial=-9)), p)
    )
    for i, j in costs:
        trial = score.copy()
        trial[i, j] -= 100.0
        candidate = plan_output(model, trial, temporal=temporal, single_shot=single_shot)
        if primary_signature(candidate) not in seen:
            return candidate
    return plans
