"""Optional image-text (CLIP-style) scorer over user-supplied local ONNX weights. Off by default.

No installable package ships CLIP weights (docs/engine.md#the-optional-clip-style-scorer), so the
engine never downloads any: a user who has an exported pair — an image tower and a text tower, e.g.
Chinese-CLIP exported to ONNX — points the engine at the two files and the text tower's WordPiece
``vocab.txt``. The scorer then
embeds one sample picture per second during the decoding pass (cached with the analysis, keyed by the
models' hashes) and each sentence once, and adds the cosine similarity to the relevance of a window.

Conventions (those of the CLIP/Chinese-CLIP ONNX exports): the image tower takes float32 NCHW pixels,
square, normalised with CLIP's mean/std; the text tower takes int64 token ids ``[N, L]`` (and, if it
declares a second input, the attention mask); the first output is the embedding (a 3-D output is
reduced to its first token). Input sizes are read from the models when they are static.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scene_select.cloud.errors import ConfigError
from scene_select.workstation.engine.analyser import Analyser, PassState

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from scene_select.workstation.engine.analysis import MediaAnalysis

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class WordPieceTokenizer:
    """BERT-style WordPiece (what Chinese-CLIP's text tower uses): CJK characters split apart,
    punctuation split off, lower-cased, greedy longest-match sub-words with ``##`` continuations."""

    def __init__(self, vocab_path: Path) -> None:
        try:
            tokens = vocab_path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read the text tower's vocabulary {vocab_path}: {exc}") from exc
        self.vocab = {token.strip(): index for index, token in enumerate(tokens) if token.strip()}
        for special in ("[CLS]", "[SEP]", "[UNK]", "[PAD]"):
            if special not in self.vocab:
                raise ConfigError(f"{vocab_path}: not a WordPiece vocabulary (no {special} token)")

    def encode(self, text: str, length: int) -> list[int]:
        ids = [self.vocab["[CLS]"]]
        for word in self._basic(text):
            ids.extend(self._wordpiece(word))
        ids = [*ids[: length - 1], self.vocab["[SEP]"]]
        return ids + [self.vocab["[PAD]"]] * (length - len(ids))

    @staticmethod
    def _basic(text: str) -> list[str]:
        words: list[str] = []
        current = ""
        for ch in unicodedata.normalize("NFKC", text.lower()):
            cjk = "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
            if ch.isspace() or cjk or unicodedata.category(ch).startswith("P"):
                if current:
                    words.append(current)
                    current = ""
                if not ch.isspace():
                    words.append(ch)
            else:
                current += ch
        if current:
            words.append(current)
        return words

    def _wordpiece(self, word: str) -> list[int]:
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.vocab["[UNK]"]]
            pieces.append(found)
            start = end
        return pieces


class ImageTextScorer:
    """Embeds pictures and sentences with two local ONNX towers; see the module docstring."""

    def __init__(self, image_model: Path, text_model: Path, vocab: Path) -> None:
        for path in (image_model, text_model, vocab):
            if not path.is_file():
                raise ConfigError(f"image-text scorer: {path} is not a file")
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        try:
            self._image = onnxruntime.InferenceSession(str(image_model), options, providers=["CPUExecutionProvider"])
            self._text = onnxruntime.InferenceSession(str(text_model), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
            raise ConfigError(f"image-text scorer: cannot load the ONNX models: {exc}") from exc
        self.tokenizer = WordPieceTokenizer(vocab)
        image_input = self._image.get_inputs()[0]
        self.image_size = _static(image_input.shape, 2, 224)
        text_inputs = self._text.get_inputs()
        self.context_length = _static(text_inputs[0].shape, 1, 52)
        self._text_input_names = [i.name for i in text_inputs]
        digest = hashlib.sha256()
        for path in (image_model, text_model, vocab):
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        self.scorer_id = "onnx-" + digest.hexdigest()[:16]

    def embed_images(self, pictures: Sequence[npt.NDArray[np.uint8]]) -> list[list[float]]:
        import numpy as np

        batch = np.stack([self._preprocess(p) for p in pictures])
        name = self._image.get_inputs()[0].name
        output = np.asarray(self._image.run(None, {name: batch})[0], dtype=np.float64)
        return [list(map(float, v)) for v in _normalise(output)]

    def embed_texts(self, texts: Sequence[str]) -> list[list[float]]:
        import numpy as np

        ids = np.array([self.tokenizer.encode(t, self.context_length) for t in texts], dtype=np.int64)
        feeds: dict[str, Any] = {self._text_input_names[0]: ids}
        if len(self._text_input_names) > 1:
            feeds[self._text_input_names[1]] = (ids != self.tokenizer.vocab["[PAD]"]).astype(np.int64)
        output = np.asarray(self._text.run(None, feeds)[0], dtype=np.float64)
        if output.ndim == 3:
            output = output[:, 0, :]
        return [list(map(float, v)) for v in _normalise(output)]

    def _preprocess(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        import cv2
        import numpy as np

        height, width = rgb.shape[:2]
        scale = self.image_size / min(height, width)
        resized = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))))
        top = (resized.shape[0] - self.image_size) // 2
        left = (resized.shape[1] - self.image_size) // 2
        crop = resized[top : top + self.image_size, left : left + self.image_size].astype(np.float32) / 255.0
        normalised = (crop - np.array(CLIP_MEAN, dtype=np.float32)) / np.array(CLIP_STD, dtype=np.float32)
        return np.ascontiguousarray(normalised.transpose(2, 0, 1), dtype=np.float32)


class EmbeddingAnalyser(Analyser):
    """The analyser that embeds the once-a-second samples with an :class:`ImageTextScorer` during the pass;
    the vectors are stored under the scorer's id (the analysis cache keys on it too)."""

    name = "embeddings"

    def __init__(self, scorer: ImageTextScorer) -> None:
        self.scorer = scorer
        self.embeddings: list[tuple[float, list[float]]] = []

    def plan_sample(self, t: float, state: PassState) -> object | None:
        return True if state.scheduled else None

    def on_sample(self, t: float, rgb: npt.NDArray[np.uint8], plan: object) -> None:
        vector = self.scorer.embed_images([rgb])[0]
        self.embeddings.append((round(t, 3), [round(float(v), 5) for v in vector]))

    def complete(self, analysis: MediaAnalysis, state: PassState) -> None:
        analysis.embeddings[self.scorer.scorer_id] = self.embeddings


def _static(shape: Sequence[Any], axis: int, default: int) -> int:
    value = shape[axis] if len(shape) > axis else None
    return value if isinstance(value, int) and value > 0 else default


def _normalise(vectors: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12))


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(x * y for x, y in zip(a, b, strict=False)))
